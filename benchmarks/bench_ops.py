"""Per-operation benchmark: pytest-memstore next to daf_butler and a raw-dict floor.

One process runs the same workload on four implementations:

``daf_butler``
    LSST daf_butler's own ``InMemoryDatastore``, built standalone over the
    ``DummyDatastoreRegistryBridgeManager`` of ``lsst.daf.butler.tests``
    (see ``_daf_butler_side.py``). Skipped, with a message saying so, when
    ``lsst.daf.butler`` cannot be imported.
``memstore``
    `pytest_memstore.InMemoryDatastore`, as the ``memstore`` fixture builds it,
    with our own `pytest_memstore.DatasetRef` objects.
``memstore+daf_refs``
    The same store driven with daf_butler's own objects, as a daf_butler user
    passes them: refs built exactly as for the ``daf_butler`` column
    (``lsst.daf.butler`` ``DatasetType`` with a storage class from its
    ``StorageClassFactory``, ``DataCoordinate`` data IDs, ``DatasetRef``),
    with no translation. Skipped with the ``daf_butler`` column.
``floor``
    A raw-dict floor: a dict of objects, a record (a tuple) per dataset ID, a
    parent index and an insertion-ordered trash (a dict), with no checks, no
    lock, no counters and no transactions. It is driven with *our* `pytest_memstore.DatasetRef`
    objects, whose ``id`` is a plain slot, so it shows the least any
    datastore written in Python over those refs can cost.

What is measured, in microseconds per operation:

- **store construction**: building ``--stores`` stores (default 2000), one
  after the other. daf_butler: ``InMemoryDatastore(config, bridgeManager)``
  with the ``DatastoreConfig`` built once and a fresh bridge manager per
  store (ours builds a fresh bridge manager per store too); a second figure
  with a fresh ``DatastoreConfig`` per store is printed below the table.
  floor: four empty containers.
- **ref construction**: building ``--n`` refs (default 20000) with distinct
  data IDs and fresh dataset IDs. memstore:
  ``DatasetRef(datasetType, {"instrument": "DummyCam", "visit": i})`` (a
  fresh ``uuid4`` each). daf_butler: ``DataCoordinate.standardize`` then
  ``DatasetRef(datasetType, dataId, run=...)`` (the same for
  ``memstore+daf_refs``, whose refs these are). floor: a four-slot object
  holding the dataset type, a copy of the data ID dict, the run and
  ``uuid.uuid4()``.
- **put**, **get**, **exists**: one call per ref over the ``--n`` refs.
- **trash (bulk)**: one ``trash(list_of_refs)`` call, divided by ``--n``.
- **emptyTrash**: one ``emptyTrash()`` of the ``--n`` trashed refs, divided
  by ``--n``; and again with ``4 * --n`` refs, to check that the cost per
  emptied dataset does not grow with the size of the trash (the floor's own
  growth shows how much of it is cache effects rather than the algorithm).

Every timed section runs with the garbage collector paused (``gc.collect()``
then ``gc.disable()`` before it, ``gc.enable()`` after it). The rounds
(``--rounds``, default 5) are interleaved: each round runs every
implementation in turn, and the order rotates from one round to the next;
the first table shows the median over the rounds, the second the best
(minimum) round, which is the steadier figure on a busy machine. An untimed
warm-up round with a small workload comes first. Results are checked outside the timed sections
(``get`` returns what was put, trashed data still exists, emptied data does
not).

Examples
--------
From a fresh virtual environment at the root of the repository::

    python -m venv .venv-bench
    .venv-bench/bin/pip install -e ".[bench]"
    .venv-bench/bin/python benchmarks/bench_ops.py
    .venv-bench/bin/python benchmarks/bench_ops.py --n 50000 --rounds 7 --json ops.json

Without the ``bench`` extra (``pip install -e .``) the two columns that need
daf_butler (``daf_butler`` and ``memstore+daf_refs``) are skipped and the
other two are still measured; ``--no-daf`` skips them too.
``--log-size N`` and ``--detect-mutation`` build the memstore stores with those
test tools on.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import importlib.util
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import _environment

from pytest_memstore import DatasetRef, DatasetType, InMemoryDatastore, default_storage_classes

T = TypeVar("T")

INSTRUMENT = "DummyCam"
RUN = "bench"
DIMENSIONS = ("instrument", "visit")
STORAGE_CLASS = "StructuredDataDict"
DAF = "daf_butler"
MEMSTORE = "memstore"
DAF_REFS = "memstore+daf_refs"
FLOOR = "floor"
IMPLEMENTATIONS = (DAF, MEMSTORE, DAF_REFS, FLOOR)
"""Every column, in table order; the first and third need daf_butler."""

SIZES: tuple[_environment.Size, ...] = (
    ("--n", 20_000, "refs per workload"),
    ("--rounds", 5, "interleaved rounds; medians are shown"),
    ("--stores", 2_000, "stores built per round"),
)
"""The integer options, in the order ``--help`` lists them first."""

OPERATIONS: tuple[tuple[str, str], ...] = (
    ("store", "store construction"),
    ("ref", "ref construction"),
    ("put", "put"),
    ("get", "get"),
    ("exists", "exists"),
    ("trash", "trash (bulk)"),
    ("emptyTrash", "emptyTrash (N)"),
    ("emptyTrash_4n", "emptyTrash (4N)"),
)
"""Result keys and the row labels of the table, in table order."""


# -- timing ---------------------------------------------------------------------


def timed(func: Callable[[], T]) -> tuple[float, T]:
    """Run ``func`` once with the garbage collector paused; return seconds and result."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        result = func()
        elapsed = time.perf_counter() - start
    finally:
        gc.enable()
    return elapsed, result


