"""Storage classes given by name: in dataset types, in components, through stores and fixtures."""

from __future__ import annotations

import pickle

import pytest

from pytest_memstore import (
    DatasetRef,
    DatasetType,
    ExampleMetrics,
    InMemoryDatastore,
    StorageClass,
    StorageClassDelegate,
    default_storage_classes,
)
from tests._helpers import StoreSnapshot, assert_unchanged

DIMENSIONS = {"instrument", "visit"}
DATA_ID = {"instrument": "DummyCam", "visit": 1}


class Spectrum:
    def __init__(self, flux: list[float]) -> None:
        self.flux = flux


def spectrum_factory():  # type: ignore[no-untyped-def]
    factory = default_storage_classes()
    factory.registerStorageClass(StorageClass("Spectrum", Spectrum))
    return factory


# -- DatasetType -----------------------------------------------------------------


def test_a_dataset_type_keeps_the_name_it_was_given() -> None:
    datasetType = DatasetType("metric", DIMENSIONS, "StructuredDataDict")
    assert datasetType.storageClass_name == "StructuredDataDict"
    assert str(datasetType) == "metric[StructuredDataDict]"


def test_a_default_name_resolves_through_the_default_storage_classes() -> None:
    datasetType = DatasetType("metric", DIMENSIONS, "SliceableList")
    default = default_storage_classes().getStorageClass("SliceableList")
    assert datasetType.storageClass is default
    assert datasetType.makeComponentDatasetType("counter").storageClass.name == "Integer"


def test_an_unknown_name_outside_a_store_is_a_key_error_naming_it() -> None:
    datasetType = DatasetType("spec", DIMENSIONS, "Spectrum")
    with pytest.raises(KeyError, match=r"'spec'.*'Spectrum'.*storageClasses factory"):
        datasetType.storageClass  # noqa: B018


@pytest.mark.parametrize("bad", [None, 3, "", ["StructuredDataDict"]])
def test_a_storage_class_that_is_neither_an_object_nor_a_name_is_a_type_error(
    bad: object,
) -> None:
    with pytest.raises(TypeError, match=r"'metric'.*StorageClass or the name of one"):
        DatasetType("metric", DIMENSIONS, bad)  # type: ignore[arg-type]


def test_by_name_and_by_object_are_equal_dataset_types() -> None:
    factory = default_storage_classes()
    byName = DatasetType("metric", DIMENSIONS, "StructuredDataDict")
    byObject = DatasetType("metric", DIMENSIONS, factory.getStorageClass("StructuredDataDict"))
    assert byName == byObject
    assert hash(byName) == hash(byObject)
    assert byName != DatasetType("metric", DIMENSIONS, "SliceableList")
    ref = DatasetRef(byName, DATA_ID)
    assert DatasetRef(byObject, DATA_ID, id=ref.id) == ref


def test_a_dataset_type_by_name_pickles_without_resolving() -> None:
    datasetType = DatasetType("spec", DIMENSIONS, "Spectrum", parentStorageClass="Other")
    copied = pickle.loads(pickle.dumps(datasetType))
    assert copied == datasetType
    assert copied.storageClass_name == "Spectrum"


def test_resolved_uses_the_given_factory_and_names_what_it_lacks() -> None:
    datasetType = DatasetType("spec.flux", DIMENSIONS, "Spectrum", parentStorageClass="Spectrum")
    resolved = datasetType.resolved(spectrum_factory())
    assert resolved.storageClass.pytype is Spectrum
    assert resolved.parentStorageClass is not None
    assert resolved.parentStorageClass.name == "Spectrum"
    with pytest.raises(KeyError, match=r"'spec\.flux'.*'Spectrum'"):
        datasetType.resolved(default_storage_classes())


