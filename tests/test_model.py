"""The data model: DataId, DatasetType and DatasetRef."""

from __future__ import annotations

import copy
import os
import pickle
import re
import subprocess
import sys
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import pytest_memstore
from pytest_memstore import (
    DataId,
    DatasetId,
    DatasetRef,
    DatasetType,
    DimensionNameError,
    StorageClass,
    default_storage_classes,
)

# Storage classes are immutable, so module-level ones are safe to share (and
# usable from Hypothesis tests, which must not take function-scoped fixtures).
_DEFAULTS = default_storage_classes()
DICT = _DEFAULTS.getStorageClass("StructuredDataDict")
LIST = _DEFAULTS.getStorageClass("SliceableList")
INTEGER = _DEFAULTS.getStorageClass("Integer")
COMPOSITE = _DEFAULTS.getStorageClass("ExampleComposite")
# A storage class that can take a list: it may override SliceableList.
TUPLE = StorageClass("Tuple", tuple, converters={list: tuple})

DIMENSIONS = ("instrument", "visit")
DATA_ID = {"instrument": "DummyCam", "visit": 42}

data_id_values = st.one_of(st.integers(), st.text())
data_id_dicts = st.dictionaries(st.text(), data_id_values, max_size=8)


def metric_type(
    name: str = "metric", storageClass: StorageClass = DICT, dimensions: Any = DIMENSIONS
) -> DatasetType:
    return DatasetType(name, dimensions, storageClass)


def metric_ref(**changes: Any) -> DatasetRef:
    """A ref to ``metric`` with a fixed ID; ``changes`` replace its fields."""
    fields: dict[str, Any] = {
        "datasetType": metric_type(),
        "dataId": DATA_ID,
        "run": "memstore",
        "id": uuid.UUID("6d7b2f43-3ed5-4b29-8fb7-3c3b4f4b8a0e"),
    }
    fields.update(changes)
    return DatasetRef(fields["datasetType"], fields["dataId"], fields["run"], id=fields["id"])


# -- public names --------------------------------------------------------------


@pytest.mark.parametrize("name", ["DatasetId", "DataId", "DatasetType", "DatasetRef"])
def test_data_model_is_importable_from_the_package(name: str) -> None:
    assert name in pytest_memstore.__all__
    assert getattr(pytest_memstore, name) is getattr(pytest_memstore.core.model, name)


def test_dataset_id_is_uuid() -> None:
    assert DatasetId is uuid.UUID


# -- DataId ----------------------------------------------------------------------


@given(data_id_dicts)
def test_data_id_equals_any_mapping_with_the_same_items(items: dict[str, Any]) -> None:
    data_id = DataId(items)
    assert isinstance(data_id, Mapping)
    assert data_id == items
    assert items == data_id
    assert (data_id != items) is False
    assert data_id == MappingProxyType(items)
    assert data_id == OrderedDict(reversed(list(items.items())))
    assert dict(data_id) == items
    assert len(data_id) == len(items)
    for key, value in items.items():
        assert key in data_id
        assert data_id[key] == value


@given(data_id_dicts, st.randoms(use_true_random=False))
def test_data_id_equality_and_hash_ignore_insertion_order(
    items: dict[str, Any], random: Any
) -> None:
    pairs = list(items.items())
    random.shuffle(pairs)
    shuffled = DataId(dict(pairs))
    assert shuffled == DataId(items)
    assert hash(shuffled) == hash(DataId(items))
    assert list(shuffled) == sorted(items)
    assert list(shuffled.items()) == sorted(items.items())


@given(data_id_dicts, st.text(), data_id_values)
def test_data_ids_with_different_items_differ(items: dict[str, Any], key: str, value: Any) -> None:
    changed = {**items, key: value}
    if changed == items:
        changed = {**items, key + "_extra": value}
    assert DataId(items) != changed
    assert changed != DataId(items)
    assert DataId(items) != DataId(changed)


@given(data_id_dicts, data_id_dicts)
def test_keyword_values_win_over_the_mapping(
    mapping: dict[str, Any], values: dict[str, Any]
) -> None:
    assert DataId(mapping, **values) == {**mapping, **values}


