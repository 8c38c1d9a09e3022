"""InMemoryDatastore behaviour, by example."""

from __future__ import annotations

import gc
import re
import time
from typing import Any
from urllib.parse import parse_qsl

import pytest

from pytest_memstore import (
    BridgeManager,
    DatasetRef,
    DatasetRefURIs,
    DatasetType,
    DatasetTypeNotSupportedError,
    ExampleMetrics,
    InMemoryDatastore,
    MemoryURI,
    StorageClass,
    StorageClassFactory,
    StoredMemoryItemInfo,
)
from tests._helpers import MakeRef, StoreSnapshot, assert_unchanged

DUMMY = {"instrument": "DummyCam", "visit": 1}


@pytest.fixture
def metrics() -> ExampleMetrics:
    return ExampleMetrics(
        summary={"AM1": 5.2, "AM2": 30.6},
        output={"a": [1, 2, 3], "b": {"blue": 5, "red": "green"}},
        data=[563, 234, 456.7, 752, 8, 9, 27],
    )


@pytest.fixture
def composite_ref(make_ref: MakeRef) -> DatasetRef:
    return make_ref("metric", DUMMY, "ExampleComposite")


# -- construction ------------------------------------------------------------


def test_is_ephemeral() -> None:
    assert InMemoryDatastore.isEphemeral is True
    assert InMemoryDatastore().isEphemeral is True


def test_default_names_are_unique() -> None:
    stores = [InMemoryDatastore() for _ in range(5)]
    names = [s.name for s in stores]
    assert len(set(names)) == 5
    assert all(re.fullmatch(r"InMemoryDatastore@\d+", n) for n in names), names


def test_default_name_gives_each_store_its_own_bridge_in_a_shared_manager(
    make_ref: MakeRef,
) -> None:
    manager = BridgeManager()
    first = InMemoryDatastore(bridgeManager=manager)
    second = InMemoryDatastore(bridgeManager=manager)
    ref = make_ref()
    first.put({"a": 1}, ref)
    assert ref in first.bridge
    assert ref not in second.bridge


def test_given_name_is_kept() -> None:
    assert InMemoryDatastore("scratch").name == "scratch"


def test_a_fresh_store_is_empty(store: InMemoryDatastore) -> None:
    assert store.datasets == {}
    assert store.records == {}
    assert store.related == {}
    assert store.bridge.known_ids == frozenset()
    assert store.bridge.trashed_ids == frozenset()


# -- put and get -------------------------------------------------------------


def test_put_then_get_returns_the_object(store: InMemoryDatastore, make_ref: MakeRef) -> None:
    ref = make_ref()
    obj = {"a": 1, "b": [1, 2]}
    store.put(obj, ref)
    assert store.get(ref) == {"a": 1, "b": [1, 2]}
    # Without copy_on_get the stored object itself comes back, as in daf_butler.
    assert store.get(ref) is obj


def test_put_records_the_dataset(store: InMemoryDatastore, make_ref: MakeRef) -> None:
    ref = make_ref()
    before = time.time()
    store.put({"a": 1}, ref)
    after = time.time()
    record = store.records[ref.id]
    assert isinstance(record, StoredMemoryItemInfo)
    assert record.dataset_id == ref.id
    assert record.parentID == ref.id
    assert record.storageClass == ref.datasetType.storageClass
    assert before <= record.timestamp <= after
    assert store.related == {ref.id: {ref.id}}
    assert ref in store.bridge
    assert store.getStoredItemInfo(ref) is record
    assert store.getStoredItemsInfo(ref) == [record]
    assert store.consistency_problems() == []


