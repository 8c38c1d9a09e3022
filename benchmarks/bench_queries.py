"""Queries over 10,000 datasets and data IDs: InMemoryButler beside a real Butler.

Three sides, over the same repository: ``--visits`` visits (default 100)
and ``--detectors`` detectors (default 100) of instrument ``Cam``, with
their physical filter, day and records, and one ``calexp`` dataset (storage
class ``StructuredDataDict``, dimensions ``instrument``, ``visit`` and
``detector``) for each visit and detector: 10,000 datasets and data IDs.

``daf_butler``
    A real Butler made with daf_butler's ``makeTestRepo`` (an SQLite
    registry in a temporary directory); the datasets are inserted with
    ``registry.insertDatasets`` (queries read only the registry).
``memstore_daf``
    ``InMemoryButler`` in daf_butler mode, made with
    ``pytest_memstore.testrepo.makeTestRepo`` and the same records; the
    datasets are put.
``memstore``
    The standalone ``InMemoryButler`` (no dimension records): the dataset
    queries only.

The queries (`QUERIES`) are timed one by one: a first call (the first time
that query runs on that butler, after one warm-up query of another kind,
so that daf_butler's ``where`` parser is loaded on both sides), then
``--rounds`` (default 5) calls, the sides taking turns; the tables show
the first call and the median of the rounds, in milliseconds, with every
timed call's garbage collector paused. Each query's results are checked
(their number, the same on every side) outside the timed calls.

The scan check: with 10,000 datasets of another type (``background``)
added to each of our butlers, a query of ``calexp`` for one visit reads
the datasets of ``calexp`` only (the registry's tables of other types are
never asked for), and takes about as long as it did before they were
added.

Examples
--------
From the root of the repository, with the bench extra installed::

    python benchmarks/bench_queries.py
    python benchmarks/bench_queries.py --rounds 9 --json queries.json

The ``## Targets`` table checks the issue's target: ``query_datasets`` and
``query_data_ids`` over 10,000 results at least 20 times faster than the
real Butler (`TARGET_RATIO`) on their first call, since a test runs a
query once (the median of the rounds, the query run again, is shown
beside it), in daf_butler mode and, for ``query_datasets``, standalone.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import _daf_butler_side
import _environment
from bench_ops import timed

INSTRUMENT = "Cam"
RUN = "bench"
DATASET_TYPE = "calexp"
OTHER_TYPE = "background"
DIMENSIONS = ("instrument", "visit", "detector")
CAM = f"instrument = '{INSTRUMENT}'"

DAF = "daf_butler"
MEMSTORE_DAF = "memstore_daf"
MEMSTORE = "memstore"
SIDES = (DAF, MEMSTORE_DAF, MEMSTORE)

TARGET_RATIO = 20.0
"""The issue's target: how many times faster than the real Butler, over 10,000 results."""

TARGETED = ("datasets_all", "data_ids_all")
"""The queries the target is about."""

SIZES: tuple[_environment.Size, ...] = (
    ("--visits", 100, "visits, at least 2 (datasets: visits x detectors)"),
    ("--detectors", 100, "detectors, at least 2"),
    ("--rounds", 5, "timed calls of each query on each side, after the first"),
)


@dataclass(frozen=True)
class Query:
    """One query: its key, its label, what it gives and how each side runs it.

    ``run`` takes the butler; ``standalone`` says whether the standalone
    butler (no records) runs it too.
    """

    key: str
    label: str
    run: Callable[[Any], Sequence[Any]]
    expected: Callable[[int, int], int]
    standalone: bool


