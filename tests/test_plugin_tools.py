"""The power tools through the plugin: marker and ini options, teardown checks, report, logs."""

from __future__ import annotations

import json

import pytest

MUTATING = """
import pytest

@pytest.mark.memstore(detect_mutation=True)
def test_changes_after_put(memstore, memstore_ref):
    ref = memstore_ref("rows", {"visit": 1}, "SliceableList")
    rows = [1, 2, 3]
    memstore.put(rows, ref)
    rows.append(4)

@pytest.mark.memstore(detect_mutation=True)
def test_changes_after_put_then_reads(memstore, memstore_ref):
    from pytest_memstore import DatasetMutatedError
    ref = memstore_ref("rows", {"visit": 2}, "SliceableList")
    rows = [1, 2, 3]
    memstore.put(rows, ref)
    rows[1] = 20
    with pytest.raises(DatasetMutatedError):
        memstore.get(ref)

def test_changes_without_detection(memstore, memstore_ref):
    ref = memstore_ref("rows", {"visit": 3}, "SliceableList")
    rows = [1]
    memstore.put(rows, ref)
    rows.append(2)
"""


@pytest.mark.parametrize("strict", [False, True], ids=["report", "strict"])
def test_a_mutation_no_get_raised_is_a_teardown_error_and_every_one_a_report_problem(
    pytester: pytest.Pytester, strict: bool
) -> None:
    """A mutation a ``get`` raised was seen: the report lists it, teardown stays quiet."""
    pytester.makepyfile(MUTATING)
    result = pytester.runpytest(
        *(["--memstore-strict"] if strict else []),
        "--memstore-report=json:r.json", "-p", "no:randomly",
    )
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(
        ["*ERROR at teardown of test_changes_after_put *", "*DatasetMutatedError*rows*visit*"]
    )
    result.stdout.no_fnmatch_line("*ERROR at teardown of test_changes_after_put_then_reads*")
    if strict:
        result.stdout.no_fnmatch_line("*[[]mutated[]]*")
    problems = json.loads((pytester.path / "r.json").read_text())["problems"]
    mutated = sorted(p["nodeid"].split("::")[1] for p in problems if p["kind"] == "mutated")
    assert mutated == ["test_changes_after_put", "test_changes_after_put_then_reads"]


def test_strict_mode_still_raises_a_tests_other_problems_after_a_caught_mutation(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pytest
        from pytest_memstore import DatasetMutatedError

        @pytest.mark.memstore(detect_mutation=True)
        def test_catches_and_leaves_trash(memstore, memstore_ref):
            ref = memstore_ref("rows", {"visit": 1}, "SliceableList")
            rows = [1]
            memstore.put(rows, ref)
            rows.append(2)
            with pytest.raises(DatasetMutatedError):
                memstore.get(ref)
            memstore.trash(ref)
        """
    )
    result = pytester.runpytest("--memstore-strict")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["memstore strict mode: *::test_catches_and_leaves_trash left",
         "  [[]trash[]] memstore was left with 1 dataset(s) in the trash *"]
    )
    result.stdout.no_fnmatch_line("*[[]mutated[]]*")


MUTATING_BUTLER = """
import pytest

@pytest.mark.memstore(detect_mutation=True)
def test_butler_store(memstore_butler, memstore_ref):
    ref = memstore_ref("rows", {"visit": 1}, "SliceableList")
    memstore_butler.registry.registerDatasetType(ref.datasetType)
    rows = [1, 2, 3]
    memstore_butler.put(rows, ref)
    rows[2] = 30
"""


def test_a_mutated_problem_names_its_store_by_its_report_label_once(
    pytester: pytest.Pytester,
) -> None:
    """Not by the store's ``InMemoryDatastore@N``, which depends on how many came before."""
    pytester.makepyfile(MUTATING_BUTLER)
    result = pytester.runpytest("--memstore-report=json:r.json")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*DatasetMutatedError: rows {visit: 1} (id *) in memstore_butler changed after put*"]
    )
    problems = json.loads((pytester.path / "r.json").read_text())["problems"]
    assert [(p["kind"], p["message"]) for p in problems] == [
        (
            "mutated",
            "rows {visit: 1} in memstore_butler changed after put, before any get handed it "
            "out: at [2], was 3, now 30. The store holds the very object that was put; a "
            "file-backed datastore would still hold the value put",
        )
    ]


