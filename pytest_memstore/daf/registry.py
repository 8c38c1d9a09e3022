"""`DafRegistry`: ``butler.registry`` of a daf_butler-mode butler.

The standalone registry API with daf_butler's objects in and out, plus what
pipe_base's and daf_butler's test utilities call on a registry: the
dimension universe and records (``insertDimensionData``,
``syncDimensionData``, ``expandDataId``) and ``_importDatasets``. The
queries (``queryDataIds``, ``queryDimensionRecords``, ``queryDatasets``)
are daf_butler's own, over the butler's ``query()``, and return its lazy
result objects (``limit``, ``order_by``, ``expanded``, ``count``, ``any``,
``findDatasets``, ...).
"""

from __future__ import annotations

__all__ = ["DafRegistry"]

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import lsst.daf.butler as daf_butler
from lsst.daf.butler import DataCoordinate, DimensionGroup, DimensionRecord, DimensionUniverse
from lsst.daf.butler._collection_type import CollectionType as DafCollectionType
from lsst.daf.butler.registry import RegistryDefaults
from lsst.daf.butler.registry._registry_base import RegistryBase

from ..butler.collection_type import CollectionType
from ..butler.registry_api import ButlerRegistry
from .errors import daf_errors

if TYPE_CHECKING:
    from .butler import DafButler

_ALL_TYPES = CollectionType.all()