QUERIES: tuple[Query, ...] = (
    Query(
        "datasets_all",
        "query_datasets, every dataset",
        lambda b: b.query_datasets(DATASET_TYPE, RUN, limit=None),
        lambda visits, detectors: visits * detectors,
        True,
    ),
    Query(
        "datasets_visit",
        "query_datasets, where one visit",
        lambda b: b.query_datasets(DATASET_TYPE, RUN, where=f"{CAM} AND visit = 1", limit=None),
        lambda visits, detectors: detectors,
        True,
    ),
    Query(
        "datasets_data_id",
        "query_datasets, one data ID",
        lambda b: b.query_datasets(
            DATASET_TYPE, RUN, instrument=INSTRUMENT, visit=1, detector=1, limit=None
        ),
        lambda visits, detectors: 1,
        True,
    ),
    Query(
        "registry_datasets",
        "registry.queryDatasets, every dataset",
        lambda b: list(b.registry.queryDatasets(DATASET_TYPE, collections=RUN)),
        lambda visits, detectors: visits * detectors,
        True,
    ),
    Query(
        "data_ids_all",
        "query_data_ids, every visit and detector",
        lambda b: b.query_data_ids(["visit", "detector"], instrument=INSTRUMENT, limit=None),
        lambda visits, detectors: visits * detectors,
        False,
    ),
    Query(
        "data_ids_field",
        "query_data_ids, where a detector's full_name",
        lambda b: b.query_data_ids(
            ["visit", "detector"], where=f"{CAM} AND detector.full_name = 'D1'", limit=None
        ),
        lambda visits, detectors: visits,
        False,
    ),
    Query(
        "registry_data_ids",
        "registry.queryDataIds, every visit and detector",
        lambda b: list(b.registry.queryDataIds(["visit", "detector"], instrument=INSTRUMENT)),
        lambda visits, detectors: visits * detectors,
        False,
    ),
    Query(
        "records",
        "query_dimension_records, every visit",
        lambda b: b.query_dimension_records("visit", instrument=INSTRUMENT, limit=None),
        lambda visits, detectors: visits,
        False,
    ),
)


# -- the repositories ---------------------------------------------------------------


def insert_records(butler: Any, visits: int, detectors: int) -> None:
    """Insert the instrument, its filter, day, detectors and visits; register ``calexp``."""
    from lsst.daf.butler import DatasetType

    registry = butler.registry
    registry.insertDimensionData(
        "instrument",
        {"name": INSTRUMENT, "detector_max": detectors + 1, "visit_max": visits + 1},
    )
    registry.insertDimensionData(
        "physical_filter", {"instrument": INSTRUMENT, "name": "cam_g", "band": "g"}
    )
    registry.insertDimensionData("day_obs", {"instrument": INSTRUMENT, "id": 20240101})
    registry.insertDimensionData(
        "detector",
        *({"instrument": INSTRUMENT, "id": d, "full_name": f"D{d}"} for d in range(detectors)),
    )
    registry.insertDimensionData(
        "visit",
        *(
            {"instrument": INSTRUMENT, "id": v, "physical_filter": "cam_g", "day_obs": 20240101}
            for v in range(visits)
        ),
    )
    registry.registerDatasetType(
        DatasetType(DATASET_TYPE, DIMENSIONS, "StructuredDataDict", universe=butler.dimensions)
    )
    registry.registerRun(RUN)


def data_ids(visits: int, detectors: int) -> list[dict[str, Any]]:
    return [
        {"instrument": INSTRUMENT, "visit": v, "detector": d}
        for v in range(visits)
        for d in range(detectors)
    ]


@contextmanager
def daf_butler_side(visits: int, detectors: int) -> Iterator[Any]:
    """Yield a real Butler over the workload's repository (removed afterwards)."""
    from lsst.daf.butler.tests import makeTestRepo

    with tempfile.TemporaryDirectory(prefix="bench_queries_") as root:
        butler = makeTestRepo(root)
        insert_records(butler, visits, detectors)
        datasetType = butler.get_dataset_type(DATASET_TYPE)
        butler.registry.insertDatasets(datasetType, data_ids(visits, detectors), run=RUN)
        try:
            yield butler
        finally:
            butler.close()


def memstore_daf_side(visits: int, detectors: int) -> Any:
    """Return InMemoryButler in daf_butler mode over the workload's repository."""
    from pytest_memstore.testrepo import makeTestRepo

    butler = makeTestRepo("unused")
    insert_records(butler, visits, detectors)
    writer = butler.clone(run=RUN)
    for data_id in data_ids(visits, detectors):
        writer.put({}, DATASET_TYPE, data_id)
    return butler


def memstore_side(visits: int, detectors: int) -> Any:
    """Return the standalone InMemoryButler with the workload's datasets (no records)."""
    from pytest_memstore import DatasetType, InMemoryButler

    butler = InMemoryButler(run=RUN)
    butler.registry.registerDatasetType(DatasetType(DATASET_TYPE, DIMENSIONS, "StructuredDataDict"))
    for data_id in data_ids(visits, detectors):
        butler.put({}, DATASET_TYPE, data_id)
    return butler


def warm_up(butler: Any) -> None:
    """Run one query of another kind: loads the where parser, the SQL machinery."""
    butler.query_datasets(DATASET_TYPE, RUN, where=f"{CAM} AND visit = 0 AND detector = 0")


