"""`DafButler`: an `InMemoryButler` that takes and returns daf_butler's objects.

Made by ``InMemoryButler(universe=...)``. It keeps the standalone butler's
semantics and state (registry, datastore, transactions); at its door,
daf_butler's dataset types, refs, data coordinates and collection types are
turned into ours, data IDs are checked and expanded with the repository's
dimension records, and what it returns (refs, dataset types, existence
flags) and raises (exceptions) is daf_butler's. It registers as a virtual
subclass of daf_butler's `~lsst.daf.butler.Butler`, so code that checks for
a ``LimitedButler`` or a ``Butler`` takes it.
"""

from __future__ import annotations

__all__ = ["DafButler"]

import logging
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from types import EllipsisType, TracebackType
from typing import Any, cast

import lsst.daf.butler as daf_butler
from lsst.daf.butler import DimensionUniverse

from ..butler.butler import InMemoryButler
from ..butler.collection_type import CollectionType
from ..butler.registry import InMemoryRegistry
from ..core.model import DatasetType
from ..datastore.store import InMemoryDatastore
from .codec import DafCodec
from .errors import daf_errors
from .queries import DafQueries
from .records import DimensionRecords
from .storage import DafStorageClasses

_log = logging.getLogger(__name__)


def resolve_universe(universe: object) -> DimensionUniverse:
    """Return the universe a ``universe`` argument names (``"daf"``: daf_butler's default)."""
    if isinstance(universe, DimensionUniverse):
        return universe
    if universe == "daf":
        return DimensionUniverse()
    raise TypeError(
        f"universe must be a lsst.daf.butler.DimensionUniverse or 'daf'; got "
        f"{type(universe).__name__}: {universe!r:.80}"
    )


def _storage_class_name(storageClass: Any) -> Any:
    """Return a daf_butler storage class as its name (the factory resolves it)."""
    if isinstance(storageClass, daf_butler.StorageClass):
        return storageClass.name
    return storageClass


class _DatastoreView:
    """What daf_butler's test helpers read from ``butler._datastore``."""

    def __init__(self, datastore: InMemoryDatastore) -> None:
        self.datastore = datastore
        self.storageClassFactory = daf_butler.StorageClassFactory()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.datastore, name)


