"""The report and strict mode under pytest-xdist (``-n 2``), in subprocesses.

``--dist loadfile`` with the two files of the known suite gives each of the
two workers one file, so the worker of every row is known.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests._report_suite import (
    COUNT_KEYS,
    EXPECTED,
    EXPECTED_PROBLEMS,
    NAMING_PROBLEMS,
    OUTCOMES,
    TOTALS_LINE,
    row_pattern,
    sum_counts,
    write_known_suite,
    write_naming_suite,
)

pytest.importorskip("xdist")

XDIST = ("-n", "2", "--dist", "loadfile", "-p", "no:cacheprovider")
TIMEOUT = 120

# Each worker checks, after its own session finish (the plugin's included),
# that no report file exists yet: only the controller may write it, and it
# does so after every worker is down.
WORKER_CHECK = """
    import pytest

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(session):
        workerinput = getattr(session.config, "workerinput", None)
        if workerinput is not None:
            report = session.config.rootpath / "out" / "xdist.json"
            state = "present" if report.exists() else "absent"
            path = session.config.rootpath / f"worker-{workerinput['workerid']}.txt"
            path.write_text(state)
"""

# The controller notes which keys each worker sent back.
NODE_DOWN = """
    import json

    def pytest_testnodedown(node, error):
        keys = sorted(getattr(node, "workeroutput", {}))
        (node.config.rootpath / f"down-{node.gateway.id}.json").write_text(json.dumps(keys))