def test_data_id_keys_are_kept_sorted() -> None:
    data_id = DataId({"visit": 1, "instrument": "HSC"}, detector=9)
    assert list(data_id) == ["detector", "instrument", "visit"]
    assert list(data_id.values()) == [9, "HSC", 1]
    assert str(data_id).index("detector") < str(data_id).index("instrument")
    assert str(data_id).index("instrument") < str(data_id).index("visit")


def test_empty_data_id() -> None:
    assert DataId() == {}
    assert DataId(None) == {}
    assert len(DataId()) == 0
    assert hash(DataId()) == hash(DataId({}))


def test_mapping_is_positional_only_so_any_dimension_name_is_a_keyword() -> None:
    assert DataId(mapping="x") == {"mapping": "x"}
    assert DataId({"a": 1}, a=2) == {"a": 2}


def test_data_id_is_immutable() -> None:
    source = {"instrument": "HSC", "visit": 1}
    data_id = DataId(source)
    with pytest.raises(TypeError):
        data_id["visit"] = 2  # type: ignore[index]
    with pytest.raises(TypeError):
        del data_id["visit"]  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        data_id.visit = 2  # type: ignore[attr-defined]
    for mutator in ("update", "pop", "popitem", "clear", "setdefault"):
        assert not hasattr(data_id, mutator)
    # Changing the mapping it was built from does not reach it.
    source["visit"] = 2
    source["detector"] = 3
    assert data_id == {"instrument": "HSC", "visit": 1}


def test_data_id_is_hashable_and_usable_as_a_key() -> None:
    first = DataId(instrument="HSC", visit=1)
    second = DataId({"visit": 1, "instrument": "HSC"})
    assert hash(first) == hash(second)
    assert {first: "x"}[second] == "x"
    assert len({first, second, DataId(instrument="HSC", visit=2)}) == 2


def test_data_id_is_not_equal_to_non_mappings() -> None:
    assert DataId(a=1) != [("a", 1)]
    assert DataId() != ()
    assert DataId(a=1) != "a"


def test_data_id_of_a_data_id_is_equal() -> None:
    original = DataId(instrument="HSC", visit=1)
    assert DataId(original) == original
    assert DataId(original, visit=2) == {"instrument": "HSC", "visit": 2}


def test_data_id_survives_pickle_and_copy() -> None:
    original = DataId(instrument="HSC", visit=1)
    for clone in (pickle.loads(pickle.dumps(original)), copy.deepcopy(original)):
        assert clone == original
        assert hash(clone) == hash(original)
        assert list(clone) == ["instrument", "visit"]


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        (({"instrument": "HSC", "bad": [1, 2]},), {}),
        ((), {"instrument": "HSC", "bad": {"a": 1}}),
        (({"bad": ([1],)},), {}),
    ],
    ids=["list-value", "dict-keyword", "tuple-holding-a-list"],
)
def test_unhashable_data_id_value_is_a_type_error(
    args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    with pytest.raises(TypeError, match=r"hashable.*'bad'"):
        DataId(*args, **kwargs)


@pytest.mark.parametrize(
    "mapping", [{1: "a"}, {"visit": 1, 2: "b"}, {b"instrument": "HSC"}, {None: 1}]
)
def test_non_str_data_id_key_is_a_type_error(mapping: dict[Any, Any]) -> None:
    bad = next(k for k in mapping if not isinstance(k, str))
    with pytest.raises(TypeError, match=r"keys must be str.*" + re.escape(repr(bad))):
        DataId(mapping)


# -- DatasetType -----------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["a", "_", "calexp", "Calexp2", "_private", "deep_Coadd", "calexp.wcs", "a._b2"]
)
def test_valid_dataset_type_names(name: str) -> None:
    assert metric_type(name).name == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        "1calexp",
        "calexp.",
        ".wcs",
        "calexp.wcs.x",
        "calexp..wcs",
        "calexp.1wcs",
        "cal-exp",
        "cal exp",
        " calexp",
        "calexp ",
        "calexp\n",
        "calexp.wcs\n",
        "calexp/wcs",
    ],
)
def test_invalid_dataset_type_name_is_a_value_error(name: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(name))):
        metric_type(name)