# -- the raw-dict floor ----------------------------------------------------------


class Floor:
    """The least a datastore can do: plain dicts, no checks."""

    __slots__ = ("datasets", "records", "related", "trashed")

    def __init__(self) -> None:
        self.datasets: dict[Any, Any] = {}
        self.records: dict[Any, tuple[float, Any, Any, Any]] = {}
        self.related: dict[Any, set[Any]] = {}
        self.trashed: dict[Any, None] = {}

    def put(self, obj: Any, ref: Any) -> None:
        """Store ``obj``, its record and its parent index entry."""
        dataset_id = ref.id
        self.datasets[dataset_id] = obj
        self.records[dataset_id] = (
            time.time(),
            ref.datasetType.storageClass,
            dataset_id,
            dataset_id,
        )
        self.related.setdefault(dataset_id, set()).add(dataset_id)

    def get(self, ref: Any) -> Any:
        """Return the artifact the record of ``ref`` points to."""
        return self.datasets[self.records[ref.id][2]]

    def exists(self, ref: Any) -> bool:
        """Return whether ``ref`` has a record and its artifact is stored."""
        record = self.records.get(ref.id)
        return record is not None and record[2] in self.datasets

    def trash(self, refs: Iterable[Any]) -> None:
        """Add the IDs of ``refs`` to the trash (a dict, so emptied in trash order)."""
        self.trashed.update({ref.id: None for ref in refs})

    def emptyTrash(self) -> None:
        """Drop trashed records, and artifacts no other record refers to."""
        records, related, datasets = self.records, self.related, self.datasets
        for dataset_id in self.trashed:
            record = records.pop(dataset_id, None)
            if record is None:
                continue
            parent = record[2]
            siblings = related[parent]
            siblings.discard(dataset_id)
            if not siblings:
                del related[parent]
                datasets.pop(parent, None)
        self.trashed = {}


class FloorRef:
    """The cheapest object holding what a resolved ref holds."""

    __slots__ = ("dataId", "datasetType", "id", "run")

    def __init__(self, datasetType: Any, dataId: dict[str, Any], run: str, id: Any) -> None:
        self.datasetType = datasetType
        self.dataId = dataId
        self.run = run
        self.id = id


