"""`InMemoryButler`: daf_butler's Butler data-access API over `InMemoryDatastore`.

The calls code under test makes on a Butler (``put``, ``get``, ``exists``,
``find_dataset``, ``query_datasets``, ``pruneDatasets``, ``removeRuns``,
``transaction``, ``collections``, ``registry``) with daf_butler's
signatures and semantics, over an in-memory registry and datastore.

There is no dimension universe: a data ID is a mapping, the dimensions of a
dataset type are the keys its data IDs must have, extra keys are kept on
the ref (and take no part in telling datasets apart), and nothing expands or
checks values against dimension records.
"""

from __future__ import annotations

__all__ = ["InMemoryButler"]

import logging
import uuid
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from types import EllipsisType
from typing import Any

from ..core.errors import DatasetTypeNotSupportedError
from ..core.model import DataId, DatasetId, DatasetRef, DatasetType
from ..core.storage import StorageClass, StorageClassFactory
from ..datastore.store import InMemoryDatastore
from ..datastore.uri import DatasetRefURIs, MemoryURI
from .collection_type import CollectionType
from .collections import ButlerCollections
from .deferred import DeferredDatasetHandle
from .errors import (
    ConflictingDefinitionError,
    DatasetNotFoundError,
    DimensionNameError,
    EmptyQueryResultError,
    InvalidQueryError,
    MissingDatasetTypeError,
    NoDefaultCollectionError,
)
from .existence import DatasetExistence
from .expressions import collection_names, is_glob
from .registry import InMemoryRegistry
from .registry_api import ButlerRegistry
from .registry_dataset_types import describe_dataset_type
from .registry_tables import required_data_id
from .where import parse_where

_log = logging.getLogger(__name__)

_DatasetRefOrType = DatasetRef | DatasetType | str


def _optional_names(value: str | Iterable[str] | None, what: str) -> tuple[str, ...]:
    """Return `collection_names` of ``value``; `None` is no names."""
    return () if value is None else collection_names(value, what)


def _check_run(run: Any) -> None:
    if run is not None and (not isinstance(run, str) or not run):
        raise TypeError(f"run must be a non-empty str or None; got {run!r:.80}")


