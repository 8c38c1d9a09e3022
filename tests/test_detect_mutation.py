"""detect_mutation: a stored object that changed after put or after get is caught."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import Phase, settings

from pytest_memstore import (
    DatasetMutatedError,
    ExampleMetrics,
    InMemoryDatastore,
    MemstoreError,
    StorageClass,
    StorageClassFactory,
)
from tests._helpers import MakeRef, StoreSnapshot, assert_unchanged
from tests.test_state_machine import DatastoreMachine


class Boom(Exception):
    """Raised to roll a transaction back."""


def test_the_error_is_an_assertion_error_not_a_memstore_error() -> None:
    assert issubclass(DatasetMutatedError, AssertionError)
    assert not issubclass(DatasetMutatedError, MemstoreError)


def test_a_change_after_put_is_caught_by_the_next_get(make_ref: MakeRef) -> None:
    store = InMemoryDatastore("watched", detect_mutation=True)
    ref = make_ref()
    obj = {"rows": [1, 2, 3], "flux": 1.5}
    store.put(obj, ref)
    obj["rows"][1] = 20
    with pytest.raises(DatasetMutatedError) as info:
        store.get(ref)
    error = info.value
    message = str(error)
    assert message.startswith(
        f"metric {ref.dataId} (id {ref.id}) in watched changed after put, before any get "
        "handed it out: at ['rows'][1], was 2, now 20."
    )
    assert "file-backed datastore would still hold the value put" in message
    assert error.ref is ref
    assert error.datastore == "watched"
    assert error.after == "put"
    assert error.difference is not None and error.difference.path == "['rows'][1]"
    with pytest.raises(DatasetMutatedError):  # still changed: every get says so
        store.get(ref)


def test_a_change_to_what_get_returned_is_caught(make_ref: MakeRef) -> None:
    store = InMemoryDatastore(detect_mutation=True)
    ref = make_ref()
    store.put({"a": 1}, ref)
    got = store.get(ref)
    got["b"] = 2
    with pytest.raises(DatasetMutatedError, match=r"changed after a get handed it out: "
                                                  r"at \['b'\], key added, now 2"):
        store.get(ref)


def test_a_component_get_checks_its_composite(make_ref: MakeRef) -> None:
    store = InMemoryDatastore(detect_mutation=True)
    ref = make_ref("composite", storageClass="ExampleComposite")
    store.put(ExampleMetrics({"a": 1}, {"b": 2}, [1, 2, 3]), ref)
    summary = store.get(ref.makeComponentRef("summary"))
    summary["a"] = 5
    with pytest.raises(DatasetMutatedError, match=r"at \.summary\['a'\], was 1, now 5"):
        store.get(ref.makeComponentRef("data"))


def test_check_mutations_and_mutations_report_every_changed_dataset(make_ref: MakeRef) -> None:
    store = InMemoryDatastore("watched", detect_mutation=True)
    refs = [make_ref(dataId={"instrument": "DummyCam", "visit": visit}) for visit in range(3)]
    objs = [{"v": visit} for visit in range(3)]
    for obj, ref in zip(objs, refs, strict=True):
        store.put(obj, ref)
    store.check_mutations()
    assert store.mutations() == []
    objs[0]["v"] = 10
    objs[2].clear()
    with pytest.raises(DatasetMutatedError):
        store.get(refs[0])
    found = store.mutations()
    assert [error.ref for error in found] == [refs[0], refs[2]]
    assert [error.already_raised for error in found] == [True, False]
    assert "key removed, was 2" in str(found[1])
    with pytest.raises(DatasetMutatedError, match="1 other dataset"):
        store.check_mutations()


def test_copies_hide_nothing_they_should_not(make_ref: MakeRef) -> None:
    store = InMemoryDatastore(detect_mutation=True, copy_on_put=True, copy_on_get=True)
    ref = make_ref()
    obj = {"a": 1}
    store.put(obj, ref)
    obj["a"] = 2  # the store holds a copy: nothing changed in it
    store.get(ref)["a"] = 3  # so does what get returned
    assert store.get(ref) == {"a": 1}
    assert store.mutations() == []


def test_replacing_or_removing_a_dataset_drops_its_copy(make_ref: MakeRef) -> None:
    store = InMemoryDatastore(detect_mutation=True)
    ref, other = make_ref(), make_ref(dataId={"instrument": "DummyCam", "visit": 2})
    first = {"a": 1}
    store.put(first, ref)
    store.put({"a": 2}, ref)  # a new object, a new copy
    first["a"] = 99  # no longer stored: not a mutation
    assert store.get(ref) == {"a": 2}
    obj = {"b": 1}
    store.put(obj, other)
    store.trash(other)
    store.emptyTrash()
    obj["b"] = 2
    assert store.mutations() == []
    assert store._tools is not None and store._tools.snapshots is not None
    assert list(store._tools.snapshots) == [ref.id]  # the emptied dataset's copy is gone


def test_a_rollback_restores_the_copy_of_what_it_restores(make_ref: MakeRef) -> None:
    store = InMemoryDatastore(detect_mutation=True)
    ref = make_ref()
    kept = {"v": 1}
    store.put(kept, ref)
    with pytest.raises(Boom), store.transaction():
        store.put({"v": 2}, ref)
        raise Boom
    assert store.get(ref) is kept
    kept["v"] = 3
    with pytest.raises(DatasetMutatedError, match="was 1, now 3"):
        store.get(ref)


def test_a_converted_object_is_compared_as_stored(
    make_ref: MakeRef, storage_classes: StorageClassFactory
) -> None:
    store = InMemoryDatastore(detect_mutation=True, storageClasses=storage_classes)
    ref = make_ref("catalog", storageClass="SliceableList")
    store.put((1, 2, 3), ref)  # converted to a list
    assert store.mutations() == []
    store.get(ref).append(4)
    with pytest.raises(DatasetMutatedError, match=r"at \[3\], item added, now 4 "
                                                  r"\(length 3 -> 4\)"):
        store.check_mutations()


def test_an_object_that_cannot_be_copied_is_rejected_before_anything_changes(
    make_ref: MakeRef,
) -> None:
    store = InMemoryDatastore(detect_mutation=True)
    stored = make_ref("anything", storageClass="Object")
    store.put({"a": 1}, stored)
    before = StoreSnapshot.of(store)

    def generator() -> Any:
        yield 1

    ref = make_ref("anything", {"instrument": "DummyCam", "visit": 2}, "Object")
    with pytest.raises(TypeError) as info:
        store.put(generator(), ref)
    for part in ("detect_mutation", "copy", "generator", "anything", "visit: 2"):
        assert part in str(info.value)
    assert_unchanged(store, before)


class Handle:
    """A value its delegate cannot copy, as an open file or a lock."""

    def __init__(self, number: int) -> None:
        self.number = number

    def __deepcopy__(self, memo: dict[int, Any]) -> Handle:
        raise TypeError("cannot copy a Handle")


def test_an_object_converted_to_one_that_cannot_be_copied_is_rejected_too(
    make_ref: MakeRef, storage_classes: StorageClassFactory
) -> None:
    # The int can be copied; what the storage class turns it into cannot.
    storage_classes.registerStorageClass(
        StorageClass("Handle", Handle, converters={"builtins.int": Handle})
    )
    store = InMemoryDatastore(detect_mutation=True, storageClasses=storage_classes)
    store.put({"a": 1}, make_ref("anything", storageClass="Object"))
    before = StoreSnapshot.of(store)
    ref = make_ref("handle", {"instrument": "DummyCam", "visit": 3}, "Handle")
    with pytest.raises(TypeError) as info:
        store.put(5, ref)
    for part in ("detect_mutation", "copy", "Handle", "handle", "visit: 3"):
        assert part in str(info.value)
    assert_unchanged(store, before)
    assert store.counts.put == 1


class Grid:
    """Compares elementwise, as an array does: ``==`` returns a Grid of bools."""

    def __init__(self, values: list[Any]) -> None:
        self.values = values

    def __eq__(self, other: object) -> Any:
        assert isinstance(other, Grid)
        return Grid([a == b for a, b in zip(self.values, other.values, strict=True)])

    __hash__ = None  # type: ignore[assignment]

    def __bool__(self) -> bool:
        raise ValueError("the truth value of a Grid is ambiguous")

    def all(self) -> bool:
        return all(self.values)

    def __repr__(self) -> str:
        return f"Grid({self.values})"


def test_objects_that_compare_elementwise_are_checked_with_all(
    make_ref: MakeRef, storage_classes: StorageClassFactory
) -> None:
    storage_classes.registerStorageClass(StorageClass("Grid", Grid))
    store = InMemoryDatastore(detect_mutation=True, storageClasses=storage_classes)
    ref = make_ref("grid", storageClass="Grid")
    grid = Grid([1, 2])
    store.put(grid, ref)
    assert store.get(ref) is grid
    grid.values[0] = 7
    with pytest.raises(DatasetMutatedError, match="grid"):
        store.get(ref)


def test_objects_that_cannot_say_whether_they_are_equal_are_not_reported(
    make_ref: MakeRef, storage_classes: StorageClassFactory
) -> None:
    class Unsure:
        def __eq__(self, other: object) -> bool:
            raise RuntimeError("cannot compare")

        __hash__ = object.__hash__

    storage_classes.registerStorageClass(StorageClass("Unsure", Unsure))
    store = InMemoryDatastore(detect_mutation=True, storageClasses=storage_classes)
    ref = make_ref("unsure", storageClass="Unsure")
    obj = Unsure()
    store.put(obj, ref)
    assert store.get(ref) is obj
    assert store.mutations() == []


def test_without_detection_nothing_is_copied_or_checked(make_ref: MakeRef) -> None:
    store = InMemoryDatastore(log_size=3)
    ref = make_ref()
    obj = {"a": 1}
    store.put(obj, ref)
    obj["a"] = 2
    assert store.get(ref) is obj
    assert store.mutations() == []
    store.check_mutations()


# -- the datastore's semantics do not change with every tool on -----------------


class ToolsMachine(DatastoreMachine):
    """The datastore state machine, on a store with every tool on."""

    def __init__(self) -> None:
        super().__init__()
        self.store = InMemoryDatastore(
            storageClasses=self.store.storageClasses,
            detect_mutation=True,
            log_size=20,
            count_gets=True,
        )
        self.store.fail_next("put", match=lambda ref: False)  # armed, never fires

    def check(self) -> None:
        super().check()
        assert self.store.mutations() == []
        assert self.store.operation_log()


TestToolsMachine = ToolsMachine.TestCase
TestToolsMachine.settings = settings(
    max_examples=40,
    stateful_step_count=40,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
)
