"""assert_ops, expect_ops and the per-dataset get counts."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_memstore import InMemoryDatastore, assert_ops, expect_ops
from pytest_memstore.assertions import COUNT_NAMES, operation_totals
from pytest_memstore.report import COUNT_KEYS
from tests._helpers import MakeRef


def test_the_count_names_are_the_reports() -> None:
    assert COUNT_NAMES == COUNT_KEYS


def test_assert_ops_passes_when_the_given_counts_match(make_ref: MakeRef) -> None:
    store = InMemoryDatastore()
    ref = make_ref()
    store.put({"a": 1}, ref)
    store.get(ref)
    store.trash(ref)
    assert_ops(store, put=1, get=1, trash=1, exists=0, left_datasets=1, left_trash=1, stores=1)


def test_assert_ops_lists_every_mismatch_then_the_recent_operations(make_ref: MakeRef) -> None:
    store = InMemoryDatastore("counted", log_size=20)
    ref = make_ref()
    store.put({"a": 1}, ref)
    for _ in range(12):
        store.get(ref)
    with pytest.raises(AssertionError) as info:
        assert_ops(store, put=2, get=12, exists=1)
    lines = str(info.value).splitlines()
    assert lines[:4] == [
        "assert_ops: counted: 2 count(s) differ:",
        "  put: expected 2, got 1",
        "  exists: expected 1, got 0",
        "recent operations:",
    ]
    assert lines[4] == "counted: the last 10 of 13 operations, oldest first"
    assert len(lines) == 15
    assert lines[-1].endswith(f"get metric {ref.dataId} [{str(ref.id)[:8]}]: ok")


def test_without_a_log_the_message_says_how_to_get_one(make_ref: MakeRef) -> None:
    store = InMemoryDatastore("plain")
    with pytest.raises(AssertionError) as info:
        assert_ops(store, put=1)
    assert str(info.value).splitlines() == [
        "assert_ops: plain: 1 count(s) differ:",
        "  put: expected 1, got 0",
        "(no operation log to show: build the store with log_size=N, or set the "
        "memstore_log_size ini option, to see its recent operations here)",
    ]


def test_assert_ops_sums_several_stores(make_ref: MakeRef) -> None:
    first, second = InMemoryDatastore("first"), InMemoryDatastore("second")
    first.put({"a": 1}, make_ref())
    second.put({"a": 1}, make_ref())
    assert_ops([first, second], put=2, stores=2, left_datasets=2)
    with pytest.raises(AssertionError, match="first, second: 1 count"):
        assert_ops([first, second], put=3)


@pytest.mark.parametrize(
    ("stores", "expected", "words"),
    [
        ("store", {}, ["at least one count", "put, get"]),
        ("store", {"puts": 1}, ["unknown count name(s) puts", "put, get"]),
        ("store", {"put": "1"}, ["put must be an int", "str"]),
        ("store", {"put": True}, ["put must be an int", "bool"]),
        ("not a store", {"put": 1}, ["InMemoryDatastore", "str"]),
        (42, {"put": 1}, ["InMemoryDatastore", "int"]),
    ],
)
def test_bad_arguments_are_type_errors(
    stores: Any, expected: dict[str, Any], words: list[str]
) -> None:
    if stores == "store":
        stores = InMemoryDatastore()
    elif isinstance(stores, str):
        stores = [stores]
    for helper in (assert_ops, expect_ops):
        with pytest.raises(TypeError) as info:
            helper(stores, **expected)
        message = str(info.value)
        for word in words:
            assert word in message, message


def test_expect_ops_checks_the_change_inside_the_block(make_ref: MakeRef) -> None:
    store = InMemoryDatastore("counted")
    ref = make_ref()
    store.put({"a": 1}, ref)
    with expect_ops(store, put=0, get=2, left_datasets=0):
        store.get(ref)
        store.get(ref)
    with expect_ops(store, left_datasets=-1, forget=1):
        store.forget(ref)


def test_expect_ops_says_what_changed_from_what_to_what(make_ref: MakeRef) -> None:
    store = InMemoryDatastore("counted", log_size=5)
    ref = make_ref()
    store.put({"a": 1}, ref)
    with pytest.raises(AssertionError) as info, expect_ops(store, get=1, exists=0):
        store.get(ref)
        store.get(ref)
        store.exists(ref)
    lines = str(info.value).splitlines()
    assert lines[:3] == [
        "expect_ops: inside the block, counted: 2 count(s) changed by other than expected:",
        "  get: expected +1, got +2 (0 -> 2)",
        "  exists: expected +0, got +1 (0 -> 1)",
    ]
    assert lines[3] == "recent operations:"
    assert lines[4] == "counted: 4 operation(s), oldest first"


def test_expect_ops_lets_an_exception_through_unchecked(make_ref: MakeRef) -> None:
    store = InMemoryDatastore()
    with pytest.raises(FileNotFoundError), expect_ops(store, get=1):
        store.get(make_ref())


def test_operation_totals(make_ref: MakeRef) -> None:
    store = InMemoryDatastore()
    ref = make_ref()
    store.put({"a": 1}, ref)
    store.put({"a": 2}, ref)
    totals = operation_totals(store)
    assert set(totals) == set(COUNT_NAMES)
    assert totals["put"] == 2 and totals["overwrite"] == 1 and totals["left_datasets"] == 1


# -- get counts ---------------------------------------------------------------------


def test_get_counts_count_the_gets_of_each_dataset(make_ref: MakeRef) -> None:
    store = InMemoryDatastore(count_gets=True)
    assert store.count_gets
    often = make_ref("composite", storageClass="ExampleComposite")
    once = make_ref(dataId={"instrument": "DummyCam", "visit": 2})
    missing = make_ref(dataId={"instrument": "DummyCam", "visit": 3})
    store.put({"summary": {"a": 1}}, often)
    store.put({"a": 1}, once)
    for _ in range(3):
        store.get(often)
    store.get(often.makeComponentRef("summary"))  # a component counts for its dataset
    store.get(once)
    with pytest.raises(FileNotFoundError):
        store.get(missing)  # only gets that returned count
    assert store.get_counts() == [(often, 4), (once, 1)]
    assert store.repeated_gets(1) == [(often, 4)]
    assert store.repeated_gets(4) == []


def test_without_count_gets_there_are_no_counts(make_ref: MakeRef) -> None:
    store = InMemoryDatastore(log_size=2)
    ref = make_ref()
    store.put({"a": 1}, ref)
    store.get(ref)
    store.get(ref)
    assert not store.count_gets
    assert store.get_counts() == []
    assert store.repeated_gets(0) == []
