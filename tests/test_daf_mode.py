"""What daf_butler mode adds that a real Butler has no counterpart for.

How ``InMemoryButler(universe=...)`` is asked for, how it shares daf_butler's
process-wide storage classes, and that it is both our butler and daf_butler's
(our exception classes catch its errors too). Skipped without lsst-daf-butler.
"""

from __future__ import annotations

import inspect

import pytest

import pytest_memstore
from pytest_memstore import InMemoryButler

daf_butler = pytest.importorskip("lsst.daf.butler", reason="needs the butler extra")

from pytest_memstore.daf.butler import DafButler  # noqa: E402


def test_a_universe_gives_a_daf_butler_mode_butler() -> None:
    universe = daf_butler.DimensionUniverse()
    for given in ("daf", universe):
        butler = InMemoryButler(universe=given, run="r")
        assert isinstance(butler, InMemoryButler)
        assert isinstance(butler, daf_butler.Butler)
        assert butler.dimensions == universe
        assert butler.run == "r"
    assert not isinstance(InMemoryButler(), daf_butler.LimitedButler)


def test_a_universe_that_is_none_of_these_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"universe must be a lsst\.daf\.butler\.DimensionUniverse"):
        InMemoryButler(universe="lsst")


def test_every_public_method_of_the_standalone_butler_is_redefined() -> None:
    """Else it would take and return our objects in daf_butler mode."""
    public = {
        name
        for name, value in inspect.getmembers(InMemoryButler)
        if not name.startswith("_") and (callable(value) or isinstance(value, property))
    }

    def defined_by(name: str) -> type:
        return next(cls for cls in DafButler.__mro__ if name in cls.__dict__)

    inherited = {
        name for name in public if not defined_by(name).__module__.startswith("pytest_memstore.daf")
    }
    assert inherited == {"run", "default_collections", "close"}


def test_errors_are_ours_and_daf_butlers() -> None:
    butler = InMemoryButler(universe="daf", run="r")
    with pytest.raises(daf_butler.MissingDatasetTypeError) as caught:
        butler.get("nope", {})
    assert isinstance(caught.value, pytest_memstore.MissingDatasetTypeError)
    assert isinstance(caught.value, KeyError)
    assert "nope" in str(caught.value)
    with pytest.raises(pytest_memstore.DatasetNotFoundError):
        butler.registry.registerDatasetType(
            daf_butler.DatasetType("cfg", [], "StructuredDataDict", universe=butler.dimensions)
        )
        butler.get("cfg")


def test_storage_classes_are_daf_butlers_process_wide_ones() -> None:
    butler = InMemoryButler(universe="daf", run="r")
    factory = daf_butler.StorageClassFactory()
    mine = daf_butler.StorageClass("MemstoreDafModeTuple", pytype=tuple)
    butler.storageClasses.registerStorageClass(mine)
    try:
        assert factory.getStorageClass("MemstoreDafModeTuple") is mine
        datasetType = daf_butler.DatasetType(
            "pairs", [], "MemstoreDafModeTuple", universe=butler.dimensions
        )
        butler.registry.registerDatasetType(datasetType)
        butler.put((1, 2), "pairs")
        assert butler.get("pairs") == (1, 2)
    finally:
        factory._unregisterStorageClass("MemstoreDafModeTuple")


def test_our_storage_class_is_refused_with_a_clear_error() -> None:
    butler = InMemoryButler(universe="daf", run="r")
    with pytest.raises(TypeError, match=r"register a lsst\.daf\.butler\.StorageClass"):
        butler.storageClasses.registerStorageClass(pytest_memstore.StorageClass("Mine", dict))


def test_clones_share_records_registry_and_store() -> None:
    butler = InMemoryButler(universe="daf", run="a")
    other = butler.clone(run="b")
    assert isinstance(other, DafButler)
    butler.registry.insertDimensionData("instrument", {"name": "Cam"})
    datasetType = daf_butler.DatasetType(
        "cfg", ["instrument"], "StructuredDataDict", universe=butler.dimensions
    )
    other.registry.registerDatasetType(datasetType)
    ref = other.put({"x": 1}, "cfg", instrument="Cam")
    assert butler.get(ref) == {"x": 1}
    assert butler.find_dataset("cfg", instrument="Cam", collections="b") == ref
