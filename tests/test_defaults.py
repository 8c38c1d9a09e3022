"""The default storage classes and the example composite."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest

import pytest_memstore
from pytest_memstore import (
    ExampleMetrics,
    StorageClass,
    StorageClassFactory,
    default_storage_classes,
)

DEFAULT_NAMES = [
    "int",
    "Integer",
    "Float",
    "String",
    "Bytes",
    "StructuredDataDict",
    "StructuredDataList",
    "SliceableList",
    "Object",
    "ExampleComposite",
]


def metrics() -> ExampleMetrics:
    return ExampleMetrics(
        summary={"AM1": 5.2, "AM2": 30.6},
        output={"a": [1, 2, 3], "b": {"blue": 5, "red": "green"}},
        data=[563, 234, 456.7, 752, 8, 9, 27],
    )


@pytest.fixture
def defaults() -> StorageClassFactory:
    return default_storage_classes()


def test_defaults_are_exported() -> None:
    assert "default_storage_classes" in pytest_memstore.__all__
    assert "ExampleMetrics" in pytest_memstore.__all__


@pytest.mark.parametrize("name", DEFAULT_NAMES)
def test_default_storage_class_is_registered(defaults: StorageClassFactory, name: str) -> None:
    assert name in defaults
    assert name in list(defaults)
    assert defaults.getStorageClass(name).name == name


@pytest.mark.parametrize(
    ("name", "pytype"),
    [
        ("int", int),
        ("Integer", int),
        ("Float", float),
        ("String", str),
        ("Bytes", bytes),
        ("StructuredDataDict", dict),
        ("StructuredDataList", list),
        ("SliceableList", list),
        ("Object", object),
        ("ExampleComposite", ExampleMetrics),
    ],
)
def test_default_pytypes(defaults: StorageClassFactory, name: str, pytype: type) -> None:
    assert defaults.getStorageClass(name).pytype is pytype


@pytest.mark.parametrize(
    ("name", "good", "bad"),
    [
        ("Integer", 3, "3"),
        ("Float", 2.5, "2.5"),
        ("String", "text", b"text"),
        ("Bytes", b"raw", "raw"),
        ("StructuredDataDict", {"a": 1}, [("a", 1)]),
        ("StructuredDataList", [1, 2], {1, 2}),
        ("StructuredDataList", [1, 2], (1, 2)),  # no converter, as in daf_butler
        ("SliceableList", [1, 2], {1, 2}),
        ("ExampleComposite", metrics(), [1, 2]),
    ],
)
def test_default_storage_classes_check_their_type(
    defaults: StorageClassFactory, name: str, good: Any, bad: Any
) -> None:
    storageClass = defaults.getStorageClass(name)
    assert storageClass.coerce_type(good) is good
    with pytest.raises(TypeError, match=f"'{name}'.*{type(bad).__name__}"):
        storageClass.coerce_type(bad)


@pytest.mark.parametrize(
    ("name", "given", "expected"),
    [
        ("Float", 3, 3.0),
        ("Bytes", bytearray(b"raw"), b"raw"),
        ("SliceableList", (1, 2), [1, 2]),
        ("ExampleComposite", {"data": [1]}, ExampleMetrics(data=[1])),
    ],
)
def test_default_converters(
    defaults: StorageClassFactory, name: str, given: Any, expected: Any
) -> None:
    converted = defaults.getStorageClass(name).coerce_type(given)
    assert type(converted) is type(expected)
    assert converted == expected


@pytest.mark.parametrize("obj", [None, 1, "x", object(), ExampleMetrics(), len, {1, 2}])
def test_object_accepts_any_python_object(defaults: StorageClassFactory, obj: Any) -> None:
    storageClass = defaults.getStorageClass("Object")
    assert storageClass.coerce_type(obj) is obj
    assert storageClass.delegate().can_accept(obj)


# -- StructuredDataList (daf_butler's meaning) and SliceableList (ours) --------------


def test_sliceable_list_has_slice_and_counter(defaults: StorageClassFactory) -> None:
    storageClass = defaults.getStorageClass("SliceableList")
    assert storageClass.parameters == {"slice"}
    assert set(storageClass.derivedComponents) == {"counter"}
    assert storageClass.derivedComponents["counter"].pytype is int
    assert not storageClass.isComposite()
    storageClass.validateParameters({"slice": slice(2)})
    with pytest.raises(KeyError, match="'step'"):
        storageClass.validateParameters({"step": 2})


@pytest.mark.parametrize("data", [[], [7], [1, 2, 3, 4]])
def test_sliceable_list_counter_is_its_length(
    defaults: StorageClassFactory, data: list[int]
) -> None:
    delegate = defaults.getStorageClass("SliceableList").delegate()
    assert delegate.getComponent(data, "counter") == len(data)


def test_sliceable_list_delegate_applies_slice(defaults: StorageClassFactory) -> None:
    delegate = defaults.getStorageClass("SliceableList").delegate()
    data = [0, 1, 2, 3, 4, 5]
    assert delegate.handleParameters(data, {"slice": slice(1, 4)}) == [1, 2, 3]
    assert delegate.handleParameters(data, {"slice": slice(None, None, 2)}) == [0, 2, 4]
    assert delegate.handleParameters(data, None) is data
    assert data == [0, 1, 2, 3, 4, 5]
    with pytest.raises(ValueError, match="'step'"):
        delegate.handleParameters(data, {"step": 2})


def test_structured_data_list_is_daf_butlers_plain_list(defaults: StorageClassFactory) -> None:
    """daf_butler's StructuredDataList: a list, no parameters, no components, no converters."""
    storageClass = defaults.getStorageClass("StructuredDataList")
    assert storageClass.parameters == set()
    assert storageClass.components == {} and storageClass.derivedComponents == {}
    with pytest.raises(KeyError, match="'slice'"):
        storageClass.validateParameters({"slice": slice(2)})
    with pytest.raises(TypeError, match="tuple"):
        storageClass.coerce_type((1, 2))