def test_a_resolved_dataset_type_is_the_one_built_from_the_storage_class_objects() -> None:
    factory = spectrum_factory()
    spectrum = factory.getStorageClass("Spectrum")
    for name, parent in (("spec", None), ("spec.flux", "Spectrum")):
        resolved = DatasetType(name, DIMENSIONS, "Spectrum", parentStorageClass=parent).resolved(
            factory
        )
        built = DatasetType(
            name, DIMENSIONS, spectrum, parentStorageClass=spectrum if parent else None
        )
        assert resolved == built
        assert hash(resolved) == hash(built)
        assert resolved.storageClass is spectrum
        assert resolved.parentStorageClass is (spectrum if parent else None)
        assert resolved.isComponent() == built.isComponent()
    # Put with the resolved composite type, read back through the component's.
    store = InMemoryDatastore(storageClasses=factory)
    ref = DatasetRef(DatasetType("spec", DIMENSIONS, "Spectrum").resolved(factory), DATA_ID)
    store.put(Spectrum([1.0]), ref)
    assert isinstance(store.get(ref), Spectrum)


# -- stores ------------------------------------------------------------------------


def test_put_and_get_of_a_dataset_type_given_a_default_name() -> None:
    store = InMemoryDatastore()
    ref = DatasetRef(DatasetType("metric", DIMENSIONS, "StructuredDataDict"), DATA_ID)
    store.put({"a": 1}, ref)
    assert store.get(ref) == {"a": 1}
    assert store.records[ref.id].storageClass.name == "StructuredDataDict"


def test_a_store_resolves_names_through_its_own_factory() -> None:
    store = InMemoryDatastore(storageClasses=spectrum_factory())
    ref = DatasetRef(DatasetType("spec", DIMENSIONS, "Spectrum"), DATA_ID)
    spectrum = Spectrum([1.0, 2.0])
    store.put(spectrum, ref)
    assert store.get(ref) is spectrum
    with pytest.raises(TypeError, match=r"Cannot put spec@.*Spectrum"):
        store.put({"not": "a spectrum"}, ref)


def test_a_name_the_store_does_not_know_is_a_key_error_that_changes_nothing() -> None:
    store = InMemoryDatastore()
    known = DatasetRef(DatasetType("metric", DIMENSIONS, "StructuredDataDict"), DATA_ID)
    store.put({"a": 1}, known)
    before = StoreSnapshot.of(store)
    ref = DatasetRef(DatasetType("spec", DIMENSIONS, "Spectrum"), DATA_ID)
    with pytest.raises(KeyError, match=r"Cannot put spec@\{instrument: 'DummyCam', visit: 1\}"
                                        r".*'Spectrum'"):
        store.put(Spectrum([1.0]), ref)
    assert_unchanged(store, before)


def test_get_of_a_name_the_store_does_not_know_is_a_key_error_naming_the_ref() -> None:
    writer = InMemoryDatastore(storageClasses=spectrum_factory())
    ref = DatasetRef(DatasetType("spec", DIMENSIONS, "Spectrum"), DATA_ID)
    writer.put(Spectrum([1.0]), ref)
    writer.storageClasses = default_storage_classes()  # now it no longer knows Spectrum
    with pytest.raises(KeyError, match=r"Cannot get spec@.*'Spectrum'"):
        writer.get(ref)


def test_a_component_ref_of_a_named_composite_reads_its_component() -> None:
    store = InMemoryDatastore()
    composite = DatasetType("metrics", DIMENSIONS, "ExampleComposite")
    ref = DatasetRef(composite, DATA_ID)
    store.put(ExampleMetrics(summary={"s": 1}, data=[1, 2, 3]), ref)
    assert store.get(ref.makeComponentRef("data")) == [1, 2, 3]
    component = DatasetType(
        "metrics.data", DIMENSIONS, "SliceableList", parentStorageClass="ExampleComposite"
    )
    assert store.get(DatasetRef(component, DATA_ID, id=ref.id), {"slice": slice(1)}) == [1]


# -- components by name ------------------------------------------------------------


class TableDelegate(StorageClassDelegate):
    def getComponent(self, composite: object, componentName: str) -> object:
        assert isinstance(composite, dict)
        if componentName == "size":
            return len(composite["rows"])
        return composite[componentName]


