"""`ButlerReading`: reading datasets, finding them, saying whether they exist.

``get`` and ``getDeferred`` read; ``find_dataset``, ``get_dataset`` and
``get_dataset_type`` look up records; ``exists``, ``stored`` and
``stored_many`` say how far a dataset is known; ``getURIs`` and ``getURI``
give its ``mem://`` location.
"""

from __future__ import annotations

__all__ = ["ButlerReading"]

import uuid
import warnings
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, NoReturn, cast

from ..core.model import DatasetId, DatasetRef, DatasetType
from ..core.storage import StorageClass
from ..datastore.uri import DatasetRefURIs, MemoryURI
from .arguments import ButlerArguments, DatasetRefOrType, dataset_not_found
from .deferred import DeferredDatasetHandle
from .existence import DatasetExistence

if TYPE_CHECKING:
    from .butler import InMemoryButler

_EXISTENCE = {
    (recorded, stored, full_check): DatasetExistence.from_checks(recorded, stored, full_check)
    for recorded in (False, True)
    for stored in (False, True)
    for full_check in (False, True)
}
"""What `ButlerReading.exists` returns, by (recorded, stored, full_check)."""


def _no_timespan(where: str) -> NoReturn:
    raise NotImplementedError(
        f"{where}(timespan=...) is not supported by InMemoryButler: calibration lookups by "
        "validity range are not implemented"
    )


