"""``InMemoryDatastore.transaction()``: what a rollback undoes, and what it does not."""

from __future__ import annotations

import gc

import pytest

from pytest_memstore import (
    DatasetRef,
    DatastoreTransaction,
    InMemoryDatastore,
    StoredMemoryItemInfo,
    TransactionOrderError,
)
from tests._helpers import MakeRef, StoreSnapshot, assert_unchanged


class Boom(Exception):
    """Raised by tests to make a transaction roll back."""


@pytest.fixture
def stored(store: InMemoryDatastore, make_ref: MakeRef) -> list[DatasetRef]:
    """Three refs already stored (outside any transaction) before the test."""
    refs = [make_ref(dataId={"instrument": "DummyCam", "visit": v}) for v in range(3)]
    for ref in refs:
        store.put({"visit": ref.dataId["visit"]}, ref)
    return refs


# -- basics --------------------------------------------------------------------


def test_transaction_yields_a_transaction(store: InMemoryDatastore) -> None:
    with store.transaction() as outer:
        assert isinstance(outer, DatastoreTransaction)
        assert outer.parent is None
        with store.transaction() as inner:
            assert inner.parent is outer


def test_committed_work_is_kept(store: InMemoryDatastore, make_ref: MakeRef) -> None:
    ref, trashed = make_ref(), make_ref()
    store.put({"a": 0}, trashed)
    with store.transaction():
        store.put({"a": 1}, ref)
        store.trash(trashed)
    assert store.get(ref) == {"a": 1}
    assert store.bridge.trashed_ids == {trashed.id}


def test_exception_rolls_back_the_block_and_propagates(
    store: InMemoryDatastore, stored: list[DatasetRef], make_ref: MakeRef
) -> None:
    before = StoreSnapshot.of(store)
    new = make_ref()
    with pytest.raises(Boom), store.transaction():
        store.put({"new": True}, new)
        store.put({"replaced": True}, stored[0])
        store.trash(stored[1])
        store.trash([stored[2]])
        raise Boom
    assert_unchanged(store, before)
    assert not store.exists(new)
    assert store.get(stored[0]) == {"visit": 0}


def test_base_exceptions_roll_back_too(store: InMemoryDatastore, make_ref: MakeRef) -> None:
    ref = make_ref()
    with pytest.raises(KeyboardInterrupt), store.transaction():
        store.put({"a": 1}, ref)
        raise KeyboardInterrupt
    assert not store.exists(ref)


def test_outer_rollback_undoes_committed_inner_blocks(
    store: InMemoryDatastore, stored: list[DatasetRef], make_ref: MakeRef
) -> None:
    before = StoreSnapshot.of(store)
    with pytest.raises(Boom), store.transaction():
        store.put({"outer": 1}, make_ref())
        with store.transaction():
            store.put({"inner": 1}, make_ref())
            store.trash(stored[0])
            with store.transaction():
                store.put({"innermost": 1}, stored[1])
        raise Boom
    assert_unchanged(store, before)


def test_inner_rollback_that_is_caught_leaves_the_outer_running(
    store: InMemoryDatastore, stored: list[DatasetRef], make_ref: MakeRef
) -> None:
    outer_ref, inner_ref, after_ref = make_ref(), make_ref(), make_ref()
    with store.transaction():
        store.put({"outer": 1}, outer_ref)
        store.trash(stored[0])
        with pytest.raises(Boom), store.transaction():
            store.put({"inner": 1}, inner_ref)
            store.put({"inner": 2}, stored[1])
            store.trash(stored[2])
            raise Boom
        # The inner block's work is gone; the outer block's is still there.
        assert not store.exists(inner_ref)
        assert store.get(stored[1]) == {"visit": 1}
        assert store.bridge.trashed_ids == {stored[0].id}
        assert store.get(outer_ref) == {"outer": 1}
        store.put({"after": 1}, after_ref)
    # The outer block committed: its own work is kept.
    assert store.get(outer_ref) == {"outer": 1}
    assert store.get(after_ref) == {"after": 1}
    assert store.bridge.trashed_ids == {stored[0].id}
    assert not store.exists(inner_ref)
    assert store.consistency_problems() == []


