"""Per-operation benchmark: InMemoryButler next to the InMemoryDatastore under it.

What a Butler call costs on top of the datastore call it ends in, in
microseconds per operation, over ``--n`` datasets (default 20000) of the
dataset type ``metric`` (dimensions ``instrument`` and ``visit``, storage
class ``StructuredDataDict``):

- **put, resolved ref**: ``datastore.put(obj, ref)`` against
  ``butler.put(obj, ref)`` (the butler also records the ref in its run).
- **put, new dataset**: ``DatasetRef(datasetType, dataId, run)`` then
  ``datastore.put``, against ``butler.put(obj, "metric", dataId)`` (the
  butler also resolves the dataset type, checks the data ID and records it).
- **get by ref**: ``datastore.get(ref)`` against ``butler.get(ref)``.
- **get by data ID**: ``datastore.get(ref)`` against
  ``butler.get("metric", dataId)``, which searches the default collections.
- **exists by ref**: ``datastore.exists(ref)`` against ``butler.exists(ref)``
  (a `DatasetExistence` from registry and datastore).
- **exists by data ID**: ``butler.exists("metric", dataId)`` only.
- **query_datasets**: one ``query_datasets("metric", where="visit >= 0",
  limit=None)`` returning all ``--n`` refs, divided by ``--n``; butler only.
- **where parsed**: `parse_where` of ``WHERE_TEXTS`` distinct expressions
  with range literals, each new to the process (first time), then the same
  ones again (from the cache); per expression, butler only.

Every timed section runs with the garbage collector paused (`bench_ops.timed`).
The rounds (``--rounds``, default 5) are interleaved: each round runs both
sides, alternating which goes first; the tables show the median and the best
(minimum) round. An untimed warm-up round with a small workload comes first.
Results are checked outside the timed sections.

Examples
--------
From the root of the repository, in an environment with the package
installed (``pip install -e .``)::

    python benchmarks/bench_butler.py
    python benchmarks/bench_butler.py --n 50000 --rounds 7 --json butler.json
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import _environment
from bench_ops import timed

from pytest_memstore import (
    DatasetRef,
    DatasetType,
    InMemoryButler,
    InMemoryDatastore,
    default_storage_classes,
    parse_where,
)

RUN = "bench"
INSTRUMENT = "DummyCam"
DATASET_TYPE = "metric"
DATASTORE = "InMemoryDatastore"
BUTLER = "InMemoryButler"
SIDES = (DATASTORE, BUTLER)

SIZES: tuple[_environment.Size, ...] = (
    ("--n", 20_000, "datasets per workload"),
    ("--rounds", 5, "interleaved rounds; medians and minima are shown"),
)

OPERATIONS: tuple[tuple[str, str], ...] = (
    ("put_ref", "put, resolved ref"),
    ("put_new", "put, new dataset"),
    ("get_ref", "get by ref"),
    ("get_data_id", "get by data ID"),
    ("exists_ref", "exists by ref"),
    ("exists_data_id", "exists by data ID"),
    ("query", "query_datasets (per dataset)"),
    ("where_first", "where parsed, first time"),
    ("where_again", "where parsed again (cached)"),
)
"""Result keys and the row labels of the table, in table order."""


WHERE_TEXTS = 200
"""How many expressions the where rows parse (fewer than the cache holds)."""

_where_batches = itertools.count()
"""Numbers the batches of expressions, so that each batch is new to the cache."""


def dataset_type() -> DatasetType:
    storage_class = default_storage_classes().getStorageClass("StructuredDataDict")
    return DatasetType(DATASET_TYPE, ("instrument", "visit"), storage_class)


def per_op(seconds: float, n: int) -> float:
    return seconds / n * 1e6


def datastore_workload(
    objs: Sequence[Any], data_ids: Sequence[dict[str, Any]]
) -> dict[str, float]:
    """Time the datastore calls; return microseconds per operation."""
    n = len(objs)
    datasetType = dataset_type()
    refs = [DatasetRef(datasetType, data_id, RUN) for data_id in data_ids]
    out: dict[str, float] = {}

    store = InMemoryDatastore()
    put, get, exists = store.put, store.get, store.exists

    def put_refs() -> None:
        for obj, ref in zip(objs, refs, strict=True):
            put(obj, ref)

    out["put_ref"] = per_op(timed(put_refs)[0], n)
    seconds, got = timed(lambda: [get(ref) for ref in refs])
    out["get_ref"] = out["get_data_id"] = per_op(seconds, n)
    assert got == list(objs), "datastore: get did not return what was put"
    seconds, found = timed(lambda: [exists(ref) for ref in refs])
    out["exists_ref"] = per_op(seconds, n)
    assert all(found), "datastore: exists is false for a stored dataset"

    fresh = InMemoryDatastore()
    fresh_put = fresh.put

    def put_new() -> None:
        for obj, data_id in zip(objs, data_ids, strict=True):
            fresh_put(obj, DatasetRef(datasetType, data_id, RUN))

    out["put_new"] = per_op(timed(put_new)[0], n)
    assert len(fresh.records) == n, "datastore: a put of a new ref was lost"
    return out


def butler_workload(objs: Sequence[Any], data_ids: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Time the butler calls; return microseconds per operation."""
    n = len(objs)
    out: dict[str, float] = {}

    butler = InMemoryButler(run=RUN)
    butler.registry.registerDatasetType(dataset_type())
    put, get, exists = butler.put, butler.get, butler.exists

    def put_new() -> list[DatasetRef]:
        pairs = zip(objs, data_ids, strict=True)
        return [put(obj, DATASET_TYPE, data_id) for obj, data_id in pairs]

    seconds, refs = timed(put_new)
    out["put_new"] = per_op(seconds, n)
    seconds, got = timed(lambda: [get(ref) for ref in refs])
    out["get_ref"] = per_op(seconds, n)
    assert got == list(objs), "butler: get by ref did not return what was put"
    seconds, got = timed(lambda: [get(DATASET_TYPE, data_id) for data_id in data_ids])
    out["get_data_id"] = per_op(seconds, n)
    assert got == list(objs), "butler: get by data ID did not return what was put"
    seconds, found = timed(lambda: [exists(ref) for ref in refs])
    out["exists_ref"] = per_op(seconds, n)
    assert all(found), "butler: exists(ref) is false for a stored dataset"
    seconds, found = timed(lambda: [exists(DATASET_TYPE, data_id) for data_id in data_ids])
    out["exists_data_id"] = per_op(seconds, n)
    assert all(found), "butler: exists by data ID is false for a stored dataset"
    seconds, queried = timed(
        lambda: butler.query_datasets(DATASET_TYPE, where="visit >= 0", limit=None)
    )
    out["query"] = per_op(seconds, n)
    assert len(queried) == n, "butler: query_datasets missed datasets"

    first = next(_where_batches) * WHERE_TEXTS
    texts = [
        f"instrument = 'DummyCam' AND visit IN ({i}..{i + 9}:3, {i + 20}) AND NOT visit = {i}"
        for i in range(first, first + WHERE_TEXTS)
    ]
    dimensions = dataset_type().dimensions

    def parse_all() -> list[Any]:
        return [parse_where(text, dimensions=dimensions) for text in texts]

    seconds, clauses = timed(parse_all)
    out["where_first"] = per_op(seconds, WHERE_TEXTS)
    seconds, again = timed(parse_all)
    out["where_again"] = per_op(seconds, WHERE_TEXTS)
    assert clauses[0]({"instrument": INSTRUMENT, "visit": first + 3}), "where: wrong clause"
    assert again == clauses, "where: parsed again into another clause"

    fresh = InMemoryButler(run=RUN)
    fresh.registry.registerDatasetType(dataset_type())
    fresh_put = fresh.put

    def put_refs() -> None:
        for obj, ref in zip(objs, refs, strict=True):
            fresh_put(obj, ref)

    out["put_ref"] = per_op(timed(put_refs)[0], n)
    assert fresh.registry_state.count() == n, "butler: a put of a resolved ref was lost"
    return out