@pytest.mark.parametrize(
    ("name", "component", "parent"),
    [("calexp", None, "calexp"), ("calexp.wcs", "wcs", "calexp"), ("a_b.c_d", "c_d", "a_b")],
)
def test_component_name_parts(name: str, component: str | None, parent: str) -> None:
    datasetType = metric_type(name)
    assert datasetType.component() == component
    assert datasetType.nameAndComponent() == (parent, component)
    assert datasetType.isComponent() is (component is not None)


@pytest.mark.parametrize(
    "dimensions",
    [
        ["visit", "instrument", "visit"],
        ("instrument", "visit"),
        {"visit", "instrument"},
        (d for d in ("visit", "instrument")),
        DataId(instrument="HSC", visit=1),
        frozenset({"instrument", "visit"}),
    ],
    ids=["list-with-duplicate", "tuple", "set", "generator", "data-id-keys", "frozenset"],
)
def test_dimensions_are_stored_as_a_frozenset(dimensions: Any) -> None:
    datasetType = metric_type(dimensions=dimensions)
    assert type(datasetType.dimensions) is frozenset
    assert datasetType.dimensions == frozenset({"instrument", "visit"})


def test_no_dimensions() -> None:
    assert metric_type(dimensions=()).dimensions == frozenset()


def test_dimensions_given_as_one_str_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="'visit'"):
        metric_type(dimensions="visit")


def test_dimension_that_is_not_a_str_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="dimensions"):
        metric_type(dimensions=["visit", 3])


def test_dataset_type_keeps_its_storage_class() -> None:
    datasetType = metric_type(storageClass=LIST)
    assert datasetType.storageClass is LIST
    assert datasetType.parentStorageClass is None


def test_parent_storage_class_is_keyword_only() -> None:
    with pytest.raises(TypeError):
        DatasetType("metric.data", DIMENSIONS, LIST, COMPOSITE)  # type: ignore[call-arg]
    datasetType = DatasetType("metric.data", DIMENSIONS, LIST, parentStorageClass=COMPOSITE)
    assert datasetType.parentStorageClass is COMPOSITE


def test_dataset_type_is_frozen_and_hashable() -> None:
    datasetType = metric_type()
    for field, value in [
        ("name", "other"),
        ("dimensions", frozenset()),
        ("storageClass", LIST),
        ("parentStorageClass", COMPOSITE),
    ]:
        with pytest.raises(AttributeError, match="immutable"):
            setattr(datasetType, field, value)
    same = DatasetType("metric", ["visit", "instrument"], DICT)
    assert same == datasetType
    assert hash(same) == hash(datasetType)
    assert metric_type("other") != datasetType
    assert metric_type(storageClass=LIST) != datasetType
    assert metric_type(dimensions=["visit"]) != datasetType


@pytest.mark.parametrize(
    ("component", "storageClassName"),
    [
        ("summary", "StructuredDataDict"),
        ("output", "StructuredDataDict"),
        ("data", "SliceableList"),
        ("counter", "Integer"),
    ],
)
def test_make_component_dataset_type(component: str, storageClassName: str) -> None:
    composite = metric_type(storageClass=COMPOSITE)
    datasetType = composite.makeComponentDatasetType(component)
    assert datasetType.name == f"metric.{component}"
    assert datasetType.storageClass == _DEFAULTS.getStorageClass(storageClassName)
    assert datasetType.parentStorageClass == COMPOSITE
    assert datasetType.dimensions == composite.dimensions
    assert datasetType.isComponent()
    assert datasetType.component() == component
    assert datasetType.nameAndComponent() == ("metric", component)


def test_derived_component_of_a_non_composite_is_valid() -> None:
    datasetType = metric_type(storageClass=LIST).makeComponentDatasetType("counter")
    assert datasetType.name == "metric.counter"
    assert datasetType.storageClass == INTEGER
    assert datasetType.parentStorageClass == LIST


def test_unknown_component_is_a_key_error_naming_the_valid_ones() -> None:
    composite = metric_type(storageClass=COMPOSITE)
    with pytest.raises(KeyError, match="'nope'") as excinfo:
        composite.makeComponentDatasetType("nope")
    for valid in ("summary", "output", "data", "counter"):
        assert f"'{valid}'" in str(excinfo.value)