def test_the_ini_option_turns_detection_on_for_every_fixture_store(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini("[pytest]\nmemstore_detect_mutation = true\n")
    pytester.makepyfile(
        """
        def test_factory_store(memstore_factory, memstore_ref):
            store = memstore_factory()
            rows = [1]
            store.put(rows, memstore_ref("rows", {"visit": 1}, "SliceableList"))
            rows.append(2)
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*DatasetMutatedError*"])


def test_the_marker_turns_detection_off_for_an_object_it_cannot_copy(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini("[pytest]\nmemstore_detect_mutation = true\n")
    pytester.makepyfile(
        """
        import threading

        import pytest

        def put_a_lock(store, memstore_ref):
            store.put(threading.Lock(), memstore_ref("lock", {"visit": 1}, "Object"))

        def test_detected(memstore, memstore_ref):
            put_a_lock(memstore, memstore_ref)

        @pytest.mark.memstore(detect_mutation=False)
        def test_not_detected(memstore, memstore_ref):
            put_a_lock(memstore, memstore_ref)
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*TypeError: detect_mutation cannot copy the lock of lock@{visit: 1}*"]
    )


def test_repeated_gets_are_a_problem_and_a_strict_error(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nmemstore_repeated_get_threshold = 2\n")
    pytester.makepyfile(
        """
        def test_reads_three_times(memstore, memstore_ref):
            ref = memstore_ref("calexp", {"visit": 1})
            memstore.put({}, ref)
            for _ in range(3):
                memstore.get(ref)

        def test_reads_twice(memstore, memstore_ref):
            ref = memstore_ref("calexp", {"visit": 1})
            memstore.put({}, ref)
            memstore.get(ref)
            memstore.get(ref)
        """
    )
    lenient = pytester.runpytest("--memstore-report=json:r.json", "-p", "no:randomly")
    lenient.assert_outcomes(passed=2)
    problems = json.loads((pytester.path / "r.json").read_text())["problems"]
    assert [(p["nodeid"].split("::")[1], p["kind"]) for p in problems] == [
        ("test_reads_three_times", "repeated_get")
    ]
    assert "read 3 times (more than memstore_repeated_get_threshold = 2)" in problems[0]["message"]
    strict = pytester.runpytest("--memstore-strict", "-p", "no:randomly")
    strict.assert_outcomes(passed=2, errors=1)
    strict.stdout.fnmatch_lines(["*[[]repeated_get[]]*calexp*read 3 times*"])


def test_an_armed_fault_that_never_fired_is_a_problem(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_arms_and_forgets(memstore):
            memstore.fail_next("get", match="calexp")

        def test_arms_and_fires(memstore, memstore_ref):
            import pytest
            ref = memstore_ref("calexp", {"visit": 1})
            memstore.put({}, ref)
            memstore.fail_next("get")
            with pytest.raises(OSError):
                memstore.get(ref)
        """
    )
    result = pytester.runpytest("--memstore-report", "--memstore-strict", "-p", "no:randomly")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        ["*[[]unfired_fault[]] memstore: fail_next('get', match='calexp'): fired 0 of 1*"]
    )


FAILING = """
def test_fails(memstore, memstore_ref):
    ref = memstore_ref("calexp", {"visit": 7})
    memstore.put({"zp": 1}, ref)
    memstore.get(ref)
    assert memstore.get(ref) == {"zp": 2}

def test_passes(memstore, memstore_ref):
    ref = memstore_ref("calexp", {"visit": 8})
    memstore.put({"zp": 1}, ref)
"""


def test_a_failing_test_shows_the_operations_of_its_stores(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nmemstore_log_size = 10\n")
    pytester.makepyfile(FAILING)
    result = pytester.runpytest("-rA", "-p", "no:randomly")
    result.assert_outcomes(passed=1, failed=1)
    output = result.stdout.str()
    assert output.count("memstore operations") == 1
    result.stdout.fnmatch_lines(
        ["*memstore operations*", "memstore: 3 operation(s), oldest first",
         "*put*calexp*visit*7*ok*", "*get*calexp*ok*"]
    )


def test_without_a_log_size_nothing_is_attached(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(FAILING)
    result = pytester.runpytest("-rA")
    result.assert_outcomes(passed=1, failed=1)
    assert "memstore operations" not in result.stdout.str()


COUNT_MESSAGE = "*{name} must be a whole number, 0 or more; got '{value}'*"
# The bool options end in pytest's own words: "invalid truth value 'sure'".
BOOL_MESSAGE = (
    "ERROR: {name} must be true or false (or yes/no, on/off, 1/0, in any case); *'{lower}'"
)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        *(
            (name, value, COUNT_MESSAGE)
            for name in ("memstore_log_size", "memstore_repeated_get_threshold")
            for value in ("-1", "many")
        ),
        ("memstore_strict", "maybe", BOOL_MESSAGE),
        ("memstore_detect_mutation", "Sure", BOOL_MESSAGE),
    ],
)
def test_a_bad_ini_value_is_a_usage_error_naming_the_option_and_what_it_takes(
    pytester: pytest.Pytester, name: str, value: str, message: str
) -> None:
    pytester.makeini(f"[pytest]\n{name} = {value}\n")
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message.format(name=name, value=value, lower=value.lower())])
    if message is BOOL_MESSAGE:
        assert "Traceback" not in result.stdout.str() + result.stderr.str()


@pytest.mark.parametrize(("value", "strict"), [("Yes", True), ("ON", True), ("0", False)])
def test_a_bool_option_takes_what_pytest_takes(
    pytester: pytest.Pytester, value: str, strict: bool
) -> None:
    pytester.makeini(f"[pytest]\nmemstore_strict = {value}\n")
    pytester.makepyfile(
        """
        def test_leaves_trash(memstore, memstore_ref):
            ref = memstore_ref("calexp", {"visit": 1})
            memstore.put({}, ref)
            memstore.trash(ref)
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1 if strict else 0)