def test_outer_block_that_raises_after_a_caught_inner_rollback_undoes_its_own_work(
    store: InMemoryDatastore, stored: list[DatasetRef], make_ref: MakeRef
) -> None:
    before = StoreSnapshot.of(store)
    with pytest.raises(Boom, match="outer"), store.transaction():
        store.put({"outer": 1}, make_ref())
        store.trash(stored[0])
        with pytest.raises(Boom, match="inner"), store.transaction():
            store.put({"inner": 1}, make_ref())
            raise Boom("inner")
        store.put({"outer": 2}, stored[1])
        raise Boom("outer")
    assert_unchanged(store, before)


def test_sibling_blocks_are_independent(store: InMemoryDatastore, make_ref: MakeRef) -> None:
    kept, undone = make_ref(), make_ref()
    with store.transaction():
        with store.transaction():
            store.put({"kept": 1}, kept)
        with pytest.raises(Boom), store.transaction():
            store.put({"undone": 1}, undone)
            raise Boom
    assert store.exists(kept)
    assert not store.exists(undone)


def test_a_new_transaction_after_a_rollback_starts_clean(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    first, second = make_ref(), make_ref()
    with pytest.raises(Boom), store.transaction():
        store.put({"a": 1}, first)
        raise Boom
    with store.transaction() as transaction:
        assert transaction.parent is None
        store.put({"a": 2}, second)
    assert store.exists(second)
    assert not store.exists(first)


def test_a_raising_undo_does_not_stop_the_rest_of_the_rollback(
    store: InMemoryDatastore, stored: list[DatasetRef], make_ref: MakeRef,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken() -> None:
        raise RuntimeError("user undo exploded")

    before = StoreSnapshot.of(store)
    with pytest.raises(Boom), store.transaction() as transaction:
        store.put({"new": True}, make_ref())
        transaction.registerUndo("user-undo", broken)
        store.trash(stored[0])
        raise Boom
    assert_unchanged(store, before)
    assert any("user-undo" in r.getMessage() for r in caplog.records)


# -- rolling back put ------------------------------------------------------------


def test_rollback_of_a_new_put_leaves_nothing(store: InMemoryDatastore, make_ref: MakeRef) -> None:
    ref = make_ref()
    with pytest.raises(Boom), store.transaction():
        store.put({"a": 1}, ref)
        raise Boom
    assert store.datasets == {}
    assert store.records == {}
    assert store.related == {}
    assert store.bridge.known_ids == frozenset()
    assert store.bridge.trashed_ids == frozenset()


def test_rollback_of_an_overwrite_restores_the_previous_object(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    ref = make_ref()
    original = {"v": "original"}
    store.put(original, ref)
    record = store.records[ref.id]
    with pytest.raises(Boom), store.transaction():
        store.put({"v": "first"}, ref)
        store.put({"v": "second"}, ref)
        assert store.get(ref) == {"v": "second"}
        raise Boom
    assert store.get(ref) is original
    assert store.records[ref.id] is record
    assert store.related == {ref.id: {ref.id}}
    assert ref in store.bridge


def test_rollback_of_an_overwrite_of_a_trashed_dataset_puts_it_back_in_the_trash(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    ref = make_ref()
    store.put({"v": "old"}, ref)
    store.trash(ref)
    before = StoreSnapshot.of(store)
    with pytest.raises(Boom), store.transaction():
        store.put({"v": "new"}, ref)
        assert store.bridge.trashed_ids == frozenset()
        raise Boom
    assert_unchanged(store, before)
    # The trash is as it was: emptying it removes the old dataset.
    store.emptyTrash()
    assert not store.exists(ref)


def test_rollback_of_a_put_over_a_shared_artifact_record(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    parent, child = make_ref("parent"), make_ref("child")
    store.put({"shared": True}, parent)
    info = StoredMemoryItemInfo(0.0, parent.datasetType.storageClass, parent.id, child.id)
    store.addStoredItemInfo([child], [info])
    before = StoreSnapshot.of(store)
    with pytest.raises(Boom), store.transaction():
        store.put({"own": True}, child)
        assert store.get(child) == {"own": True}
        assert store.get(parent) == {"shared": True}
        raise Boom
    assert_unchanged(store, before)
    assert store.get(child) == {"shared": True}


def test_rollback_of_a_put_over_the_last_record_of_a_shared_artifact(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    parent, child = make_ref("parent"), make_ref("child")
    shared = {"shared": True}
    store.put(shared, parent)
    info = StoredMemoryItemInfo(0.0, parent.datasetType.storageClass, parent.id, child.id)
    store.addStoredItemInfo([child], [info])
    store.remove(parent)  # the child's record now alone keeps the artifact
    before = StoreSnapshot.of(store)
    with pytest.raises(Boom), store.transaction():
        store.put({"own": True}, child)  # the shared artifact loses its last record
        assert parent.id not in store.datasets
        raise Boom
    assert_unchanged(store, before)
    assert store.get(child) is shared


# -- rolling back trash ---------------------------------------------------------


def test_rollback_of_trash_keeps_what_was_trashed_before(
    store: InMemoryDatastore, stored: list[DatasetRef]
) -> None:
    store.trash(stored[0])
    with pytest.raises(Boom), store.transaction():
        store.trash(stored[0])  # already trashed: must stay trashed
        store.trash([stored[0], stored[1]])
        store.trash(stored[2])
        assert store.bridge.trashed_ids == {r.id for r in stored}
        raise Boom
    assert store.bridge.trashed_ids == {stored[0].id}
    store.emptyTrash()
    assert store.mexists(stored) == {stored[0]: False, stored[1]: True, stored[2]: True}


def test_rollback_of_bulk_trash_of_unknown_ids(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    unknown = make_ref()
    with pytest.raises(Boom), store.transaction():
        store.trash([unknown])
        raise Boom
    assert store.bridge.trashed_ids == frozenset()


def test_rollback_of_remove_is_not_a_resurrection(
    store: InMemoryDatastore, stored: list[DatasetRef]
) -> None:
    with pytest.raises(Boom), store.transaction():
        store.remove(stored[0])
        raise Boom
    assert not store.exists(stored[0])
    assert store.bridge.trashed_ids == frozenset()


# -- what a rollback does not undo ------------------------------------------------


def test_empty_trash_is_not_undone(store: InMemoryDatastore, stored: list[DatasetRef]) -> None:
    store.trash(stored[0])
    with pytest.raises(Boom), store.transaction():
        store.trash(stored[1])
        store.emptyTrash()
        raise Boom
    assert not store.exists(stored[0])
    assert not store.exists(stored[1])
    assert store.bridge.trashed_ids == frozenset()
    assert set(store.records) == {stored[2].id}


def test_empty_trash_after_a_put_in_the_same_block_is_not_undone(
    store: InMemoryDatastore, stored: list[DatasetRef]
) -> None:
    with pytest.raises(Boom), store.transaction():
        store.put({"v": "replaced"}, stored[0])
        store.trash(stored[0])
        store.emptyTrash()
        raise Boom
    # The deliberate deletion stands; the old object does not come back.
    assert not store.exists(stored[0])


def test_forget_is_not_undone(store: InMemoryDatastore, stored: list[DatasetRef]) -> None:
    with pytest.raises(Boom), store.transaction():
        store.trash(stored[1])
        store.forget([stored[0], stored[1]])
        raise Boom
    assert store.mexists(stored) == {stored[0]: False, stored[1]: False, stored[2]: True}
    assert store.bridge.known_ids == {stored[2].id}
    assert store.bridge.trashed_ids == frozenset()


def test_forget_after_a_put_in_the_same_block_is_not_undone(
    store: InMemoryDatastore, stored: list[DatasetRef], make_ref: MakeRef
) -> None:
    new = make_ref()
    with pytest.raises(Boom), store.transaction():
        store.put({"v": "new"}, new)
        store.put({"v": "replaced"}, stored[0])
        store.forget([new, stored[0]])
        raise Boom
    assert not store.exists(new)
    assert not store.exists(stored[0])


def test_a_put_after_forget_in_the_block_is_rolled_back(
    store: InMemoryDatastore, stored: list[DatasetRef]
) -> None:
    with pytest.raises(Boom), store.transaction():
        store.forget([stored[0]])
        store.put({"v": "again"}, stored[0])
        raise Boom
    assert not store.exists(stored[0])


# -- trash and emptyTrash need no open transaction ----------------------------------


def test_trash_and_empty_trash_work_outside_a_transaction(
    store: InMemoryDatastore, stored: list[DatasetRef]
) -> None:
    store.trash(stored[0])
    store.trash(stored[1:])
    assert store.bridge.trashed_ids == {r.id for r in stored}
    store.emptyTrash()
    assert store.records == {}


# -- a put takes its id out of the trash ----------------------------------------------


def test_put_of_a_trashed_id_survives_a_later_empty_trash(
    store: InMemoryDatastore, stored: list[DatasetRef]
) -> None:
    store.trash(stored)
    store.put({"v": "new"}, stored[0])
    store.emptyTrash()
    assert store.get(stored[0]) == {"v": "new"}
    assert store.mexists(stored[1:]) == {stored[1]: False, stored[2]: False}


def test_put_of_a_trashed_id_in_a_committed_transaction_survives_empty_trash(
    store: InMemoryDatastore, stored: list[DatasetRef]
) -> None:
    with store.transaction():
        store.trash(stored[0])
        store.put({"v": "new"}, stored[0])
    store.emptyTrash()
    assert store.get(stored[0]) == {"v": "new"}


def test_put_of_an_id_trashed_outside_then_put_inside_a_committed_transaction(
    store: InMemoryDatastore, stored: list[DatasetRef]
) -> None:
    store.trash(stored[0])
    with store.transaction():
        store.put({"v": "new"}, stored[0])
    store.emptyTrash()
    assert store.get(stored[0]) == {"v": "new"}


def test_rolled_back_trash_followed_by_put_survives_empty_trash(
    store: InMemoryDatastore, stored: list[DatasetRef]
) -> None:
    with pytest.raises(Boom), store.transaction():
        store.trash(stored[0])
        store.put({"v": "new"}, stored[0])
        raise Boom
    # Both undone: the original is stored and not in the trash.
    assert store.bridge.trashed_ids == frozenset()
    store.emptyTrash()
    assert store.get(stored[0]) == {"visit": 0}


def test_put_in_a_rolled_back_inner_block_leaves_the_outer_trash_in_place(
    store: InMemoryDatastore, stored: list[DatasetRef]
) -> None:
    with store.transaction():
        store.trash(stored[0])
        with pytest.raises(Boom), store.transaction():
            store.put({"v": "new"}, stored[0])
            raise Boom
        assert store.bridge.trashed_ids == {stored[0].id}
    store.emptyTrash()
    assert not store.exists(stored[0])


def test_put_after_an_inner_rolled_back_trash_survives_empty_trash(
    store: InMemoryDatastore, stored: list[DatasetRef]
) -> None:
    with store.transaction():
        with pytest.raises(Boom), store.transaction():
            store.trash(stored[0])
            raise Boom
        store.trash(stored[0])
        store.put({"v": "new"}, stored[0])
    store.emptyTrash()
    assert store.get(stored[0]) == {"v": "new"}


def test_retrash_after_put_in_a_rolled_back_block_restores_the_trash_exactly(
    store: InMemoryDatastore, stored: list[DatasetRef]
) -> None:
    store.trash(stored[0])
    before = StoreSnapshot.of(store)
    with pytest.raises(Boom), store.transaction():
        store.put({"v": "new"}, stored[0])
        store.trash(stored[0])
        store.put({"v": "newer"}, stored[0])
        raise Boom
    assert_unchanged(store, before)


# -- transactions belong to one store --------------------------------------------


def test_transactions_of_two_stores_are_independent(make_ref: MakeRef) -> None:
    first, second = InMemoryDatastore(), InMemoryDatastore()
    ref = make_ref()
    with first.transaction(), pytest.raises(Boom), second.transaction():
        first.put({"a": 1}, ref)
        second.put({"a": 1}, ref)
        raise Boom
    assert first.exists(ref)
    assert not second.exists(ref)


# -- transactions exited out of order --------------------------------------------


def test_exiting_an_outer_transaction_while_an_inner_one_is_open_is_refused(
    store: InMemoryDatastore, stored: list[DatasetRef], make_ref: MakeRef
) -> None:
    before = StoreSnapshot.of(store)
    outer_ref, inner_ref = make_ref(), make_ref()
    outer = store.transaction()
    outer.__enter__()
    store.put({"outer": 1}, outer_ref)
    inner = store.transaction()
    inner.__enter__()
    store.put({"inner": 1}, inner_ref)
    store.trash(stored[0])
    with pytest.raises(TransactionOrderError, match="still open") as caught:
        outer.__exit__(None, None, None)
    assert "rolled back" in str(caught.value)
    # Both blocks are undone: nothing of either survives, nothing before them is lost.
    assert_unchanged(store, before)
    assert store.consistency_problems() == []
    # The inner block is over: leaving it now says so and changes nothing.
    with pytest.raises(TransactionOrderError, match="already rolled back"):
        inner.__exit__(None, None, None)
    assert_unchanged(store, before)


def test_after_an_out_of_order_exit_new_transactions_start_at_the_top(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    outer = store.transaction()
    outer.__enter__()
    inner = store.transaction()
    inner.__enter__()
    with pytest.raises(TransactionOrderError):
        outer.__exit__(None, None, None)
    with pytest.raises(TransactionOrderError):
        inner.__exit__(None, None, None)
    ref = make_ref()
    with pytest.raises(Boom), store.transaction() as fresh:
        assert fresh.parent is None
        store.put({"a": 1}, ref)
        raise Boom
    assert not store.exists(ref)
    assert store.counts.rollback == 3


def test_an_out_of_order_exit_while_an_exception_propagates_keeps_it_as_the_cause(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    ref = make_ref()
    outer, inner = store.transaction(), store.transaction()
    outer.__enter__()
    inner.__enter__()
    store.put({"a": 1}, ref)
    error = Boom("the step failed")
    with pytest.raises(TransactionOrderError) as caught:
        outer.__exit__(Boom, error, error.__traceback__)
    assert caught.value.__cause__ is error
    assert not store.exists(ref)


def test_the_operation_log_shows_depths_as_they_are_after_an_out_of_order_exit(
    make_ref: MakeRef,
) -> None:
    store = InMemoryDatastore("logged", log_size=20)
    outer, inner = store.transaction(), store.transaction()
    outer.__enter__()
    inner.__enter__()
    with pytest.raises(TransactionOrderError):
        outer.__exit__(None, None, None)
    store.operation_log()  # the begin entries at depths 1 and 2
    with store.transaction():
        store.put({"a": 1}, make_ref())
    last = store.operation_log()[-3:]
    assert [(entry.verb, entry.depth) for entry in last] == [
        ("begin", 1), ("put", 1), ("commit", 1)
    ]


def test_an_inner_transaction_ended_by_its_parent_is_collected_quietly(
    store: InMemoryDatastore,
) -> None:
    outer, inner = store.transaction(), store.transaction()
    outer.__enter__()
    inner.__enter__()
    with pytest.raises(TransactionOrderError):
        outer.__exit__(None, None, None)
    del inner  # closing its generator raises nothing: it was already rolled back
    gc.collect()
    assert store.counts.rollback == 2
