"""The operation log: what each store keeps of its last operations, and how it reads."""

from __future__ import annotations

import threading

import pytest

from pytest_memstore import (
    InMemoryDatastore,
    LoggedOperation,
    StorageClassFactory,
    format_operation_log,
)
from pytest_memstore.tools.store_tools import DEFAULT_LOG_SIZE, format_operation_logs
from tests._helpers import MakeRef


class Boom(Exception):
    """Raised to roll a transaction back."""


def entries(store: InMemoryDatastore) -> list[tuple[str, str, int, str]]:
    """The log without refs and numbers: (verb, outcome, depth, detail)."""
    return [(e.verb, e.outcome, e.depth, e.detail) for e in store.operation_log()]


def test_a_store_without_tools_is_a_plain_store() -> None:
    store = InMemoryDatastore()
    assert type(store) is InMemoryDatastore
    assert store.log_size == DEFAULT_LOG_SIZE == 0
    assert not store.detect_mutation
    assert not store.count_gets
    assert store.operation_log() == []
    assert format_operation_log(store) == ""
    # Its operations are the class's own: nothing runs around them.
    for name in ("put", "get", "exists", "trash", "emptyTrash", "forget", "transfer"):
        assert getattr(type(store), name) is getattr(InMemoryDatastore, name)


def test_a_store_with_a_log_is_still_an_in_memory_datastore() -> None:
    store = InMemoryDatastore("logged", log_size=5)
    assert isinstance(store, InMemoryDatastore)
    assert store.log_size == 5
    assert repr(store) == "<InMemoryDatastore 'logged': 0 records>"


def test_every_operation_is_logged_with_its_outcome(
    make_ref: MakeRef, storage_classes: StorageClassFactory
) -> None:
    store = InMemoryDatastore(log_size=50, storageClasses=storage_classes)
    source = InMemoryDatastore("source")
    ref, other, missing = make_ref(), make_ref(dataId={"visit": 2}), make_ref(dataId={"visit": 3})
    source.put({"from": "source"}, other)
    store.put({"a": 1}, ref)
    store.get(ref)
    with pytest.raises(FileNotFoundError):
        store.get(missing)
    store.exists(ref)
    store.exists(missing)
    store.transfer(source, other)
    store.trash([ref, other])
    store.emptyTrash()
    store.forget([missing])
    with pytest.raises(TypeError):
        store.put(42, missing)
    assert entries(store) == [
        ("put", "ok", 0, ""),
        ("get", "ok", 0, ""),
        ("get", "FileNotFoundError", 0, ""),
        ("exists", "ok", 0, ""),
        ("exists", "ok", 0, "not stored"),
        ("put", "ok", 0, ""),  # the put transfer makes
        ("transfer", "ok", 0, "from source"),
        ("trash", "ok", 0, "and 1 more ref(s)"),
        ("emptyTrash", "ok", 0, "2 emptied"),
        ("forget", "ok", 0, ""),
        ("put", "TypeError", 0, ""),
    ]
    logged = store.operation_log()
    assert [e.number for e in logged] == list(range(1, 12))
    assert logged[0].ref is ref
    assert logged[2].ref is missing
    assert logged[8].ref is None


def test_transactions_are_logged_with_their_depth(make_ref: MakeRef) -> None:
    store = InMemoryDatastore(log_size=50)
    ref = make_ref()
    with store.transaction():
        store.put({"a": 1}, ref)
        with pytest.raises(Boom), store.transaction():
            store.trash(ref)
            raise Boom
    store.emptyTrash()
    assert entries(store) == [
        ("begin", "ok", 1, ""),
        ("put", "ok", 1, ""),
        ("begin", "ok", 2, ""),
        ("trash", "ok", 2, ""),
        ("rollback", "ok", 2, "on Boom"),
        ("commit", "ok", 1, ""),
        ("emptyTrash", "ok", 0, "0 emptied"),
    ]
    text = format_operation_log(store)
    assert text.splitlines()[1:] == [
        "  #1 begin transaction (depth 1)",
        f"  #2   put {ref.datasetType.name} {ref.dataId} [{str(ref.id)[:8]}]: ok",
        "  #3   begin transaction (depth 2)",
        f"  #4     trash {ref.datasetType.name} {ref.dataId} [{str(ref.id)[:8]}]: ok",
        "  #5   rollback transaction (depth 2, on Boom)",
        "  #6 commit transaction (depth 1)",
        "  #7 emptyTrash: ok (0 emptied)",
    ]