def test_names_daf_butler_defines_keep_its_meaning(defaults: StorageClassFactory) -> None:
    """Each default that daf_butler's own configuration also defines means what it means there.

    Read from daf_butler's default configuration, not its process-wide factory,
    where tests (ours included) register storage classes of their own.
    """
    daf_butler = pytest.importorskip("lsst.daf.butler")
    theirs = daf_butler.StorageClassConfig()
    shared = [name for name in defaults if name in theirs]
    assert set(shared) == {"int", "StructuredDataDict", "StructuredDataList"}
    for name in shared:
        ours, entry = defaults.getStorageClass(name), theirs[name]
        assert ours.pytype.__name__ == entry["pytype"], name
        assert set(ours.parameters) == set(entry.get("parameters", ())), name
        assert set(ours.components) == set(entry.get("components", {})), name
        assert set(ours.derivedComponents) == set(entry.get("derivedComponents", {})), name


# -- ExampleComposite and ExampleMetrics ------------------------------------------------


def test_example_composite_components(defaults: StorageClassFactory) -> None:
    composite = defaults.getStorageClass("ExampleComposite")
    assert composite.isComposite()
    assert set(composite.components) == {"summary", "output", "data"}
    assert composite.components["summary"].pytype is dict
    assert composite.components["output"].pytype is dict
    data = composite.components["data"]
    assert data.pytype is list
    assert "slice" in data.parameters
    assert set(composite.derivedComponents) == {"counter"}
    assert composite.derivedComponents["counter"].pytype is int
    assert set(composite.allComponents()) == {"summary", "output", "data", "counter"}


def test_example_composite_accepts_slice_through_its_data_component(
    defaults: StorageClassFactory,
) -> None:
    composite = defaults.getStorageClass("ExampleComposite")
    composite.validateParameters({"slice": slice(1)})
    with pytest.raises(KeyError, match="'bogus'"):
        composite.validateParameters({"slice": slice(1), "bogus": 1})


def test_example_metrics_fields_in_order() -> None:
    names = [field.name for field in dataclasses.fields(ExampleMetrics)]
    assert names == ["summary", "output", "data"]
    positional = ExampleMetrics({"s": 1}, {"o": 2}, [3])
    assert positional.summary == {"s": 1}
    assert positional.output == {"o": 2}
    assert positional.data == [3]


