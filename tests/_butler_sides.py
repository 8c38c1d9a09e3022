"""The butlers the differential tests run against, behind one interface.

``memstore``: `pytest_memstore.InMemoryButler`. ``memstore_daf``: the same
in daf_butler mode (``universe="daf"``), built with
`pytest_memstore.testrepo`'s helpers as the real one is built with
daf_butler's; it needs the ``butler`` extra. ``daf_butler``: a real
daf_butler Butler over an SQLite registry and daf_butler's own
``InMemoryDatastore``, made with ``makeTestRepo`` and ``makeTestCollection``
from ``lsst.daf.butler.tests``; it needs the ``butler`` extra
(``lsst-daf-butler``) and is skipped without it.

A test gets a `Side`: the butler (run ``test_run``, default collections
``[test_run]``), the names a test needs from that implementation (exception
classes, `CollectionType`, `DatasetExistence`), and helpers for the few
things that must be spelled differently on each side: building a dataset
type (daf_butler needs its dimension universe), the composite object, and a
ref's data ID as a plain dict of its required keys.

The real Butler knows data IDs only through dimension records, so the
template repository has records for ``instrument`` ``DummyCam``, ``visit``
42, 43 and 44 and ``detector`` 1 and 2, added with ``addDataIdValue``. The
template is built once per session and copied for each test (building one is
about ten times slower than copying it).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

RUN = "test_run"
INSTRUMENT = "DummyCam"
VISITS = (42, 43, 44)
DETECTORS = (1, 2)

_ERROR_NAMES = (
    "CollectionTypeError",
    "DatasetNotFoundError",
    "EmptyQueryResultError",
    "InvalidQueryError",
    "MissingCollectionError",
    "MissingDatasetTypeError",
    "NoDefaultCollectionError",
)

# The composite of the daf_butler side: daf_butler's MetricsExample with
# the components, parameter and derived component of our ExampleComposite.
DAF_BUTLER_STORAGE_CLASSES = {
    "storageClasses": {
        "ExampleComposite": {
            "pytype": "lsst.daf.butler.tests.MetricsExample",
            "delegate": "lsst.daf.butler.tests.MetricsDelegate",
            "parameters": ["slice"],
            "components": {
                "summary": "StructuredDataDict",
                "output": "StructuredDataDict",
                "data": "StructuredDataList",
            },
            "derivedComponents": {"counter": "int"},
        },
        # A read storage class for StructuredDataList datasets.
        "TupleList": {"pytype": "tuple", "converters": {"list": "tuple"}},
    }
}


class Side:
    """One implementation under test.

    Attributes
    ----------
    name : `str`
        ``memstore`` or ``daf_butler``.
    butler
        The butler of this test.
    CollectionType, DatasetExistence, ConflictingDefinitionError, ...
        That implementation's classes of these names.
    metrics_class
        The Python type of the ``ExampleComposite`` storage class.
    """

    name: str
    butler: Any
    CollectionType: Any
    DatasetExistence: Any
    ConflictingDefinitionError: type[Exception]
    CollectionTypeError: type[Exception]
    DatasetNotFoundError: type[Exception]
    EmptyQueryResultError: type[Exception]
    InvalidQueryError: type[Exception]
    MissingCollectionError: type[Exception]
    MissingDatasetTypeError: type[Exception]
    NoDefaultCollectionError: type[Exception]
    metrics_class: Any

    def dataset_type(self, name: str, dimensions: Iterable[str], storageClass: str) -> Any:
        """Return a dataset type (not registered)."""
        raise NotImplementedError

    def metrics(
        self,
        summary: dict[str, Any] | None = None,
        output: dict[str, Any] | None = None,
        data: list[Any] | None = None,
    ) -> Any:
        """Return a composite of the ``ExampleComposite`` storage class."""
        return self.metrics_class(summary, output, data)

    def register(self, name: str, dimensions: Iterable[str], storageClass: str) -> Any:
        """Register a dataset type and return it."""
        datasetType = self.dataset_type(name, dimensions, storageClass)
        self.butler.registry.registerDatasetType(datasetType)
        return datasetType

    def required(self, ref: Any) -> dict[str, Any]:
        """Return the required keys of a ref's data ID as a dict."""
        raise NotImplementedError

    def describe(self, ref: Any) -> tuple[str, str, tuple[tuple[str, Any], ...]]:
        """Return run, dataset type name and required data ID of a ref."""
        return ref.run, ref.datasetType.name, tuple(sorted(self.required(ref).items()))

    def snapshot(self) -> dict[str, Any]:
        """Return everything the butler holds, as comparable plain values.

        Collections with their types (and chains with their children), the
        registered dataset types, and per run or tagged collection the
        datasets it holds and whether each is stored.
        """
        butler = self.butler
        registry = butler.registry
        CollectionType = self.CollectionType
        collections = {}
        datasets = set()
        types = sorted(dt.name for dt in registry.queryDatasetTypes(...))
        for name in registry.queryCollections(...):
            kind = registry.getCollectionType(name)
            if kind is CollectionType.CHAINED:
                collections[name] = ("CHAINED", tuple(registry.getCollectionChain(name)))
                continue
            collections[name] = (kind.name, ())
            for type_name in types:
                for ref in registry.queryDatasets(type_name, collections=[name]):
                    datasets.add((name, *self.describe(ref), butler.stored(ref)))
        return {"collections": collections, "types": types, "datasets": datasets}