def test_get_of_a_ref_with_another_id_is_missing(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    ref = make_ref()
    store.put({"a": 1}, ref)
    twin = make_ref()  # same type and data ID, another dataset ID
    assert not store.exists(twin)
    with pytest.raises(FileNotFoundError):
        store.get(twin)


def test_put_coerces_with_the_refs_storage_class(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    list_ref = make_ref("listed", DUMMY, "SliceableList")
    float_ref = make_ref("floating", DUMMY, "Float")
    composite_ref = make_ref("metric", DUMMY, "ExampleComposite")
    store.put((1, 2, 3), list_ref)
    store.put(3, float_ref)
    store.put({"summary": {"x": 1}, "data": [1, 2]}, composite_ref)
    assert store.get(list_ref) == [1, 2, 3]
    assert type(store.get(list_ref)) is list
    assert store.get(float_ref) == 3.0
    assert type(store.get(float_ref)) is float
    assert store.get(composite_ref) == ExampleMetrics(summary={"x": 1}, data=[1, 2])


def test_put_accepts_a_subclass_of_the_pytype(store: InMemoryDatastore, make_ref: MakeRef) -> None:
    class Special(dict[str, int]):
        pass

    ref = make_ref()
    obj = Special(a=1)
    store.put(obj, ref)
    assert store.get(ref) is obj


def test_put_over_a_stored_id_replaces_it(store: InMemoryDatastore, make_ref: MakeRef) -> None:
    ref = make_ref()
    store.put({"v": 1}, ref)
    store.put({"v": 2}, ref)
    assert store.get(ref) == {"v": 2}
    assert list(store.datasets) == [ref.id]
    assert list(store.records) == [ref.id]
    assert store.related == {ref.id: {ref.id}}
    assert store.consistency_problems() == []


def test_object_storage_class_takes_anything(store: InMemoryDatastore, make_ref: MakeRef) -> None:
    ref = make_ref("anything", DUMMY, "Object")
    sentinel = object()
    store.put(sentinel, ref)
    assert store.get(ref) is sentinel


# -- exists, knows, mexists, knows_these ---------------------------------------


def test_exists_and_knows(store: InMemoryDatastore, make_ref: MakeRef) -> None:
    stored, missing = make_ref(), make_ref()
    store.put({"a": 1}, stored)
    assert store.exists(stored) is True
    assert store.knows(stored) is True
    assert store.exists(missing) is False
    assert store.knows(missing) is False


def test_mexists_and_knows_these_answer_per_ref(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    stored, trashed, missing = make_ref(), make_ref(), make_ref()
    store.put({"a": 1}, stored)
    store.put({"a": 2}, trashed)
    store.trash(trashed)
    expected = {stored: True, trashed: True, missing: False}
    assert store.mexists([stored, trashed, missing]) == expected
    assert store.knows_these([stored, trashed, missing]) == expected
    # Any iterable will do, a generator included.
    assert store.mexists(r for r in (stored, missing)) == {stored: True, missing: False}
    assert store.mexists([]) == {}


def test_component_ref_exists_when_its_composite_does(
    store: InMemoryDatastore, composite_ref: DatasetRef, metrics: ExampleMetrics
) -> None:
    store.put(metrics, composite_ref)
    assert store.exists(composite_ref.makeComponentRef("summary"))


# -- URIs --------------------------------------------------------------------


def test_get_uri_of_a_stored_dataset(store: InMemoryDatastore, make_ref: MakeRef) -> None:
    ref = make_ref("metric", {"instrument": "Dummy Cam&Co", "visit": 7})
    store.put({"a": 1}, ref)
    uri = store.getURI(ref)
    assert isinstance(uri, MemoryURI)
    assert uri.scheme == "mem"
    assert uri.fragment == ""
    assert dict(parse_qsl(uri.query)) == {"instrument": "Dummy Cam&Co", "visit": "7"}
    # The query is url-encoded: the '&' and ' ' in the value do not leak.
    assert "Dummy Cam&Co" not in uri.query
    assert str(uri) == uri.geturl()
    assert uri.geturl().startswith("mem://")
    assert "metric" in uri.geturl()
    assert str(ref.id) in uri.geturl()
    assert uri.exists() is True


def test_get_uris_has_a_primary_uri_and_no_components(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    ref = make_ref()
    store.put({"a": 1}, ref)
    uris = store.getURIs(ref)
    assert isinstance(uris, DatasetRefURIs)
    primary, components = uris  # a 2-sequence
    assert primary == uris.primaryURI == store.getURI(ref)
    assert components == {} == uris.componentURIs


def test_predicted_uri_of_a_missing_dataset(store: InMemoryDatastore, make_ref: MakeRef) -> None:
    ref = make_ref("predictable", {"instrument": "DummyCam", "visit": 3})
    uri = store.getURI(ref, predict=True)
    assert uri.fragment == "predicted"
    assert uri.geturl().endswith("#predicted")
    assert "predictable" in uri.geturl()
    assert dict(parse_qsl(uri.query)) == {"instrument": "DummyCam", "visit": "3"}
    assert uri.exists() is False
    primary, components = store.getURIs(ref, predict=True)
    assert primary is not None
    assert primary.fragment == "predicted"
    assert components == {}
    # A predicted URI stays "not existing" even once the dataset is put.
    store.put({"a": 1}, ref)
    assert uri.exists() is False


def test_predict_on_a_stored_dataset_gives_the_real_uri(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    ref = make_ref()
    store.put({"a": 1}, ref)
    uri = store.getURI(ref, predict=True)
    assert uri.fragment != "predicted"
    assert uri.exists()


def test_uri_of_a_missing_dataset_without_predict_is_file_not_found(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    ref = make_ref()
    with pytest.raises(FileNotFoundError, match="metric"):
        store.getURI(ref)
    with pytest.raises(FileNotFoundError, match="metric"):
        store.getURIs(ref)


def test_uri_exists_follows_the_dataset(store: InMemoryDatastore, make_ref: MakeRef) -> None:
    ref = make_ref()
    store.put({"a": 1}, ref)
    uri = store.getURI(ref)
    store.trash(ref)
    assert uri.exists() is True  # trashed datasets still exist
    store.emptyTrash()
    assert uri.exists() is False
    store.put({"a": 2}, ref)
    assert uri.exists() is True


def test_uri_exists_only_in_the_store_that_made_it(make_ref: MakeRef) -> None:
    ref = make_ref()
    maker, other = InMemoryDatastore(), InMemoryDatastore()
    maker.put({"a": 1}, ref)
    uri = maker.getURI(ref)
    other.put({"a": 1}, ref)
    maker.remove(ref)
    assert other.exists(ref)
    assert uri.exists() is False


def test_uri_of_a_discarded_store_does_not_exist(make_ref: MakeRef) -> None:
    ref = make_ref()
    scratch = InMemoryDatastore()
    scratch.put({"a": 1}, ref)
    uri = scratch.getURI(ref)
    del scratch
    gc.collect()
    assert uri.exists() is False


def test_get_many_uris(store: InMemoryDatastore, make_ref: MakeRef) -> None:
    first, second, missing = make_ref(), make_ref(), make_ref()
    store.put({"a": 1}, first)
    store.put({"a": 2}, second)
    found = store.getManyURIs([first, second])
    assert found == {first: store.getURIs(first), second: store.getURIs(second)}
    with pytest.raises(FileNotFoundError):
        store.getManyURIs([first, missing])
    predicted = store.getManyURIs([first, missing], predict=True)
    assert predicted[first].primaryURI == store.getURI(first)
    assert predicted[missing].primaryURI is not None
    assert predicted[missing].primaryURI.fragment == "predicted"


# -- trash, emptyTrash, remove, forget ----------------------------------------


def test_trashed_dataset_exists_until_the_trash_is_emptied(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    ref = make_ref()
    store.put({"a": 1}, ref)
    store.trash(ref)
    assert store.bridge.trashed_ids == {ref.id}
    assert store.exists(ref)
    assert store.get(ref) == {"a": 1}
    assert ref not in store.bridge
    assert store.emptyTrash() == set()
    assert not store.exists(ref)
    assert store.datasets == {}
    assert store.records == {}
    assert store.related == {}
    assert store.bridge.known_ids == frozenset()
    assert store.bridge.trashed_ids == frozenset()
    with pytest.raises(FileNotFoundError):
        store.get(ref)


def test_trash_of_an_unknown_single_ref_is_file_not_found(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    ref = make_ref()
    with pytest.raises(FileNotFoundError, match="metric"):
        store.trash(ref)
    assert store.bridge.trashed_ids == frozenset()


def test_trash_of_an_unknown_ref_with_ignore_errors_is_logged_not_trashed(
    store: InMemoryDatastore, make_ref: MakeRef, caplog: pytest.LogCaptureFixture
) -> None:
    ref = make_ref()
    store.trash(ref, ignore_errors=True)
    assert store.bridge.trashed_ids == frozenset()
    assert any(str(ref.id) in r.getMessage() for r in caplog.records)


def test_bulk_trash_takes_any_iterable_without_checks(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    stored, unknown = make_ref(), make_ref()
    store.put({"a": 1}, stored)
    store.trash(iter([stored, unknown]))  # an unknown ref in bulk is not an error
    assert stored.id in store.bridge.trashed_ids
    store.emptyTrash()  # ids already gone are skipped
    assert not store.exists(stored)
    assert store.bridge.trashed_ids == frozenset()


def test_trash_twice_is_harmless(store: InMemoryDatastore, make_ref: MakeRef) -> None:
    ref = make_ref()
    store.put({"a": 1}, ref)
    store.trash(ref)
    store.trash(ref)
    store.trash([ref])
    assert store.bridge.trashed_ids == {ref.id}


def test_empty_trash_with_selected_refs(store: InMemoryDatastore, make_ref: MakeRef) -> None:
    kept, emptied, untrashed = make_ref(), make_ref(), make_ref()
    for ref in (kept, emptied, untrashed):
        store.put({"id": str(ref.id)}, ref)
    store.trash([kept, emptied])
    # A selected ref that is not in the trash is not touched.
    store.emptyTrash(refs=[emptied, untrashed])
    assert store.mexists([kept, emptied, untrashed]) == {
        kept: True,
        emptied: False,
        untrashed: True,
    }
    assert store.bridge.trashed_ids == {kept.id}


def test_empty_trash_with_an_empty_selection_empties_nothing(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    ref = make_ref()
    store.put({"a": 1}, ref)
    store.trash(ref)
    store.emptyTrash(refs=[])
    assert store.exists(ref)
    assert store.bridge.trashed_ids == {ref.id}


def test_empty_trash_dry_run_changes_nothing(store: InMemoryDatastore, make_ref: MakeRef) -> None:
    ref = make_ref()
    store.put({"a": 1}, ref)
    store.trash(ref)
    before = StoreSnapshot.of(store)
    assert store.emptyTrash(dry_run=True) == set()
    assert_unchanged(store, before)
    assert store.emptyTrash(refs=[ref], dry_run=True) == set()
    assert_unchanged(store, before)


def test_empty_trash_of_an_empty_trash_is_fine(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    ref = make_ref()
    store.put({"a": 1}, ref)
    before = StoreSnapshot.of(store)
    assert store.emptyTrash() == set()
    assert_unchanged(store, before)


def test_remove_deletes_at_once(store: InMemoryDatastore, make_ref: MakeRef) -> None:
    ref, other = make_ref(), make_ref()
    store.put({"a": 1}, ref)
    store.put({"a": 2}, other)
    store.trash(other)
    store.remove(ref)
    assert not store.exists(ref)
    assert ref.id not in store.bridge.known_ids
    # The rest of the trash is left alone.
    assert store.bridge.trashed_ids == {other.id}
    assert store.exists(other)
    with pytest.raises(FileNotFoundError, match="metric"):
        store.remove(ref)


def test_remove_of_an_already_trashed_dataset(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    ref = make_ref()
    store.put({"a": 1}, ref)
    store.trash(ref)
    store.remove(ref)
    assert not store.exists(ref)
    assert store.bridge.trashed_ids == frozenset()


def test_forget_drops_everything_about_a_dataset(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    ref, trashed, kept = make_ref(), make_ref(), make_ref()
    for r in (ref, trashed, kept):
        store.put({"a": 1}, r)
    store.trash(trashed)
    store.forget([ref, trashed])
    assert store.mexists([ref, trashed, kept]) == {ref: False, trashed: False, kept: True}
    # The artifact is not leaked (daf_butler keeps it; we do not).
    assert set(store.datasets) == {kept.id}
    assert set(store.records) == {kept.id}
    assert set(store.related) == {kept.id}
    assert store.bridge.known_ids == {kept.id}
    assert store.bridge.trashed_ids == frozenset()
    # Forgetting twice, or forgetting the unknown, is a no-op.
    before = StoreSnapshot.of(store)
    store.forget([ref, trashed])
    store.forget([make_ref()])
    assert_unchanged(store, before)


def test_forget_takes_a_single_ref(store: InMemoryDatastore, make_ref: MakeRef) -> None:
    ref = make_ref()
    store.put({"a": 1}, ref)
    store.forget(ref)
    assert not store.exists(ref)


def test_put_after_forget_stores_again(store: InMemoryDatastore, make_ref: MakeRef) -> None:
    ref = make_ref()
    store.put({"a": 1}, ref)
    store.forget([ref])
    store.put({"a": 2}, ref)
    assert store.get(ref) == {"a": 2}
    assert ref in store.bridge


def test_put_of_a_trashed_id_takes_it_out_of_the_trash(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    ref = make_ref()
    store.put({"v": "old"}, ref)
    store.trash(ref)
    store.put({"v": "new"}, ref)
    assert store.bridge.trashed_ids == frozenset()
    assert ref in store.bridge
    store.emptyTrash()
    assert store.get(ref) == {"v": "new"}


def test_put_of_an_id_trashed_in_bulk_while_unknown(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    ref = make_ref()
    store.trash([ref])  # bulk trash does not check: an unknown id lands in the trash
    store.put({"v": "new"}, ref)
    store.emptyTrash()
    assert store.get(ref) == {"v": "new"}


# -- records sharing one artifact -----------------------------------------------


def _share(store: InMemoryDatastore, parent: DatasetRef, child: DatasetRef) -> None:
    info = StoredMemoryItemInfo(
        time.time(), parent.datasetType.storageClass, parent.id, child.id
    )
    store.addStoredItemInfo([child], [info])


def test_add_stored_item_info_shares_the_parent_artifact(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    parent, child = make_ref("parent"), make_ref("child")
    obj = {"shared": True}
    store.put(obj, parent)
    _share(store, parent, child)
    assert store.get(child) is obj
    assert store.exists(child)
    assert child in store.bridge
    assert set(store.datasets) == {parent.id}
    assert store.related == {parent.id: {parent.id, child.id}}
    assert store.getStoredItemInfo(child).parentID == parent.id
    assert store.consistency_problems() == []


def test_shared_artifact_stays_until_its_last_record_is_emptied(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    parent, child = make_ref("parent"), make_ref("child")
    store.put({"shared": True}, parent)
    _share(store, parent, child)
    store.trash(parent)
    store.emptyTrash()
    assert not store.exists(parent)
    assert store.get(child) == {"shared": True}
    assert set(store.datasets) == {parent.id}
    assert store.related == {parent.id: {child.id}}
    assert store.consistency_problems() == []
    store.remove(child)
    assert store.datasets == {}
    assert store.related == {}
    assert store.records == {}


def test_shared_artifact_stays_until_its_last_record_is_forgotten(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    parent, child = make_ref("parent"), make_ref("child")
    store.put({"shared": True}, parent)
    _share(store, parent, child)
    store.forget([child])
    assert store.get(parent) == {"shared": True}
    store.forget([parent])
    assert store.datasets == {}
    assert store.related == {}


# -- transfer ----------------------------------------------------------------


def test_transfer_copies_from_another_datastore(make_ref: MakeRef) -> None:
    source, target = InMemoryDatastore(), InMemoryDatastore()
    ref = make_ref()
    source.put({"a": 1}, ref)
    target.transfer(source, ref)
    assert target.get(ref) == {"a": 1}
    assert ref in target.bridge
    assert source.exists(ref)
    assert target.consistency_problems() == []
    source.remove(ref)
    assert target.exists(ref)


def test_transfer_of_a_missing_dataset_is_file_not_found(make_ref: MakeRef) -> None:
    source, target = InMemoryDatastore(), InMemoryDatastore()
    ref = make_ref()
    before = StoreSnapshot.of(target)
    with pytest.raises(FileNotFoundError, match="metric"):
        target.transfer(source, ref)
    assert_unchanged(target, before)


# -- constraints -------------------------------------------------------------


def _accepts(store: InMemoryDatastore, ref: DatasetRef) -> bool:
    try:
        store.put({"a": 1}, ref)
    except DatasetTypeNotSupportedError:
        assert not store.exists(ref)
        return False
    assert store.exists(ref)
    return True


def test_no_constraints_accepts_everything(make_ref: MakeRef) -> None:
    store = InMemoryDatastore(constraints={})
    assert _accepts(store, make_ref("anything"))


def test_accept_list_accepts_only_what_it_names(make_ref: MakeRef) -> None:
    store = InMemoryDatastore(constraints={"accept": ["metric"]})
    assert _accepts(store, make_ref("metric"))
    assert not _accepts(store, make_ref("other"))


def test_accept_by_storage_class_name(make_ref: MakeRef) -> None:
    store = InMemoryDatastore(constraints={"accept": ["StructuredDataDict"]})
    assert _accepts(store, make_ref("anything", DUMMY, "StructuredDataDict"))
    other = make_ref("anything", DUMMY, "Object")
    with pytest.raises(DatasetTypeNotSupportedError):
        store.put({"a": 1}, other)


def test_reject_list_rejects_what_it_names(make_ref: MakeRef) -> None:
    store = InMemoryDatastore(constraints={"reject": ["metric", "Object"]})
    assert not _accepts(store, make_ref("metric"))
    assert _accepts(store, make_ref("other"))
    with pytest.raises(DatasetTypeNotSupportedError):
        store.put(1, make_ref("anything", DUMMY, "Object"))


def test_accept_all(make_ref: MakeRef) -> None:
    store = InMemoryDatastore(constraints={"accept": ["all"], "reject": ["metric"]})
    assert _accepts(store, make_ref("other"))
    assert not _accepts(store, make_ref("metric"))


def test_wildcard_reject_rejects_all_but_explicit_accepts(make_ref: MakeRef) -> None:
    store = InMemoryDatastore(constraints={"accept": ["metric"], "reject": ["all"]})
    assert _accepts(store, make_ref("metric"))
    assert not _accepts(store, make_ref("other"))


def test_reject_all_alone_rejects_everything(make_ref: MakeRef) -> None:
    store = InMemoryDatastore(constraints={"reject": ["all"]})
    assert not _accepts(store, make_ref("metric"))


def test_explicit_accept_beats_explicit_reject(make_ref: MakeRef) -> None:
    # Accepted by dataset type name, rejected by storage class name.
    store = InMemoryDatastore(constraints={"accept": ["metric"], "reject": ["StructuredDataDict"]})
    assert _accepts(store, make_ref("metric"))
    assert not _accepts(store, make_ref("other"))


def test_explicit_reject_beats_wildcard_accept(make_ref: MakeRef) -> None:
    store = InMemoryDatastore(constraints={"accept": ["all"], "reject": ["StructuredDataDict"]})
    assert not _accepts(store, make_ref("metric"))
    assert _accepts(store, make_ref("anything", DUMMY, "Object"))


def test_non_empty_accept_list_without_all_rejects_the_unnamed(make_ref: MakeRef) -> None:
    store = InMemoryDatastore(constraints={"accept": ["metric"], "reject": ["other"]})
    assert not _accepts(store, make_ref("third"))


def test_component_is_decided_by_its_parent_name(make_ref: MakeRef) -> None:
    store = InMemoryDatastore(constraints={"reject": ["metric"]})
    composite = make_ref("metric", DUMMY, "ExampleComposite")
    assert store.constraints.isAcceptable(composite.makeComponentRef("summary")) is False


def test_data_id_scoped_reject(make_ref: MakeRef) -> None:
    store = InMemoryDatastore(constraints={"reject": [{"instrument<DummyCam>": ["metric33"]}]})
    assert not _accepts(store, make_ref("metric33", {"instrument": "DummyCam", "visit": 1}))
    assert _accepts(store, make_ref("metric33", {"instrument": "HSC", "visit": 1}))
    assert _accepts(store, make_ref("metric34", {"instrument": "DummyCam", "visit": 1}))


def test_data_id_scoped_accept_with_an_integer_value(make_ref: MakeRef) -> None:
    store = InMemoryDatastore(
        constraints={"accept": [{"visit<42>": ["metric"]}], "reject": ["all"]}
    )
    assert _accepts(store, make_ref("metric", {"instrument": "HSC", "visit": 42}))
    assert not _accepts(store, make_ref("metric", {"instrument": "HSC", "visit": 43}))


def test_data_id_scoped_wildcard_reject(make_ref: MakeRef) -> None:
    store = InMemoryDatastore(constraints={"reject": [{"instrument<DummyCam>": ["all"]}]})
    assert not _accepts(store, make_ref("metric", {"instrument": "DummyCam", "visit": 1}))
    assert _accepts(store, make_ref("metric", {"instrument": "HSC", "visit": 1}))


def test_accepting_and_rejecting_all_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="all"):
        InMemoryDatastore(constraints={"accept": ["all"], "reject": ["all"]})


@pytest.mark.parametrize(
    "constraints",
    [
        {"accept": ["metric"], "ignore": ["x"]},
        {"accept": [{"not a dimension key": ["metric"]}]},
        {"accept": [{"instrument<A>": ["x"], "instrument<B>": ["y"]}]},
        {"accept": [42]},
    ],
)
def test_malformed_constraints_are_a_value_error(constraints: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="onstraint"):
        InMemoryDatastore(constraints=constraints)


def test_get_lookup_keys_lists_the_names_in_the_constraints() -> None:
    store = InMemoryDatastore(
        constraints={
            "accept": ["all", "metric", {"instrument<DummyCam>": ["metric33", "Object"]}],
            "reject": ["StructuredDataDict"],
        }
    )
    assert store.getLookupKeys() == {"metric", "metric33", "Object", "StructuredDataDict"}
    assert InMemoryDatastore().getLookupKeys() == set()


# -- what this datastore does not do ------------------------------------------


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("retrieveArtifacts", ([], "/tmp/somewhere")),
        ("ingest", ()),
        ("ingest_zip", ("file.zip",)),
    ],
)
def test_file_operations_are_not_implemented(
    store: InMemoryDatastore, method: str, args: tuple[Any, ...]
) -> None:
    with pytest.raises(NotImplementedError, match=store.name):
        getattr(store, method)(*args)


def test_no_op_methods(store: InMemoryDatastore, make_ref: MakeRef) -> None:
    ref = make_ref()
    store.put({"a": 1}, ref)
    before = StoreSnapshot.of(store)
    assert store.validateConfiguration([ref, ref.datasetType], logFailures=True) is None
    assert store.validateKey("metric", ref) is None
    assert store.export_records([ref]) == {}
    assert store.import_records({"x": object()}) is None
    assert store.needs_expanded_data_ids("copy") is False
    assert store.needs_expanded_data_ids(None, ref) is False
    assert InMemoryDatastore.setConfigRoot("/root", {}, {}) is None
    assert_unchanged(store, before)


# -- copies ------------------------------------------------------------------


def test_without_copy_on_put_mutations_show_through(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    ref = make_ref()
    obj = {"a": [1]}
    store.put(obj, ref)
    obj["a"].append(2)
    assert store.get(ref) == {"a": [1, 2]}


def test_copy_on_put_protects_the_stored_object(make_ref: MakeRef) -> None:
    store = InMemoryDatastore(copy_on_put=True)
    ref = make_ref()
    obj = {"a": [1]}
    store.put(obj, ref)
    obj["a"].append(2)
    obj["b"] = 3
    assert store.get(ref) == {"a": [1]}
    assert store.datasets[ref.id] is not obj


def test_copy_on_get_protects_the_stored_object(make_ref: MakeRef) -> None:
    store = InMemoryDatastore(copy_on_get=True)
    ref = make_ref()
    store.put({"a": [1]}, ref)
    got = store.get(ref)
    got["a"].append(2)
    assert store.get(ref) == {"a": [1]}
    assert store.get(ref) is not store.get(ref)


def test_copy_on_get_protects_components(
    metrics: ExampleMetrics, composite_ref: DatasetRef
) -> None:
    store = InMemoryDatastore(copy_on_get=True)
    store.put(metrics, composite_ref)
    summary = store.get(composite_ref.makeComponentRef("summary"))
    summary["AM1"] = -1
    assert store.get(composite_ref).summary == {"AM1": 5.2, "AM2": 30.6}


# -- parameters, components, storage class overrides ---------------------------


def test_get_with_parameters(store: InMemoryDatastore, make_ref: MakeRef) -> None:
    ref = make_ref("listed", DUMMY, "SliceableList")
    store.put([0, 1, 2, 3, 4], ref)
    assert store.get(ref, parameters={"slice": slice(1, 3)}) == [1, 2]
    assert store.get(ref, parameters={}) == [0, 1, 2, 3, 4]
    assert store.get(ref) == [0, 1, 2, 3, 4]  # the stored object is not changed


def test_get_composite_with_a_component_parameter(
    store: InMemoryDatastore, composite_ref: DatasetRef, metrics: ExampleMetrics
) -> None:
    store.put(metrics, composite_ref)
    got = store.get(composite_ref, parameters={"slice": slice(0, 2)})
    assert got == ExampleMetrics(metrics.summary, metrics.output, [563, 234])
    assert store.get(composite_ref).data == [563, 234, 456.7, 752, 8, 9, 27]


def test_get_components(
    store: InMemoryDatastore, composite_ref: DatasetRef, metrics: ExampleMetrics
) -> None:
    store.put(metrics, composite_ref)
    assert store.get(composite_ref.makeComponentRef("summary")) == metrics.summary
    assert store.get(composite_ref.makeComponentRef("output")) == metrics.output
    assert store.get(composite_ref.makeComponentRef("data")) == metrics.data


def test_get_component_with_parameters(
    store: InMemoryDatastore, composite_ref: DatasetRef, metrics: ExampleMetrics
) -> None:
    store.put(metrics, composite_ref)
    data_ref = composite_ref.makeComponentRef("data")
    assert store.get(data_ref, parameters={"slice": slice(2, 4)}) == [456.7, 752]


def test_get_derived_component(
    store: InMemoryDatastore, composite_ref: DatasetRef, metrics: ExampleMetrics
) -> None:
    store.put(metrics, composite_ref)
    assert store.get(composite_ref.makeComponentRef("counter")) == 7


def test_derived_component_parameters_apply_to_the_composite_first(
    store: InMemoryDatastore, composite_ref: DatasetRef, metrics: ExampleMetrics
) -> None:
    store.put(metrics, composite_ref)
    counter = composite_ref.makeComponentRef("counter")
    # "slice" is not a parameter of the Integer read storage class: it is
    # checked against ExampleComposite and applied to the composite's data.
    assert store.get(counter, parameters={"slice": slice(0, 3)}) == 3
    assert store.get(counter) == 7


def test_derived_component_of_a_list(store: InMemoryDatastore, make_ref: MakeRef) -> None:
    ref = make_ref("listed", DUMMY, "SliceableList")
    store.put([5, 6, 7, 8], ref)
    counter = ref.makeComponentRef("counter")
    assert store.get(counter) == 4
    assert store.get(counter, parameters={"slice": slice(1, None)}) == 3


class _Node:
    def __init__(self, value: int, child: _Node | None = None) -> None:
        self.value = value
        self.child = child


def test_a_component_of_the_composites_own_storage_class_is_read_as_the_component(
    store: InMemoryDatastore,
) -> None:
    # The component ref's storage class is the very object the composite was
    # put with: only its name says it is a component, and get must read the
    # component rather than hand back the stored composite.
    node = StorageClass("Node", _Node, components={"child": "Node"})
    factory = StorageClassFactory()
    factory.registerStorageClass(node)
    ref = DatasetRef(DatasetType("tree", {"instrument", "visit"}, node), DUMMY)
    child_ref = ref.makeComponentRef("child")
    assert child_ref.datasetType.storageClass is node
    tree = _Node(1, _Node(2))
    store.put(tree, ref)
    assert store.get(child_ref) is tree.child
    assert store.get(ref) is tree
    with pytest.raises(ValueError, match="component"):
        store.put(tree, child_ref)


def test_none_component_is_returned_as_none(
    store: InMemoryDatastore, composite_ref: DatasetRef
) -> None:
    store.put(ExampleMetrics(summary={"a": 1}), composite_ref)
    assert store.get(composite_ref.makeComponentRef("output")) is None
    assert store.get(composite_ref.makeComponentRef("data")) is None
    assert store.get(composite_ref.makeComponentRef("counter")) is None


def test_read_storage_class_override_by_object(
    store: InMemoryDatastore, make_ref: MakeRef, storage_classes: StorageClassFactory
) -> None:
    ref = make_ref("number", DUMMY, "Integer")
    store.put(3, ref)
    got = store.get(ref, storageClass=storage_classes.getStorageClass("Float"))
    assert got == 3.0
    assert type(got) is float
    assert type(store.get(ref)) is int  # the stored object is untouched


def test_read_storage_class_override_by_name(store: InMemoryDatastore, make_ref: MakeRef) -> None:
    ref = make_ref("listed", DUMMY, "SliceableList")
    store.put([1, 2], ref)
    assert store.get(ref, storageClass="Object") == [1, 2]
    number = make_ref("number", DUMMY, "Integer")
    store.put(4, number)
    got = store.get(number, storageClass="Float")
    assert (got, type(got)) == (4.0, float)


def test_read_storage_class_override_with_a_custom_class(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    as_tuple = StorageClass("TupleList", tuple, converters={list: tuple})
    ref = make_ref("listed", DUMMY, "SliceableList")
    store.put([1, 2, 3], ref)
    assert store.get(ref, storageClass=as_tuple) == (1, 2, 3)


def test_read_storage_class_override_through_the_ref(
    store: InMemoryDatastore, make_ref: MakeRef, storage_classes: StorageClassFactory
) -> None:
    ref = make_ref("number", DUMMY, "Integer")
    store.put(5, ref)
    as_float = ref.overrideStorageClass(storage_classes.getStorageClass("Float"))
    got = store.get(as_float)
    assert (got, type(got)) == (5.0, float)


# -- flags that must be booleans ---------------------------------------------------------


def test_refs_passed_positionally_to_empty_trash_empty_nothing(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    kept, trashed = make_ref(dataId={"visit": 1}), make_ref(dataId={"visit": 2})
    store.put({"a": 1}, kept)
    store.put({"b": 2}, trashed)
    store.trash([kept, trashed])
    before = StoreSnapshot.of(store)
    with pytest.raises(TypeError, match=r"emptyTrash: ignore_errors must be True or False; "
                                        r"got list.*pass the refs as refs=\.\.\..*Nothing"):
        store.emptyTrash([trashed])  # type: ignore[arg-type]
    assert_unchanged(store, before)
    store.emptyTrash(refs=[trashed])
    assert store.exists(kept)
    assert not store.exists(trashed)


@pytest.mark.parametrize("value", [1, 0, "yes", None])
def test_empty_trash_and_trash_take_only_booleans_as_flags(
    store: InMemoryDatastore, make_ref: MakeRef, value: object
) -> None:
    ref = make_ref()
    store.put({"a": 1}, ref)
    before = StoreSnapshot.of(store)
    with pytest.raises(TypeError, match="ignore_errors must be True or False"):
        store.trash(ref, value)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="dry_run must be True or False"):
        store.emptyTrash(dry_run=value)  # type: ignore[arg-type]
    assert_unchanged(store, before)
    store.trash(ref, True)
    store.emptyTrash(True, None, False)
    assert not store.exists(ref)
