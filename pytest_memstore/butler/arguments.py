"""`ButlerArguments`: what a butler makes of its callers' arguments.

The base of `InMemoryButler`: the state every part of a butler reads (its
registry, datastore, run and default collections), and the turning of
callers' arguments into what the registry takes: a dataset type from a name
or a caller's definition, a checked data ID from a mapping and keyword
values, a search path from collections (or the defaults), and a ref from a
ref or a search.
"""

from __future__ import annotations

__all__ = ["ButlerArguments", "DatasetRefOrType", "check_run", "dataset_not_found"]

import warnings
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeAlias

from ..core.model import DataId, DatasetRef, DatasetType
from .errors import (
    DatasetNotFoundError,
    DimensionNameError,
    MissingDatasetTypeError,
    NoDefaultCollectionError,
)
from .expressions import collection_names
from .registry_dataset_types import describe_dataset_type
from .registry_tables import required_data_id

if TYPE_CHECKING:
    from ..core.storage_factory import StorageClassFactory
    from ..datastore.store import InMemoryDatastore
    from .registry import InMemoryRegistry

DatasetRefOrType: TypeAlias = DatasetRef | DatasetType | str
"""What butler reads and writes take first: a ref, or a dataset type or its name."""


def check_run(run: object) -> None:
    """Raise `TypeError` unless ``run`` is a non-empty `str` or `None`."""
    if run is not None and (not isinstance(run, str) or not run):
        raise TypeError(f"run must be a non-empty str or None; got {run!r:.80}")


def dataset_not_found(
    datasetType: DatasetType, data_id: DataId, names: tuple[str, ...]
) -> DatasetNotFoundError:
    """Return the error for a dataset that no collection searched has."""
    return DatasetNotFoundError(
        f"Dataset {datasetType.name} with data ID {data_id} could not be found in "
        f"collections {list(names)}"
    )