# -- timing ----------------------------------------------------------------------------


Times = dict[str, dict[str, dict[str, Any]]]
"""Query key to side to ``{"first": ms, "rounds": [ms, ...], "n": results}``."""


def time_queries(butlers: dict[str, Any], rounds: int, visits: int, detectors: int) -> Times:
    """Time every query on every side that runs it; check each result's size."""
    times: Times = {}
    for query in QUERIES:
        sides = [s for s in SIDES if s in butlers and (query.standalone or s != MEMSTORE)]
        times[query.key] = {}
        for side in sides:
            seconds, found = timed(partial(query.run, butlers[side]))
            times[query.key][side] = {"first": seconds * 1e3, "rounds": [], "n": len(found)}
        for round_index in range(rounds):
            order = sides if round_index % 2 == 0 else sides[::-1]
            for side in order:
                seconds, found = timed(partial(query.run, butlers[side]))
                times[query.key][side]["rounds"].append(seconds * 1e3)
        expected = query.expected(visits, detectors)
        for side, entry in times[query.key].items():
            assert entry["n"] == expected, (
                f"{query.label} on {side}: {entry['n']} results, expected {expected}"
            )
    return times


@contextmanager
def tables_read(butler: Any) -> Iterator[list[str]]:
    """Record the dataset types whose registry tables ``butler`` reads meanwhile."""
    registry = butler.registry_state
    original = registry.dataset_tables
    read: list[str] = []

    def recorded(name: str, collections: Any) -> Any:
        read.append(name)
        return original(name, collections)

    registry.dataset_tables = recorded
    try:
        yield read
    finally:
        del registry.dataset_tables


def scan_check(butlers: dict[str, Any], rounds: int, visits: int, detectors: int) -> list[str]:
    """Add 10,000 datasets of another type to our butlers; check one type's query ignores them.

    Returns the lines of the ``## Scan check`` table.
    """
    query = next(q for q in QUERIES if q.key == "datasets_visit")
    lines = [
        "| side | dataset types read | before (ms) | after (ms) | after/before |",
        "|---|---|---:|---:|---:|",
    ]
    for side in (MEMSTORE_DAF, MEMSTORE):
        butler = butlers[side]
        before = statistics.median(
            timed(partial(query.run, butler))[0] * 1e3 for _ in range(rounds)
        )
        add_other_type(butler, side, visits, detectors)
        with tables_read(butler) as read:
            query.run(butler)
        after = statistics.median(
            timed(partial(query.run, butler))[0] * 1e3 for _ in range(rounds)
        )
        assert read == [DATASET_TYPE], f"{side}: a query of {DATASET_TYPE} read {read}'s tables"
        lines.append(
            f"| {side} | {', '.join(sorted(set(read)))} | {before:.2f} | {after:.2f} "
            f"| {after / before:.2f}x |"
        )
    return lines


def add_other_type(butler: Any, side: str, visits: int, detectors: int) -> None:
    """Register ``background`` and put one of each visit and detector."""
    if side == MEMSTORE:
        from pytest_memstore import DatasetType

        butler.registry.registerDatasetType(
            DatasetType(OTHER_TYPE, DIMENSIONS, "StructuredDataDict")
        )
        writer = butler
    else:
        from lsst.daf.butler import DatasetType as DafDatasetType

        butler.registry.registerDatasetType(
            DafDatasetType(OTHER_TYPE, DIMENSIONS, "StructuredDataDict", universe=butler.dimensions)
        )
        writer = butler.clone(run=RUN)
    for data_id in data_ids(visits, detectors):
        writer.put({}, OTHER_TYPE, data_id)


# -- report --------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if value < 1 else f"{value:.2f}"


def _ratio(real: float | None, ours: float | None) -> str:
    return "n/a" if real is None or ours is None else f"{real / ours:.1f}x"