def test_component_of_a_class_without_components_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="'summary'"):
        metric_type(storageClass=DICT).makeComponentDatasetType("summary")


def test_make_composite_dataset_type_returns_the_parent_type() -> None:
    composite = metric_type(storageClass=COMPOSITE)
    for component in ("data", "counter"):
        parent = composite.makeComponentDatasetType(component).makeCompositeDatasetType()
        assert parent == composite
        assert parent.storageClass is COMPOSITE
        assert parent.parentStorageClass is None
    # A type that is not a component is its own composite.
    assert composite.makeCompositeDatasetType() == composite


def test_make_composite_of_a_component_without_parent_storage_class_is_a_value_error() -> None:
    orphan = metric_type("metric.data", storageClass=LIST)
    with pytest.raises(ValueError, match=r"'metric\.data'.*parentStorageClass"):
        orphan.makeCompositeDatasetType()


def test_override_storage_class_of_a_dataset_type() -> None:
    original = metric_type(storageClass=LIST)
    overridden = original.overrideStorageClass(TUPLE)
    assert overridden.storageClass is TUPLE
    assert overridden.name == original.name
    assert overridden.dimensions == original.dimensions
    assert overridden != original
    assert original.storageClass is LIST
    assert original.overrideStorageClass(LIST) == original


def test_override_storage_class_keeps_the_parent_storage_class() -> None:
    component = metric_type(storageClass=COMPOSITE).makeComponentDatasetType("data")
    overridden = component.overrideStorageClass(TUPLE)
    assert overridden.parentStorageClass is COMPOSITE
    assert overridden.makeCompositeDatasetType() == metric_type(storageClass=COMPOSITE)


def test_override_with_an_unconvertible_storage_class_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"'SliceableList'.*'StructuredDataDict'.*'metric'"):
        metric_type(storageClass=DICT).overrideStorageClass(LIST)


# -- DatasetRef ------------------------------------------------------------------


def test_ref_gets_a_fresh_uuid4_when_no_id_is_given() -> None:
    refs = [DatasetRef(metric_type(), DATA_ID) for _ in range(200)]
    refs.append(DatasetRef(metric_type(), DATA_ID, id=None))
    ids = [ref.id for ref in refs]
    assert len(set(ids)) == len(ids)
    for ref in refs:
        assert type(ref.id) is uuid.UUID
        assert ref.id.version == 4
        assert ref.id.variant == uuid.RFC_4122
        # A well-formed UUID: it survives the round trip through text and
        # through the standard constructor's version stamping.
        assert uuid.UUID(str(ref.id)) == ref.id
        assert uuid.UUID(int=ref.id.int, version=4) == ref.id
        assert ref.getCheckedId() == ref.id


def test_ref_keeps_a_given_id() -> None:
    given_id = uuid.uuid4()
    ref = DatasetRef(metric_type(), DATA_ID, id=given_id)
    assert ref.id == given_id
    assert ref.getCheckedId() == given_id


def test_ref_id_is_keyword_only() -> None:
    with pytest.raises(TypeError):
        DatasetRef(metric_type(), DATA_ID, "run", uuid.uuid4())  # type: ignore[call-arg]


def test_ref_run_defaults_to_memstore() -> None:
    assert DatasetRef(metric_type(), DATA_ID).run == "memstore"
    assert DatasetRef(metric_type(), DATA_ID, "my_run").run == "my_run"


def test_ref_converts_its_data_id() -> None:
    ref = DatasetRef(metric_type(), dict(DATA_ID))
    assert type(ref.dataId) is DataId
    assert ref.dataId == DATA_ID
    assert hash(ref)  # the converted data ID is hashable


def test_ref_keeps_extra_data_id_keys() -> None:
    ref = DatasetRef(metric_type(), {**DATA_ID, "detector": 3, "band": "g"})
    assert ref.dataId == {"instrument": "DummyCam", "visit": 42, "detector": 3, "band": "g"}


def test_ref_without_dimensions_accepts_no_data_id() -> None:
    ref = DatasetRef(metric_type(dimensions=()), None)
    assert ref.dataId == {}