class DafRegistry:
    """The registry API of one daf_butler-mode butler.

    Parameters
    ----------
    butler : `DafButler`
        The butler whose defaults searches use.
    """

    def __init__(self, butler: DafButler) -> None:
        self._butler = butler
        self._codec = butler._codec
        self._records = butler._codec.records
        self._plain = ButlerRegistry(butler._plain)

    def __repr__(self) -> str:
        return f"<registry of {self._butler!r}>"

    @property
    def dimensions(self) -> DimensionUniverse:
        """The repository's dimension universe."""
        return self._codec.universe

    def isWriteable(self) -> bool:
        """Return `True`."""
        return True

    @property
    def defaults(self) -> RegistryDefaults:
        """The butler's default collections and run (no default data ID)."""
        defaults = RegistryDefaults(self._butler.default_collections, self._butler.run, infer=False)
        defaults.finish(self)  # type: ignore[arg-type]
        return defaults

    # -- queries: daf_butler's own, over butler.query() ----------------------------

    queryDataIds = RegistryBase.queryDataIds
    queryDimensionRecords = RegistryBase.queryDimensionRecords
    queryDatasets = RegistryBase.queryDatasets
    queryDatasetAssociations = RegistryBase.queryDatasetAssociations
    _convert_common_query_arguments = RegistryBase._convert_common_query_arguments
    _resolve_dataset_types = RegistryBase._resolve_dataset_types

    # -- dataset types -----------------------------------------------------

    @daf_errors
    def registerDatasetType(self, datasetType: Any) -> bool:
        """Register a dataset type (daf_butler's, or ours); `False` if already registered."""
        return self._plain.registerDatasetType(self._codec.dataset_type_in(datasetType))

    @daf_errors
    def getDatasetType(self, name: str) -> daf_butler.DatasetType:
        """Return a registered dataset type, as daf_butler's."""
        return self._codec.dataset_type_out(self._plain.getDatasetType(name))

    @daf_errors
    def queryDatasetTypes(self, expression: Any = ..., **kwargs: Any) -> list[Any]:
        """Return the dataset types matching names or wildcards, as daf_butler's."""
        if isinstance(expression, daf_butler.DatasetType):
            expression = expression.name
        found = self._plain.queryDatasetTypes(expression, **kwargs)
        return [self._codec.dataset_type_out(datasetType) for datasetType in found]

    # -- collections ---------------------------------------------------------

    @daf_errors
    def registerRun(self, name: str, doc: str | None = None) -> bool:
        """Register a run; `False` if it exists."""
        return self._plain.registerRun(name, doc)

    @daf_errors
    def registerCollection(
        self, name: str, type: Any = CollectionType.TAGGED, doc: str | None = None
    ) -> bool:
        """Register a collection of a daf_butler (or our) `CollectionType`."""
        return self._plain.registerCollection(name, self._codec.collection_type_in(type), doc)

    @daf_errors
    def getCollectionType(self, name: str) -> DafCollectionType:
        """Return a collection's type, as daf_butler's."""
        return self._codec.collection_type_out(self._plain.getCollectionType(name))

    @daf_errors
    def getCollectionDocumentation(self, collection: str) -> str | None:
        """Return a collection's documentation."""
        return self._plain.getCollectionDocumentation(collection)

    @daf_errors
    def setCollectionChain(self, parent: str, children: Any, *, flatten: bool = False) -> None:
        """Set the children of a chained collection."""
        self._plain.setCollectionChain(parent, children, flatten=flatten)

    @daf_errors
    def getCollectionChain(self, parent: str) -> tuple[str, ...]:
        """Return the children of a chained collection."""
        return self._plain.getCollectionChain(parent)

    @daf_errors
    def getCollectionParentChains(self, collection: str) -> set[str]:
        """Return the chains that hold a collection directly."""
        return self._plain.getCollectionParentChains(collection)

    @daf_errors
    def queryCollections(
        self,
        expression: Any = ...,
        datasetType: Any = None,
        collectionTypes: Any = _ALL_TYPES,
        flattenChains: bool = False,
        includeChains: bool | None = None,
    ) -> Any:
        """Return the names of the collections matching names or wildcards."""
        if isinstance(datasetType, daf_butler.DatasetType):
            datasetType = self._codec.dataset_type_in(datasetType)
        return self._plain.queryCollections(
            expression,
            datasetType,
            self._codec.collection_type_in(collectionTypes),
            flattenChains,
            includeChains,
        )

    # -- datasets --------------------------------------------------------------

    @daf_errors
    def associate(self, collection: str, refs: Iterable[Any]) -> None:
        """Add datasets to a tagged collection."""
        self._plain.associate(collection, self._codec.refs_in(refs))

    @daf_errors
    def disassociate(self, collection: str, refs: Iterable[Any]) -> None:
        """Remove datasets from a tagged collection."""
        self._plain.disassociate(collection, self._codec.refs_in(refs))

    @daf_errors
    def getDataset(self, id: Any) -> Any:
        """Return the ref of a dataset by its ID, or `None`."""
        return self._codec.optional_ref_out(self._plain.getDataset(id))

    def findDataset(
        self, datasetType: Any, dataId: Any = None, *, collections: Any = None, **kwargs: Any
    ) -> Any:
        """Find a dataset in collections; see `DafButler.find_dataset`."""
        kwargs.pop("datastore_records", None)
        return self._butler.find_dataset(datasetType, dataId, collections=collections, **kwargs)

    @daf_errors
    def _importDatasets(self, datasets: Iterable[Any], expand: bool = True) -> list[Any]:
        """Record datasets whose IDs the caller chose, without storing anything.

        Raises
        ------
        ConflictingDefinitionError
            An ID is recorded for another dataset, or a run already holds a
            dataset of that type and data ID.
        """
        given = list(datasets)
        state = self._butler.registry_state
        with self._butler._plain.transaction():
            for ref in given:
                ours = self._codec.ref_in(ref)
                self._codec.data_id_in(ref.dataId, {}, ours.datasetType)
                state.import_ref(ours)
        return given

    # -- dimension records -------------------------------------------------------

    @daf_errors
    def insertDimensionData(
        self,
        element: Any,
        *data: Mapping[str, Any] | DimensionRecord,
        replace: bool = False,
        skip_existing: bool = False,
    ) -> None:
        """Insert dimension records of one element (all or none)."""
        self._records.insert(element, data, replace=replace, skip_existing=skip_existing)

    @daf_errors
    def syncDimensionData(
        self, element: Any, row: Mapping[str, Any] | DimensionRecord, update: bool = False
    ) -> bool | dict[str, Any]:
        """Insert a record unless an identical one exists; see daf_butler's registry."""
        return self._records.sync(element, row, update=update)

    @daf_errors
    def expandDataId(
        self,
        dataId: Any = None,
        *,
        dimensions: Any = None,
        records: Any = None,
        withDefaults: bool = True,
        **kwargs: Any,
    ) -> DataCoordinate:
        """Return a data ID with implied values and records, as daf_butler's.

        Raises
        ------
        DimensionNameError
            A key is not a dimension, or a required value is missing.
        DataIdValueError
            A value has no record.
        """
        given = self._codec.mapping_in(dataId, kwargs)
        if dimensions is None:
            if isinstance(dataId, DataCoordinate):
                group = dataId.dimensions
            else:
                group = self._codec.universe.conform(given.keys())
        elif isinstance(dimensions, DimensionGroup):
            group = dimensions
        else:
            group = self._codec.universe.conform([getattr(d, "name", d) for d in dimensions])
        values, _ = self._records.standardize(given, group)
        return self._records.coordinate(group, values)
