"""``--memstore-report`` and ``--memstore-strict``, run in-process with pytester."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest

from pytest_memstore import InMemoryDatastore
from pytest_memstore.report import Report, TestUsage
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

HEADER = (
    r"^nodeid\s+stores\s+put\s+get\s+missing\s+exists\s+trash\s+emptied\s+forget\s+overwrite"
    r"\s+commit\s+rollback\s+left\s+in_trash$"
)
HEADING = r"^=+ memstore report =+$"
BUSY_KEYS = ("stores", "put", "left_datasets")
"""The only columns of the busy suite's table: every other count is zero in every row."""
BUSY_HEADER = r"^nodeid\s+stores\s+put\s+left$"

BUSY_SUITE = """
    import pytest

    @pytest.mark.parametrize("n", range(12))
    def test_busy(memstore, memstore_ref, n):
        for i in range(n):
            memstore.put({"i": i}, memstore_ref("metric", {"visit": i}))
"""


def busy_row(n: int) -> str:
    counts = dict.fromkeys(COUNT_KEYS, 0) | {"stores": 1, "put": n, "left_datasets": n}
    return row_pattern(f"test_busy.py::test_busy[{n}]", counts, keys=BUSY_KEYS)


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """A terminal wide enough for every table here; the narrow tests set their own."""
    monkeypatch.setenv("COLUMNS", "250")


@pytest.fixture
def known(pytester: pytest.Pytester) -> pytest.Pytester:
    """A pytester directory holding the known suite."""
    write_known_suite(pytester)
    return pytester


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def files_under(path: Path) -> set[str]:
    return {
        str(p.relative_to(path)) for p in path.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def heading_count(result: pytest.RunResult) -> int:
    return sum(1 for line in result.outlines if re.match(HEADING, line))


# -- counts and JSON -----------------------------------------------------------


def test_json_counts_every_test_exactly(known: pytest.Pytester) -> None:
    result = known.runpytest("--memstore-report=json:report.json")
    result.assert_outcomes(**OUTCOMES)
    document = load(known.path / "report.json")
    rows = {row["nodeid"]: row for row in document["tests"]}
    assert {nodeid: {k: row[k] for k in COUNT_KEYS} for nodeid, row in rows.items()} == EXPECTED
    assert [(p["nodeid"], p["kind"]) for p in document["problems"]] == EXPECTED_PROBLEMS


def test_json_shape(known: pytest.Pytester) -> None:
    known.runpytest("--memstore-report=json:out/sub/report.json")
    document = load(known.path / "out" / "sub" / "report.json")  # parents are created

    assert set(document) == {"version", "totals", "tests", "problems"}
    assert type(document["version"]) is int and document["version"] == 1
    totals = document["totals"]
    assert list(totals) == list(COUNT_KEYS)
    assert all(type(value) is int for value in totals.values())

    tests = document["tests"]
    assert isinstance(tests, list) and len(tests) == len(EXPECTED)
    for row in tests:
        assert set(row) == {"nodeid", "worker", *COUNT_KEYS}
        assert type(row["nodeid"]) is str
        assert row["worker"] is None  # a serial run has no workers
        assert all(type(row[key]) is int for key in COUNT_KEYS)
    assert [row["nodeid"] for row in tests] == sorted(EXPECTED)
    assert totals == sum_counts(tests)

    for problem in document["problems"]:
        assert set(problem) == {"nodeid", "kind", "message"}
        assert all(type(value) is str for value in problem.values())
    trash, inconsistent = (
        {p["kind"]: p["message"] for p in document["problems"]}[kind]
        for kind in ("trash", "inconsistent")
    )
    assert "leaky" in trash and "1 dataset(s) in the trash" in trash
    assert "corrupt is inconsistent" in inconsistent
    assert "00000000-0000-0000-0000-000000000002" in inconsistent


def test_json_alone_prints_only_where_it_wrote(known: pytest.Pytester) -> None:
    result = known.runpytest("--memstore-report=json:report.json")
    result.stdout.fnmatch_lines(["memstore report written to report.json"])
    assert heading_count(result) == 0
    result.stdout.no_fnmatch_line("*test(s) used*")


# -- terminal ------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["--memstore-report", "--memstore-report=term"])
def test_term_report(known: pytest.Pytester, flag: str) -> None:
    result = known.runpytest(flag)
    result.assert_outcomes(**OUTCOMES)
    assert heading_count(result) == 1
    result.stdout.re_match_lines(
        [
            HEADING,
            "^" + re.escape(TOTALS_LINE) + "$",
            "^$",
            re.escape("busiest tests (top 10 of 10, by operations):"),
            HEADER,
            r"^-+(  -+){13}$",
        ],
        consecutive=True,
    )
    # The busiest first (by operations), ties by node ID.
    order = [
        "test_known_a.py::test_trash_and_empty",  # 9 operations
        "test_known_a.py::test_put_get",  # 8
        "test_known_a.py::test_forget",  # 4
        "test_known_b.py::test_two_stores",  # 4
        "test_known_a.py::test_transactions",  # 3
        "test_known_b.py::test_leaves_trash",  # 2
        "test_known_b.py::test_memstore_and_factory",  # 2
        "test_known_b.py::test_corrupts",  # 1
        "test_known_b.py::test_fails",  # 1
        "test_known_b.py::test_unused_store",  # 0
    ]
    result.stdout.re_match_lines(
        [HEADER, r"^-+", *(row_pattern(nodeid, EXPECTED[nodeid]) for nodeid in order)],
        consecutive=True,
    )
    result.stdout.fnmatch_lines(
        [
            "problems (2):",
            "  test_known_b.py::test_corrupts: [[]inconsistent[]] corrupt is inconsistent: *",
            "  test_known_b.py::test_leaves_trash: [[]trash[]] leaky was left with 1 dataset(s) "
            "in the trash*",
        ]
    )
    result.stdout.no_fnmatch_line("*test_no_store*")


def test_term_shows_the_busiest_ten(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_busy=BUSY_SUITE)
    result = pytester.runpytest("--memstore-report=term")
    result.assert_outcomes(passed=12)
    result.stdout.re_match_lines(
        [
            re.escape("busiest tests (top 10 of 12, by operations):"),
            BUSY_HEADER,
            r"^-+",
            *(busy_row(n) for n in range(11, 1, -1)),
        ],
        consecutive=True,
    )
    for n in (0, 1):
        result.stdout.no_re_match_line(busy_row(n))


def test_term_all_lists_every_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_busy=BUSY_SUITE)
    result = pytester.runpytest("--memstore-report=term-all")
    result.assert_outcomes(passed=12)
    by_nodeid = sorted(range(12), key=lambda n: f"test_busy.py::test_busy[{n}]")
    result.stdout.re_match_lines(
        [
            HEADING,
            r"^12 test\(s\) used 12 store\(s\): 66 put, ",
            "^$",
            "^every test that used a store:$",
            BUSY_HEADER,
            r"^-+",
            *(busy_row(n) for n in by_nodeid),
        ],
        consecutive=True,
    )
    result.stdout.no_fnmatch_line("problems*")  # no problems, no section