# -- the implementations ----------------------------------------------------------


@dataclass
class Implementation:
    """How to build stores and refs for one column of the table."""

    name: str
    make_store: Callable[[], Any]
    make_refs: Callable[[int], list[Any]]
    """Timed as ref construction."""
    make_workload_refs: Callable[[int], list[Any]]
    """Refs the operations run over (untimed); ``make_refs`` unless it builds stand-ins."""
    extra: dict[str, Callable[[], Any]] = field(default_factory=dict)
    """Other store builders measured for the notes: label -> builder."""


def memstore_dataset_type() -> DatasetType:
    storage_class = default_storage_classes().getStorageClass(STORAGE_CLASS)
    return DatasetType("metric", DIMENSIONS, storage_class)


def memstore_refs(dataset_type: DatasetType, n: int) -> list[DatasetRef]:
    return [DatasetRef(dataset_type, {"instrument": INSTRUMENT, "visit": i}) for i in range(n)]


def memstore_implementation(store_options: dict[str, Any] | None = None) -> Implementation:
    """Build stores with ``store_options`` (the test tools), or as the fixture does."""
    dataset_type = memstore_dataset_type()

    def make_refs(n: int) -> list[DatasetRef]:
        return memstore_refs(dataset_type, n)

    make_store: Callable[[], Any] = (
        partial(InMemoryDatastore, **store_options) if store_options else InMemoryDatastore
    )
    return Implementation(MEMSTORE, make_store, make_refs, make_refs)


def floor_implementation() -> Implementation:
    dataset_type = memstore_dataset_type()
    new_id = uuid.uuid4

    def make_refs(n: int) -> list[FloorRef]:
        return [
            FloorRef(dataset_type, {"instrument": INSTRUMENT, "visit": i}, RUN, new_id())
            for i in range(n)
        ]

    def make_workload_refs(n: int) -> list[DatasetRef]:
        return memstore_refs(dataset_type, n)

    return Implementation(FLOOR, Floor, make_refs, make_workload_refs)


def load_daf_side() -> ModuleType:
    """Import ``_daf_butler_side`` from this directory (it imports no daf_butler by itself)."""
    here = str(Path(__file__).resolve().parent)
    if here not in sys.path:
        sys.path.insert(0, here)
    return importlib.import_module("_daf_butler_side")


def daf_implementation(side: ModuleType) -> Implementation:
    config = side.make_config()
    dataset_type = side.make_dataset_type("metric", DIMENSIONS, STORAGE_CLASS)

    def make_store() -> Any:
        return side.make_store(config=config)

    def make_refs(n: int) -> list[Any]:
        refs: list[Any] = side.make_refs(
            n, dataset_type=dataset_type, run=RUN, instrument=INSTRUMENT
        )
        return refs

    return Implementation(
        DAF,
        make_store,
        make_refs,
        make_refs,
        extra={"store construction with a fresh DatastoreConfig": side.make_store},
    )


def daf_refs_implementation(side: ModuleType) -> Implementation:
    """Our `InMemoryDatastore`, driven with daf_butler's own refs.

    The refs are built as for `daf_implementation`; only the store differs.
    """
    dataset_type = side.make_dataset_type("metric", DIMENSIONS, STORAGE_CLASS)

    def make_refs(n: int) -> list[Any]:
        refs: list[Any] = side.make_refs(
            n, dataset_type=dataset_type, run=RUN, instrument=INSTRUMENT
        )
        return refs

    return Implementation(DAF_REFS, InMemoryDatastore, make_refs, make_refs)