"""


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """A terminal wide enough for the table with its worker column."""
    monkeypatch.setenv("COLUMNS", "250")


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def json_files_under(path: Path) -> set[str]:
    """The JSON files anywhere under ``path``, as paths relative to it."""
    return {str(p.relative_to(path)) for p in path.rglob("*.json")}


def without_worker(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k != "worker"} for row in rows]


def test_xdist_report_equals_the_serial_one(pytester: pytest.Pytester) -> None:
    write_known_suite(pytester)
    pytester.makeconftest(WORKER_CHECK)
    serial_result = pytester.runpytest("--memstore-report=json:serial.json")
    serial_result.assert_outcomes(**OUTCOMES)
    serial = load(pytester.path / "serial.json")

    result = pytester.runpytest_subprocess(
        *XDIST, "--memstore-report=term-all", "--memstore-report=json:out/xdist.json",
        timeout=TIMEOUT,
    )
    result.assert_outcomes(**OUTCOMES)
    distributed = load(pytester.path / "out" / "xdist.json")

    # Same counts, rows and problems as without -n.
    assert distributed["version"] == 1
    assert distributed["totals"] == serial["totals"] == sum_counts(distributed["tests"])
    assert without_worker(distributed["tests"]) == without_worker(serial["tests"])
    assert {row["nodeid"]: {k: row[k] for k in COUNT_KEYS} for row in distributed["tests"]} == (
        EXPECTED
    )
    assert distributed["problems"] == serial["problems"]
    assert [(p["nodeid"], p["kind"]) for p in distributed["problems"]] == EXPECTED_PROBLEMS

    # Rows are tagged with the worker that ran them: one file per worker.
    assert {row["worker"] for row in serial["tests"]} == {None}
    workers = {
        module: {row["worker"] for row in distributed["tests"] if row["nodeid"].startswith(module)}
        for module in ("test_known_a.py", "test_known_b.py")
    }
    assert sorted(w for ws in workers.values() for w in ws) == ["gw0", "gw1"]
    worker_of = {module: ws.pop() for module, ws in workers.items()}

    # One heading, the totals, and every row with its worker, sorted by node ID.
    assert sum(1 for line in result.outlines if re.match(r"^=+ memstore report =+$", line)) == 1
    result.stdout.fnmatch_lines([TOTALS_LINE, "every test that used a store:"])
    result.stdout.re_match_lines(
        [r"^nodeid\s+worker\s+stores\s+put\s", r"^-+"]
        + [
            row_pattern(nodeid, EXPECTED[nodeid], worker=worker_of[nodeid.split("::")[0]])
            for nodeid in sorted(EXPECTED)
        ],
        consecutive=True,
    )
    result.stdout.fnmatch_lines(["problems (2):", "memstore report written to out/xdist.json"])

    # The controller wrote the one file; neither worker wrote anything.
    assert [p.name for p in (pytester.path / "out").iterdir()] == ["xdist.json"]
    for worker in ("gw0", "gw1"):
        assert (pytester.path / f"worker-{worker}.txt").read_text() == "absent"


def test_a_crashed_worker_is_named_and_the_rest_reported(pytester: pytest.Pytester) -> None:
    write_known_suite(pytester)
    (pytester.path / "test_known_b.py").unlink()
    pytester.makepyfile(
        test_crash="""
        import os

        def test_crash(memstore, memstore_ref):
            memstore.put({"x": 1}, memstore_ref("metric", {"visit": 1}))
            os._exit(1)
        """
    )
    # Plain load scheduling (loadfile would give the crashing test to each
    # replacement worker in turn); -v shows which worker passed which test.
    result = pytester.runpytest_subprocess(
        "-n", "2", "-p", "no:cacheprovider", "-v",
        "--memstore-report", "--memstore-report=json:report.json", timeout=TIMEOUT,
    )
    output = "\n".join(result.outlines + result.errlines)
    assert "INTERNALERROR" not in output
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=4, failed=1)
    match = re.search(r"worker '(gw\d+)' crashed while running 'test_crash.py::test_crash'", output)
    assert match, output
    crashed = match.group(1)

    # Every test a surviving worker passed is in the report, with its worker
    # and its exact counts; what the crashed worker ran is lost with it.
    passed = dict(
        (nodeid, worker)
        for worker, nodeid in re.findall(r"\[(gw\d+)\] \[ *\d+%\] PASSED (\S+)", output)
        if worker != crashed
    )
    assert passed
    document = load(pytester.path / "report.json")
    assert {row["nodeid"]: row["worker"] for row in document["tests"]} == passed
    for row in document["tests"]:
        assert {k: row[k] for k in COUNT_KEYS} == EXPECTED[row["nodeid"]]
    assert document["totals"] == sum_counts(document["tests"])
    crashes = [p for p in document["problems"] if p["kind"] == "worker_crashed"]
    assert [p["nodeid"] for p in crashes] == [crashed]
    assert crashed in crashes[0]["message"]

    result.stdout.fnmatch_lines(
        ["*memstore report*", f"  {crashed}: [[]worker_crashed[]] xdist worker {crashed} crashed*"]
    )


def test_strict_mode_under_xdist(pytester: pytest.Pytester) -> None:
    write_known_suite(pytester)
    result = pytester.runpytest_subprocess(*XDIST, "--memstore-strict", timeout=TIMEOUT)
    result.assert_outcomes(**OUTCOMES, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_leaves_trash*",
            "memstore strict mode: test_known_b.py::test_leaves_trash left",
            "  [[]trash[]] leaky was left with 1 dataset(s) in the trash (call emptyTrash)",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_corrupts*",
            "memstore strict mode: test_known_b.py::test_corrupts left",
            "  [[]inconsistent[]] corrupt is inconsistent: *",
        ]
    )
    result.stdout.no_fnmatch_line("*memstore report*")


def test_nothing_sent_printed_or_written_without_the_flags(pytester: pytest.Pytester) -> None:
    write_known_suite(pytester)
    pytester.makeconftest(NODE_DOWN)
    before = json_files_under(pytester.path)
    result = pytester.runpytest_subprocess(*XDIST, timeout=TIMEOUT)
    result.assert_outcomes(**OUTCOMES)
    for pattern in ("*memstore report*", "*test(s) used*", "problems (*", "*nodeid*stores*"):
        result.stdout.no_fnmatch_line(pattern)

    down = sorted(p.name for p in pytester.path.glob("down-*.json"))
    assert down == ["down-gw0.json", "down-gw1.json"]
    for name in down:
        assert "memstore" not in json.loads((pytester.path / name).read_text())
    # The plugin writes JSON reports and nothing else; other installed plugins
    # may write files of their own (pytest-benchmark a .benchmarks folder).
    assert json_files_under(pytester.path) - before == set(down)


def serial_and_xdist_problems(
    pytester: pytest.Pytester, passed: int, *xdist_options: str
) -> tuple[pytest.RunResult, dict[str, list[tuple[str, str, str]]]]:
    """Run the suite serially, then under xdist; return the xdist run and both runs' problems.

    The problems are ``(nodeid, kind, message)`` triples, by JSON file name.
    """
    serial = pytester.runpytest("--memstore-report=json:serial.json")
    serial.assert_outcomes(passed=passed)
    result = pytester.runpytest_subprocess(
        *XDIST, *xdist_options, "--memstore-report=json:xdist.json", timeout=TIMEOUT
    )
    result.assert_outcomes(passed=passed)
    problems = {
        name: [(p["nodeid"], p["kind"], p["message"]) for p in load(pytester.path / name)[
            "problems"]]
        for name in ("serial.json", "xdist.json")
    }
    return result, problems


def test_problems_name_stores_as_a_serial_run_does(pytester: pytest.Pytester) -> None:
    write_naming_suite(pytester)
    result, problems = serial_and_xdist_problems(pytester, 3, "--memstore-report")
    assert problems["xdist.json"] == problems["serial.json"] == NAMING_PROBLEMS
    result.stdout.fnmatch_lines(
        [f"  {nodeid}: [[]{kind}[]] {message[:40]}*" for nodeid, kind, message in NAMING_PROBLEMS]
    )


MUTATION_SUITE = {
    "test_mutations_a": """
        def test_builds_stores(memstore_factory):
            for _ in range(3):
                memstore_factory()
        """,
    "test_mutations_b": """
        import pytest

        from pytest_memstore import DatasetMutatedError

        @pytest.mark.memstore(detect_mutation=True)
        def test_changes_what_it_put(memstore_butler, memstore_factory, memstore_ref):
            ref = memstore_ref("rows", {"visit": 1}, "SliceableList")
            memstore_butler.registry.registerDatasetType(ref.datasetType)
            rows = [1, 2]
            memstore_butler.put(rows, ref)
            rows.append(3)
            with pytest.raises(DatasetMutatedError):
                memstore_butler.get(ref)
            extra = memstore_factory()
            more_rows = [1, 2]
            extra.put(more_rows, ref)
            more_rows.append(3)
            with pytest.raises(DatasetMutatedError):
                extra.get(ref)
        """,
}


def test_mutated_problems_name_stores_as_a_serial_run_does(pytester: pytest.Pytester) -> None:
    """Each worker numbers its stores from 1: the problem names the store by its label."""
    pytester.makepyfile(**{name: body for name, body in MUTATION_SUITE.items()})
    _, problems = serial_and_xdist_problems(pytester, 2)
    nodeid = "test_mutations_b.py::test_changes_what_it_put"
    changed = (
        "changed after put, before any get handed it out: at [2], item added, now 3 "
        "(length 2 -> 3). The store holds the very object that was put; a file-backed "
        "datastore would still hold the value put"
    )
    assert problems["serial.json"] == [
        (nodeid, "mutated", f"rows {{visit: 1}} in memstore_butler {changed}"),
        (nodeid, "mutated", f"rows {{visit: 1}} in memstore_factory#1 {changed}"),
    ]
    assert problems["xdist.json"] == problems["serial.json"]


def test_an_unwritable_json_path_fails_the_run_under_xdist(pytester: pytest.Pytester) -> None:
    write_known_suite(pytester)
    (pytester.path / "test_known_b.py").unlink()  # no failing test
    pytester.mkdir("taken")
    result = pytester.runpytest_subprocess(*XDIST, "--memstore-report=json:taken", timeout=TIMEOUT)
    result.assert_outcomes(passed=4)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stdout.fnmatch_lines(["memstore report NOT written to taken: *"])
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