class InMemoryButler:
    """A Butler held in memory: registry, collections and datastore.

    Parameters
    ----------
    run : `str`, optional
        The run ``put`` writes to; registered if it does not exist yet.
    collections : `str` or iterable of `str`, optional
        The collections searched by default, in order; ``[run]`` when only
        ``run`` is given.
    datastore : `InMemoryDatastore`, optional
        Where stored objects go; a new one by default.
    storageClasses : `StorageClassFactory`, optional
        Resolves storage class names (in ``get(storageClass=...)`` and in
        dataset types given with a name); by default the datastore's
        factory, else `default_storage_classes`.

    Notes
    -----
    ``registry_state`` (the `InMemoryRegistry`) and ``datastore`` are public
    for inspection. `clone` gives another butler over the same registry and
    datastore with other defaults. Every method is safe to call from
    several threads; a transaction belongs to the thread that opened it.
    """

    def __init__(
        self,
        *,
        run: str | None = None,
        collections: str | Iterable[str] | None = None,
        datastore: InMemoryDatastore | None = None,
        storageClasses: StorageClassFactory | None = None,
    ) -> None:
        if datastore is not None and not isinstance(datastore, InMemoryDatastore):
            raise TypeError(
                f"datastore must be an InMemoryDatastore; got {type(datastore).__name__}"
            )
        if storageClasses is not None and not isinstance(storageClasses, StorageClassFactory):
            raise TypeError(
                f"storageClasses must be a StorageClassFactory; got "
                f"{type(storageClasses).__name__}"
            )
        if storageClasses is None:
            storageClasses = datastore.storageClasses if datastore is not None else None
        if storageClasses is None:
            from ..core.defaults import default_storage_classes

            storageClasses = default_storage_classes()
        if datastore is None:
            datastore = InMemoryDatastore(storageClasses=storageClasses)
        self._setup(
            InMemoryRegistry(storageClasses), datastore, run, collections, collections is None
        )

    def _setup(
        self,
        registry: InMemoryRegistry,
        datastore: InMemoryDatastore,
        run: str | None,
        collections: str | Iterable[str] | None,
        collections_defaulted: bool,
    ) -> None:
        _check_run(run)
        defaults = _optional_names(collections, "collections")
        if collections_defaulted and run is not None:
            defaults = (run,)
        self.registry_state = registry
        self.storageClasses = registry.storageClasses
        self.datastore = datastore
        self._run = run
        self._defaults = defaults
        self._collections_defaulted = collections_defaulted
        self._collections = ButlerCollections(self)
        self._registry = ButlerRegistry(self)
        if run is not None:
            registry.register_collection(run, CollectionType.RUN)

    def __repr__(self) -> str:
        return f"InMemoryButler(run={self._run!r}, collections={list(self._defaults)!r})"

    # -- defaults and views ----------------------------------------------

    @property
    def run(self) -> str | None:
        """The run ``put`` writes to when given none."""
        return self._run

    @property
    def collections(self) -> ButlerCollections:
        """The default collections (``defaults``) and the collection API."""
        return self._collections

    @property
    def registry(self) -> ButlerRegistry:
        """daf_butler's registry API (``registerDatasetType``, ``queryDatasets``, ...)."""
        return self._registry

    def clone(
        self,
        *,
        run: str | EllipsisType | None = ...,
        collections: str | Iterable[str] | EllipsisType | None = ...,
    ) -> InMemoryButler:
        """Return another butler over the same registry and datastore.

        Parameters
        ----------
        run : `str` or `None`, optional
            Its run (registered if new); `None` for none; this butler's when
            left out.
        collections : `str`, iterable of `str` or `None`, optional
            Its default collections; when left out, this butler's (or
            ``[run]``, if this butler's defaults came from its run).
        """
        new_run = self._run if run is ... else run
        new_collections: str | Iterable[str] | None
        if collections is ...:
            defaulted = self._collections_defaulted
            new_collections = None if defaulted else self._defaults
        else:
            defaulted = collections is None
            new_collections = collections
        clone = object.__new__(InMemoryButler)
        clone._setup(
            self.registry_state, self.datastore, new_run, new_collections, defaulted
        )
        return clone

    def close(self) -> None:
        """Do nothing: there are no connections to close."""

    # -- arguments ---------------------------------------------------------

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
            elif isinstance(dataId, Mapping):
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
        if not dimensions.issubset(data_id):
            missing = sorted(dimensions.difference(data_id))
            raise DimensionNameError(
                f"Data ID {data_id} for dataset type {datasetType.name!r} lacks the "
                f"dimension(s) {missing}; its dimensions are {sorted(dimensions)}"
            )
        return data_id

    def _collection_names(self, collections: Any) -> tuple[str, ...]:
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
        collections: Any,
    ) -> tuple[DatasetRef | None, DataId, tuple[str, ...]]:
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
        datasetRefOrType: _DatasetRefOrType,
        dataId: Mapping[str, Any] | None,
        collections: Any,
        kwargs: Mapping[str, Any],
    ) -> DatasetRef:
        """Return the ref given, or the one found; called by a public method."""
        if isinstance(datasetRefOrType, DatasetRef):
            self._check_ref_call(dataId, kwargs, collections, frames=2)
            return datasetRefOrType
        datasetType = self._dataset_type(datasetRefOrType, for_put=False)
        ref, data_id, names = self._find(datasetType, dataId, kwargs, collections)
        if ref is None:
            raise _not_found(datasetType, data_id, names)
        return ref

    @staticmethod
    def _check_ref_call(
        dataId: Mapping[str, Any] | None,
        kwargs: Mapping[str, Any],
        collections: Any,
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

    # -- writing -----------------------------------------------------------

    def put(
        self,
        obj: Any,
        datasetRefOrType: _DatasetRefOrType,
        /,
        dataId: Mapping[str, Any] | None = None,
        *,
        run: str | None = None,
        provenance: Any = None,
        **kwargs: Any,
    ) -> DatasetRef:
        """Store a dataset and record it in a run.

        Parameters
        ----------
        obj : `object`
            The dataset.
        datasetRefOrType : `DatasetRef`, `DatasetType` or `str`
            A resolved ref (its ID and run are used as they are), or the
            dataset type (or its name), with the data ID.
        dataId : mapping, optional
            The data ID; keyword arguments add to it.
        run : `str`, optional
            The run to record it in, instead of `run`.
        provenance : optional
            Accepted for compatibility; nothing here records provenance.
        **kwargs
            Data ID values.

        Returns
        -------
        ref : `DatasetRef`
            The ref of the stored dataset.

        Raises
        ------
        MissingDatasetTypeError
            The dataset type is not registered.
        DimensionNameError
            The data ID lacks a dimension of the dataset type.
        NoDefaultCollectionError
            No run given, and the butler has none.
        MissingCollectionError
            The run does not exist.
        CollectionTypeError
            ``run`` names a collection that is not a run.
        ConflictingDefinitionError
            The run already holds a dataset of this type and data ID.
        DatasetTypeNotSupportedError
            The dataset type is a component (put the composite).
        TypeError
            The object does not fit the storage class; or bad arguments.

        Notes
        -----
        On any error nothing is recorded or stored.
        """
        if isinstance(datasetRefOrType, DatasetRef):
            return self._put_ref(obj, datasetRefOrType, dataId, run, kwargs)
        datasetType = self._dataset_type(datasetRefOrType, for_put=True)
        if datasetType.isComponent():
            raise DatasetTypeNotSupportedError(
                f"Component dataset {datasetType.name!r} cannot be put; put its composite"
            )
        if run is None:
            run = self._run
            if run is None:
                raise NoDefaultCollectionError(
                    f"No run given to put {datasetType.name!r}, and this butler has no default run"
                )
        elif not isinstance(run, str):
            raise TypeError(f"run must be a str; got {type(run).__name__}: {run!r:.80}")
        ref = DatasetRef(datasetType, self._data_id(dataId, kwargs, datasetType), run)
        registry = self.registry_state
        registry.insert(ref)
        try:
            self.datastore.put(obj, ref)
        except BaseException:
            registry.uninsert(ref)
            raise
        return ref

    def _put_ref(
        self,
        obj: Any,
        ref: DatasetRef,
        dataId: Mapping[str, Any] | None,
        run: str | None,
        kwargs: Mapping[str, Any],
    ) -> DatasetRef:
        if dataId is not None or kwargs:
            raise ValueError("DatasetRef given, cannot use dataId as well")
        if run is not None:
            warnings.warn("Run collection is not used for DatasetRef", stacklevel=3)
        if ref.isComponent():
            raise DatasetTypeNotSupportedError(
                f"Component dataset {ref.datasetType.name!r} cannot be put; put its composite"
            )
        registry = self.registry_state
        inserted = registry.import_ref(ref)
        if not inserted and self.datastore.knows(ref):
            raise ConflictingDefinitionError(f"Datastore already contains dataset: {ref}")
        try:
            self.datastore.put(obj, ref)
        except BaseException:
            if inserted:
                registry.uninsert(ref)
            raise
        return ref

    # -- reading -----------------------------------------------------------

    def get(
        self,
        datasetRefOrType: _DatasetRefOrType,
        /,
        dataId: Mapping[str, Any] | None = None,
        *,
        parameters: Mapping[str, Any] | None = None,
        collections: Any = None,
        storageClass: StorageClass | str | None = None,
        timespan: Any = None,
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
        datasetRefOrType: _DatasetRefOrType,
        /,
        dataId: Mapping[str, Any] | None = None,
        *,
        parameters: Mapping[str, Any] | None = None,
        collections: Any = None,
        storageClass: StorageClass | str | None = None,
        timespan: Any = None,
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
        return DeferredDatasetHandle(self, ref, parameters, storageClass)

    def exists(
        self,
        dataset_ref_or_type: _DatasetRefOrType,
        /,
        data_id: Mapping[str, Any] | None = None,
        *,
        full_check: bool = True,
        collections: Any = None,
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
        collections: str | Sequence[str] | None = None,
        timespan: Any = None,
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
        datasetRefOrType: _DatasetRefOrType,
        /,
        dataId: Mapping[str, Any] | None = None,
        *,
        predict: bool = False,
        collections: Any = None,
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
        datasetRefOrType: _DatasetRefOrType,
        dataId: Mapping[str, Any] | None,
        predict: bool,
        collections: Any,
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
                    raise _not_found(datasetType, data_id, names)
                run = run or self._run
                if run is None:
                    raise TypeError("Cannot predict dataset ID/location with run=None.")
                found = DatasetRef(datasetType, data_id, run)
            ref = found
        return self.datastore.getURIs(ref, predict)

    def getURI(
        self,
        datasetRefOrType: _DatasetRefOrType,
        /,
        dataId: Mapping[str, Any] | None = None,
        *,
        predict: bool = False,
        collections: Any = None,
        run: str | None = None,
        **kwargs: Any,
    ) -> MemoryURI:
        """Return the ``mem://`` URI of a dataset; see `getURIs`."""
        primary, _ = self._uris(datasetRefOrType, dataId, predict, collections, run, kwargs, 2)
        assert primary is not None  # the datastore never disassembles
        return primary

    # -- queries -----------------------------------------------------------

    def query_datasets(
        self,
        dataset_type: str | DatasetType,
        collections: str | Iterable[str] | None = None,
        *,
        find_first: bool = True,
        data_id: Mapping[str, Any] | None = None,
        where: str = "",
        bind: Mapping[str, Any] | None = None,
        with_dimension_records: bool = False,
        order_by: Iterable[str] | str | None = None,
        limit: int | None = -20_000,
        explain: bool = True,
        **kwargs: Any,
    ) -> list[DatasetRef]:
        """Return the datasets of a type that match the constraints.

        Parameters
        ----------
        dataset_type : `str` or `DatasetType`
            What to find (not a component).
        collections : `str` or iterable of `str`, optional
            Where to search, in order; wildcards only with
            ``find_first=False``. The default collections when not given.
        find_first : `bool`, optional
            Only the first dataset of each data ID along the search path.
        data_id : mapping, optional
            Equality constraints on dimensions; keyword arguments add to it.
        where : `str`, optional
            A boolean expression over the dimensions (see `parse_where` for
            the language).
        bind : mapping, optional
            Values of the bind names in ``where``.
        with_dimension_records : `bool`, optional
            Accepted; changes nothing (there are no dimension records).
        order_by : `str` or iterable of `str`, optional
            Dimensions to sort by; a leading ``-`` sorts descending.
        limit : `int` or `None`, optional
            At most this many results; negative: at most ``-limit`` and a
            logged warning when there were more; ``0``: none and no error;
            `None`: all.
        explain : `bool`, optional
            Raise `EmptyQueryResultError` on an empty result (unless
            ``limit`` is 0).

        Raises
        ------
        MissingDatasetTypeError
            The dataset type is not registered (components are not
            queryable: query the composite).
        MissingCollectionError
            A collection named does not exist.
        InvalidQueryError
            Malformed ``where``, a constraint on something that is not a
            dimension, or wildcards with ``find_first``.
        NotImplementedError
            ``where`` uses an unsupported part of daf_butler's language.
        EmptyQueryResultError
            Nothing matched and ``explain`` is true.
        """
        if isinstance(dataset_type, str) and "." in dataset_type:
            raise MissingDatasetTypeError(
                f"Dataset type {dataset_type!r} does not exist: components cannot be queried; "
                "query the composite and use ref.makeComponentRef"
            )
        datasetType = self._dataset_type(dataset_type, for_put=False)
        if datasetType.isComponent():
            raise MissingDatasetTypeError(
                f"Dataset type {datasetType.name!r} does not exist: components cannot be queried"
            )
        registry = self.registry_state
        names = self._collection_names(collections)
        if any(is_glob(name) for name in names):
            if find_first:
                raise InvalidQueryError(
                    f"Can not use wildcards in collections when find_first=True (given "
                    f"{list(names)})"
                )
            names = tuple(registry.query_collections(names))
        dimensions = datasetType.dimensions
        constraints = dict(self._query_constraints(data_id, kwargs, datasetType))
        clause = parse_where(where, bind=bind, dimensions=dimensions)
        order = self._order_keys(order_by, datasetType)

        def matches(key: DataId) -> bool:
            for name, value in constraints.items():
                if key[name] != value:
                    return False
            return clause(key)

        refs = registry.query(
            datasetType.name, names, find_first=find_first, predicate=matches
        )
        if refs and refs[0].datasetType.storageClass != datasetType.storageClass:
            refs = [ref.overrideStorageClass(datasetType.storageClass) for ref in refs]
        for name, descending in reversed(order):
            refs.sort(key=partial(_data_id_value, name), reverse=descending)
        if limit is not None:
            if limit == 0:
                return []
            if len(refs) > abs(limit):
                if limit < 0:
                    _log.warning(
                        "More datasets are available than the requested limit of %d.", -limit
                    )
                refs = refs[: abs(limit)]
        if explain and not refs:
            raise EmptyQueryResultError(
                self._explain(datasetType.name, names, constraints, where, bind)
            )
        return refs

    @staticmethod
    def _query_constraints(
        data_id: Mapping[str, Any] | None, kwargs: Mapping[str, Any], datasetType: DatasetType
    ) -> Mapping[str, Any]:
        if data_id is None:
            constraints: Mapping[str, Any] = kwargs
        elif isinstance(data_id, Mapping):
            constraints = {**data_id, **kwargs}
        else:
            raise TypeError(
                f"data_id must be a mapping; got {type(data_id).__name__}: {data_id!r:.80}"
            )
        unknown = sorted(set(constraints) - datasetType.dimensions)
        if unknown:
            raise InvalidQueryError(
                f"Data ID constraint(s) {unknown} are not dimensions of dataset type "
                f"{datasetType.name!r} ({sorted(datasetType.dimensions)})"
            )
        return constraints

    @staticmethod
    def _order_keys(
        order_by: Iterable[str] | str | None, datasetType: DatasetType
    ) -> list[tuple[str, bool]]:
        if order_by is None:
            return []
        items = [order_by] if isinstance(order_by, str) else list(order_by)
        keys = []
        for item in items:
            if not isinstance(item, str):
                raise TypeError(f"order_by takes dimension names; got {item!r:.80}")
            descending = item.startswith("-")
            name = item[1:] if descending else item
            if name not in datasetType.dimensions:
                raise InvalidQueryError(
                    f"order_by {item!r}: {name!r} is not a dimension of dataset type "
                    f"{datasetType.name!r} ({sorted(datasetType.dimensions)})"
                )
            keys.append((name, descending))
        return keys

    def _explain(
        self,
        name: str,
        names: tuple[str, ...],
        constraints: Mapping[str, Any],
        where: str,
        bind: Mapping[str, Any] | None,
    ) -> list[str]:
        every = self.registry_state.query(name, names, find_first=False, predicate=_anything)
        if not every:
            return [f"No datasets of type {name!r} in collections {list(names)}."]
        reasons = [
            f"{len(every)} dataset(s) of type {name!r} in collections {list(names)}, none "
            "matching the constraints:"
        ]
        if constraints:
            reasons.append(f"data ID {dict(constraints)}")
        if where:
            reasons.append(f"where {where!r}" + (f" with bind {dict(bind)}" if bind else ""))
        return reasons

    # -- removing ----------------------------------------------------------

    def pruneDatasets(
        self,
        refs: Iterable[DatasetRef],
        *,
        disassociate: bool = True,
        unstore: bool = False,
        tags: Iterable[str] = (),
        purge: bool = False,
    ) -> None:
        """Remove datasets from tagged collections, the datastore or everywhere.

        Parameters
        ----------
        refs : iterable of `DatasetRef`
            The datasets (not components).
        disassociate : `bool`, optional
            Take them out of ``tags``.
        unstore : `bool`, optional
            Delete the stored objects; the registry keeps the records
            unless ``purge``.
        tags : iterable of `str`, optional
            Tagged collections to take them out of.
        purge : `bool`, optional
            Also drop the records (needs ``disassociate`` and ``unstore``).

        Raises
        ------
        TypeError
            ``purge`` without ``disassociate`` and ``unstore``;
            ``disassociate`` (and not ``purge``) without ``tags``; a tag
            that is not a tagged collection.
        ValueError
            A ref is to a component.

        Notes
        -----
        Checks come first: on any of these errors nothing changes. Deleting
        stored objects is not undone by a rollback; the registry changes are.
        """
        registry = self.registry_state
        tag_names = _optional_names(tags, "tags")
        if purge:
            if not disassociate:
                raise TypeError("Cannot pass purge=True without disassociate=True.")
            if not unstore:
                raise TypeError("Cannot pass purge=True without unstore=True.")
        elif disassociate:
            if not tag_names:
                raise TypeError("No tags provided but disassociate=True.")
            for tag in tag_names:
                kind = registry.get_collection_type(tag)
                if kind is not CollectionType.TAGGED:
                    raise TypeError(
                        f"Cannot disassociate from collection {tag!r} of non-TAGGED type "
                        f"{kind.name}."
                    )
        listed = list(refs)
        for ref in listed:
            if not isinstance(ref, DatasetRef):
                raise TypeError(f"pruneDatasets expects DatasetRefs; got {ref!r:.80}")
            if ref.isComponent():
                raise ValueError(f"Can not prune a component of a dataset (ref={ref})")
        if not listed:
            return
        with self.transaction():
            if unstore:
                self.datastore.trash(listed)
            if purge:
                registry.remove_datasets(listed)
            elif disassociate:
                for tag in tag_names:
                    registry.disassociate(tag, listed)
        if unstore:
            self.datastore.emptyTrash(refs=listed)

    def removeRuns(
        self,
        names: Iterable[str],
        unstore: bool = True,
        *,
        unlink_from_chains: bool = False,
    ) -> None:
        """Remove runs, their datasets and the stored objects.

        Parameters
        ----------
        names : iterable of `str`
            The runs (a single name is taken as one run).
        unstore : `bool`, optional
            Ignored: stored objects are always deleted, as in daf_butler
            today.
        unlink_from_chains : `bool`, optional
            Take the runs out of the chains that list them first.

        Raises
        ------
        MissingCollectionError
            A collection does not exist.
        TypeError
            A collection is not a run.
        ValueError
            A run is listed by a chain and ``unlink_from_chains`` is false
            (daf_butler removes the datasets and then fails on a database
            constraint; here nothing changes).
        """
        registry = self.registry_state
        runs = tuple(dict.fromkeys(_optional_names(names, "names")))
        for name in runs:
            kind = registry.get_collection_type(name)
            if kind is not CollectionType.RUN:
                raise TypeError(f"The collection type of {name!r} is {kind.name}, not RUN.")
        if not unlink_from_chains:
            registry.check_not_in_chains(runs, "run(s)")
        refs = registry.run_datasets(runs)
        if refs:
            self.pruneDatasets(refs, unstore=True, purge=True, disassociate=True)
        with self.transaction():
            registry.remove_collections(runs, unlink=unlink_from_chains)

    # -- transactions ------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Open a (possibly nested) transaction for this thread.

        An exception leaving the block undoes the block's registry changes
        (dataset records, collections, chains, dataset types) and datastore
        changes (puts, trashing) together, newest first, and propagates.
        Deleting stored objects (``unstore``) is not undone.
        """
        with self.datastore.transaction() as transaction, self.registry_state.joined(
            transaction
        ):
            yield


def _existence(recorded: bool, stored: bool, full_check: bool) -> DatasetExistence:
    existence = DatasetExistence.UNRECOGNIZED
    if recorded:
        existence |= DatasetExistence.RECORDED
    if stored:
        existence |= DatasetExistence.DATASTORE
        if full_check:
            existence |= DatasetExistence._ARTIFACT
    if not full_check and existence.value:
        existence |= DatasetExistence._ASSUMED
    return existence


_EXISTENCE = {
    (recorded, stored, full_check): _existence(recorded, stored, full_check)
    for recorded in (False, True)
    for stored in (False, True)
    for full_check in (False, True)
}


def _not_found(
    datasetType: DatasetType, data_id: DataId, names: tuple[str, ...]
) -> DatasetNotFoundError:
    return DatasetNotFoundError(
        f"Dataset {datasetType.name} with data ID {data_id} could not be found in "
        f"collections {list(names)}"
    )


def _data_id_value(name: str, ref: DatasetRef) -> Any:
    return ref.dataId[name]


def _anything(dataId: DataId) -> bool:
    return True


def _no_timespan(where: str) -> None:
    raise NotImplementedError(
        f"{where}(timespan=...) is not supported by InMemoryButler: calibration lookups by "
        "validity range are not implemented"
    )