class ButlerArguments:
    """A butler's state, and the normalisation of its callers' arguments.

    Notes
    -----
    `InMemoryButler` sets the attributes; the parts built on this class
    (writing, reading, queries, removal) read them.
    """

    registry_state: InMemoryRegistry
    """Dataset types, collections and dataset records (shared by clones)."""

    storageClasses: StorageClassFactory
    """Resolves storage class names (the registry's factory)."""

    datastore: InMemoryDatastore
    """Where stored objects are (shared by clones)."""

    _run: str | None
    _defaults: tuple[str, ...]

    def _dataset_type(self, given: DatasetType | str, *, for_put: bool) -> DatasetType:
        """Return the dataset type to use for a name or a caller's definition.

        A caller's `DatasetType` must match the registered one, except that
        its storage class may differ when the two convert (the registered
        one's way for ``put``, the caller's way for reads); reads use the
        caller's storage class, ``put`` the registered one.
        """
        registry = self.registry_state
        if isinstance(given, str):
            return registry.get_dataset_type(given)
        if not isinstance(given, DatasetType):
            raise TypeError(
                f"Expected a DatasetRef, a DatasetType or a dataset type name; got "
                f"{type(given).__name__}: {given!r:.80}"
            )
        given = registry.normalize(given)
        try:
            registered = registry.get_dataset_type(given.name)
        except MissingDatasetTypeError:
            raise
        except KeyError:
            # A component only the caller's storage class defines.
            return given
        if registered is given or registered == given:
            return registered
        if registered.dimensions == given.dimensions:
            source, target = (given, registered) if for_put else (registered, given)
            if target.storageClass.can_convert(source.storageClass):
                return registered if for_put else given
        raise ValueError(
            f"Supplied dataset type {describe_dataset_type(given)} is inconsistent with the "
            f"registered definition {describe_dataset_type(registered)}"
        )

    @staticmethod
    def _data_id(
        dataId: Mapping[str, Any] | None, kwargs: Mapping[str, Any], datasetType: DatasetType
    ) -> DataId:
        """Merge a data ID and keyword values; check it has every dimension."""
        if type(dataId) is DataId and not kwargs:
            data_id = dataId
        else:
            if dataId is None:
                merged: Mapping[str, Any] = kwargs
            elif type(dataId) is dict or isinstance(dataId, Mapping):
                merged = {**dataId, **kwargs} if kwargs else dataId
            else:
                raise TypeError(
                    f"A data ID must be a mapping of dimension names to values; got "
                    f"{type(dataId).__name__}: {dataId!r:.80} (dataset type {datasetType.name!r})"
                )
            try:
                data_id = DataId(merged)
            except TypeError as err:
                raise TypeError(
                    f"Bad data ID for dataset type {datasetType.name!r}: {err}"
                ) from None
        dimensions = datasetType.dimensions
        if not data_id.keys() >= dimensions:
            missing = sorted(dimensions.difference(data_id))
            raise DimensionNameError(
                f"Data ID {data_id} for dataset type {datasetType.name!r} lacks the "
                f"dimension(s) {missing}; its dimensions are {sorted(dimensions)}"
            )
        return data_id

    def _collection_names(self, collections: str | Iterable[str] | None) -> tuple[str, ...]:
        """Return the collections to search: those given, else the defaults."""
        if collections is None:
            if not self._defaults:
                raise NoDefaultCollectionError(
                    "No collections given, and this butler has no default collections"
                )
            return self._defaults
        return collection_names(collections, "collections")

    def _find(
        self,
        datasetType: DatasetType,
        dataId: Mapping[str, Any] | None,
        kwargs: Mapping[str, Any],
        collections: str | Iterable[str] | None,
    ) -> tuple[DatasetRef | None, DataId, tuple[str, ...]]:
        """Search for a dataset; return the ref (or `None`), data ID and path searched.

        A component type gives the component ref of the composite found; a
        storage class other than the registered one, a ref read with it.
        """
        data_id = self._data_id(dataId, kwargs, datasetType)
        names = self._collection_names(collections)
        parent_name, component = datasetType.nameAndComponent()
        ref = self.registry_state.find(
            parent_name, required_data_id(data_id, datasetType.dimensions), names
        )
        if ref is None:
            return None, data_id, names
        if component is not None:
            ref = ref.makeComponentRef(component)
        found_type = ref.datasetType
        if found_type is not datasetType and found_type.storageClass != datasetType.storageClass:
            ref = ref.overrideStorageClass(datasetType.storageClass)
        return ref, data_id, names

    def _find_ref(
        self,
        datasetRefOrType: DatasetRefOrType,
        dataId: Mapping[str, Any] | None,
        collections: str | Iterable[str] | None,
        kwargs: Mapping[str, Any],
    ) -> DatasetRef:
        """Return the ref given, or the one found; called by a public method."""
        if isinstance(datasetRefOrType, DatasetRef):
            self._check_ref_call(dataId, kwargs, collections, frames=2)
            return datasetRefOrType
        datasetType = self._dataset_type(datasetRefOrType, for_put=False)
        ref, data_id, names = self._find(datasetType, dataId, kwargs, collections)
        if ref is None:
            raise dataset_not_found(datasetType, data_id, names)
        return ref

    @staticmethod
    def _check_ref_call(
        dataId: Mapping[str, Any] | None,
        kwargs: Mapping[str, Any],
        collections: str | Iterable[str] | None,
        frames: int,
    ) -> None:
        """Refuse a data ID given with a ref; warn that collections are ignored.

        ``frames`` is how many of our calls lie between the caller and this
        one, so that the warning points at the caller's line.
        """
        if dataId is not None or kwargs:
            raise ValueError("DatasetRef given, cannot use dataId as well")
        if collections is not None:
            warnings.warn(
                "Collections should not be specified with DatasetRef", stacklevel=frames + 2
            )