def test_example_metrics_defaults_are_none() -> None:
    empty = ExampleMetrics()
    assert (empty.summary, empty.output, empty.data) == (None, None, None)


def test_example_metrics_equality_is_by_value() -> None:
    assert metrics() == metrics()
    assert metrics() is not metrics()
    assert ExampleMetrics() == ExampleMetrics(None, None, None)
    assert metrics() != dataclasses.replace(metrics(), data=[1])
    assert metrics() != dataclasses.replace(metrics(), summary={})
    assert metrics() != dataclasses.replace(metrics(), output=None)
    assert metrics() != dataclasses.replace(metrics(), data=None)


@pytest.mark.parametrize("component", ["summary", "output", "data"])
def test_example_composite_delegate_gets_components(
    defaults: StorageClassFactory, component: str
) -> None:
    delegate = defaults.getStorageClass("ExampleComposite").delegate()
    original = metrics()
    assert delegate.getComponent(original, component) == getattr(original, component)


def test_example_composite_counter_is_the_length_of_data(defaults: StorageClassFactory) -> None:
    delegate = defaults.getStorageClass("ExampleComposite").delegate()
    assert delegate.getComponent(metrics(), "counter") == 7
    assert delegate.getComponent(ExampleMetrics(data=[]), "counter") == 0
    assert delegate.getComponent(ExampleMetrics(), "counter") is None


def test_example_composite_delegate_slices_data_without_mutating(
    defaults: StorageClassFactory,
) -> None:
    delegate = defaults.getStorageClass("ExampleComposite").delegate()
    original = metrics()
    pristine = copy.deepcopy(original)
    sliced = delegate.handleParameters(original, {"slice": slice(1, 3)})
    assert sliced == dataclasses.replace(pristine, data=[234, 456.7])
    assert original == pristine
    assert original.data == [563, 234, 456.7, 752, 8, 9, 27]
    assert delegate.handleParameters(original, None) is original
    assert delegate.handleParameters(original, {}) is original


def test_example_composite_delegate_slice_with_no_data(defaults: StorageClassFactory) -> None:
    delegate = defaults.getStorageClass("ExampleComposite").delegate()
    empty = ExampleMetrics(summary={"a": 1})
    assert delegate.handleParameters(empty, {"slice": slice(1)}) == empty


def test_example_composite_delegate_rejects_other_parameters(
    defaults: StorageClassFactory,
) -> None:
    delegate = defaults.getStorageClass("ExampleComposite").delegate()
    with pytest.raises(ValueError, match="'bogus'"):
        delegate.handleParameters(metrics(), {"bogus": 1})


def test_example_composite_disassembles_and_assembles(defaults: StorageClassFactory) -> None:
    delegate = defaults.getStorageClass("ExampleComposite").delegate()
    parts = delegate.disassemble(metrics())
    assert parts == {
        "summary": metrics().summary,
        "output": metrics().output,
        "data": metrics().data,
    }
    assert delegate.assemble(parts) == metrics()
    assert delegate.disassemble(ExampleMetrics(data=[1])) == {"data": [1]}


# -- independence ---------------------------------------------------------------------


def test_each_call_returns_an_independent_factory() -> None:
    first = default_storage_classes()
    second = default_storage_classes()
    assert first is not second
    first.registerStorageClass(StorageClass("Extra", int))
    assert "Extra" in first
    assert "Extra" not in second
    assert "Extra" not in default_storage_classes()
    # A name taken in one factory stays free in the others.
    second.registerStorageClass(StorageClass("Extra", str))
    assert first.getStorageClass("Extra").pytype is int
    first.addFromConfig({"Configured": {"inheritsFrom": "StructuredDataList"}})
    assert "Configured" not in default_storage_classes()
    assert set(DEFAULT_NAMES) <= set(default_storage_classes())


def test_default_storage_classes_are_equal_across_factories() -> None:
    first, second = default_storage_classes(), default_storage_classes()
    for name in DEFAULT_NAMES:
        assert first.getStorageClass(name) == second.getStorageClass(name)