def test_the_depth_is_the_calling_threads(make_ref: MakeRef) -> None:
    store = InMemoryDatastore(log_size=50)
    ref = make_ref()
    store.put({"a": 1}, ref)
    opened, done = threading.Event(), threading.Event()

    def hold_a_transaction() -> None:
        with store.transaction():
            opened.set()
            done.wait(10)

    thread = threading.Thread(target=hold_a_transaction)
    thread.start()
    try:
        assert opened.wait(10)
        store.get(ref)
    finally:
        done.set()
        thread.join()
    get = next(e for e in store.operation_log() if e.verb == "get")
    assert get.depth == 0


def test_the_log_keeps_the_last_entries_and_says_how_many_there_were(
    make_ref: MakeRef,
) -> None:
    store = InMemoryDatastore("small", log_size=3)
    ref = make_ref()
    store.put({"a": 1}, ref)
    for _ in range(9):
        store.get(ref)
    assert [e.number for e in store.operation_log()] == [8, 9, 10]
    text = format_operation_log(store)
    assert text.splitlines()[0] == "small: the last 3 of 10 operations, oldest first"
    # Numbers are padded to the widest shown, so the entries line up.
    assert [line[:6] for line in text.splitlines()[1:]] == ["  #8  ", "  #9  ", "  #10 "]
    assert format_operation_log(store, last=1).splitlines()[0] == (
        "small: the last 1 of 10 operations, oldest first"
    )


def test_an_entry_describes_its_ref_and_a_non_ref() -> None:
    entry = LoggedOperation(3, "get", "metric", "TypeError", 0)
    assert entry.describe() == "#3 get <not a ref: str>: TypeError"


def test_a_bad_argument_is_logged_with_its_error(make_ref: MakeRef) -> None:
    store = InMemoryDatastore(log_size=10)
    with pytest.raises(TypeError):
        store.trash("metric")
    with pytest.raises(TypeError):
        store.get("metric")  # type: ignore[arg-type]
    assert entries(store) == [("trash", "TypeError", 0, ""), ("get", "TypeError", 0, "")]
    assert format_operation_log(store).splitlines()[1:] == [
        "  #1 trash: TypeError",
        "  #2 get <not a ref: str>: TypeError",
    ]


def test_logs_of_several_stores_leave_out_those_without_entries(make_ref: MakeRef) -> None:
    first, empty, plain = (
        InMemoryDatastore("first", log_size=5),
        InMemoryDatastore("empty", log_size=5),
        InMemoryDatastore("plain"),
    )
    first.put({"a": 1}, make_ref())
    labelled = [("memstore", first), ("memstore_factory#1", empty), ("other", plain)]
    text = format_operation_logs(labelled)
    assert text.startswith("memstore: 1 operation(s), oldest first\n  #1 put metric")
    assert "memstore_factory#1" not in text and "other" not in text
    assert format_operation_logs(labelled[1:]) == ""


@pytest.mark.parametrize("size", [-1, 1.5, True, "10"])
def test_a_bad_log_size_is_rejected(size: object) -> None:
    error = ValueError if size == -1 else TypeError
    with pytest.raises(error, match="log_size"):
        InMemoryDatastore(log_size=size)  # type: ignore[arg-type]


def test_a_subclass_keeps_its_own_behaviour_with_tools_on(make_ref: MakeRef) -> None:
    class Shouting(InMemoryDatastore):
        def get(self, *args: object, **kwargs: object) -> object:
            return str(super().get(*args, **kwargs)).upper()  # type: ignore[arg-type]

    store = Shouting(log_size=5)
    ref = make_ref()
    store.put({"a": "b"}, ref)
    assert isinstance(store, Shouting)
    assert store.get(ref) == "{'A': 'B'}"
    assert [e.verb for e in store.operation_log()] == ["put", "get"]
    assert type(Shouting(log_size=1)) is type(store)  # one class per subclass