def implementations(
    side: ModuleType | None, store_options: dict[str, Any] | None = None
) -> list[Implementation]:
    """Return the columns to measure, in `IMPLEMENTATIONS` order.

    Parameters
    ----------
    side : `types.ModuleType` or `None`
        ``_daf_butler_side``, or `None` when daf_butler is skipped: then
        only ``memstore`` and ``floor``.
    store_options : `dict`, optional
        Options for the memstore column's stores (the test tools).

    Returns
    -------
    impls : `list` [`Implementation`]
        What each round runs, in the order of its first round.
    """
    if side is None:
        return [memstore_implementation(store_options), floor_implementation()]
    return [
        daf_implementation(side),
        memstore_implementation(store_options),
        daf_refs_implementation(side),
        floor_implementation(),
    ]


# -- the workload ------------------------------------------------------------------


def run_workload(
    impl: Implementation, n: int, n_stores: int, objs: Sequence[Any], objs_4n: Sequence[Any]
) -> dict[str, float]:
    """Run every timed section once for ``impl``; return microseconds per operation."""
    out: dict[str, float] = {}

    seconds, stores = timed(lambda: [impl.make_store() for _ in range(n_stores)])
    out["store"] = seconds / n_stores * 1e6
    del stores

    seconds, timed_refs = timed(lambda: impl.make_refs(n))
    out["ref"] = seconds / n * 1e6
    assert len({ref.id for ref in timed_refs}) == n, f"{impl.name}: dataset IDs are not unique"
    refs = timed_refs if impl.make_workload_refs is impl.make_refs else impl.make_workload_refs(n)
    del timed_refs

    store = impl.make_store()
    put, get, exists = store.put, store.get, store.exists

    def put_all() -> None:
        for obj, ref in zip(objs, refs, strict=True):
            put(obj, ref)

    seconds, _ = timed(put_all)
    out["put"] = seconds / n * 1e6

    seconds, got = timed(lambda: [get(ref) for ref in refs])
    out["get"] = seconds / n * 1e6
    assert got == list(objs), f"{impl.name}: get did not return what was put"

    seconds, found = timed(lambda: [exists(ref) for ref in refs])
    out["exists"] = seconds / n * 1e6
    assert all(found), f"{impl.name}: exists is false for a stored dataset"

    seconds, _ = timed(lambda: store.trash(refs))
    out["trash"] = seconds / n * 1e6
    assert all(exists(ref) for ref in refs), f"{impl.name}: trashed data no longer exists"

    seconds, _ = timed(store.emptyTrash)
    out["emptyTrash"] = seconds / n * 1e6
    assert not any(exists(ref) for ref in refs), f"{impl.name}: emptied data still exists"
    assert not store.datasets, f"{impl.name}: emptyTrash left datasets behind"

    n4 = len(objs_4n)
    big = impl.make_store()
    refs_4n = impl.make_workload_refs(n4)
    for obj, ref in zip(objs_4n, refs_4n, strict=True):
        big.put(obj, ref)
    big.trash(refs_4n)
    seconds, _ = timed(big.emptyTrash)
    out["emptyTrash_4n"] = seconds / n4 * 1e6
    assert not big.datasets, f"{impl.name}: emptyTrash (4N) left datasets behind"
    return out


