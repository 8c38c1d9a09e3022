"""The benchmark of pipe_base's tests with and without the switch: a tiny run, its table.

Nothing here asserts a timing. The end-to-end runs time a tiny unittest
suite of three tests in place of pipe_base's (which need lsst-pipe-base and
take seconds a run), to check that every test, class and total gets a row
on each side; the table and the targets are checked on made-up figures.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"

pytestmark = pytest.mark.skipif(
    not (BENCHMARKS / "bench_testrepo.py").is_file(), reason="needs the source tree"
)

TINY = '''\
import unittest


class Tiny(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.repo = {}

    def test_a(self):
        self.repo["a"] = 1

    def test_b(self):
        self.repo["b"] = 2


def test_plain():
    pass
'''


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    return importlib.import_module("bench_testrepo")


@pytest.fixture
def tiny(bench: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> ModuleType:
    """The benchmark, pointed at a tiny suite; its memstore side runs with the plugin off."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (tmp_path / "test_tiny.py").write_text(TINY, encoding="utf-8")
    monkeypatch.setattr(bench, "UPSTREAM", tmp_path)
    monkeypatch.setattr(bench, "TESTS", {"test_tiny.py": 3})
    monkeypatch.setattr(bench, "SIDES", {bench.REAL: (), bench.MEMSTORE: ("-p", "no:memstore")})
    monkeypatch.setattr(bench, "pipe_base_missing", lambda: None)
    return bench


TINY_ROWS = [
    "Tiny::test_a",
    "Tiny::test_b",
    "test_plain",
    "Tiny: set-up",
    "Tiny: tear-down",
    "test_tiny.py: set-up",
    "test_tiny.py: tear-down",
    "**all 3 tests**",
    "**all set-ups and tear-downs**",
    "**whole pytest run (wall)**",
    "**median of the tests' ratios**",
]


def table_rows(out: str) -> dict[str, list[str]]:
    """Return the first cell -> the other cells of each row of the printed table."""
    start = out.index("| test | real butler ms |")
    lines = out[start:].split("\n\n")[0].splitlines()[2:]
    return {cells[0]: cells[1:] for cells in ([c.strip() for c in ln.split("|")[1:-1]]
                                              for ln in lines)}


def test_a_tiny_run_shows_both_sides_of_every_test_class_and_total(
    tiny: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    monkeypatch.setattr(tiny, "switch_missing", lambda: None)
    assert tiny.main(["--rounds", "1", "--json", str(tmp_path / "out.json")]) == 0
    out = capsys.readouterr().out
    rows = table_rows(out)
    assert list(rows) == TINY_ROWS
    for label, cells in rows.items():
        if label != "**median of the tests' ratios**":
            assert [float(cell) >= 0 for cell in cells[:2]] == [True, True], label
    assert "UNAVAILABLE" not in out
    saved = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert saved["memstore"] == "measured"
    assert set(saved["medians"]) == {"real butler", "memstore"}
    assert list(saved["medians"]["memstore"]) == [
        "test_tiny.py::Tiny::test_a", "test_tiny.py::Tiny::test_b", "test_tiny.py::test_plain"
    ]
    assert len(saved["runs"]["real butler"]) == 1


def test_without_the_switch_the_real_butler_column_alone_is_measured(
    tiny: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(tiny, "switch_missing", lambda: "no such option")
    assert tiny.main(["--rounds", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("memstore column UNAVAILABLE: no such option\n")
    rows = table_rows(out)
    assert list(rows) == TINY_ROWS
    assert rows["Tiny::test_a"][1:] == ["unavailable", "n/a"]
    assert rows["**median of the tests' ratios**"] == ["", "", "n/a"]
    assert out.count("| n/a | n/a |") == 2  # both targets


def test_without_pipe_base_nothing_is_run(
    bench: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(bench, "pipe_base_missing", lambda: "no pipe_base")
    monkeypatch.setattr(bench, "measure", None)  # would fail if called
    assert bench.main([]) == 1
    assert capsys.readouterr().out == "nothing measured: no pipe_base\n"


def phases(call: float, setup: float = 0.0) -> dict[str, float]:
    return {"setup": setup, "call": call, "teardown": 0.001}


def test_the_table_shows_ratios_totals_and_the_median_ratio(bench: ModuleType) -> None:
    real = {
        "f.py::A::testRunTestQuantumX": phases(0.080, setup=0.400),
        "f.py::A::testOther": phases(0.010),
        "f.py::A::testThird": phases(0.004),
    }
    ours = {
        "f.py::A::testRunTestQuantumX": phases(0.004, setup=0.010),
        "f.py::A::testOther": phases(0.002),
        "f.py::A::testThird": phases(0.002),
    }
    lines = bench.table(real, ours, {bench.REAL: 3.0, bench.MEMSTORE: 1.5})
    assert lines[:3] == [
        "| test | real butler ms | memstore ms | real butler / memstore |",
        "|---|---:|---:|---:|",
        "| A::testRunTestQuantumX | 80.00 | 4.00 | 20.0x |",
    ]
    assert "| A: set-up | 400.00 | 10.00 | 40.0x |" in lines
    assert "| **all 3 tests** | 94.00 | 8.00 | 11.8x |" in lines
    assert "| **all set-ups and tear-downs** | 403.00 | 13.00 | 31.0x |" in lines
    assert "| **whole pytest run (wall)** | 3000.00 | 1500.00 | 2.0x |" in lines
    assert lines[-1] == "| **median of the tests' ratios** | | | 5.0x |"
    assert bench.targets(real, ours)[2:] == [
        "| per test, real butler / memstore, median of the tests ≥ 10x | 5.0x | **no** |",
        "| slowest runTestQuantum test with --memstore-test-repo ≤ 5 ms | 4.00 ms | yes |",
    ]


@pytest.mark.parametrize(("argv", "rounds"), [([], 5), (["--rounds", "9"], 9)])
def test_options(bench: ModuleType, argv: list[str], rounds: int) -> None:
    args = bench.parse_args(argv)
    assert (args.rounds, args.json) == (rounds, None)


def test_no_rounds_is_a_usage_error(
    bench: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        bench.parse_args(["--rounds", "0"])
    assert exc.value.code == 2
    assert "--rounds must be positive" in capsys.readouterr().err
