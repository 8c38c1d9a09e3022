"""The operations benchmark: its columns, with and without daf_butler.

Nothing here times anything: a workload of a few refs runs once per column
to check that each column is built and driven as the benchmark says, and the
table is checked on made-up figures.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import pytest

from pytest_memstore import InMemoryDatastore

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"

pytestmark = pytest.mark.skipif(
    not (BENCHMARKS / "bench_ops.py").is_file(), reason="needs the source tree"
)


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    return importlib.import_module("bench_ops")


def objects(n: int) -> list[dict[str, float]]:
    return [{"visit": i, "value": float(i)} for i in range(n)]


def test_without_daf_butler_only_memstore_and_the_floor_run(bench: ModuleType) -> None:
    impls = bench.implementations(None)
    assert [impl.name for impl in impls] == [bench.MEMSTORE, bench.FLOOR]
    for impl in impls:
        out = bench.run_workload(impl, 4, 2, objects(4), objects(16))
        assert out.keys() == {key for key, _ in bench.OPERATIONS}


def test_the_daf_butler_columns_say_skipped_when_not_measured(bench: ModuleType) -> None:
    med = {
        bench.MEMSTORE: dict.fromkeys((key for key, _ in bench.OPERATIONS), 2.0),
        bench.FLOOR: dict.fromkeys((key for key, _ in bench.OPERATIONS), 1.0),
    }
    lines = bench.table(med)
    assert lines[0] == (
        "| operation | daf_butler µs | memstore µs | memstore+daf_refs µs | floor µs "
        "| daf_butler/memstore | daf_butler/memstore+daf_refs | memstore+daf_refs/memstore "
        "| memstore/floor |"
    )
    assert lines[1].count("|") == lines[0].count("|")
    assert lines[4] == "| put | skipped | 2.000 | skipped | 1.000 | n/a | n/a | n/a | 2.00x |"
    med[bench.DAF] = dict.fromkeys(med[bench.MEMSTORE], 20.0)
    med[bench.DAF_REFS] = dict.fromkeys(med[bench.MEMSTORE], 4.0)
    assert bench.table(med)[4] == (
        "| put | 20.00 | 2.000 | 4.000 | 1.000 | 10.00x | 5.00x | 2.00x | 2.00x |"
    )


def test_the_daf_refs_column_drives_our_store_with_daf_butler_refs(bench: ModuleType) -> None:
    daf_butler = pytest.importorskip(
        "lsst.daf.butler", reason="needs the bench extra (lsst-daf-butler)"
    )
    side = bench.load_daf_side()
    impls = bench.implementations(side)
    assert [impl.name for impl in impls] == list(bench.IMPLEMENTATIONS)
    daf_refs = impls[bench.IMPLEMENTATIONS.index(bench.DAF_REFS)]
    assert isinstance(daf_refs.make_store(), InMemoryDatastore)
    refs = daf_refs.make_refs(3)
    assert all(isinstance(ref, daf_butler.DatasetRef) for ref in refs)
    assert all(isinstance(ref.datasetType.storageClass, daf_butler.StorageClass) for ref in refs)
    # run_workload checks what it reads back: get returns what was put, emptied data is gone.
    out = bench.run_workload(daf_refs, 4, 2, objects(4), objects(16))
    assert out.keys() == {key for key, _ in bench.OPERATIONS}
