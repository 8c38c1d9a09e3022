"""The queries benchmark: its sides, its checks and its tables.

Nothing here times anything: the benchmark runs once on a tiny repository
(its own checks of every query's results and of the tables read run too),
and the tables and targets are checked on made-up figures.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"

pytestmark = pytest.mark.skipif(
    not (BENCHMARKS / "bench_queries.py").is_file(), reason="needs the source tree"
)


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    return importlib.import_module("bench_queries")


def made_up(bench: ModuleType, real: float, ours: float) -> dict[str, dict[str, dict]]:
    """Times of every query: ``real`` ms on daf_butler, ``ours`` on memstore_daf."""
    times: dict[str, dict[str, dict]] = {}
    for query in bench.QUERIES:
        times[query.key] = {
            bench.DAF: {"first": real * 2, "rounds": [real, real, real], "n": 4},
            bench.MEMSTORE_DAF: {"first": ours * 2, "rounds": [ours], "n": 4},
        }
        if query.standalone:
            times[query.key][bench.MEMSTORE] = {"first": 1.0, "rounds": [0.5], "n": 4}
    return times


def test_the_tables_and_targets(bench: ModuleType) -> None:
    times = made_up(bench, 40.0, 1.0)
    lines = bench.table(times, "median")
    assert lines[0] == (
        "| query | results | daf_butler ms | memstore_daf ms | memstore ms "
        "| daf_butler/memstore_daf | daf_butler/memstore |"
    )
    assert lines[2] == (
        "| query_datasets, every dataset | 4 | 40.00 | 1.00 | 0.500 | 40.0x | 80.0x |"
    )
    data_ids = next(line for line in lines if line.startswith("| query_data_ids, every"))
    assert data_ids.endswith("| 40.00 | 1.00 | — | 40.0x | n/a |")
    first = bench.table(times, "first")[2]
    assert first.startswith("| query_datasets, every dataset | 4 | 80.00 |")
    assert bench.targets(times)[2:] == [
        "| query_datasets, every dataset (memstore_daf): ≥ 20x the real Butler, first call "
        "| 40.0x (40.0x run again) | yes |",
        "| query_datasets, every dataset (memstore): ≥ 20x the real Butler, first call "
        "| 80.0x (80.0x run again) | yes |",
        "| query_data_ids, every visit and detector (memstore_daf): ≥ 20x the real Butler, "
        "first call | 40.0x (40.0x run again) | yes |",
    ]
    # The first call is judged: 20x run again, 10x on the first call, is missed.
    slow_first = made_up(bench, 10.0, 0.5)
    for entries in slow_first.values():
        entries[bench.MEMSTORE_DAF]["first"] = 2.0
    assert bench.targets(slow_first)[2].endswith("| 10.0x (20.0x run again) | **no** |")


def test_without_the_real_butler_the_targets_say_skipped(bench: ModuleType) -> None:
    times = made_up(bench, 1.0, 1.0)
    for entries in times.values():
        del entries[bench.DAF]
    assert bench.table(times, "median")[2] == (
        "| query_datasets, every dataset | 4 | — | 1.00 | 0.500 | n/a | n/a |"
    )
    assert all(line.endswith("| skipped | n/a |") for line in bench.targets(times)[2:])


def test_a_tiny_run_checks_every_query(
    bench: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("lsst.daf.butler", reason="needs the bench extra (lsst-daf-butler)")
    assert bench.main(["--visits", "3", "--detectors", "2", "--rounds", "1"]) == 0
    out = capsys.readouterr().out
    for heading in ("## Queries (median", "## Queries (first call)", "## Scan check", "## Targets"):
        assert heading in out
    assert "| memstore_daf | calexp |" in out
    assert "| memstore | calexp |" in out
    assert "| query_datasets, every dataset | 6 |" in out