def run_extra(impl: Implementation, n_stores: int) -> dict[str, float]:
    """Measure ``impl.extra`` store builders on fewer stores (they are slow)."""
    out = {}
    count = max(1, n_stores // 10)

    def build_many(build: Callable[[], Any]) -> list[Any]:
        return [build() for _ in range(count)]

    for label, build in impl.extra.items():
        seconds, _ = timed(partial(build_many, build))
        out[label] = seconds / count * 1e6
    return out


# -- environment -------------------------------------------------------------------


def versions(side: ModuleType | None) -> dict[str, str]:
    found = _environment.package_versions()
    if side is not None:
        found.update({k: v for k, v in side.versions().items() if k != "python"})
    return found


# -- report ------------------------------------------------------------------------


def _us(value: float | None) -> str:
    if value is None:
        return "skipped"
    return f"{value:.3f}" if value < 10 else f"{value:.2f}"


def _ratio(numerator: float | None, denominator: float | None) -> str:
    if numerator is None or denominator is None or denominator == 0:
        return "n/a"
    return f"{numerator / denominator:.2f}x"


def medians(results: dict[str, dict[str, list[float]]]) -> dict[str, dict[str, float]]:
    return {
        impl: {op: statistics.median(values) for op, values in ops.items()}
        for impl, ops in results.items()
    }


def table(med: dict[str, dict[str, float]]) -> list[str]:
    """Return the lines of the operations table, µs per operation and ratios.

    Parameters
    ----------
    med : `dict` [`str`, `dict` [`str`, `float`]]
        Implementation -> operation -> µs (medians or minima); a missing
        implementation shows ``skipped`` and its ratios ``n/a``.

    Returns
    -------
    lines : `list` [`str`]
        One column per implementation, in `IMPLEMENTATIONS` order, then
        daf_butler over memstore (our refs), daf_butler over memstore with
        daf_butler's refs, daf_butler's refs over ours on our store, and
        memstore over the floor.
    """
    lines = [
        "| operation | daf_butler µs | memstore µs | memstore+daf_refs µs | floor µs "
        "| daf_butler/memstore | daf_butler/memstore+daf_refs | memstore+daf_refs/memstore "
        "| memstore/floor |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, label in OPERATIONS:
        daf, ours, daf_refs, floor = (med.get(impl, {}).get(key) for impl in IMPLEMENTATIONS)
        lines.append(
            f"| {label} | {_us(daf)} | {_us(ours)} | {_us(daf_refs)} | {_us(floor)} "
            f"| {_ratio(daf, ours)} | {_ratio(daf, daf_refs)} | {_ratio(daf_refs, ours)} "
            f"| {_ratio(ours, floor)} |"
        )
    return lines


def minima(results: dict[str, dict[str, list[float]]]) -> dict[str, dict[str, float]]:
    return {impl: {op: min(values) for op, values in ops.items()} for impl, ops in results.items()}


def linearity(med: dict[str, dict[str, float]], n: int) -> list[str]:
    lines = [
        f"| implementation | emptyTrash µs/op at N={n} | at 4N={4 * n} | 4N/N per op |",
        "|---|---:|---:|---:|",
    ]
    for impl in IMPLEMENTATIONS:
        ops = med.get(impl)
        if ops is None:
            continue
        small, large = ops["emptyTrash"], ops["emptyTrash_4n"]
        lines.append(f"| {impl} | {_us(small)} | {_us(large)} | {_ratio(large, small)} |")
    return lines


def targets(med: dict[str, dict[str, float]]) -> list[str]:
    ours = med[MEMSTORE]
    floor = med[FLOOR]
    daf = med.get(DAF)
    rows: list[tuple[str, float | None, str, bool | None]] = []
    for op, goal in (("put", 25.0), ("get", 6.0)):
        speedup = None if daf is None else daf[op] / ours[op]
        rows.append(
            (
                f"{op}: daf_butler/memstore ≥ {goal:g}x",
                speedup,
                "x",
                None if speedup is None else speedup >= goal,
            )
        )
    for op in ("put", "get"):
        ratio = ours[op] / floor[op]
        rows.append((f"{op}: memstore/floor ≤ 2x", ratio, "x", ratio <= 2.0))
    rows.append(("store construction ≤ 20 µs", ours["store"], " µs", ours["store"] <= 20.0))
    rows.append(("ref construction ≤ 3 µs", ours["ref"], " µs", ours["ref"] <= 3.0))
    growth = ours["emptyTrash_4n"] / ours["emptyTrash"]
    floor_growth = floor["emptyTrash_4n"] / floor["emptyTrash"]
    rows.append(
        (
            "emptyTrash linear: per-op growth 4N/N ≤ 1.5x or ≤ 1.2 times the floor's "
            f"({floor_growth:.2f}x)",
            growth,
            "x",
            growth <= max(1.5, 1.2 * floor_growth),
        )
    )
    return _environment.targets_table(
        (label, "n/a" if value is None else f"{value:.2f}{unit}", met)
        for label, value, unit, met in rows
    )


# -- main --------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time datastore operations: pytest-memstore, daf_butler, raw-dict floor."
    )
    _environment.add_size_arguments(parser, SIZES)
    parser.add_argument("--json", type=Path, metavar="PATH", help="save the raw results here")
    parser.add_argument(
        "--no-daf", action="store_true", help="skip daf_butler even when it is importable"
    )
    parser.add_argument(
        "--log-size",
        type=int,
        metavar="N",
        help="memstore: keep an operation log of N entries (default: the store's default)",
    )
    parser.add_argument(
        "--detect-mutation",
        action="store_true",
        help="memstore: check stored objects against copies taken at put",
    )
    args = parser.parse_args(argv)
    _environment.require_positive(parser, args, SIZES)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    n, rounds, n_stores = args.n, args.rounds, args.stores

    side: ModuleType | None = load_daf_side()
    skip_reason = side.skip_reason(args.no_daf)
    if skip_reason is not None:
        side = None

    store_options: dict[str, Any] = {}
    if args.log_size is not None:
        store_options["log_size"] = args.log_size
    if args.detect_mutation:
        store_options["detect_mutation"] = True
    if store_options:
        print(f"memstore stores built with {store_options}\n")
    impls = implementations(side, store_options)
    if side is None:
        print(f"daf_butler and {DAF_REFS} columns SKIPPED: {skip_reason}\n")

    env = {"machine": _environment.machine(python_build=True), "versions": versions(side)}
    _environment.print_environment(env)
    print(
        f"\nN={n} refs, 4N={4 * n}, {n_stores} stores per round, {rounds} interleaved rounds, "
        "gc paused in every timed section; medians in µs per operation.\n",
        flush=True,
    )

    objs = [{"visit": i, "value": float(i), "name": f"m{i}"} for i in range(n)]
    objs_4n = [{"visit": i, "value": float(i), "name": f"m{i}"} for i in range(4 * n)]

    warm_n = min(n, 1_000)
    for impl in impls:
        run_workload(impl, warm_n, min(n_stores, 100), objs[:warm_n], objs_4n[: 4 * warm_n])

    results: dict[str, dict[str, list[float]]] = {impl.name: {} for impl in impls}
    extra: dict[str, dict[str, list[float]]] = {impl.name: {} for impl in impls}
    orders = []
    started = time.perf_counter()
    for round_index, order in _environment.interleaved(impls, rounds):
        orders.append([impl.name for impl in order])
        for impl in order:
            for op, value in run_workload(impl, n, n_stores, objs, objs_4n).items():
                results[impl.name].setdefault(op, []).append(value)
            for label, value in run_extra(impl, n_stores).items():
                extra[impl.name].setdefault(label, []).append(value)
        _environment.report_round(round_index, rounds, orders[-1], started)

    _environment.note_end_load(env)
    med = medians(results)
    print("## Operations (median of the rounds)\n")
    print("\n".join(table(med)))
    print("\n## Operations (best round)\n")
    print("\n".join(table(minima(results))))
    for impl_name, labels in extra.items():
        for label, values in labels.items():
            print(f"\n{impl_name}: {label}: {statistics.median(values):.1f} µs per store")
    print("\n## emptyTrash linearity\n")
    print("\n".join(linearity(med, n)))
    print("\n## Targets\n")
    print("\n".join(targets(med)))

    if args.json is not None:
        payload = {
            "benchmark": "bench_ops",
            "parameters": {"n": n, "rounds": rounds, "stores": n_stores,
                           "store_options": store_options},
            "daf_butler": "measured" if side is not None else f"skipped: {skip_reason}",
            **env,
            "unit": "microseconds per operation",
            "round_orders": orders,
            "results": results,
            "extra": extra,
            "medians": med,
            "minima": minima(results),
        }
        _environment.write_json(args.json, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