class DafButler(DafQueries, InMemoryButler):  # type: ignore[misc]  # daf_butler's queries
    """An in-memory butler in daf_butler mode.

    Parameters
    ----------
    universe : `lsst.daf.butler.DimensionUniverse` or ``"daf"``
        The repository's dimensions.
    run, collections, datastore
        As for `InMemoryButler`.
    storageClasses
        Ignored unless `None`: storage classes are daf_butler's
        process-wide ones.

    Notes
    -----
    Every public method of `InMemoryButler` is redefined here: each turns
    its arguments into ours, calls the standalone butler that shares this
    one's state (``_plain``), and turns the result into daf_butler's. The
    queries (`DafQueries`: ``query``, ``query_data_ids``,
    ``query_dimension_records``, ``query_datasets``) are daf_butler's query
    system over this butler's records and datasets.
    """

    def __init__(
        self,
        *,
        universe: object = "daf",
        run: str | None = None,
        collections: str | Iterable[str] | None = None,
        datastore: InMemoryDatastore | None = None,
        storageClasses: object = None,
    ) -> None:
        universe = resolve_universe(universe)
        factory = DafStorageClasses()
        if datastore is None:
            datastore = InMemoryDatastore(storageClasses=factory)
        elif not isinstance(datastore, InMemoryDatastore):
            raise TypeError(
                f"datastore must be an InMemoryDatastore; got {type(datastore).__name__}"
            )
        records = DimensionRecords(universe)
        self._codec = DafCodec(universe, records)
        self._metrics = daf_butler.ButlerMetrics()
        self._setup(InMemoryRegistry(factory), datastore, run, collections, collections is None)
        self._plain = self._plain_twin()

    def _plain_twin(self) -> InMemoryButler:
        plain = object.__new__(InMemoryButler)
        plain.__dict__.update(self.__dict__)
        plain.__dict__.pop("_plain", None)
        plain._collections_view = plain._registry_view = None
        return plain

    def __repr__(self) -> str:
        return (
            f"InMemoryButler(run={self._run!r}, collections={list(self._defaults)!r}, "
            f"universe={self._codec.universe})"
        )

    # -- what LimitedButler adds -----------------------------------------------

    @property
    def dimensions(self) -> DimensionUniverse:
        """The repository's dimension universe."""
        return self._codec.universe

    @property
    def dimension_records(self) -> DimensionRecords:
        """The repository's dimension records (shared by clones)."""
        return self._codec.records

    @property
    def _datastore(self) -> _DatastoreView:
        return _DatastoreView(self.datastore)

    def isWriteable(self) -> bool:
        """Return `True`: an in-memory butler is always writeable."""
        return True

    def __enter__(self) -> DafButler:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def markInputUnused(self, ref: Any) -> None:
        """Do nothing, as daf_butler's direct butler does."""

    @contextmanager
    def record_metrics(
        self, metrics: daf_butler.ButlerMetrics | None = None
    ) -> Iterator[daf_butler.ButlerMetrics]:
        """Count gets and puts (and time them) into new metrics for the block."""
        old = self._metrics
        new = metrics if metrics is not None else daf_butler.ButlerMetrics()
        self._metrics = new
        try:
            yield new
        finally:
            self._metrics = old

    # -- arguments -------------------------------------------------------------

    def _our_type(self, given: Any) -> DatasetType:
        """Return the dataset type a name or a caller's definition stands for."""
        given = self._codec.dataset_type_in(given)
        if isinstance(given, str):
            return self.registry_state.get_dataset_type(given)
        if isinstance(given, DatasetType):
            return given
        raise TypeError(
            f"Expected a DatasetRef, a DatasetType or a dataset type name; got "
            f"{type(given).__name__}: {given!r:.80}"
        )

    def _ref_or_type(
        self, given: Any, dataId: Any, kwargs: Mapping[str, Any], lookup: bool = True
    ) -> tuple[Any, Any]:
        """Return our ref, or our dataset type and checked data ID, for a caller's arguments.

        ``lookup``: for a search, where a value with no record finds nothing
        (see `DafCodec.data_id_in`).
        """
        if isinstance(given, daf_butler.DatasetRef):
            if dataId is not None or kwargs:
                raise ValueError("DatasetRef given, cannot use dataId as well")
            return self._codec.ref_in(given), None
        datasetType = self._our_type(given)
        return datasetType, self._codec.data_id_in(dataId, kwargs, datasetType, lookup=lookup)

    # -- writing ---------------------------------------------------------------

    @daf_errors
    def put(
        self,
        obj: object,
        datasetRefOrType: Any,
        /,
        dataId: Any = None,
        *,
        run: str | None = None,
        provenance: object = None,
        **kwargs: Any,
    ) -> Any:
        """Store a dataset; daf_butler's ``Butler.put`` (a ref's run is made if new)."""
        start = time.perf_counter()
        given_ref = isinstance(datasetRefOrType, daf_butler.DatasetRef)
        target, data_id = self._ref_or_type(datasetRefOrType, dataId, kwargs, lookup=False)
        if given_ref:
            self.registry_state.register_collection(target.run, CollectionType.RUN)
            self._plain.put(obj, target, run=run)
            result = datasetRefOrType
        else:
            result = self._codec.put_ref_out(self._plain.put(obj, target, data_id, run=run))
        metrics = self._metrics
        metrics.n_put += 1
        metrics.time_in_put += time.perf_counter() - start
        return result

    def transaction(self) -> Any:
        """Open a (possibly nested) transaction; see `InMemoryButler.transaction`."""
        return self._plain.transaction()

    # -- reading ---------------------------------------------------------------

    @daf_errors
    def get(
        self,
        datasetRefOrType: Any,
        /,
        dataId: Any = None,
        *,
        parameters: Mapping[str, Any] | None = None,
        collections: str | Iterable[str] | None = None,
        storageClass: Any = None,
        timespan: object = None,
        **kwargs: Any,
    ) -> Any:
        """Read a dataset; daf_butler's ``Butler.get``."""
        start = time.perf_counter()
        target, data_id = self._ref_or_type(datasetRefOrType, dataId, kwargs)
        result = self._plain.get(
            target,
            data_id,
            parameters=parameters,
            collections=collections,
            storageClass=_storage_class_name(storageClass),
            timespan=timespan,
        )
        metrics = self._metrics
        metrics.n_get += 1
        metrics.time_in_get += time.perf_counter() - start
        return result

    @daf_errors
    def getDeferred(  # type: ignore[override]
        self,
        datasetRefOrType: Any,
        /,
        dataId: Any = None,
        *,
        parameters: Mapping[str, Any] | None = None,
        collections: str | Iterable[str] | None = None,
        storageClass: Any = None,
        timespan: object = None,
        **kwargs: Any,
    ) -> daf_butler.DeferredDatasetHandle:
        """Find a dataset now; return daf_butler's handle that reads it later."""
        target, data_id = self._ref_or_type(datasetRefOrType, dataId, kwargs)
        handle = self._plain.getDeferred(
            target,
            data_id,
            parameters=parameters,
            collections=collections,
            storageClass=_storage_class_name(storageClass),
            timespan=timespan,
        )
        ref = (
            datasetRefOrType
            if isinstance(datasetRefOrType, daf_butler.DatasetRef)
            else self._codec.ref_out(handle.ref)
        )
        limited: Any = self
        return daf_butler.DeferredDatasetHandle(
            butler=limited,
            ref=ref,
            parameters=None if parameters is None else dict(parameters),
            storageClass=storageClass,
        )

    @daf_errors
    def exists(
        self,
        dataset_ref_or_type: Any,
        /,
        data_id: Any = None,
        *,
        full_check: bool = True,
        collections: str | Iterable[str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Say what is known of a dataset, as daf_butler's `~lsst.daf.butler.DatasetExistence`."""
        try:
            target, checked = self._ref_or_type(dataset_ref_or_type, data_id, kwargs)
        except LookupError:  # no such dataset type, a dimension without a value
            return daf_butler.DatasetExistence.UNRECOGNIZED
        found = self._plain.exists(
            target, checked, full_check=full_check, collections=collections
        )
        return self._codec.existence_out(found)

    @daf_errors
    def stored(self, ref: Any) -> bool:
        """Return whether the datastore holds the dataset."""
        return self._plain.stored(self._codec.ref_in(ref))

    @daf_errors
    def stored_many(self, refs: Iterable[Any]) -> dict[Any, bool]:
        """Return whether the datastore holds each dataset, keyed by the refs given."""
        given = list(refs)
        ours = [self._codec.ref_in(ref) for ref in given]
        found = self._plain.stored_many(ours)
        return {ref: found[our] for ref, our in zip(given, ours, strict=True)}

    @daf_errors
    def get_dataset_type(self, name: str) -> daf_butler.DatasetType:  # type: ignore[override]
        """Return a registered dataset type, as daf_butler's."""
        return self._codec.dataset_type_out(self._plain.get_dataset_type(name))

    @daf_errors
    def get_dataset(
        self,
        id: Any,
        *,
        storage_class: Any = None,
        dimension_records: bool = False,
        datastore_records: bool = False,
    ) -> Any:
        """Return the ref of a dataset by its ID, or `None`."""
        ref = self._plain.get_dataset(id, storage_class=_storage_class_name(storage_class))
        return self._codec.optional_ref_out(ref)

    @daf_errors
    def get_many_datasets(self, ids: Iterable[Any]) -> list[Any]:
        """Return the refs of the datasets with these IDs that exist."""
        return [self._codec.ref_out(ref) for ref in self._plain.get_many_datasets(ids)]

    @daf_errors
    def find_dataset(
        self,
        dataset_type: Any,
        data_id: Any = None,
        *,
        collections: str | Iterable[str] | None = None,
        timespan: object = None,
        storage_class: Any = None,
        dimension_records: bool = False,
        datastore_records: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Find a dataset in collections; its ref as daf_butler's, or `None`."""
        datasetType, checked = self._ref_or_type(dataset_type, data_id, kwargs)
        ref = self._plain.find_dataset(
            datasetType,
            checked,
            collections=collections,
            timespan=timespan,
            storage_class=_storage_class_name(storage_class),
        )
        return self._codec.optional_ref_out(ref)

    @daf_errors
    def getURIs(self, datasetRefOrType: Any, /, dataId: Any = None, **kwargs: Any) -> Any:
        """Return a dataset's URIs; see `InMemoryButler.getURIs`."""
        options = {k: kwargs.pop(k) for k in ("predict", "collections", "run") if k in kwargs}
        target, checked = self._ref_or_type(datasetRefOrType, dataId, kwargs)
        return self._plain.getURIs(target, checked, **options)

    @daf_errors
    def getURI(self, datasetRefOrType: Any, /, dataId: Any = None, **kwargs: Any) -> Any:
        """Return a dataset's URI; see `InMemoryButler.getURI`."""
        options = {k: kwargs.pop(k) for k in ("predict", "collections", "run") if k in kwargs}
        target, checked = self._ref_or_type(datasetRefOrType, dataId, kwargs)
        return self._plain.getURI(target, checked, **options)

    @daf_errors
    def get_many_uris(
        self, refs: Iterable[Any], predict: bool = False, allow_missing: bool = False
    ) -> dict[Any, Any]:
        """Return the URIs of each dataset, keyed by the refs given."""
        result = {}
        for ref in refs:
            try:
                result[ref] = self._plain.getURIs(self._codec.ref_in(ref), predict=predict)
            except FileNotFoundError:
                if not allow_missing:
                    raise
        return result

    # -- queries and removal -----------------------------------------------------

    @daf_errors
    def pruneDatasets(self, refs: Iterable[Any], **kwargs: Any) -> None:
        """Remove datasets; see `InMemoryButler.pruneDatasets`."""
        self._plain.pruneDatasets(self._codec.refs_in(refs), **kwargs)

    @daf_errors
    def removeRuns(self, names: Iterable[str], unstore: bool = True, **kwargs: Any) -> None:
        """Remove runs and their datasets; see `InMemoryButler.removeRuns`."""
        self._plain.removeRuns(names, unstore, **kwargs)

    # -- configuration ---------------------------------------------------------

    @daf_errors
    def validateConfiguration(
        self,
        logFailures: bool = False,
        datasetTypeNames: Iterable[str] | None = None,
        ignore: Iterable[str] | None = None,
    ) -> None:
        """Check that the storage classes of the registered dataset types resolve.

        Parameters
        ----------
        logFailures : `bool`, optional
            Log each problem found.
        datasetTypeNames : iterable of `str`, optional
            The dataset types to check; all registered ones by default.
        ignore : iterable of `str`, optional
            Dataset types not to check (a composite's name covers its
            components).

        Raises
        ------
        lsst.daf.butler.ValidationError
            A storage class is unknown to daf_butler's `StorageClassFactory`.
        MissingDatasetTypeError
            A dataset type named is not registered.
        """
        registry = self.registry_state
        if datasetTypeNames:
            datasetTypes = [registry.get_dataset_type(name) for name in datasetTypeNames]
        else:
            datasetTypes = registry.query_dataset_types(...)
        skipped = set(ignore or ())
        factory = daf_butler.StorageClassFactory()
        problems = []
        for datasetType in datasetTypes:
            if datasetType.name in skipped or datasetType.nameAndComponent()[0] in skipped:
                continue
            name = datasetType.storageClass_name
            if name not in factory:
                problems.append(
                    f"Dataset type {datasetType.name!r}: storage class {name!r} is not known to "
                    "daf_butler's StorageClassFactory"
                )
        if problems:
            if logFailures:
                for problem in problems:
                    _log.critical("%s", problem)
            raise daf_butler.ValidationError(";\n".join(problems))

    # -- views and clones ----------------------------------------------------

    @property
    def collections(self) -> Any:
        """The default collections and daf_butler's collections API."""
        view: Any = self._collections_view
        if view is None:
            from .collections import DafCollections

            view = DafCollections(self._plain.collections, self._codec)
            self._collections_view = view
        return view

    @property
    def registry(self) -> Any:
        """daf_butler's registry API, with its dimension-record methods."""
        view: Any = self._registry_view
        if view is None:
            from .registry import DafRegistry

            view = DafRegistry(cast(DafButler, self._twin()))
            self._registry_view = view
        return view

    def clone(
        self,
        *,
        run: str | EllipsisType | None = ...,
        collections: str | Iterable[str] | EllipsisType | None = ...,
    ) -> DafButler:
        """Return another butler over the same registry, records and datastore."""
        plain = self._plain.clone(run=run, collections=collections)
        clone = object.__new__(DafButler)
        clone.__dict__.update(plain.__dict__)
        clone._codec = self._codec
        clone._metrics = daf_butler.ButlerMetrics()
        clone._plain = clone._plain_twin()
        return clone


daf_butler.Butler.register(DafButler)
