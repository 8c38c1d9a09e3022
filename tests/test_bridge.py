"""EphemeralBridge, BridgeManager and DatastoreTransaction."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from pytest_memstore import (
    BridgeManager,
    DatasetRef,
    DatastoreTransaction,
    EphemeralBridge,
    InMemoryDatastore,
)
from tests._helpers import MakeRef


@pytest.fixture
def bridge() -> EphemeralBridge:
    return EphemeralBridge("test-store")


@pytest.fixture
def refs(make_ref: MakeRef) -> list[DatasetRef]:
    return [make_ref(dataId={"instrument": "DummyCam", "visit": v}) for v in range(3)]


# -- EphemeralBridge ---------------------------------------------------------


def test_bridge_keeps_its_datastore_name(bridge: EphemeralBridge) -> None:
    assert bridge.datastoreName == "test-store"


def test_inserted_refs_are_contained_and_checked(
    bridge: EphemeralBridge, refs: list[DatasetRef], make_ref: MakeRef
) -> None:
    bridge.insert(refs[:2])
    assert refs[0] in bridge
    assert refs[1] in bridge
    assert refs[2] not in bridge
    assert bridge.check([r.id for r in refs]) == {refs[0].id, refs[1].id}
    # Containment goes by dataset ID, whatever the rest of the ref says.
    same_id = make_ref("other", {"instrument": "HSC"}, id=refs[0].id)
    assert same_id in bridge


def test_bridge_does_not_contain_things_that_are_not_refs(bridge: EphemeralBridge) -> None:
    assert "metric" not in bridge
    assert None not in bridge


def test_trashed_ref_is_not_contained_but_still_checked(
    bridge: EphemeralBridge, refs: list[DatasetRef]
) -> None:
    bridge.insert(refs)
    bridge.moveToTrash([refs[1]], None)
    assert refs[1] not in bridge
    assert refs[0] in bridge
    assert bridge.check([refs[1].id]) == {refs[1].id}
    assert bridge.trashed_ids == frozenset({refs[1].id})


def test_trashed_ids_is_a_read_only_frozenset(
    bridge: EphemeralBridge, refs: list[DatasetRef]
) -> None:
    bridge.insert(refs)
    bridge.moveToTrash(refs[:1], None)
    trashed = bridge.trashed_ids
    assert isinstance(trashed, frozenset)
    with pytest.raises(AttributeError):
        bridge.trashed_ids = frozenset()
    # A snapshot: later trashing does not change the set already handed out.
    bridge.moveToTrash(refs[1:], None)
    assert trashed == {refs[0].id}
    assert bridge.trashed_ids == {r.id for r in refs}


def test_forget_drops_records_and_trash_entries(
    bridge: EphemeralBridge, refs: list[DatasetRef]
) -> None:
    bridge.insert(refs)
    bridge.moveToTrash(refs[:2], None)
    bridge.forget(refs[1:])
    assert bridge.check(r.id for r in refs) == {refs[0].id}
    assert bridge.trashed_ids == {refs[0].id}
    # Forgetting what is not there is fine.
    bridge.forget(refs)
    assert bridge.check(r.id for r in refs) == set()
    assert bridge.trashed_ids == frozenset()


def test_move_to_trash_is_undone_by_a_rollback(
    bridge: EphemeralBridge, refs: list[DatasetRef]
) -> None:
    bridge.insert(refs)
    transaction = DatastoreTransaction()
    bridge.moveToTrash(refs[:2], transaction)
    assert bridge.trashed_ids == {refs[0].id, refs[1].id}
    transaction.rollback()
    assert bridge.trashed_ids == frozenset()
    assert all(r in bridge for r in refs)


def test_rollback_of_move_to_trash_keeps_what_was_trashed_before(
    bridge: EphemeralBridge, refs: list[DatasetRef]
) -> None:
    bridge.insert(refs)
    bridge.moveToTrash([refs[0]], None)
    transaction = DatastoreTransaction()
    bridge.moveToTrash(refs, transaction)
    assert bridge.trashed_ids == {r.id for r in refs}
    transaction.rollback()
    assert bridge.trashed_ids == {refs[0].id}


def test_move_to_trash_reports_how_many_were_newly_trashed(
    bridge: EphemeralBridge, refs: list[DatasetRef]
) -> None:
    bridge.insert(refs)
    assert bridge.moveToTrash(refs[:2], None) == 2
    assert bridge.moveToTrash(refs, None) == 1
    assert bridge.moveToTrash(refs, None) == 0


def test_empty_trash_yields_trashed_refs_and_drops_them_on_success(
    bridge: EphemeralBridge, refs: list[DatasetRef]
) -> None:
    bridge.insert(refs)
    bridge.moveToTrash(refs[:2], None)
    with bridge.emptyTrash() as (trashed, artifacts):
        assert sorted(r.id for r in trashed) == sorted([refs[0].id, refs[1].id])
        assert artifacts is None
        # Nothing is dropped until the block succeeds.
        assert bridge.trashed_ids == {refs[0].id, refs[1].id}
    assert bridge.trashed_ids == frozenset()
    assert bridge.check(r.id for r in refs) == {refs[2].id}


def test_empty_trash_drops_nothing_when_the_block_raises(
    bridge: EphemeralBridge, refs: list[DatasetRef]
) -> None:
    bridge.insert(refs)
    bridge.moveToTrash(refs, None)
    with pytest.raises(RuntimeError, match="deletion failed"), bridge.emptyTrash() as (trashed, _):
        assert len(trashed) == 3
        raise RuntimeError("deletion failed")
    assert bridge.trashed_ids == {r.id for r in refs}
    assert bridge.check(r.id for r in refs) == {r.id for r in refs}


def test_empty_trash_with_selected_ids_empties_only_those(
    bridge: EphemeralBridge, refs: list[DatasetRef]
) -> None:
    bridge.insert(refs)
    bridge.moveToTrash(refs[:2], None)
    # refs[2] is selected but not trashed: it must not be touched.
    with bridge.emptyTrash([refs[0].id, refs[2].id]) as (trashed, _):
        assert trashed == [refs[0]]
    assert bridge.trashed_ids == {refs[1].id}
    assert bridge.check(r.id for r in refs) == {refs[1].id, refs[2].id}


def test_empty_trash_with_no_selected_ids_empties_nothing(
    bridge: EphemeralBridge, refs: list[DatasetRef]
) -> None:
    bridge.insert(refs)
    bridge.moveToTrash(refs, None)
    with bridge.emptyTrash([]) as (trashed, _):
        assert trashed == []
    assert bridge.trashed_ids == {r.id for r in refs}


def test_empty_trash_dry_run_changes_nothing(
    bridge: EphemeralBridge, refs: list[DatasetRef]
) -> None:
    bridge.insert(refs)
    bridge.moveToTrash(refs[:2], None)
    with bridge.emptyTrash(dry_run=True) as (trashed, _):
        assert len(trashed) == 2
    assert bridge.trashed_ids == {refs[0].id, refs[1].id}
    assert bridge.check(r.id for r in refs) == {r.id for r in refs}


# -- BridgeManager -----------------------------------------------------------


def test_insert_takes_a_ref_out_of_the_trash(
    bridge: EphemeralBridge, refs: list[DatasetRef]
) -> None:
    bridge.moveToTrash(refs[:2], None)  # trashed without being known, as a bulk trash may
    bridge.insert(refs[:1])
    assert refs[0] in bridge
    assert bridge.trashed_ids == {refs[1].id}


def test_insert_with_undo_is_put_back_exactly_by_undo_insert(
    bridge: EphemeralBridge, refs: list[DatasetRef], make_ref: MakeRef
) -> None:
    first = refs[0]
    bridge.insert([first])
    bridge.moveToTrash([first], None)
    replacement = make_ref(id=first.id, run="other")
    prior = bridge.insert_with_undo(replacement)
    assert bridge.lookup(first.id) is replacement
    assert first.id not in bridge.trashed_ids
    bridge.undo_insert(first.id, prior)
    assert bridge.lookup(first.id) is first
    assert bridge.trashed_ids == {first.id}


def test_undoing_the_insert_of_a_new_ref_drops_a_trash_entry_made_since(
    bridge: EphemeralBridge, refs: list[DatasetRef]
) -> None:
    prior = bridge.insert_with_undo(refs[0])
    bridge.moveToTrash([refs[0]], None)
    bridge.undo_insert(refs[0].id, prior)
    assert bridge.lookup(refs[0].id) is None
    assert bridge.trashed_ids == frozenset()
    assert bridge.known_ids == frozenset()


def test_forget_says_how_many_it_knew(bridge: EphemeralBridge, refs: list[DatasetRef]) -> None:
    bridge.insert(refs[:1])
    bridge.moveToTrash(refs[1:2], None)
    assert bridge.forget(refs) == 2
    assert bridge.forget(refs) == 0


def test_lookup_returns_the_recorded_ref_or_none(
    bridge: EphemeralBridge, refs: list[DatasetRef]
) -> None:
    bridge.insert(refs[:1])
    assert bridge.lookup(refs[0].id) is refs[0]
    assert bridge.lookup(refs[1].id) is None


def test_nothing_outside_the_bridge_module_touches_its_state() -> None:
    import pathlib
    import re

    import pytest_memstore

    package = pathlib.Path(pytest_memstore.__file__).parent
    reaching_in = re.compile(r"bridge\)?\._")
    offenders = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(package.rglob("*.py"))
        if path.name != "bridge.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if reaching_in.search(line)
    ]
    assert offenders == []


def test_bridge_manager_returns_one_bridge_per_name() -> None:
    manager = BridgeManager()
    first = manager.register("a")
    assert isinstance(first, EphemeralBridge)
    assert first.datastoreName == "a"
    assert manager.register("a") is first
    assert manager.register("a", ephemeral=True) is first
    assert manager.register("b") is not first


def test_stores_sharing_a_manager_and_a_name_share_the_bridge(make_ref: MakeRef) -> None:
    manager = BridgeManager()
    store = InMemoryDatastore("shared", bridgeManager=manager)
    other = InMemoryDatastore("other", bridgeManager=manager)
    ref = make_ref()
    store.put({"a": 1}, ref)
    assert store.bridge is manager.register("shared")
    assert ref in manager.register("shared")
    assert ref not in other.bridge


# -- DatastoreTransaction ----------------------------------------------------


def test_rollback_runs_undos_newest_first_with_their_arguments() -> None:
    calls: list[tuple[Any, ...]] = []
    transaction = DatastoreTransaction()
    transaction.registerUndo("one", lambda *a, **k: calls.append(("one", a, k)), 1, key="x")
    transaction.registerUndo("two", lambda *a, **k: calls.append(("two", a, k)), 2)
    transaction.registerUndo("three", lambda: calls.append(("three", (), {})))
    transaction.rollback()
    assert calls == [("three", (), {}), ("two", (2,), {}), ("one", (1,), {"key": "x"})]


def test_rollback_runs_each_undo_once() -> None:
    calls: list[str] = []
    transaction = DatastoreTransaction()
    transaction.registerUndo("one", calls.append, "one")
    transaction.rollback()
    transaction.rollback()
    assert calls == ["one"]


def test_a_raising_undo_is_logged_and_the_others_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[str] = []

    def broken() -> None:
        raise RuntimeError("undo exploded")

    transaction = DatastoreTransaction()
    transaction.registerUndo("first", calls.append, "first")
    transaction.registerUndo("broken-undo", broken)
    transaction.registerUndo("last", calls.append, "last")
    with caplog.at_level(logging.WARNING):
        transaction.rollback()  # does not raise
    assert calls == ["last", "first"]
    logged = [r for r in caplog.records if "broken-undo" in r.getMessage()]
    assert len(logged) == 1
    assert logged[0].levelno >= logging.WARNING
    assert logged[0].exc_info is not None
    assert "undo exploded" in str(logged[0].exc_info[1])


def test_undo_with_registers_the_undo_when_the_block_succeeds() -> None:
    calls: list[str] = []
    transaction = DatastoreTransaction()
    with transaction.undoWith("write", calls.append, "undone"):
        pass
    assert calls == []
    transaction.rollback()
    assert calls == ["undone"]


def test_undo_with_registers_nothing_when_the_block_raises() -> None:
    calls: list[str] = []
    transaction = DatastoreTransaction()
    with (
        pytest.raises(ValueError, match="write failed"),
        transaction.undoWith("write", calls.append, "undone"),
    ):
        raise ValueError("write failed")
    transaction.rollback()
    assert calls == []


def test_commit_hands_the_undo_log_to_the_parent() -> None:
    calls: list[str] = []
    parent = DatastoreTransaction()
    parent.registerUndo("parent-1", calls.append, "parent-1")
    child = DatastoreTransaction(parent)
    assert child.parent is parent
    child.registerUndo("child-1", calls.append, "child-1")
    child.registerUndo("child-2", calls.append, "child-2")
    child.commit()
    # The child's log now belongs to the parent, after the parent's own.
    child.rollback()
    assert calls == []
    parent.rollback()
    assert calls == ["child-2", "child-1", "parent-1"]


def test_commit_without_parent_drops_the_log() -> None:
    calls: list[str] = []
    transaction = DatastoreTransaction()
    transaction.registerUndo("one", calls.append, "one")
    transaction.commit()
    transaction.rollback()
    assert calls == []


def test_child_rollback_leaves_the_parent_log_alone() -> None:
    calls: list[str] = []
    parent = DatastoreTransaction()
    parent.registerUndo("parent", calls.append, "parent")
    child = DatastoreTransaction(parent)
    child.registerUndo("child", calls.append, "child")
    child.rollback()
    assert calls == ["child"]
    parent.rollback()
    assert calls == ["child", "parent"]