def test_term_and_term_all_together_render_once(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_busy=BUSY_SUITE)
    result = pytester.runpytest("--memstore-report=term", "--memstore-report=term-all")
    assert heading_count(result) == 1
    for n in range(12):
        result.stdout.re_match_lines([busy_row(n)])


def test_report_flag_is_repeatable(known: pytest.Pytester) -> None:
    result = known.runpytest("--memstore-report", "--memstore-report=json:report.json")
    result.assert_outcomes(**OUTCOMES)
    assert heading_count(result) == 1
    result.stdout.fnmatch_lines([TOTALS_LINE, "memstore report written to report.json"])
    document = load(known.path / "report.json")
    assert len(document["tests"]) == len(EXPECTED)


def test_no_store_no_rows(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_plain():\n    pass\n")
    result = pytester.runpytest("--memstore-report", "--memstore-report=json:report.json")
    result.stdout.re_match_lines(
        [HEADING, r"^0 test\(s\) used 0 store\(s\): 0 put, "], consecutive=True
    )
    result.stdout.no_fnmatch_line("*nodeid*")
    assert load(pytester.path / "report.json")["tests"] == []


@pytest.mark.parametrize("value", ["bogus", "json", "json:", "term:x", "term-all:x", "xml:a.xml"])
def test_a_bad_report_type_is_a_usage_error(pytester: pytest.Pytester, value: str) -> None:
    pytester.makepyfile("def test_plain():\n    pass\n")
    result = pytester.runpytest(f"--memstore-report={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [f"*argument --memstore-report:*{value!r}*valid types: term, term-all, json:PATH"]
    )
    assert not (pytester.path / "a.xml").exists()


# -- without the flags ---------------------------------------------------------


def test_nothing_printed_or_written_without_the_flags(known: pytest.Pytester) -> None:
    before = files_under(known.path)
    result = known.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(**OUTCOMES)
    assert heading_count(result) == 0
    for pattern in ("*memstore report*", "*test(s) used*", "problems (*", "*nodeid*stores*"):
        result.stdout.no_fnmatch_line(pattern)
    assert files_under(known.path) == before


def test_no_report_bookkeeping_without_the_flags(known: pytest.Pytester) -> None:
    # Any teardown summary would raise and turn into an error.
    known.makeconftest(
        """
        import pytest
        from pytest_memstore import fixtures, report

        def boom(*args, **kwargs):
            raise AssertionError("report bookkeeping ran without the flags")

        @pytest.fixture(scope="session", autouse=True)
        def no_bookkeeping():
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(fixtures, "_finish", boom)
                mp.setattr(report.TestUsage, "summarize", boom)
                mp.setattr(report.Report, "add", boom)
                yield
        """
    )
    known.runpytest().assert_outcomes(**OUTCOMES)


# -- strict mode ---------------------------------------------------------------

STRICT_ERRORS = [
    "*ERROR at teardown of test_leaves_trash*",
    "memstore strict mode: test_known_b.py::test_leaves_trash left",
    "  [[]trash[]] leaky was left with 1 dataset(s) in the trash (call emptyTrash)",
]
STRICT_INCONSISTENT = [
    "*ERROR at teardown of test_corrupts*",
    "memstore strict mode: test_known_b.py::test_corrupts left",
    "  [[]inconsistent[]] corrupt is inconsistent: "
    "*00000000-0000-0000-0000-000000000002 is not listed under*",
]


@pytest.mark.parametrize(
    ("ini", "args", "errors"),
    [
        (None, ["--memstore-strict"], 2),
        ("true", [], 2),
        ("false", [], 0),
        ("false", ["--memstore-strict"], 2),  # the flag wins over the ini
        (None, [], 0),
    ],
)
def test_strict_mode_errors_at_teardown(
    known: pytest.Pytester, ini: str | None, args: list[str], errors: int
) -> None:
    if ini is not None:
        known.makeini(f"[pytest]\nmemstore_strict = {ini}\n")
    result = known.runpytest(*args)
    result.assert_outcomes(**OUTCOMES, errors=errors)
    if errors:
        result.stdout.fnmatch_lines(STRICT_ERRORS)
        result.stdout.fnmatch_lines(STRICT_INCONSISTENT)
    else:
        result.stdout.no_fnmatch_line("*memstore strict mode*")
    assert heading_count(result) == 0  # strict mode alone prints no report


def test_strict_mode_passes_clean_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.fixture
        def tidy(memstore):
            yield memstore
            memstore.emptyTrash()  # runs before the strict check

        def test_empties_its_trash(memstore, memstore_ref):
            ref = memstore_ref("metric", {"visit": 1})
            memstore.put({"x": 1}, ref)
            memstore.trash(ref)
            memstore.emptyTrash()

        def test_leaves_data_but_no_trash(memstore_factory, memstore_ref):
            memstore_factory().put({"x": 1}, memstore_ref("metric", {"visit": 1}))

        def test_tidied_by_a_fixture(tidy, memstore_ref):
            ref = memstore_ref("metric", {"visit": 1})
            tidy.put({"x": 1}, ref)
            tidy.trash(ref)
        """
    )
    result = pytester.runpytest("--memstore-strict")
    result.assert_outcomes(passed=3)
    assert result.ret == pytest.ExitCode.OK


def test_strict_problems_are_also_reported(known: pytest.Pytester) -> None:
    result = known.runpytest("--memstore-strict", "--memstore-report=json:report.json")
    result.assert_outcomes(**OUTCOMES, errors=2)
    document = load(known.path / "report.json")
    assert [(p["nodeid"], p["kind"]) for p in document["problems"]] == EXPECTED_PROBLEMS
    assert len(document["tests"]) == len(EXPECTED)


OPEN_TRANSACTIONS = """
import pytest

kept = []

def write_in_a_transaction(butler, ref):
    with butler.transaction():
        butler.put({"x": 1}, ref)
        yield

def test_suspended_generator(memstore_butler, memstore_ref):
    ref = memstore_ref("metric", {"visit": 1})
    memstore_butler.registry.registerDatasetType(ref.datasetType)
    writer = write_in_a_transaction(memstore_butler, ref)
    next(writer)  # and never again: the generator waits inside the transaction
    assert memstore_butler.exists(ref)

def test_entered_by_hand(memstore, memstore_ref):
    transaction = memstore.transaction()
    transaction.__enter__()
    memstore.put({"x": 1}, memstore_ref("metric", {"visit": 1}))

def test_still_open_at_teardown(memstore_factory, memstore_ref):
    store = memstore_factory(name="kept")
    transaction = store.transaction()
    transaction.__enter__()
    store.put({"x": 1}, memstore_ref("metric", {"visit": 1}))
    kept.append(transaction)  # alive after the test

def test_exits_its_transactions(memstore, memstore_ref):
    with memstore.transaction():
        memstore.put({"x": 1}, memstore_ref("metric", {"visit": 1}))
    with pytest.raises(KeyError), memstore.transaction():
        memstore.put({"x": 2}, memstore_ref("metric", {"visit": 2}))
        raise KeyError("rolled back")

@pytest.fixture
def in_a_transaction(memstore):
    with memstore.transaction():
        yield memstore  # committed at the fixture's teardown

def test_a_fixture_holds_it_open(in_a_transaction, memstore_ref):
    in_a_transaction.put({"x": 1}, memstore_ref("metric", {"visit": 1}))
"""


@pytest.mark.parametrize(
    "ini", [pytest.param("", id="plain"), pytest.param("memstore_log_size = 5", id="tools")]
)
def test_a_transaction_left_open_is_a_problem_and_a_strict_error(
    pytester: pytest.Pytester, ini: str
) -> None:
    """Left open: a generator suspended inside it, or ``__enter__`` without ``__exit__``."""
    pytester.makeini(f"[pytest]\n{ini}\n")
    pytester.makepyfile(test_open=OPEN_TRANSACTIONS)
    result = pytester.runpytest("--memstore-report=json:report.json", "-p", "no:randomly")
    result.assert_outcomes(passed=5)
    document = load(pytester.path / "report.json")
    closed = (
        "was left open (in a generator suspended inside it, or entered with __enter__ and "
        "never exited) and rolled back when it was closed or garbage collected: its writes "
        "are undone"
    )
    assert [(p["nodeid"], p["kind"], p["message"]) for p in document["problems"]] == [
        ("test_open.py::test_entered_by_hand", "open_transaction",
         f"memstore: a transaction of test_open.py::test_entered_by_hand {closed}"),
        ("test_open.py::test_still_open_at_teardown", "open_transaction",
         "kept: a transaction of test_open.py::test_still_open_at_teardown was still open at "
         "teardown (in a generator suspended inside it, or entered with __enter__ and never "
         "exited): its writes stay in the store until it is closed, then are undone"),
        ("test_open.py::test_suspended_generator", "open_transaction",
         f"memstore_butler: a transaction of test_open.py::test_suspended_generator {closed}"),
    ]
    # Rolled back when the test returned: counted so, nothing left. Open still: all left.
    rows = {row["nodeid"].split("::")[1]: row for row in document["tests"]}
    for test, rollback, left in (
        ("test_entered_by_hand", 1, 0),
        ("test_suspended_generator", 1, 0),
        ("test_still_open_at_teardown", 0, 1),
    ):
        assert (rows[test]["rollback"], rows[test]["left_datasets"]) == (rollback, left), test

    strict = pytester.runpytest("--memstore-strict", "-p", "no:randomly")
    strict.assert_outcomes(passed=5, errors=3)
    strict.stdout.fnmatch_lines(
        ["memstore strict mode: test_open.py::test_suspended_generator left",
         "  [[]open_transaction[]] memstore_butler: a transaction of "
         "test_open.py::test_suspended_generator was left open *"]
    )
    for clean in ("test_exits_its_transactions", "test_a_fixture_holds_it_open"):
        strict.stdout.no_fnmatch_line(f"*ERROR at teardown of {clean}*")


def test_nested_transactions_left_open_are_each_counted() -> None:
    store = InMemoryDatastore("nested")

    def nested() -> Any:
        with store.transaction(), store.transaction():
            yield

    writer = nested()
    next(writer)
    usage = TestUsage([("nested", store)])
    assert usage.summarize(nodeid="t.py::t")[1] == [
        ("open_transaction", "nested: 2 transactions of t.py::t were still open at teardown "
         "(in generators suspended inside them, or entered with __enter__ and never exited): "
         "their writes stay in the store until they are closed, then are undone"),
    ]
    writer.close()
    assert (store.open_transactions, store.abandoned_transactions) == (0, 2)
    assert usage.summarize(nodeid="t.py::t")[1][0][1].startswith(
        "nested: 2 transactions of t.py::t were left open (in generators suspended inside them"
    )
    with store.transaction():
        pass
    assert (store.open_transactions, store.abandoned_transactions, store.counts.commit) == (
        0, 2, 1
    )


# -- what the plugin keeps -----------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        pytest.param([], id="untracked"),
        pytest.param(["--memstore-report"], id="report"),
        pytest.param(["--memstore-strict"], id="strict"),
    ],
)
def test_a_store_is_released_after_its_test(pytester: pytest.Pytester, args: list[str]) -> None:
    pytester.makepyfile(
        """
        import gc
        import weakref

        stores = []

        def test_builds_a_store(memstore):
            stores.append(weakref.ref(memstore))

        def test_store_is_gone():
            gc.collect()
            assert stores[0]() is None, "the store of the previous test is still alive"
        """
    )
    pytester.runpytest(*args).assert_outcomes(passed=2)


# -- Report, directly ----------------------------------------------------------


def test_table_columns_fit_the_widest_cell() -> None:
    report = Report()
    counts = dict.fromkeys(COUNT_KEYS, 1)
    report.add("t.py::short", counts)
    report.add("t.py::a_much_longer_test_name[with-params]", counts | {"put": 1234567})
    lines = report.render(every_test=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("nodeid"))
    header, rule, *rows = lines[start : start + 4]
    widths = [len(dashes) for dashes in rule.split("  ")]
    assert widths[0] == len("t.py::a_much_longer_test_name[with-params]")
    assert widths[2] == len("1234567")  # put
    assert widths[1] == len("stores")  # the header is the widest cell
    gaps = [m.start() for m in re.finditer("  ", rule)]
    for line in (header, *rows):
        assert len(line) == len(rule)
        assert all(line[gap : gap + 2] == "  " for gap in gaps), line


def test_merged_rows_are_tagged_with_their_worker() -> None:
    worker_report = Report()
    worker_report.add("t.py::a", dict.fromkeys(COUNT_KEYS, 1), [("trash", "left trash")])
    payload = worker_report.to_payload()
    assert json.loads(json.dumps(payload)) == payload  # builtins only

    merged = Report()
    merged.merge_payload(payload, "gw3")
    merged.add_crashed_worker("gw4")
    document = merged.to_json()
    assert document["tests"] == [{"nodeid": "t.py::a", "worker": "gw3",
                                  **dict.fromkeys(COUNT_KEYS, 1)}]
    assert [(p["nodeid"], p["kind"]) for p in document["problems"]] == [
        ("gw4", "worker_crashed"),
        ("t.py::a", "trash"),
    ]
    lines = merged.render(every_test=True)
    assert any(re.match(r"^nodeid\s+worker\s+stores", line) for line in lines)
    assert any(re.match(r"^t\.py::a\s+gw3(\s+1){13}$", line) for line in lines)
    assert any("gw4: [worker_crashed]" in line for line in lines)



def test_an_unwritable_json_path_is_reported_and_fails_the_run(pytester: pytest.Pytester) -> None:
    """As pytest does for a ``--junitxml`` path it cannot use: exit status 4."""
    pytester.makepyfile("def test_one(memstore):\n    pass\n")
    pytester.mkdir("taken")
    result = pytester.runpytest("--memstore-report=json:taken", "--memstore-report")
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stdout.fnmatch_lines(["memstore report NOT written to taken: *"])
    result.stdout.no_fnmatch_line("*INTERNALERROR*")
    assert heading_count(result) == 1  # the terminal report is still shown


@pytest.mark.parametrize(
    ("suite", "status"),
    [
        ("def test_fails(memstore):\n    assert False\n", pytest.ExitCode.TESTS_FAILED),
        ("", pytest.ExitCode.USAGE_ERROR),  # no tests: still a report that is missing
    ],
)
def test_an_unwritable_json_path_keeps_a_failed_runs_status(
    pytester: pytest.Pytester, suite: str, status: pytest.ExitCode
) -> None:
    pytester.makepyfile(test_suite=suite)
    pytester.mkdir("taken")
    result = pytester.runpytest("--memstore-report=json:taken")
    assert result.ret == status
    result.stdout.fnmatch_lines(["memstore report NOT written to taken: *"])


# -- layout: the terminal's width, and names that do not depend on the order ----


def report_section(result: pytest.RunResult) -> list[str]:
    """Return the report's lines: from its heading to the next section's heading.

    The next section is pytest's short test summary or its closing line. The
    summary is pytest's own and is cut to the terminal only outside CI.
    """
    lines = result.outlines
    start = next(i for i, line in enumerate(lines) if re.match(HEADING, line))
    end = next(i for i, line in enumerate(lines) if i > start and line.startswith("====="))
    return lines[start:end]


LONG_NAMED = """
    def test_with_a_name_long_enough_to_need_more_than_one_line_of_a_narrow_terminal(
        memstore, memstore_ref
    ):
        ref = memstore_ref("metric", {"visit": 1})
        memstore.put({"x": 1}, ref)
        memstore.trash(ref)
"""


@pytest.mark.parametrize("columns", [60, 80])
def test_every_report_line_fits_the_terminal(
    known: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    known.makepyfile(test_a_module_whose_name_is_rather_long_too=LONG_NAMED)
    result = known.runpytest("--memstore-report=term-all", "--memstore-report=json:report.json")
    section = report_section(result)
    assert len(section) > 20
    too_long = [line for line in section if len(line) > columns]
    assert too_long == []
    # Nothing is lost: the node IDs are split, not cut, and each test's counts
    # that are not zero follow it.
    text = "".join(section)
    for nodeid in EXPECTED:
        assert nodeid in text
    long_id = (
        "test_a_module_whose_name_is_rather_long_too.py::"
        "test_with_a_name_long_enough_to_need_more_than_one_line_of_a_narrow_terminal"
    )
    assert long_id in text

    def counts_after(nodeid: str) -> str:
        following = itertools.takewhile(
            lambda line: line.startswith("    "), section[section.index(nodeid) + 1 :]
        )
        return " ".join(line.strip() for line in following)

    assert counts_after("test_known_a.py::test_put_get") == (
        "stores 1, put 3, get 2, missing 1, exists 2, overwrite 1, left 2"
    )
    assert counts_after("test_known_b.py::test_unused_store") == "stores 1"
    # The JSON is the same whatever the terminal.
    document = load(known.path / "report.json")
    assert list(document["totals"]) == list(COUNT_KEYS)
    assert len(document["tests"]) == len(EXPECTED) + 1


def test_a_table_that_fits_stays_a_table(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    pytester.makepyfile(test_busy=BUSY_SUITE)
    result = pytester.runpytest("--memstore-report")
    result.stdout.re_match_lines([BUSY_HEADER, r"^-+  -+  -+  -+$", busy_row(11)], consecutive=True)
    assert all(len(line) <= 80 for line in report_section(result))


def test_columns_that_are_zero_in_every_row_are_left_out() -> None:
    report = Report()
    report.add("t.py::a", {"stores": 1, "put": 2, "left_datasets": 2})
    report.add("t.py::b", {"stores": 1, "commit": 1})
    lines = report.render(every_test=True)
    assert re.match(r"^nodeid\s+stores\s+put\s+commit\s+left$", lines[3])
    assert lines[-1] == "(left: datasets still stored at teardown)"  # only the legends shown


def test_problems_name_stores_the_same_in_any_order(pytester: pytest.Pytester) -> None:
    write_naming_suite(pytester)
    problems = []
    for order in (["test_names_a.py", "test_names_b.py"], ["test_names_b.py", "test_names_a.py"]):
        result = pytester.runpytest(
            *order, "--memstore-report", "--memstore-report=json:report.json"
        )
        result.assert_outcomes(passed=3)
        document = load(pytester.path / "report.json")
        problems.append([(p["nodeid"], p["kind"], p["message"]) for p in document["problems"]])
        section = report_section(result)
        problems_at = section.index(f"problems ({len(NAMING_PROBLEMS)}):")
        problems.append(section[problems_at:])
    assert problems[0] == NAMING_PROBLEMS
    assert problems[0] == problems[2]
    assert problems[1] == problems[3]
    assert "  test_names_a.py::test_memstore_leaves_trash: [trash] memstore was left with 1 " in (
        "\n".join(problems[1])
    )


def test_strict_mode_names_stores_the_same_way(pytester: pytest.Pytester) -> None:
    write_naming_suite(pytester)
    result = pytester.runpytest("--memstore-strict")
    result.assert_outcomes(passed=3, errors=2)
    result.stdout.fnmatch_lines(
        [
            "memstore strict mode: test_names_b.py::test_factory_stores left",
            "  [[]trash[]] memstore_factory#2 was left with 1 dataset(s) in the trash *",
            "  [[]trash[]] archive was left with 1 dataset(s) in the trash *",
        ]
    )