class MemstoreSide(Side):
    """`pytest_memstore.InMemoryButler`."""

    name = "memstore"

    def __init__(self) -> None:
        import pytest_memstore

        self.module = pytest_memstore
        self.metrics_class = pytest_memstore.ExampleMetrics
        for name in (*_ERROR_NAMES, "ConflictingDefinitionError", "CollectionType",
                     "DatasetExistence"):
            setattr(self, name, getattr(pytest_memstore, name))
        storageClasses = pytest_memstore.default_storage_classes()
        storageClasses.registerStorageClass(
            pytest_memstore.StorageClass("TupleList", tuple, converters={list: tuple})
        )
        self.butler = pytest_memstore.InMemoryButler(run=RUN, storageClasses=storageClasses)

    def dataset_type(self, name: str, dimensions: Iterable[str], storageClass: str) -> Any:
        return self.module.DatasetType(
            name, dimensions, self.butler.storageClasses.getStorageClass(storageClass)
        )

    def required(self, ref: Any) -> dict[str, Any]:
        return {key: ref.dataId[key] for key in ref.datasetType.dimensions}


class MemstoreDafSide(Side):
    """`pytest_memstore.InMemoryButler` in daf_butler mode, over the same records.

    The exception classes, `CollectionType` and `DatasetExistence` are
    daf_butler's: what this butler raises and returns must be theirs.
    """

    name = "memstore_daf"

    def __init__(self) -> None:
        import lsst.daf.butler as daf_butler
        import lsst.daf.butler.registry as daf_registry
        from lsst.daf.butler.tests import MetricsExample

        from pytest_memstore.testrepo import addDataIdValue, makeTestCollection, makeTestRepo

        self.module = daf_butler
        for name in (*_ERROR_NAMES, "CollectionType", "DatasetExistence"):
            setattr(self, name, getattr(daf_butler, name))
        self.ConflictingDefinitionError = daf_registry.ConflictingDefinitionError
        self.metrics_class = MetricsExample
        register_daf_butler_storage_classes()
        self.repo = makeTestRepo("unused")
        addDataIdValue(self.repo, "instrument", INSTRUMENT)
        for visit in VISITS:
            addDataIdValue(self.repo, "visit", visit)
        for detector in DETECTORS:
            addDataIdValue(self.repo, "detector", detector)
        self.butler = makeTestCollection(self.repo, RUN.removeprefix("test_"))

    def dataset_type(self, name: str, dimensions: Iterable[str], storageClass: str) -> Any:
        return self.module.DatasetType(
            name, set(dimensions), storageClass, universe=self.butler.dimensions
        )

    def required(self, ref: Any) -> dict[str, Any]:
        return dict(ref.dataId.required)


def register_daf_butler_storage_classes() -> None:
    """Add the differential tests' storage classes to daf_butler's process-wide factory."""
    from lsst.daf.butler import StorageClassFactory

    factory = StorageClassFactory()
    if "TupleList" not in factory:
        factory.addFromConfig(DAF_BUTLER_STORAGE_CLASSES)


def make_daf_butler_template(root: Path) -> Path:
    """Create the template repository under ``root`` and return its path."""
    from lsst.daf.butler import Config
    from lsst.daf.butler.tests import addDataIdValue, makeTestRepo

    repo = makeTestRepo(str(root), config=Config(DAF_BUTLER_STORAGE_CLASSES))
    addDataIdValue(repo, "instrument", INSTRUMENT)
    for visit in VISITS:
        addDataIdValue(repo, "visit", visit)
    for detector in DETECTORS:
        addDataIdValue(repo, "detector", detector)
    repo.close()
    return root


class DafButlerSide(Side):
    """A real daf_butler Butler, in a copy of the template repository."""

    name = "daf_butler"

    def __init__(self, template: Path, root: Path) -> None:
        import lsst.daf.butler as daf_butler
        import lsst.daf.butler.registry as daf_registry
        from lsst.daf.butler.tests import MetricsExample, makeTestCollection

        self.module = daf_butler
        for name in (*_ERROR_NAMES, "CollectionType", "DatasetExistence"):
            setattr(self, name, getattr(daf_butler, name))
        self.ConflictingDefinitionError = daf_registry.ConflictingDefinitionError
        self.metrics_class = MetricsExample
        shutil.copytree(template, root, dirs_exist_ok=True)
        self.repo = daf_butler.Butler.from_config(str(root), writeable=True)
        self.butler = makeTestCollection(self.repo, RUN.removeprefix("test_"))
        assert self.butler.run == RUN

    def dataset_type(self, name: str, dimensions: Iterable[str], storageClass: str) -> Any:
        return self.module.DatasetType(
            name, set(dimensions), storageClass, universe=self.butler.dimensions
        )

    def required(self, ref: Any) -> dict[str, Any]:
        return dict(ref.dataId.required)

    def close(self) -> None:
        # Both butlers hold a database connection: Python 3.13 warns of one left open.
        self.butler.close()
        self.repo.close()