def test_ref_missing_dimensions_is_a_dimension_name_error_naming_them() -> None:
    datasetType = metric_type(dimensions=["instrument", "visit", "detector"])
    with pytest.raises(DimensionNameError, match=r"\['detector', 'visit'\]") as excinfo:
        DatasetRef(datasetType, {"instrument": "HSC", "band": "g"})
    assert "'metric'" in str(excinfo.value)
    # A KeyError as daf_butler's class is, and still the ValueError it used to be.
    assert isinstance(excinfo.value, KeyError) and isinstance(excinfo.value, ValueError)
    with pytest.raises(ValueError, match="'instrument'"):
        DatasetRef(datasetType, None)


def test_ref_with_something_else_than_a_dataset_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="str"):
        DatasetRef("metric", DATA_ID)  # type: ignore[arg-type]


def test_ref_with_unhashable_data_id_value_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="hashable"):
        DatasetRef(metric_type(), {**DATA_ID, "visit": [42]})


def test_ref_is_frozen() -> None:
    ref = metric_ref()
    for field, value in [
        ("id", uuid.uuid4()),
        ("run", "other"),
        ("dataId", DataId()),
        ("datasetType", metric_type("other")),
    ]:
        with pytest.raises(AttributeError, match="immutable"):
            setattr(ref, field, value)


def test_refs_with_the_same_fields_are_equal_and_hash_alike() -> None:
    ref = metric_ref()
    twin = metric_ref(datasetType=metric_type(), dataId=DataId(DATA_ID))
    assert twin is not ref
    assert twin == ref
    assert hash(twin) == hash(ref)
    assert len({ref, twin}) == 1
    assert {ref: 1}[twin] == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"id": uuid.UUID("00000000-0000-4000-8000-000000000000")},
        {"datasetType": metric_type("other")},
        {"dataId": {**DATA_ID, "visit": 43}},
        {"dataId": {**DATA_ID, "detector": 1}},
        {"run": "other_run"},
        {"datasetType": metric_type(storageClass=StorageClass("OtherDict", dict))},
    ],
    ids=[
        "id",
        "dataset-type-name",
        "data-id-value",
        "data-id-extra-key",
        "run",
        "storage-class-name",
    ],
)
def test_each_identity_field_makes_refs_differ(changes: dict[str, Any]) -> None:
    ref = metric_ref()
    other = metric_ref(**changes)
    assert other != ref
    assert ref != other
    assert hash(other) != hash(ref)
    assert len({ref, other}) == 2


def test_ref_is_not_equal_to_other_things() -> None:
    ref = metric_ref()
    assert ref != ref.id
    assert ref != "metric"
    assert ref != (ref.id, "metric", ref.dataId, ref.run, "StructuredDataDict")


def test_is_component() -> None:
    ref = metric_ref(datasetType=metric_type(storageClass=COMPOSITE))
    assert not ref.isComponent()
    assert ref.makeComponentRef("data").isComponent()
    assert ref.makeComponentRef("counter").isComponent()


@pytest.mark.parametrize("component", ["summary", "output", "data", "counter"])
def test_make_component_ref_keeps_id_data_id_and_run(component: str) -> None:
    ref = metric_ref(
        datasetType=metric_type(storageClass=COMPOSITE),
        dataId={**DATA_ID, "detector": 5},
        run="some_run",
    )
    componentRef = ref.makeComponentRef(component)
    assert componentRef.id == ref.id
    assert componentRef.dataId == ref.dataId
    assert componentRef.run == "some_run"
    assert componentRef.datasetType == ref.datasetType.makeComponentDatasetType(component)
    assert componentRef != ref


def test_make_component_ref_of_unknown_component_is_a_key_error() -> None:
    ref = metric_ref(datasetType=metric_type(storageClass=COMPOSITE))
    with pytest.raises(KeyError, match=r"'nope'.*'counter', 'data', 'output', 'summary'"):
        ref.makeComponentRef("nope")