def test_a_storage_class_with_components_by_name_works_in_a_store() -> None:
    factory = default_storage_classes()
    factory.registerStorageClass(StorageClass("Rows", list))
    factory.registerStorageClass(
        StorageClass(
            "Table",
            dict,
            components={"rows": "Rows", "meta": "StructuredDataDict"},
            derivedComponents={"size": "Integer"},
            delegate=TableDelegate,
        )
    )
    store = InMemoryDatastore(storageClasses=factory)
    byName = DatasetRef(DatasetType("table", DIMENSIONS, "Table"), DATA_ID)
    store.put({"rows": [1, 2], "meta": {"k": "v"}}, byName)
    # Components are found through the storage class object: resolve the type first.
    ref = DatasetRef(byName.datasetType.resolved(factory), DATA_ID, id=byName.id)
    assert store.get(ref.makeComponentRef("rows")) == [1, 2]
    assert store.get(ref.makeComponentRef("size")) == 2
    assert store.get(ref.makeComponentRef("meta")) == {"k": "v"}


def test_making_a_component_ref_of_a_custom_class_by_name_needs_the_object() -> None:
    ref = DatasetRef(DatasetType("table", DIMENSIONS, "Table"), DATA_ID)
    with pytest.raises(KeyError, match=r"'table'.*'Table'.*pass the StorageClass"):
        ref.makeComponentRef("rows")


# -- the fixtures --------------------------------------------------------------------


def test_the_memstore_fixture_resolves_names_through_the_tests_storage_classes(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(
        """
        from pytest_memstore import StorageClass

        class Spectrum(list):
            pass

        def pytest_memstore_register_storage_classes(factory):
            factory.registerStorageClass(
                StorageClass("Spectrum", Spectrum, components={"first": "Float"})
            )
        """
    )
    pytester.makepyfile(
        """
        import pytest
        from pytest_memstore import DatasetRef, DatasetType

        def test_by_name(memstore, memstore_storage_classes):
            from conftest import Spectrum
            ref = DatasetRef(DatasetType("spec", {"visit"}, "Spectrum"), {"visit": 1})
            memstore.put(Spectrum([1.0]), ref)
            assert memstore.get(ref) == [1.0]
            with pytest.raises(TypeError, match="Spectrum"):
                memstore.put({"a": 1}, ref)

        def test_an_unknown_name(memstore):
            ref = DatasetRef(DatasetType("spec", {"visit"}, "Nope"), {"visit": 1})
            with pytest.raises(KeyError, match="Cannot put spec.*'Nope'"):
                memstore.put([1.0], ref)
            assert memstore.records == {}
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_reading_the_storage_class_outside_a_store_changes_nothing_a_store_resolves() -> None:
    from pytest_memstore import StorageClassFactory

    own = StorageClassFactory()
    own.registerStorageClass(StorageClass("StructuredDataDict", list))  # not the default one
    datasetType = DatasetType("rows", DIMENSIONS, "StructuredDataDict")
    assert datasetType.storageClass.pytype is dict  # resolved through the defaults...
    ref = DatasetRef(datasetType, DATA_ID)
    for store in (InMemoryDatastore(storageClasses=own),
                  InMemoryDatastore(storageClasses=own, detect_mutation=True)):
        store.put([1, 2], ref)  # ...but each store through its own factory
        assert store.get(ref) == [1, 2]
        assert store.storage_class_of(ref).pytype is list
    assert datasetType == DatasetType("rows", DIMENSIONS, own.getStorageClass("StructuredDataDict"))


def test_the_helpers_resolve_a_custom_name_through_the_store() -> None:
    from pytest_memstore import assert_roundtrip, assert_stored

    store = InMemoryDatastore(storageClasses=spectrum_factory())
    ref = DatasetRef(DatasetType("spec", DIMENSIONS, "Spectrum"), DATA_ID)
    with pytest.raises(AssertionError, match=r"spec .*storage class Spectrum"):
        assert_stored(store, ref)
    spectrum = Spectrum([1.0])
    assert assert_roundtrip(store, spectrum, ref) is spectrum
