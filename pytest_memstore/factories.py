"""Callables that build stores and refs: what the factory fixtures return."""

from __future__ import annotations

__all__ = ["RefFactory", "StoreFactory", "StoreOptions"]

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypedDict

from .datastore import InMemoryDatastore
from .model import DataId, DatasetId, DatasetRef, DatasetType
from .storage import StorageClass, StorageClassFactory


class StoreOptions(TypedDict, total=False):
    """The options of the ``memstore`` marker and of ``memstore_factory``."""

    name: str
    constraints: Mapping[str, Any]
    copy_on_put: bool
    copy_on_get: bool


STORE_OPTIONS = StoreOptions.__optional_keys__


def check_store_options(options: Mapping[str, Any], where: str) -> None:
    """Raise `TypeError` naming every key that is not a store option."""
    unknown = set(options) - STORE_OPTIONS
    if unknown:
        raise TypeError(
            f"{where}: unknown option(s) {sorted(unknown)}; valid options: {sorted(STORE_OPTIONS)}"
        )


class StoreFactory:
    """Builds datastores with default options; ``memstore_factory`` is one.

    Parameters
    ----------
    build : callable
        Called with the merged options; returns the new store.
    defaults : mapping, optional
        Options every store gets unless the call overrides them.
    """

    def __init__(
        self, build: Callable[..., InMemoryDatastore], defaults: Mapping[str, Any] | None = None
    ) -> None:
        self._build = build
        self.defaults: dict[str, Any] = dict(defaults or {})

    def __call__(self, **options: Any) -> InMemoryDatastore:
        """Return a new store; ``options`` win over the defaults.

        Raises
        ------
        TypeError
            An option is not one of ``name``, ``constraints``,
            ``copy_on_put``, ``copy_on_get``.
        """
        check_store_options(options, "memstore_factory")
        return self._build(**{**self.defaults, **options})


class RefFactory:
    """Builds resolved refs, resolving storage class names; ``memstore_ref`` is one.

    Parameters
    ----------
    storageClasses : `StorageClassFactory`
        Where storage class names are looked up.
    typeCache : `dict`, optional
        Dataset types already built, by name, dimensions and storage class;
        share one between factories to build each type once.
    """

    def __init__(
        self,
        storageClasses: StorageClassFactory,
        typeCache: dict[tuple[str, frozenset[str], StorageClass], DatasetType] | None = None,
    ) -> None:
        self.storageClasses = storageClasses
        self._types = {} if typeCache is None else typeCache

    def __call__(
        self,
        datasetTypeName: str,
        dataId: Mapping[str, Any] | None = None,
        storageClass: str | StorageClass = "StructuredDataDict",
        *,
        dimensions: Iterable[str] | None = None,
        run: str = "memstore",
        id: DatasetId | None = None,
    ) -> DatasetRef:
        """Return a new resolved ref.

        Parameters
        ----------
        datasetTypeName : `str`
            The dataset type name; ``parent.component`` returns a component
            ref of the composite whose storage class is ``storageClass``.
        dataId : mapping, optional
            The data ID.
        storageClass : `str` or `StorageClass`, optional
            The (composite's) storage class, or its registered name.
        dimensions : iterable of `str`, optional
            The dataset type's dimensions; the data ID's keys by default.
        run : `str`, optional
            The run.
        id : `DatasetId`, optional
            The dataset ID; a fresh one by default.

        Raises
        ------
        KeyError
            The storage class name, or the component, is unknown.
        ValueError
            The name is invalid or the data ID lacks a dimension.
        """
        if not isinstance(storageClass, StorageClass):
            storageClass = self.storageClasses.getStorageClass(storageClass)
        data_id = DataId(dataId)
        dims = frozenset(data_id) if dimensions is None else frozenset(dimensions)
        parent, _, component = datasetTypeName.partition(".")
        if "." in component:
            raise ValueError(f"Dataset type name {datasetTypeName!r} is not valid")
        key = (parent, dims, storageClass)
        datasetType = self._types.get(key)
        if datasetType is None or datasetType.storageClass is not storageClass:
            datasetType = self._types[key] = DatasetType(parent, dims, storageClass)
        ref = DatasetRef(datasetType, data_id, run, id=id)
        return ref.makeComponentRef(component) if component else ref