class ButlerReading(ButlerArguments):
    """Read datasets, look up their records, and say whether they exist."""

    def get(
        self,
        datasetRefOrType: DatasetRefOrType,
        /,
        dataId: Mapping[str, Any] | None = None,
        *,
        parameters: Mapping[str, Any] | None = None,
        collections: str | Iterable[str] | None = None,
        storageClass: StorageClass | str | None = None,
        timespan: object = None,
        **kwargs: Any,
    ) -> Any:
        """Read a dataset, by ref or by dataset type and data ID.

        Parameters
        ----------
        datasetRefOrType : `DatasetRef`, `DatasetType` or `str`
            A ref (read as it is, without searching), or a dataset type (or
            name; ``"name.component"`` reads a component) and a data ID.
        dataId : mapping, optional
            The data ID; keyword arguments add to it.
        parameters : mapping, optional
            Read parameters, applied by the storage class delegate.
        collections : `str` or iterable of `str`, optional
            Where to search, in order, instead of the default collections.
        storageClass : `StorageClass` or `str`, optional
            Read with this storage class (a name is resolved through
            ``storageClasses``).
        timespan : optional
            Not supported (no calibration lookups); must be `None`.
        **kwargs
            Data ID values.

        Raises
        ------
        DatasetNotFoundError
            No such dataset in the collections searched.
        FileNotFoundError
            The dataset is recorded but no longer stored.
        MissingDatasetTypeError
            The dataset type is not registered.
        MissingCollectionError
            A collection searched does not exist.
        KeyError
            A parameter or component is not understood.
        """
        if timespan is not None:
            _no_timespan("get")
        ref = self._find_ref(datasetRefOrType, dataId, collections, kwargs)
        if storageClass is not None:
            storageClass = self.registry_state.resolve_storage_class(storageClass)
            current = ref.datasetType.storageClass
            if not storageClass.can_convert(current):
                raise ValueError(
                    f"The new storage class ({storageClass.name}) is not compatible with the "
                    f"existing storage class ({current.name}) of {ref}"
                )
        return self.datastore.get(ref, parameters=parameters, storageClass=storageClass)

    def getDeferred(
        self,
        datasetRefOrType: DatasetRefOrType,
        /,
        dataId: Mapping[str, Any] | None = None,
        *,
        parameters: Mapping[str, Any] | None = None,
        collections: str | Iterable[str] | None = None,
        storageClass: StorageClass | str | None = None,
        timespan: object = None,
        **kwargs: Any,
    ) -> DeferredDatasetHandle:
        """Find a dataset now and return a handle that reads it later.

        The arguments are those of `get`; the handle keeps ``parameters``
        and ``storageClass`` for each of its reads.

        Raises
        ------
        LookupError
            A ref given is not stored; or (`DatasetNotFoundError`) no such
            dataset in the collections searched.
        """
        if timespan is not None:
            _no_timespan("getDeferred")
        if isinstance(datasetRefOrType, DatasetRef):
            self._check_ref_call(dataId, kwargs, collections, frames=1)
            ref = datasetRefOrType
            if not self.datastore.knows(ref):
                raise LookupError(f"Dataset reference {ref} does not exist.")
        else:
            ref = self._find_ref(datasetRefOrType, dataId, collections, kwargs)
        # Only InMemoryButler is built on this class: self is one.
        butler = cast("InMemoryButler", self)
        return DeferredDatasetHandle(butler, ref, parameters, storageClass)

    def exists(
        self,
        dataset_ref_or_type: DatasetRefOrType,
        /,
        data_id: Mapping[str, Any] | None = None,
        *,
        full_check: bool = True,
        collections: str | Iterable[str] | None = None,
        **kwargs: Any,
    ) -> DatasetExistence:
        """Say how far a dataset is known to the registry and the datastore.

        A dataset that cannot be found (unknown dataset type, missing
        dimension, not in the collections) is `DatasetExistence.UNRECOGNIZED`.

        Returns
        -------
        existence : `DatasetExistence`
            True only when registry and datastore both know the dataset
            (`VERIFIED` with ``full_check``, else `KNOWN`).

        Raises
        ------
        MissingCollectionError
            A collection searched does not exist.
        ValueError
            A ref given shares its ID with a recorded dataset of another
            data ID or run.
        """
        if isinstance(dataset_ref_or_type, DatasetRef):
            if collections is not None:
                warnings.warn("Collections should not be specified with DatasetRef", stacklevel=2)
            if data_id is not None:
                warnings.warn("A DataID should not be specified with DatasetRef", stacklevel=2)
            ref = dataset_ref_or_type
            found = self.registry_state.get_dataset(ref.id)
            if found is not None and found is not ref and (
                found.run != ref.run or found.dataId != ref.dataId
            ):
                raise ValueError(
                    f"The ref given to exists() ({ref}) has the same dataset ID as one in "
                    f"the registry but different values ({found})"
                )
            recorded = found is not None
        else:
            try:
                ref = self._find_ref(dataset_ref_or_type, data_id, collections, kwargs)
            except (LookupError, TypeError):
                return DatasetExistence.UNRECOGNIZED
            recorded = True
        # This datastore knows a dataset exactly when it stores it, so the
        # artifact check (full_check) says the same as knows(). The result
        # comes from a table: operators on Flag members cost microseconds.
        return _EXISTENCE[recorded, self.datastore.knows(ref), bool(full_check)]

    def stored(self, ref: DatasetRef) -> bool:
        """Return whether the dataset's object is in the datastore."""
        return self.datastore.exists(ref)

    def stored_many(self, refs: Iterable[DatasetRef]) -> dict[DatasetRef, bool]:
        """Return `stored` for each ref."""
        return self.datastore.mexists(refs)

    def get_dataset_type(self, name: str) -> DatasetType:
        """Return a registered dataset type (``parent.component`` too).

        Raises
        ------
        MissingDatasetTypeError
            It is not registered.
        """
        return self.registry_state.get_dataset_type(name)

    def get_dataset(
        self,
        id: DatasetId | str,
        *,
        storage_class: str | StorageClass | None = None,
        dimension_records: bool = False,
        datastore_records: bool = False,
    ) -> DatasetRef | None:
        """Return the recorded dataset with this ID, or `None`.

        ``dimension_records`` and ``datastore_records`` are accepted and
        change nothing: there are no such records here.

        Raises
        ------
        ValueError
            ``id`` is a string that is not a UUID.
        """
        if isinstance(id, str):
            id = uuid.UUID(id)
        return self._with_storage_class(self.registry_state.get_dataset(id), storage_class)

    def get_many_datasets(self, ids: Iterable[DatasetId | str]) -> list[DatasetRef]:
        """Return the recorded datasets among these IDs (unknown ones left out)."""
        found = (self.get_dataset(i) for i in ids)
        return [ref for ref in found if ref is not None]

    def find_dataset(
        self,
        dataset_type: DatasetType | str,
        data_id: Mapping[str, Any] | None = None,
        *,
        collections: str | Iterable[str] | None = None,
        timespan: object = None,
        storage_class: str | StorageClass | None = None,
        dimension_records: bool = False,
        datastore_records: bool = False,
        **kwargs: Any,
    ) -> DatasetRef | None:
        """Return the first dataset of the type and data ID in the collections.

        ``"name.component"`` gives a component ref of the composite found.

        Returns
        -------
        ref : `DatasetRef` or `None`
            `None` when no collection searched has it.

        Raises
        ------
        MissingDatasetTypeError
            The dataset type is not registered.
        DimensionNameError
            The data ID lacks a dimension of the dataset type.
        MissingCollectionError
            A collection searched does not exist.
        NoDefaultCollectionError
            No collections given and none by default.
        """
        if timespan is not None:
            _no_timespan("find_dataset")
        datasetType = self._dataset_type(dataset_type, for_put=False)
        ref, _, _ = self._find(datasetType, data_id, kwargs, collections)
        return self._with_storage_class(ref, storage_class)

    def _with_storage_class(
        self, ref: DatasetRef | None, storage_class: str | StorageClass | None
    ) -> DatasetRef | None:
        if ref is None or storage_class is None:
            return ref
        return ref.overrideStorageClass(self.registry_state.resolve_storage_class(storage_class))

    def getURIs(
        self,
        datasetRefOrType: DatasetRefOrType,
        /,
        dataId: Mapping[str, Any] | None = None,
        *,
        predict: bool = False,
        collections: str | Iterable[str] | None = None,
        run: str | None = None,
        **kwargs: Any,
    ) -> DatasetRefURIs:
        """Return the ``mem://`` URI of a dataset (no component URIs).

        With ``predict``, a dataset that is not recorded gets a predicted
        URI in ``run`` (or the butler's run).

        Raises
        ------
        DatasetNotFoundError
            Not recorded, and not ``predict``.
        FileNotFoundError
            Recorded but no longer stored, and not ``predict``.
        """
        return self._uris(datasetRefOrType, dataId, predict, collections, run, kwargs, 2)

    def _uris(
        self,
        datasetRefOrType: DatasetRefOrType,
        dataId: Mapping[str, Any] | None,
        predict: bool,
        collections: str | Iterable[str] | None,
        run: str | None,
        kwargs: Mapping[str, Any],
        frames: int,
    ) -> DatasetRefURIs:
        """Do `getURIs`; ``frames`` counts our calls from the caller's down to this one."""
        if isinstance(datasetRefOrType, DatasetRef):
            self._check_ref_call(dataId, kwargs, collections, frames=frames)
            ref = datasetRefOrType
        else:
            datasetType = self._dataset_type(datasetRefOrType, for_put=False)
            found, data_id, names = self._find(datasetType, dataId, kwargs, collections)
            if found is None:
                if not predict:
                    raise dataset_not_found(datasetType, data_id, names)
                run = run or self._run
                if run is None:
                    raise TypeError("Cannot predict dataset ID/location with run=None.")
                found = DatasetRef(datasetType, data_id, run)
            ref = found
        return self.datastore.getURIs(ref, predict)

    def getURI(
        self,
        datasetRefOrType: DatasetRefOrType,
        /,
        dataId: Mapping[str, Any] | None = None,
        *,
        predict: bool = False,
        collections: str | Iterable[str] | None = None,
        run: str | None = None,
        **kwargs: Any,
    ) -> MemoryURI:
        """Return the ``mem://`` URI of a dataset; see `getURIs`."""
        primary, _ = self._uris(datasetRefOrType, dataId, predict, collections, run, kwargs, 2)
        assert primary is not None  # the datastore never disassembles
        return primary