def test_make_composite_ref_returns_the_parent_ref() -> None:
    ref = metric_ref(datasetType=metric_type(storageClass=COMPOSITE), run="some_run")
    for component in ("data", "counter"):
        parent = ref.makeComponentRef(component).makeCompositeRef()
        assert parent == ref
        assert parent.id == ref.id
        assert parent.datasetType == ref.datasetType
        assert not parent.isComponent()
    assert ref.makeCompositeRef() == ref


def test_override_storage_class_of_a_ref() -> None:
    ref = metric_ref(datasetType=metric_type(storageClass=LIST), run="some_run")
    overridden = ref.overrideStorageClass(TUPLE)
    assert overridden.datasetType.storageClass is TUPLE
    assert overridden.datasetType.name == "metric"
    assert (overridden.id, overridden.dataId, overridden.run) == (ref.id, ref.dataId, ref.run)
    assert overridden != ref  # the storage class name is part of a ref's identity
    assert ref.datasetType.storageClass is LIST


def test_override_ref_with_an_unconvertible_storage_class_is_a_value_error() -> None:
    ref = metric_ref()
    with pytest.raises(ValueError, match=r"'SliceableList'.*'StructuredDataDict'"):
        ref.overrideStorageClass(LIST)


@pytest.mark.parametrize("dataId", ["visit=1", [("visit", 1)], 1, b"visit"])
def test_a_data_id_that_is_not_a_mapping_is_a_type_error_saying_so(dataId: object) -> None:
    with pytest.raises(TypeError, match=r"A data ID is a mapping of dimension names to values"):
        DataId(dataId)  # type: ignore[arg-type]


def test_a_ref_whose_data_id_is_not_a_mapping_names_the_dataset_type() -> None:
    with pytest.raises(TypeError, match=r"'metric'.*A data ID is a mapping.*'visit=1'"):
        DatasetRef(metric_type(), "visit=1")  # type: ignore[arg-type]


def test_memstore_ref_given_a_string_data_id_says_a_data_id_is_a_mapping() -> None:
    from pytest_memstore import RefFactory, default_storage_classes

    make = RefFactory(default_storage_classes())
    with pytest.raises(TypeError, match=r"A data ID is a mapping.*\{'visit': 1\}.*'visit=1'"):
        make("x", "visit=1")  # type: ignore[arg-type]


# -- processes -----------------------------------------------------------------

MAKE_REFS = """
from pytest_memstore import DatasetRef, DatasetType, InMemoryDatastore, default_storage_classes

classes = default_storage_classes()
metric = DatasetType("metric", {"visit"}, classes.getStorageClass("StructuredDataDict"))

def new_ids(count):
    return [DatasetRef(metric, {"visit": 1}, "run").id for _ in range(count)]
"""


def run_python(script: str) -> str:
    """Run ``script`` in a fresh interpreter; return what it printed."""
    return subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout


def test_the_package_works_where_os_has_no_register_at_fork() -> None:
    """As on Windows: importing the package, the plugin and the model must not fail.

    ``os.fork`` goes too, as it is not there either: the standard library's
    ``random`` calls ``register_at_fork`` only where there is ``fork``.
    """
    output = run_python(
        "import os\n"
        "del os.register_at_fork, os.fork\n"
        "import pytest_memstore.plugin\n"
        + MAKE_REFS
        + """
ids = new_ids(1000)
assert len(set(ids)) == 1000 and {id.version for id in ids} == {4}, ids[:3]
store = InMemoryDatastore(storageClasses=classes)
ref = DatasetRef(metric, {"visit": 2}, "run")
store.put({"x": 1}, ref)
assert store.get(ref) == {"x": 1}
print("ok")
"""
    )
    assert output == "ok\n"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_forked_child_does_not_repeat_its_parents_ids() -> None:
    # In a fresh interpreter: forking this one, which may run threads, warns.
    output = run_python(
        MAKE_REFS
        + """
import os
reader, writer = os.pipe()
pid = os.fork()
if pid == 0:
    os.write(writer, " ".join(str(id) for id in new_ids(5)).encode())
    os._exit(0)
os.waitpid(pid, 0)
child = os.read(reader, 10_000).decode().split()
parent = [str(id) for id in new_ids(5)]
print(len(child), len(set(child) & set(parent)))
"""
    )
    assert output == "5 0\n"
