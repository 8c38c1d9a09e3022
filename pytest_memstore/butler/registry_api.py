"""`ButlerRegistry`: ``butler.registry``, daf_butler's registry API over ours.

Method names are daf_butler's (camelCase), so code written against
``butler.registry`` runs unchanged. The registry behind it is shared by a
butler and its clones; searches that take no collections use the defaults
of the butler this view belongs to.
"""

from __future__ import annotations

__all__ = ["ButlerRegistry"]

from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import EllipsisType
from typing import TYPE_CHECKING, Any

from ..core.model import DatasetId, DatasetRef, DatasetType
from .collection_type import CollectionType
from .expressions import is_glob
from .registry_dataset_types import DatasetTypeExpression

if TYPE_CHECKING:
    from .association import DatasetAssociation
    from .butler import InMemoryButler


_ALL_TYPES = CollectionType.all()


class ButlerRegistry:
    """The registry API of one butler.

    Parameters
    ----------
    butler : `InMemoryButler`
        The butler whose defaults searches use.
    """

    def __init__(self, butler: InMemoryButler) -> None:
        self._butler = butler
        self._registry = butler.registry_state

    def __repr__(self) -> str:
        return f"<ButlerRegistry of {self._butler!r}>"

    # -- dataset types -----------------------------------------------------

    def registerDatasetType(self, datasetType: DatasetType) -> bool:
        """Register a dataset type.

        A storage class given by name is resolved through the butler's
        ``storageClasses``.

        Returns
        -------
        inserted : `bool`
            `False` when this very definition was already registered.

        Raises
        ------
        ConflictingDefinitionError
            Another definition is registered under that name.
        ValueError
            ``datasetType`` is a component type.
        """
        return self._registry.register_dataset_type(datasetType)

    def getDatasetType(self, name: str) -> DatasetType:
        """Return a registered dataset type (``parent.component`` too).

        Raises
        ------
        MissingDatasetTypeError
            It is not registered.
        """
        return self._registry.get_dataset_type(name)

    def queryDatasetTypes(
        self, expression: DatasetTypeExpression = ..., *, missing: list[str] | None = None
    ) -> list[DatasetType]:
        """Return the dataset types matching names or wildcards (``...``: all).

        Names and wildcards that match nothing are appended to ``missing``.
        """
        return self._registry.query_dataset_types(expression, missing=missing)

    # -- collections -------------------------------------------------------

    def registerRun(self, name: str, doc: str | None = None) -> bool:
        """Add a run unless a collection of that name exists; say whether it did."""
        return self._registry.register_collection(name, CollectionType.RUN, doc)

    def registerCollection(
        self, name: str, type: CollectionType = CollectionType.TAGGED, doc: str | None = None
    ) -> bool:
        """Add a collection unless one of that name exists; say whether it did."""
        return self._registry.register_collection(name, type, doc)

    def getCollectionType(self, name: str) -> CollectionType:
        """Return the type of a collection.

        Raises
        ------
        MissingCollectionError
            It does not exist.
        """
        return self._registry.get_collection_type(name)

    def getCollectionDocumentation(self, collection: str) -> str | None:
        """Return the documentation string a collection was registered with."""
        return self._registry.get_collection_doc(collection)

    def setCollectionChain(
        self, parent: str, children: str | Iterable[str], *, flatten: bool = False
    ) -> None:
        """Define the search path of a chain.

        Raises
        ------
        MissingCollectionError
            A collection does not exist.
        CollectionTypeError
            ``parent`` is not a chain.
        CollectionCycleError
            The chain would contain itself (a `ValueError`).
        """
        self._registry.set_chain(parent, children, flatten=flatten)

    def getCollectionChain(self, parent: str) -> tuple[str, ...]:
        """Return the search path of a chain.

        Raises
        ------
        MissingCollectionError
            It does not exist.
        CollectionTypeError
            It is not a chain.
        """
        return self._registry.get_chain(parent)

    def getCollectionParentChains(self, collection: str) -> set[str]:
        """Return the chains that list ``collection`` as a child."""
        self._registry.get_collection_type(collection)
        return set(self._registry.parent_chains(collection))

    def queryCollections(
        self,
        expression: str | Iterable[str] | EllipsisType = ...,
        datasetType: DatasetType | str | None = None,
        collectionTypes: Iterable[CollectionType] | CollectionType = _ALL_TYPES,
        flattenChains: bool = False,
        includeChains: bool | None = None,
    ) -> Sequence[str]:
        """Return the names of matching collections (``...``: all).

        With ``datasetType``, only those holding (or, for chains,
        searching) a dataset of that type.
        """
        name = datasetType.name if isinstance(datasetType, DatasetType) else datasetType
        return self._registry.query_collections(
            expression,
            collection_types=collectionTypes,
            flatten_chains=flattenChains,
            include_chains=includeChains,
            dataset_type=name,
        )

    # -- datasets ----------------------------------------------------------

    def associate(self, collection: str, refs: Iterable[DatasetRef]) -> None:
        """Add recorded datasets to a tagged collection.

        Raises
        ------
        ConflictingDefinitionError
            It holds another dataset of the same type and data ID.
        CollectionTypeError
            It is not a tagged collection.
        """
        self._registry.associate(collection, refs)

    def disassociate(self, collection: str, refs: Iterable[DatasetRef]) -> None:
        """Take datasets out of a tagged collection (others are ignored)."""
        self._registry.disassociate(collection, refs)

    def getDataset(self, id: DatasetId) -> DatasetRef | None:
        """Return the recorded dataset with this ID, or `None`."""
        return self._registry.get_dataset(id)

    def findDataset(
        self,
        datasetType: DatasetType | str,
        dataId: Mapping[str, Any] | None = None,
        *,
        collections: str | Iterable[str] | None = None,
        timespan: object = None,
        datastore_records: bool = False,
        **kwargs: Any,
    ) -> DatasetRef | None:
        """Return the first matching dataset in the collections, or `None`.

        As `InMemoryButler.find_dataset`.
        """
        return self._butler.find_dataset(
            datasetType,
            dataId,
            collections=collections,
            timespan=timespan,
            datastore_records=datastore_records,
            **kwargs,
        )

    def queryDatasetAssociations(
        self,
        datasetType: DatasetType | str,
        collections: str | Iterable[str] | EllipsisType | None = ...,
        *,
        collectionTypes: Iterable[CollectionType] | CollectionType = _ALL_TYPES,
        flattenChains: bool = False,
    ) -> Iterator[DatasetAssociation]:
        """Yield each dataset of a type with each collection of the given ones that holds it.

        ``collections`` are names or wildcards (``...``: every collection;
        `None`: the butler's default collections), their chains searched
        through; ``collectionTypes`` keeps the collections of those types.
        ``flattenChains`` is ignored, as by daf_butler. In the order of the
        collections, then of the datasets' arrival.

        Raises
        ------
        MissingDatasetTypeError
            The dataset type is not registered.
        MissingCollectionError
            A collection named does not exist.
        """
        from .association import DatasetAssociation  # on first use: few tests need it

        name = datasetType.name if isinstance(datasetType, DatasetType) else datasetType
        self._registry.get_dataset_type(name)
        if collections is None:
            collections = self._butler.default_collections
        names = self._registry.query_collections(
            collections, collection_types=collectionTypes, flatten_chains=True
        )
        for collection, table in self._registry.dataset_tables(name, names):
            for ref in table.values():
                yield DatasetAssociation(ref, collection)

    def queryDatasets(
        self,
        datasetType: DatasetTypeExpression,
        *,
        collections: str | Iterable[str] | EllipsisType | None = None,
        dimensions: Iterable[str] | None = None,
        dataId: Mapping[str, Any] | None = None,
        where: str = "",
        findFirst: bool = False,
        bind: Mapping[str, Any] | None = None,
        check: bool = True,
        **kwargs: Any,
    ) -> list[DatasetRef]:
        """Return the datasets of one or more types matching the constraints.

        Unlike `InMemoryButler.query_datasets`, ``findFirst`` defaults to
        `False`, ``collections=...`` searches every collection, ``datasetType``
        may be a wildcard or ``...``, and an empty result is an empty list.
        The result is a list (daf_butler returns a lazy results object).

        Raises
        ------
        NotImplementedError
            ``dimensions`` was given.
        """
        if dimensions is not None:
            raise NotImplementedError(
                "queryDatasets(dimensions=...) is not supported by InMemoryButler: there is no "
                "dimension universe to join against"
            )
        if collections is ...:
            collections = self._registry.query_collections(..., include_chains=False)
        if isinstance(datasetType, DatasetType) or (
            isinstance(datasetType, str) and not is_glob(datasetType)
        ):
            types: list[DatasetType | str] = [datasetType]
        else:
            types = list(self._registry.query_dataset_types(datasetType))
        refs: list[DatasetRef] = []
        for each in types:
            refs.extend(
                self._butler.query_datasets(
                    each,
                    collections,
                    find_first=findFirst,
                    data_id=dataId,
                    where=where,
                    bind=bind,
                    limit=None,
                    explain=False,
                    **kwargs,
                )
            )
        return refs