def table(times: Times, which: str) -> list[str]:
    """Return the Markdown table of ``which`` (``first`` or ``median``) times."""
    lines = [
        f"| query | results | {DAF} ms | {MEMSTORE_DAF} ms | {MEMSTORE} ms "
        f"| {DAF}/{MEMSTORE_DAF} | {DAF}/{MEMSTORE} |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for query in QUERIES:
        entries = times.get(query.key, {})
        values = {side: _value(entries.get(side), which) for side in SIDES}
        results = next((entry["n"] for entry in entries.values()), 0)
        lines.append(
            f"| {query.label} | {results} | {_ms(values[DAF])} | {_ms(values[MEMSTORE_DAF])} "
            f"| {_ms(values[MEMSTORE])} | {_ratio(values[DAF], values[MEMSTORE_DAF])} "
            f"| {_ratio(values[DAF], values[MEMSTORE])} |"
        )
    return lines


def _value(entry: dict[str, Any] | None, which: str) -> float | None:
    if entry is None:
        return None
    if which == "first":
        return float(entry["first"])
    return float(statistics.median(entry["rounds"]))


def targets(times: Times) -> list[str]:
    """Return the ``## Targets`` table: each targeted query's first call, on each of our butlers.

    A test runs a query once: the first call is judged; the median of the
    rounds is shown beside it.
    """
    rows = []
    for query in QUERIES:
        if query.key not in TARGETED:
            continue
        entries = times[query.key]
        real = entries.get(DAF)
        for side in (MEMSTORE_DAF, MEMSTORE):
            if side == MEMSTORE and not query.standalone:
                continue
            label = f"{query.label} ({side}): ≥ {TARGET_RATIO:g}x the real Butler, first call"
            ours = entries.get(side)
            if real is None or ours is None:
                rows.append((label, "skipped", None))
                continue
            first = _value(real, "first") / _value(ours, "first")  # type: ignore[operator]
            warm = _value(real, "median") / _value(ours, "median")  # type: ignore[operator]
            rows.append((label, f"{first:.1f}x ({warm:.1f}x run again)", first >= TARGET_RATIO))
    return _environment.targets_table(rows, measured="real Butler / ours")


# -- main ------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time daf_butler-mode queries over 10,000 datasets beside a real Butler."
    )
    _environment.add_size_arguments(parser, SIZES)
    parser.add_argument(
        "--no-daf", action="store_true", help="leave the real Butler out (no daf_butler column)"
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="save the raw results here")
    args = parser.parse_args(argv)
    _environment.require_positive(parser, args, SIZES)
    if args.visits < 2 or args.detectors < 2:
        parser.error("--visits and --detectors must be at least 2 (the queries read visit 1)")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    visits, detectors, rounds = args.visits, args.detectors, args.rounds
    env = {
        "machine": _environment.machine(),
        "versions": {**_environment.package_versions(), **_daf_butler_side.versions()},
    }
    _environment.print_environment(env)
    if not _daf_butler_side.available():
        print("\nSKIPPED: this benchmark needs lsst-daf-butler (the bench extra)")
        return 0
    print(
        f"\n{visits} visits x {detectors} detectors = {visits * detectors} datasets and data "
        f"IDs; first call, then the median of {rounds} calls, gc paused; milliseconds.\n",
        flush=True,
    )
    started = time.perf_counter()
    butlers = {
        MEMSTORE_DAF: memstore_daf_side(visits, detectors),
        MEMSTORE: memstore_side(visits, detectors),
    }
    with _maybe_daf_butler(not args.no_daf, visits, detectors) as real:
        if real is not None:
            butlers[DAF] = real
        for butler in butlers.values():
            warm_up(butler)
        times = time_queries(butlers, rounds, visits, detectors)
    print(f"(set-up and queries: {time.perf_counter() - started:.1f} s)\n", file=sys.stderr)
    scan = scan_check(butlers, rounds, visits, detectors)
    _environment.note_end_load(env)
    print("## Queries (median of the rounds)\n")
    print("\n".join(table(times, "median")))
    print("\n## Queries (first call)\n")
    print("\n".join(table(times, "first")))
    print(f"\n## Scan check ({visits * detectors} datasets of another type added)\n")
    print("\n".join(scan))
    print("\n## Targets\n")
    print("\n".join(targets(times)))
    if args.json is not None:
        payload = {
            "benchmark": "bench_queries",
            "parameters": {"visits": visits, "detectors": detectors, "rounds": rounds},
            **env,
            "unit": "milliseconds per query",
            "results": times,
            "scan_check": scan,
        }
        _environment.write_json(args.json, payload)
    return 0


@contextmanager
def _maybe_daf_butler(wanted: bool, visits: int, detectors: int) -> Iterator[Any]:
    if not wanted:
        yield None
        return
    with daf_butler_side(visits, detectors) as butler:
        yield butler


if __name__ == "__main__":
    sys.exit(main())
