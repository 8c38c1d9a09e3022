"""The session benchmark against daf_butler: its options, suites and arithmetic.

Nothing here times anything or needs lsst-daf-butler: the benchmark's runs are
subprocesses of seconds each, so these tests drive its pieces directly.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"

pytestmark = pytest.mark.skipif(
    not (BENCHMARKS / "bench_butler_session.py").is_file(), reason="needs the source tree"
)


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    return importlib.import_module("bench_butler_session")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--n", "1"], "--n must be at least 2"),
        (["--rounds", "0"], "must be positive"),
        (["--per-module", "-3"], "must be positive"),
    ],
)
def test_bad_sizes_exit_with_a_usage_error(
    bench: ModuleType, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exc:
        bench.parse_args(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_defaults(bench: ModuleType) -> None:
    args = bench.parse_args([])
    assert (args.n, args.rounds, args.per_module) == (500, 5, 100)
    assert (args.no_daf, args.json, args.keep) == (False, None, None)


def test_each_suite_is_written_with_n_tests_and_with_one(bench: ModuleType, tmp_path: Path) -> None:
    names = [bench.EMPTY, bench.MEMSTORE, bench.MEMSTORE_BUTLER, bench.DAF]
    directories = bench.write_suites(tmp_path, names, 5, 2)
    assert set(directories) == {name + suffix for name in names for suffix in ("", bench.ONE)}
    for key, directory in directories.items():
        tests = [
            test
            for path in sorted(directory.glob("test_gen_*.py"))
            for test in re.findall(r"^def (test_\d+)\(", path.read_text(), re.MULTILINE)
        ]
        assert len(tests) == (1 if key.endswith(bench.ONE) else 5), key
        assert (directory / "pytest.ini").is_file()
        compile((directory / "conftest.py").read_text(), "conftest.py", "exec")
    daf_conftest = (directories[bench.DAF] / "conftest.py").read_text()
    for documented in ("makeTestRepo(", "addDatasetType(", "makeTestCollection(repo, uniqueId="):
        assert documented in daf_conftest
    assert '@pytest.fixture(scope="session")\ndef repo(' in daf_conftest
    butler_conftest = (directories[bench.MEMSTORE_BUTLER] / "conftest.py").read_text()
    assert "def pytest_memstore_butler_created(butler, request):" in butler_conftest
    butler_tests = (directories[bench.MEMSTORE_BUTLER] / "test_gen_0000.py").read_text()
    daf_tests = (directories[bench.DAF] / "test_gen_0000.py").read_text()
    assert butler_tests.replace("memstore_butler", "butler") == daf_tests


def test_the_memstore_butler_suite_passes_as_generated(
    bench: ModuleType, pytester: pytest.Pytester
) -> None:
    directories = bench.write_suites(pytester.path, [bench.MEMSTORE_BUTLER], 3, 2)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", directories[bench.MEMSTORE_BUTLER]
    )
    result.assert_outcomes(passed=3)


def run(bench: ModuleType, wall: float, cpu: float) -> object:
    return bench.Run(wall=wall, pytest=wall, passed=1, cpu=cpu)


def test_costs_are_taken_above_the_empty_suite(bench: ModuleType) -> None:
    runs = {
        "empty": [run(bench, 1.0, 0.5), run(bench, 9.0, 0.4), run(bench, 1.0, 0.6)],
        "empty (1 test)": [run(bench, 0.9, 0.3)],
        "memstore": [run(bench, 1.2, 0.7)],
        "memstore (1 test)": [run(bench, 1.0, 0.35)],
        "memstore_butler": [run(bench, 1.1, 0.6)],
        "memstore_butler (1 test)": [run(bench, 1.05, 0.4)],
        "daf_butler": [run(bench, 4.0, 3.5)],
        "daf_butler (1 test)": [run(bench, 3.0, 2.3)],
    }
    costs = bench.per_test(runs, 10, min)
    assert costs.keys() == {"memstore", "memstore_butler", "daf_butler"}
    assert costs["memstore"] == pytest.approx(
        {
            "session_wall": 0.02,
            "further_wall": 0.1 / 9,
            "one_off_wall": 0.1,
            "session_cpu": 0.03,
            "further_cpu": 0.25 / 9,
            "one_off_cpu": 0.05,
        }
    )
    assert costs["memstore_butler"] == pytest.approx(
        {
            "session_wall": 0.01,
            "further_wall": -0.05 / 9,
            "one_off_wall": 0.15,
            "session_cpu": 0.02,
            "further_cpu": 0.1 / 9,
            "one_off_cpu": 0.1,
        }
    )
    assert costs["daf_butler"] == pytest.approx(
        {
            "session_wall": 0.3,
            "further_wall": 0.9 / 9,
            "one_off_wall": 2.1,
            "session_cpu": 0.31,
            "further_cpu": 1.1 / 9,
            "one_off_cpu": 2.0,
        }
    )
    lines = bench.comparison(costs)
    assert lines[0] == (
        "| above the empty suite | memstore | memstore_butler | daf_butler "
        "| daf_butler / memstore | daf_butler / memstore_butler |"
    )
    assert lines[1] == "|---|---:|---:|---:|---:|---:|"
    assert len(lines) == 2 + len(bench.ROWS)
    assert lines[2] == (
        "| per test, whole session (wall) | 20.00 ms | 10.00 ms | 300.00 ms | 15x | 30x |"
    )
    # A cost lost in the noise (not positive) has no ratio.
    assert lines[4] == (
        "| per test, each further test (wall) | 11.11 ms | -5.56 ms | 100.00 ms | 9x | n/a |"
    )
    assert lines[-1] == "| once per session (CPU) | 50.00 ms | 100.00 ms | 2.000 s | 40x | 20x |"


def test_the_targets_ask_daf_butler_for_100_times_memstore_butler_per_test(
    bench: ModuleType,
) -> None:
    keys = [key for key, _ in bench.ROWS]
    costs = {
        "memstore": dict.fromkeys(keys, 1e-4),
        "memstore_butler": {**dict.fromkeys(keys, 1e-4), "further_wall": -1e-5},
        "daf_butler": {**dict.fromkeys(keys, 2e-2), "session_cpu": 5e-3},
    }
    lines = bench.targets(costs)
    assert lines[:2] == ["| target | measured (median) | met |", "|---|---:|:---:|"]
    assert lines[2:] == [
        "| per test, whole session (wall): daf_butler / memstore_butler ≥ 100x | 200x | yes |",
        "| per test, whole session (CPU): daf_butler / memstore_butler ≥ 100x | 50x | **no** |",
        "| per test, each further test (wall): daf_butler / memstore_butler ≥ 100x | n/a | n/a |",
        "| per test, each further test (CPU): daf_butler / memstore_butler ≥ 100x | 200x | yes |",
    ]
    del costs["daf_butler"]
    assert all(line.endswith("| n/a | n/a |") for line in bench.targets(costs)[2:])


def test_without_daf_butler_its_column_says_skipped(
    bench: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    side = importlib.import_module("_daf_butler_side")
    assert side.skip_reason(True) == "--no-daf given"
    monkeypatch.setattr(side, "available", lambda: False)
    reason = side.skip_reason(False)
    assert reason is not None
    assert "lsst.daf.butler is not importable" in reason
    keys = (key for key, _ in bench.ROWS)
    costs = {"memstore": dict.fromkeys(keys, 1e-4)}
    costs["memstore_butler"] = dict.fromkeys(costs["memstore"], 2e-4)
    row = bench.comparison(costs)[2]
    assert row == "| per test, whole session (wall) | 100 µs | 200 µs | skipped | n/a | n/a |"