WORKLOADS: dict[str, Callable[[Sequence[Any], Sequence[dict[str, Any]]], dict[str, float]]] = {
    DATASTORE: datastore_workload,
    BUTLER: butler_workload,
}


# -- report ------------------------------------------------------------------------


def _us(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if value < 10 else f"{value:.2f}"


def table(values: dict[str, dict[str, float]]) -> list[str]:
    lines = [
        f"| operation | {DATASTORE} µs | {BUTLER} µs | butler/datastore |",
        "|---|---:|---:|---:|",
    ]
    for key, label in OPERATIONS:
        store = values[DATASTORE].get(key)
        butler = values[BUTLER].get(key)
        ratio = "—" if store is None or butler is None else f"{butler / store:.2f}x"
        lines.append(f"| {label} | {_us(store)} | {_us(butler)} | {ratio} |")
    return lines


def summarize(
    results: dict[str, dict[str, list[float]]], reduce: Callable[[list[float]], float]
) -> dict[str, dict[str, float]]:
    return {side: {op: reduce(v) for op, v in ops.items()} for side, ops in results.items()}


# -- main --------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time InMemoryButler calls against the InMemoryDatastore calls under them."
    )
    _environment.add_size_arguments(parser, SIZES)
    parser.add_argument("--json", type=Path, metavar="PATH", help="save the raw results here")
    args = parser.parse_args(argv)
    _environment.require_positive(parser, args, SIZES)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    n, rounds = args.n, args.rounds
    env = {"machine": _environment.machine(), "versions": _environment.package_versions()}
    _environment.print_environment(env)
    print(
        f"\nN={n} datasets, {rounds} interleaved rounds, gc paused in every timed section; "
        "µs per operation.\n",
        flush=True,
    )
    objs = [{"visit": i, "value": float(i)} for i in range(n)]
    data_ids = [{"instrument": INSTRUMENT, "visit": i} for i in range(n)]

    warm = min(n, 1_000)
    for workload in WORKLOADS.values():
        workload(objs[:warm], data_ids[:warm])

    results: dict[str, dict[str, list[float]]] = {side: {} for side in SIDES}
    orders = []
    started = time.perf_counter()
    for round_index, order in _environment.interleaved(SIDES, rounds):
        orders.append(list(order))
        for side in order:
            for op, value in WORKLOADS[side](objs, data_ids).items():
                results[side].setdefault(op, []).append(value)
        _environment.report_round(round_index, rounds, order, started)

    _environment.note_end_load(env)
    med = summarize(results, statistics.median)
    best = summarize(results, min)
    print("## Operations (median of the rounds)\n")
    print("\n".join(table(med)))
    print("\n## Operations (best round)\n")
    print("\n".join(table(best)))
    if args.json is not None:
        payload = {
            "benchmark": "bench_butler",
            "parameters": {"n": n, "rounds": rounds},
            **env,
            "unit": "microseconds per operation",
            "round_orders": orders,
            "results": results,
            "medians": med,
            "minima": best,
        }
        _environment.write_json(args.json, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
