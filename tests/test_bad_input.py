"""Bad input never corrupts a store, and every error says what and which ref.

Each case runs against a store holding stored, trashed, shared and emptied
datasets (and an unknown ID trashed in bulk), outside a transaction, inside
one that commits and inside one that rolls back; on a store without test
tools and on one with every tool on (and a fault armed for every operation
that matches nothing). The failing call must raise
the right exception, with a message naming the ref (dataset type name and
data ID) or the type it got, and leave ``datasets``, ``records``,
``related`` and the bridge exactly as they were.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import attrs
import pytest

from pytest_memstore import (
    DataId,
    DatasetRef,
    DatasetTypeNotSupportedError,
    DatastoreValidationError,
    ExampleMetrics,
    InMemoryDatastore,
    MemstoreError,
    StorageClass,
    StorageClassFactory,
    StoredMemoryItemInfo,
)
from pytest_memstore.tools.store_tools import FAULT_OPERATIONS
from tests._helpers import MakeRef, StoreSnapshot, assert_unchanged


class Boom(Exception):
    """Raised to roll a transaction back."""


@attrs.define
class Env:
    """A populated store and refs in every state it can hold."""

    store: InMemoryDatastore
    source: InMemoryDatastore
    stored: DatasetRef
    trashed: DatasetRef
    child: DatasetRef
    composite: DatasetRef
    listed: DatasetRef
    pair: DatasetRef
    sliceless: DatasetRef
    emptied: DatasetRef
    ghost: DatasetRef
    missing: DatasetRef
    new: DatasetRef
    rejected: DatasetRef
    rejected_by_data_id: DatasetRef
    broken: DatasetRef
    composite_new: DatasetRef


def _data_id(visit: int, instrument: str = "DummyCam") -> dict[str, Any]:
    return {"instrument": instrument, "visit": visit}


@pytest.fixture(params=["no tools", "every tool"])
def env(
    make_ref: MakeRef, storage_classes: StorageClassFactory, request: pytest.FixtureRequest
) -> Env:
    integer = storage_classes.getStorageClass("Integer")
    storage_classes.registerStorageClass(
        StorageClass("Pair", dict, components={"left": integer, "right": integer})
    )
    storage_classes.registerStorageClass(StorageClass("Sliceless", list, parameters=("slice",)))
    storage_classes.registerStorageClass(StorageClass("Broken", "no_such_module_xyz.Thing"))
    store = InMemoryDatastore(
        "bad-input-store",
        constraints={"reject": ["rejected", {"instrument<BadCam>": ["all"]}]},
        storageClasses=storage_classes,
        **(
            {"detect_mutation": True, "log_size": 10, "count_gets": True}
            if request.param == "every tool"
            else {}
        ),
    )
    if request.param == "every tool":
        for operation in FAULT_OPERATIONS:  # armed, but never matching
            store.fail_next(operation, match=lambda ref: False)
    env = Env(
        store=store,
        source=InMemoryDatastore("source"),
        stored=make_ref("metric", _data_id(101)),
        trashed=make_ref("metric", _data_id(102)),
        child=make_ref("child", _data_id(103)),
        composite=make_ref("composite", _data_id(104), "ExampleComposite"),
        listed=make_ref("listed", _data_id(105), "SliceableList"),
        pair=make_ref("pair", _data_id(106), "Pair"),
        sliceless=make_ref("sliceless", _data_id(107), "Sliceless"),
        emptied=make_ref("metric", _data_id(108)),
        ghost=make_ref("ghost", _data_id(109)),
        missing=make_ref("metric", _data_id(110)),
        new=make_ref("fresh", _data_id(111)),
        rejected=make_ref("rejected", _data_id(112)),
        rejected_by_data_id=make_ref("metric", _data_id(113, "BadCam")),
        broken=make_ref("broken", _data_id(114), "Broken"),
        composite_new=make_ref("composite", _data_id(115), "ExampleComposite"),
    )
    store.put({"v": "emptied"}, env.emptied)
    store.trash(env.emptied)
    store.emptyTrash()
    store.put({"v": "stored"}, env.stored)
    store.put({"v": "trashed"}, env.trashed)
    store.trash(env.trashed)
    info = StoredMemoryItemInfo(time.time(), env.stored.datasetType.storageClass,
                                env.stored.id, env.child.id)
    store.addStoredItemInfo([env.child], [info])
    store.put(ExampleMetrics({"a": 1}, None, [1, 2, 3]), env.composite)
    store.put([1, 2, 3], env.listed)
    store.put({"right": 2}, env.pair)
    store.put([1, 2], env.sliceless)
    store.trash([env.ghost])  # bulk trash of an unknown ID: it sits in the trash
    assert store.consistency_problems() == []
    return env


def _names(ref: DatasetRef) -> list[str]:
    """What a message about ``ref`` must mention: type name, data ID keys and values."""
    return [ref.datasetType.name, *ref.dataId.keys(), *map(str, ref.dataId.values())]


class Case(NamedTuple):
    call: Callable[[Env], Any]
    error: type[BaseException]
    mentions: Callable[[Env], list[str]]


CASES: dict[str, Case] = {
    # -- put ---------------------------------------------------------------
    "put-str-ref": Case(lambda e: e.store.put({"a": 1}, "metric"), TypeError,
                        lambda e: ["put", "DatasetRef", "str"]),
    "put-none-ref": Case(lambda e: e.store.put({"a": 1}, None), TypeError,
                         lambda e: ["put", "NoneType"]),
    "put-data-id-as-ref": Case(lambda e: e.store.put({"a": 1}, e.stored.dataId), TypeError,
                               lambda e: ["put", "DataId"]),
    "put-rejected-by-name": Case(lambda e: e.store.put({"a": 1}, e.rejected),
                                 DatasetTypeNotSupportedError,
                                 lambda e: [*_names(e.rejected), "reject"]),
    "put-rejected-by-data-id": Case(lambda e: e.store.put({"a": 1}, e.rejected_by_data_id),
                                    DatasetTypeNotSupportedError,
                                    lambda e: [*_names(e.rejected_by_data_id), "reject"]),
    "put-wrong-type-new": Case(lambda e: e.store.put(42, e.new), TypeError,
                               lambda e: [*_names(e.new), "StructuredDataDict", "dict", "int"]),
    "put-wrong-type-over-stored": Case(lambda e: e.store.put("text", e.stored), TypeError,
                                       lambda e: [*_names(e.stored), "dict", "str"]),
    "put-wrong-type-over-trashed": Case(lambda e: e.store.put(1.5, e.trashed), TypeError,
                                        lambda e: [*_names(e.trashed), "dict", "float"]),
    "put-wrong-type-over-shared": Case(lambda e: e.store.put(b"x", e.child), TypeError,
                                       lambda e: [*_names(e.child), "dict", "bytes"]),
    "put-converter-fails": Case(lambda e: e.store.put({"bogus": 1}, e.composite_new), TypeError,
                                lambda e: [*_names(e.composite_new), "ExampleComposite"]),
    "put-component": Case(
        lambda e: e.store.put({"a": 1}, e.composite.makeComponentRef("summary")),
        ValueError, lambda e: [*_names(e.composite), "summary", "component"]),
    "put-unimportable-pytype": Case(lambda e: e.store.put(object(), e.broken), ImportError,
                                    lambda e: [*_names(e.broken), "no_such_module_xyz"]),
    # -- get ---------------------------------------------------------------
    "get-str-ref": Case(lambda e: e.store.get("metric"), TypeError,
                        lambda e: ["get", "DatasetRef", "str"]),
    "get-missing": Case(lambda e: e.store.get(e.missing), FileNotFoundError,
                        lambda e: [*_names(e.missing), "not stored"]),
    "get-emptied": Case(lambda e: e.store.get(e.emptied), FileNotFoundError,
                        lambda e: [*_names(e.emptied), "not stored"]),
    "get-missing-component": Case(
        lambda e: e.store.get(e.composite_new.makeComponentRef("data")), FileNotFoundError,
        lambda e: [*_names(e.composite_new), "not stored"]),
    "get-bad-parameter": Case(lambda e: e.store.get(e.listed, parameters={"nope": 1}),
                              KeyError, lambda e: [*_names(e.listed), "nope"]),
    "get-bad-parameters-named-all": Case(
        lambda e: e.store.get(e.stored, parameters={"nope": 1, "nada": 2}),
        KeyError, lambda e: [*_names(e.stored), "nope", "nada"]),
    "get-bad-parameter-derived": Case(
        lambda e: e.store.get(e.composite.makeComponentRef("counter"), parameters={"nope": 1}),
        KeyError, lambda e: [*_names(e.composite), "nope"]),
    "get-bad-parameter-component": Case(
        lambda e: e.store.get(e.composite.makeComponentRef("summary"),
                              parameters={"slice": slice(1)}),
        KeyError, lambda e: [*_names(e.composite), "summary", "slice"]),
    "get-parameter-not-of-the-read-storage-class": Case(
        lambda e: e.store.get(e.listed, parameters={"slice": slice(1)}, storageClass="Object"),
        KeyError, lambda e: [*_names(e.listed), "slice", "Object"]),
    "get-parameter-delegate-cannot-apply": Case(
        lambda e: e.store.get(e.sliceless, parameters={"slice": slice(1)}),
        ValueError, lambda e: [*_names(e.sliceless), "slice"]),
    "get-component-absent-from-object": Case(
        lambda e: e.store.get(e.pair.makeComponentRef("left")), AttributeError,
        lambda e: [*_names(e.pair), "left", "dict"]),
    "get-unknown-storage-class-name": Case(
        lambda e: e.store.get(e.stored, storageClass="NoSuchClass"), KeyError,
        lambda e: [*_names(e.stored), "NoSuchClass"]),
    "get-storage-class-wrong-type": Case(
        lambda e: e.store.get(e.stored, storageClass=42), TypeError,
        lambda e: [*_names(e.stored), "storageClass", "int"]),
    "get-storage-class-cannot-coerce": Case(
        lambda e: e.store.get(e.stored, storageClass="String"), TypeError,
        lambda e: [*_names(e.stored), "String", "str", "dict"]),
    # -- exists, knows, mexists, knows_these ----------------------------------
    "exists-str": Case(lambda e: e.store.exists("metric"), TypeError,
                       lambda e: ["exists", "str"]),
    "knows-int": Case(lambda e: e.store.knows(3), TypeError, lambda e: ["int"]),
    "mexists-bad-element": Case(lambda e: e.store.mexists([e.stored, 5]), TypeError,
                                lambda e: ["mexists", "item 1", "int"]),
    "mexists-str": Case(lambda e: e.store.mexists("metric"), TypeError,
                        lambda e: ["mexists", "str"]),
    "mexists-none": Case(lambda e: e.store.mexists(None), TypeError,
                         lambda e: ["mexists", "NoneType"]),
    "knows-these-bad-element": Case(lambda e: e.store.knows_these([None]), TypeError,
                                    lambda e: ["item 0", "NoneType"]),
    # -- URIs --------------------------------------------------------------
    "get-uris-str": Case(lambda e: e.store.getURIs("metric"), TypeError,
                         lambda e: ["getURIs", "str"]),
    "get-uri-none": Case(lambda e: e.store.getURI(None), TypeError, lambda e: ["NoneType"]),
    "get-uris-missing": Case(lambda e: e.store.getURIs(e.missing), FileNotFoundError,
                             lambda e: [*_names(e.missing), "not stored"]),
    "get-uri-emptied": Case(lambda e: e.store.getURI(e.emptied), FileNotFoundError,
                            lambda e: [*_names(e.emptied), "not stored"]),
    "get-many-uris-bad-element": Case(
        lambda e: e.store.getManyURIs([e.stored, "metric"]), TypeError,
        lambda e: ["getManyURIs", "item 1", "str"]),
    "get-many-uris-missing": Case(
        lambda e: e.store.getManyURIs([e.stored, e.missing]), FileNotFoundError,
        lambda e: [*_names(e.missing), "not stored"]),
    # -- trash -------------------------------------------------------------
    "trash-missing": Case(lambda e: e.store.trash(e.missing), FileNotFoundError,
                          lambda e: [*_names(e.missing), "not stored"]),
    "trash-emptied": Case(lambda e: e.store.trash(e.emptied), FileNotFoundError,
                          lambda e: [*_names(e.emptied), "not stored"]),
    "trash-ghost-single": Case(lambda e: e.store.trash(e.ghost), FileNotFoundError,
                               lambda e: [*_names(e.ghost), "not stored"]),
    "trash-str": Case(lambda e: e.store.trash("metric"), TypeError,
                      lambda e: ["trash", "str"]),
    "trash-int": Case(lambda e: e.store.trash(42), TypeError, lambda e: ["trash", "int"]),
    "trash-mapping": Case(lambda e: e.store.trash({"a": e.stored}), TypeError,
                          lambda e: ["trash", "dict"]),
    "trash-bulk-one-bad-element": Case(
        lambda e: e.store.trash([e.stored, e.listed, 42, e.composite]), TypeError,
        lambda e: ["trash", "item 2", "int"]),
    "trash-bulk-generator-bad-element": Case(
        lambda e: e.store.trash(r for r in (e.stored, None)), TypeError,
        lambda e: ["trash", "item 1", "NoneType"]),
    # -- emptyTrash ----------------------------------------------------------
    "empty-trash-bad-element": Case(
        lambda e: e.store.emptyTrash(refs=[e.trashed, "metric"]), TypeError,
        lambda e: ["emptyTrash", "item 1", "str"]),
    "empty-trash-int": Case(lambda e: e.store.emptyTrash(refs=5), TypeError,
                            lambda e: ["emptyTrash", "int"]),
    "empty-trash-str": Case(lambda e: e.store.emptyTrash(refs="metric"), TypeError,
                            lambda e: ["emptyTrash", "str"]),
    # -- remove and forget ----------------------------------------------------
    "remove-str": Case(lambda e: e.store.remove("metric"), TypeError,
                       lambda e: ["remove", "str"]),
    "remove-list": Case(lambda e: e.store.remove([e.stored]), TypeError,
                        lambda e: ["remove", "list"]),
    "remove-missing": Case(lambda e: e.store.remove(e.missing), FileNotFoundError,
                           lambda e: [*_names(e.missing), "not stored"]),
    "remove-ghost": Case(lambda e: e.store.remove(e.ghost), FileNotFoundError,
                         lambda e: [*_names(e.ghost), "not stored"]),
    "forget-str": Case(lambda e: e.store.forget("metric"), TypeError,
                       lambda e: ["forget", "str"]),
    "forget-bad-element": Case(lambda e: e.store.forget([e.stored, e.trashed, None]), TypeError,
                               lambda e: ["forget", "item 2", "NoneType"]),
    # -- transfer ------------------------------------------------------------
    "transfer-str": Case(lambda e: e.store.transfer(e.source, "metric"), TypeError,
                         lambda e: ["transfer", "str"]),
    "transfer-missing": Case(lambda e: e.store.transfer(e.source, e.missing),
                             FileNotFoundError, lambda e: [*_names(e.missing), "not stored"]),
    "transfer-rejected": Case(lambda e: (e.source.put({"a": 1}, e.rejected),
                                         e.store.transfer(e.source, e.rejected)),
                              DatasetTypeNotSupportedError,
                              lambda e: [*_names(e.rejected), "reject"]),
    "transfer-wrong-type": Case(lambda e: (e.source.put(42, e.new.overrideStorageClass(
                                    StorageClass("Object"))),
                                           e.store.transfer(e.source, e.new)),
                                TypeError, lambda e: [*_names(e.new), "dict", "int"]),
    # -- stored item info -----------------------------------------------------
    "get-stored-item-info-missing": Case(lambda e: e.store.getStoredItemInfo(e.missing),
                                         FileNotFoundError, lambda e: _names(e.missing)),
    "get-stored-item-info-str": Case(lambda e: e.store.getStoredItemInfo("metric"), TypeError,
                                     lambda e: ["str"]),
    "add-info-wrong-dataset-id": Case(
        lambda e: e.store.addStoredItemInfo(
            [e.new], [StoredMemoryItemInfo(0.0, e.new.datasetType.storageClass, e.stored.id,
                                           e.missing.id)]),
        DatastoreValidationError, lambda e: [*_names(e.new), str(e.missing.id)]),
    "add-info-parent-not-stored": Case(
        lambda e: e.store.addStoredItemInfo(
            [e.new], [StoredMemoryItemInfo(0.0, e.new.datasetType.storageClass, e.emptied.id,
                                           e.new.id)]),
        DatastoreValidationError, lambda e: [*_names(e.new), str(e.emptied.id), "not stored"]),
    "add-info-already-recorded": Case(
        lambda e: e.store.addStoredItemInfo(
            [e.trashed], [StoredMemoryItemInfo(0.0, e.trashed.datasetType.storageClass,
                                               e.stored.id, e.trashed.id)]),
        DatastoreValidationError, lambda e: [*_names(e.trashed), "already"]),
    "add-info-second-bad": Case(
        lambda e: e.store.addStoredItemInfo(
            [e.new, e.missing],
            [StoredMemoryItemInfo(0.0, e.new.datasetType.storageClass, e.stored.id, e.new.id),
             StoredMemoryItemInfo(0.0, e.new.datasetType.storageClass, e.emptied.id,
                                  e.missing.id)]),
        DatastoreValidationError, lambda e: _names(e.missing)),
    "add-info-not-an-info": Case(
        lambda e: e.store.addStoredItemInfo([e.new], [{"parentID": e.stored.id}]),
        TypeError, lambda e: [*_names(e.new), "StoredMemoryItemInfo", "dict"]),
    "add-info-length-mismatch": Case(
        lambda e: e.store.addStoredItemInfo([e.new, e.missing], []),
        ValueError, lambda e: ["2 refs", "0 infos"]),
    "add-info-same-id-twice": Case(
        lambda e: e.store.addStoredItemInfo(
            [e.new, e.new],
            [StoredMemoryItemInfo(0.0, e.new.datasetType.storageClass, e.stored.id, e.new.id)]
            * 2),
        DatastoreValidationError, lambda e: ["twice"]),
    "add-info-bad-ref": Case(
        lambda e: e.store.addStoredItemInfo(
            [e.new, "metric"],
            [StoredMemoryItemInfo(0.0, e.new.datasetType.storageClass, e.stored.id, e.new.id)]
            * 2),
        TypeError, lambda e: ["addStoredItemInfo", "item 1", "str"]),
}


@pytest.fixture(params=["plain", "commit", "rollback"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.mark.parametrize("case_id", list(CASES))
def test_bad_input_raises_names_the_problem_and_changes_nothing(
    env: Env, case_id: str, mode: str
) -> None:
    case = CASES[case_id]
    store = env.store
    before = StoreSnapshot.of(store)

    def attempt() -> pytest.ExceptionInfo[BaseException]:
        with pytest.raises(case.error) as info:
            case.call(env)
        return info

    if mode == "plain":
        info = attempt()
    elif mode == "commit":
        with store.transaction() as transaction:
            info = attempt()
            assert len(transaction) == 0, "a failed call registered an undo"
    else:
        with pytest.raises(Boom), store.transaction():
            info = attempt()
            raise Boom
    message = str(info.value)
    missing = [part for part in case.mentions(env) if part not in message]
    assert not missing, f"message {message!r} does not mention {missing}"
    assert_unchanged(store, before)


def test_every_error_class_is_a_memstore_error() -> None:
    assert issubclass(DatasetTypeNotSupportedError, MemstoreError)
    assert issubclass(DatastoreValidationError, MemstoreError)


# -- data IDs ------------------------------------------------------------------


def test_unhashable_data_id_value_is_a_type_error(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    stored = make_ref()
    store.put({"a": 1}, stored)
    before = StoreSnapshot.of(store)
    with pytest.raises(TypeError, match="visit") as info:
        make_ref("metric", {"instrument": "DummyCam", "visit": [1, 2]})
    assert "list" in str(info.value)
    with pytest.raises(TypeError, match="visit"):
        DataId(instrument="DummyCam", visit={"a": 1})
    assert_unchanged(store, before)


# -- copies that cannot be made ----------------------------------------------


def _generator() -> Iterator[int]:
    yield 1


def test_uncopyable_object_with_copy_on_put(make_ref: MakeRef) -> None:
    store = InMemoryDatastore(copy_on_put=True)
    stored = make_ref("anything", _data_id(1), "Object")
    store.put({"a": 1}, stored)
    before = StoreSnapshot.of(store)
    ref = make_ref("anything", _data_id(2), "Object")
    with pytest.raises(TypeError) as info:
        store.put(_generator(), ref)
    for part in [*_names(ref), "copy", "generator"]:
        assert part in str(info.value)
    assert_unchanged(store, before)


def test_uncopyable_object_with_copy_on_get(make_ref: MakeRef) -> None:
    store = InMemoryDatastore(copy_on_get=True)
    ref = make_ref("anything", _data_id(1), "Object")
    store.put(_generator(), ref)
    before = StoreSnapshot.of(store)
    with pytest.raises(TypeError) as info:
        store.get(ref)
    for part in [*_names(ref), "copy", "generator"]:
        assert part in str(info.value)
    assert_unchanged(store, before)
