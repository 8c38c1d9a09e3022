"""`InMemoryDatastore`: datasets held in a dict, with daf_butler's semantics."""

from __future__ import annotations

__all__ = ["InMemoryDatastore", "StoredMemoryItemInfo"]

import itertools
import logging
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar, NamedTuple, NoReturn

from ..core.defaults import shared_default_storage_classes
from ..core.errors import (
    DatasetMutatedError,
    DatasetTypeNotSupportedError,
    DatastoreValidationError,
)
from ..core.foreign import error_for, is_ref, missing_ref_parts
from ..core.model import DatasetId, DatasetRef, DatasetType
from ..core.storage import StorageClass, StorageClassFactory
from ..tools.store_tools import (
    DEFAULT_LOG_SIZE,
    Fault,
    LoggedOperation,
    Snapshot,
    StoreTools,
    make_fault,
    mutation_error,
    same_value,
)
from .bridge import BridgeManager, EphemeralBridge, PriorEntry
from .constraints import Constraints
from .counts import OperationCounts
from .transaction import DatastoreTransaction
from .uri import DatasetRefURIs, MemoryURI

_log = logging.getLogger(__name__)
_MISSING: Any = object()
_NO_CONSTRAINTS = Constraints()
_store_numbers = itertools.count(1)
_new_tuple = tuple.__new__
_time = time.time


class StoredMemoryItemInfo(NamedTuple):
    """What a datastore records about one stored dataset (immutable).

    A named tuple rather than an attrs class: one is built on every ``put``,
    and a tuple is built in half the time.

    Parameters
    ----------
    timestamp : `float`
        When it was stored (seconds since the epoch).
    storageClass : `StorageClass`
        The storage class it was written with.
    parentID : `DatasetId`
        The ID of the artifact (the stored object) this record refers to.
    dataset_id : `DatasetId`
        The ID of the dataset this record describes.
    """

    timestamp: float
    storageClass: StorageClass
    parentID: DatasetId
    dataset_id: DatasetId


class _PutUndo(NamedTuple):
    """How to undo one put (or one added record) when its transaction rolls back."""

    record: StoredMemoryItemInfo
    """The record the put wrote; the undo is skipped once another replaced it."""
    previous: StoredMemoryItemInfo | None
    """The record it replaced, if any."""
    previous_obj: Any
    """The object it replaced under the same ID, or ``_MISSING``."""
    orphan: tuple[DatasetId, Any] | None
    """An artifact the put dropped because no other record used it."""
    bridge_entry: PriorEntry
    """What the bridge held for the ID before."""


class _ThreadState(threading.local):
    transaction: DatastoreTransaction | None = None


def _reject_non_ref(value: object, where: str) -> NoReturn:
    raise TypeError(
        f"{where} expects a DatasetRef; got {_type_name(value)}, which lacks "
        f"{', '.join(missing_ref_parts(value))}: {value!r:.120}"
    )


def _type_name(value: object) -> str:
    cls = type(value)
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


def _ref_list(refs: DatasetRef | Iterable[DatasetRef], where: str) -> list[DatasetRef]:
    """Return ``refs`` as a list, checking every element before any change."""
    if is_ref(refs):
        return [refs]  # type: ignore[list-item]
    if isinstance(refs, (str, bytes, Mapping)) or not isinstance(refs, Iterable):
        raise TypeError(
            f"{where} expects a DatasetRef or an iterable of DatasetRef; "
            f"got {type(refs).__name__}: {refs!r:.120}"
        )
    listed = list(refs)
    for position, ref in enumerate(listed):
        if not is_ref(ref):
            raise TypeError(
                f"{where} expects DatasetRefs; item {position} is a {_type_name(ref)}, which "
                f"lacks {', '.join(missing_ref_parts(ref))}: {ref!r:.120}"
            )
    return listed


def _check_flag(value: object, name: str, where: str) -> None:
    if value is not True and value is not False:
        hint = " (pass the refs as refs=...)" if where == "emptyTrash" else ""
        raise TypeError(
            f"{where}: {name} must be True or False; got {type(value).__name__}: "
            f"{value!r:.80}{hint}. Nothing was changed"
        )


def _stored_form(ref: DatasetRef, storageClass: StorageClass, obj: Any) -> Any:
    """Return ``obj`` as `put` stores it: as is when it has the storage class's type."""
    if type(storageClass) is StorageClass:
        pytype = storageClass.resolved_pytype
    else:
        pytype = storageClass.pytype
    if pytype is not None and isinstance(obj, pytype):
        return obj
    return _converted(ref, storageClass, obj)


def _converted(ref: DatasetRef, storageClass: StorageClass, obj: Any) -> Any:
    """Return ``obj`` converted by the storage class; a failure names the ref."""
    try:
        return storageClass.coerce_type(obj)
    except (TypeError, ImportError) as err:
        raise type(err)(f"Cannot put {ref}: {err}") from err


def _copy_for(ref: DatasetRef, storageClass: StorageClass, obj: Any, option: str) -> Any:
    """Return the delegate's copy of ``obj``; a failure names the ref."""
    try:
        return storageClass.delegate().copy(obj)
    except Exception as err:
        raise TypeError(
            f"{option} cannot copy the {type(obj).__name__} of {ref}: {err}"
        ) from err


class InMemoryDatastore:
    """A datastore that keeps datasets as Python objects, by dataset ID.

    Parameters
    ----------
    name : `str`, optional
        Defaults to a unique ``InMemoryDatastore@<n>``.
    bridgeManager : `BridgeManager`, optional
        Where the registry bridge comes from; without one the store makes
        a bridge of its own.
    constraints : mapping, optional
        ``{"accept": [...], "reject": [...]}``, see `Constraints`.
    copy_on_put : `bool`, optional
        Store a copy, so changing the object after ``put`` changes nothing.
    copy_on_get : `bool`, optional
        Return a copy, so changing what ``get`` returned changes nothing.
    storageClasses : `StorageClassFactory`, optional
        Resolves storage class names given to ``get(storageClass=...)``.
    detect_mutation : `bool`, optional
        Keep a copy of each object put (the storage class delegate's copy)
        and raise `DatasetMutatedError` when a stored object no longer
        equals it: on ``get`` of that dataset, and from `check_mutations`.
    log_size : `int`, optional
        Keep a log of the last ``log_size`` operations (`operation_log`);
        0, the default (`tools.DEFAULT_LOG_SIZE`), keeps none.
    count_gets : `bool`, optional
        Count the gets of each dataset (`get_counts`, `repeated_gets`).

    Notes
    -----
    Every method is safe to call from several threads. A transaction
    belongs to the thread that opened it.

    A store with a test tool on (any of the last three options, or a fault
    armed by `fail_next`) is an instance of a subclass that runs the tools
    around each operation; a store without one runs the operations with no
    check for them at all.

    ``datasets`` maps artifact IDs to objects, ``records`` dataset IDs to
    `StoredMemoryItemInfo`, and ``related`` artifact IDs to the IDs of the
    records that refer to them; ``bridge`` holds the registry records and the
    trash. They are public for inspection only.
    """

    isEphemeral: ClassVar[bool] = True
    _tools: StoreTools | None = None
    """The test tools' state; a store gets its own once a tool is on."""

    def __init__(
        self,
        name: str | None = None,
        *,
        bridgeManager: BridgeManager | None = None,
        constraints: Mapping[str, Any] | None = None,
        copy_on_put: bool = False,
        copy_on_get: bool = False,
        storageClasses: StorageClassFactory | None = None,
        detect_mutation: bool = False,
        log_size: int = DEFAULT_LOG_SIZE,
        count_gets: bool = False,
    ) -> None:
        tools = None
        if detect_mutation or log_size or count_gets:
            tools = StoreTools.checked(log_size, detect_mutation, count_gets)
        if name is None:
            name = f"InMemoryDatastore@{next(_store_numbers)}"
        elif not isinstance(name, str) or not name:
            raise ValueError(f"A datastore name must be a non-empty str; got {name!r}")
        self.name = name
        self.constraints = _NO_CONSTRAINTS if constraints is None else Constraints(constraints)
        self.copy_on_put = bool(copy_on_put)
        self.copy_on_get = bool(copy_on_get)
        self.storageClasses = storageClasses
        self.datasets: dict[DatasetId, Any] = {}
        self.records: dict[DatasetId, StoredMemoryItemInfo] = {}
        self.related: dict[DatasetId, set[DatasetId]] = {}
        if bridgeManager is None:
            self.bridge = EphemeralBridge(name)
        else:
            self.bridge = bridgeManager.register(name, ephemeral=True)
        self.counts = OperationCounts()
        self._constrained = self.constraints is not _NO_CONSTRAINTS
        self._accepted: dict[DatasetType, bool] = {}
        self._lock = threading.RLock()
        # Bound once: acquire()/release() in try/finally costs half a `with`.
        self._acquire = self._lock.acquire
        self._insert_one = self.bridge.insert_one
        self._release = self._lock.release
        self._thread = _ThreadState()
        # Transactions open in any thread; while none is, put skips the
        # thread-local lookup.
        self._open_transactions = 0
        if tools is not None:
            self._tools = tools
            self.__class__ = _with_tools(type(self))

    def __repr__(self) -> str:
        return f"<InMemoryDatastore {self.name!r}: {len(self.records)} records>"

    @property
    def names(self) -> tuple[str, ...]:
        """The names of this datastore: its own, as for any datastore that chains none."""
        return (self.name,)

    # -- writing -----------------------------------------------------------

    def put(self, inMemoryDataset: Any, ref: DatasetRef, provenance: Any = None) -> None:
        """Store a dataset under its ref.

        Putting an ID that is already stored replaces it (a rollback of the
        enclosing transaction restores the previous object); an ID in the
        trash leaves it.

        Raises
        ------
        TypeError
            ``ref`` is not a `DatasetRef`, or the object does not fit the
            ref's storage class and no converter applies.
        DatasetTypeNotSupportedError
            The constraints reject this ref.
        ValueError
            ``ref`` is a component ref: put the composite.
        """
        if type(ref) is not DatasetRef and not is_ref(ref):
            _reject_non_ref(ref, "put")
        datasetType = ref.datasetType
        if self._constrained and not self._accepts(ref):
            raise error_for(
                DatasetTypeNotSupportedError,
                ref,
                f"Datastore {self.name} does not accept {ref}: its constraints reject it",
            )
        if "." in datasetType.name:
            raise ValueError(f"Cannot put {ref}: it is a component; put its composite instead")
        storageClass = datasetType.storageClass_object if type(datasetType) is DatasetType else None
        if storageClass is None:
            storageClass = self._storage_class_for(ref, "put")
        # _stored_form, written out: a call costs a put a few percent.
        if type(storageClass) is StorageClass:
            pytype = storageClass.resolved_pytype
        else:
            pytype = storageClass.pytype
        if pytype is not None and isinstance(inMemoryDataset, pytype):
            obj = inMemoryDataset
        else:
            obj = _converted(ref, storageClass, inMemoryDataset)
        if self.copy_on_put:
            obj = _copy_for(ref, storageClass, obj, "copy_on_put")
        dataset_id = ref.id
        record = _new_tuple(
            StoredMemoryItemInfo, (_time(), storageClass, dataset_id, dataset_id)
        )
        self._acquire()
        try:
            # The common case (a new ID, no transaction) in as few dict
            # operations as it takes; setdefault leaves an existing record
            # alone for _replace.
            if (
                not self._open_transactions
                and self.records.setdefault(dataset_id, record) is record
            ):
                self.datasets[dataset_id] = obj
                fresh = {dataset_id}
                siblings = self.related.setdefault(dataset_id, fresh)
                if siblings is not fresh:
                    siblings.add(dataset_id)
                self._insert_one(dataset_id, ref)
                self.counts.put += 1
                return
            self._replace(ref, obj, record, self._thread.transaction)
            self.counts.put += 1
        finally:
            self._release()

    def _replace(
        self,
        ref: DatasetRef,
        obj: Any,
        record: StoredMemoryItemInfo,
        transaction: DatastoreTransaction | None,
    ) -> None:
        """Store ``obj`` over whatever ``ref.id`` held, keeping how to undo it."""
        dataset_id = ref.id
        previous = self.records.get(dataset_id)
        previous_obj = self.datasets.get(dataset_id, _MISSING)
        orphan = None
        if previous is not None:
            self.counts.overwrite += 1
            orphan = self._detach(dataset_id)
        self.datasets[dataset_id] = obj
        self._add_record(ref, record, transaction, "put", previous, previous_obj, orphan)

    def _add_record(
        self,
        ref: DatasetRef,
        record: StoredMemoryItemInfo,
        transaction: DatastoreTransaction | None,
        what: str,
        previous: StoredMemoryItemInfo | None = None,
        previous_obj: Any = _MISSING,
        orphan: tuple[DatasetId, Any] | None = None,
    ) -> None:
        """Record ``ref`` under its artifact and in the bridge, keeping how to undo it."""
        self.records[record.dataset_id] = record
        self.related.setdefault(record.parentID, set()).add(record.dataset_id)
        bridge_entry = self.bridge.insert_with_undo(ref)
        if transaction is not None:
            transaction.registerUndo(
                what, self._undo_put, _PutUndo(record, previous, previous_obj, orphan, bridge_entry)
            )

    def _undo_put(self, undo: _PutUndo) -> None:
        dataset_id = undo.record.dataset_id
        with self._lock:
            if self.records.get(dataset_id) is not undo.record:
                # Something later (another put, emptyTrash, forget) replaced
                # or removed this put's work: that later change stands.
                return
            self._detach(dataset_id)
            if undo.previous_obj is not _MISSING:
                self.datasets[dataset_id] = undo.previous_obj
            orphan = undo.orphan
            if orphan is not None and orphan[1] is not _MISSING:
                self.datasets[orphan[0]] = orphan[1]
            previous = undo.previous
            if previous is not None:
                self.records[dataset_id] = previous
                self.related.setdefault(previous.parentID, set()).add(dataset_id)
            self.bridge.undo_insert(dataset_id, undo.bridge_entry)

    def _detach(self, dataset_id: DatasetId) -> tuple[DatasetId, Any] | None:
        """Drop one record; drop its artifact too if no other record uses it.

        Returns the artifact's ID and object when it was dropped.
        """
        record = self.records.pop(dataset_id)
        siblings = self.related.get(record.parentID)
        if siblings is not None:
            siblings.discard(dataset_id)
            if siblings:
                return None
            del self.related[record.parentID]
        return record.parentID, self.datasets.pop(record.parentID, _MISSING)

    def _accepts(self, ref: DatasetRef) -> bool:
        constraints = self.constraints
        if constraints.uses_data_id:
            return constraints.isAcceptable(ref)
        datasetType = ref.datasetType
        decision = self._accepted.get(datasetType)
        if decision is None:
            decision = self._accepted[datasetType] = constraints.isAcceptableType(datasetType)
        return decision

    def put_new(self, in_memory_dataset: Any, ref: DatasetRef) -> Mapping[str, Any]:
        """Store a dataset, as `put` does; return no refs, as daf_butler's ephemeral stores do."""
        self.put(in_memory_dataset, ref)
        return {}

    def addStoredItemInfo(
        self, refs: Iterable[DatasetRef], infos: Iterable[StoredMemoryItemInfo]
    ) -> None:
        """Add records for datasets whose artifact is already stored.

        This is how several records come to share one artifact (their
        ``parentID``): the artifact stays until the last of them is emptied
        from the trash or forgotten.

        Raises
        ------
        DatastoreValidationError
            An info does not describe its ref, its parent artifact is not
            stored, or the ref already has a record. Nothing is added then.
        """
        listed = _ref_list(refs, "addStoredItemInfo")
        info_list = list(infos)
        if len(info_list) != len(listed):
            raise ValueError(
                f"addStoredItemInfo got {len(listed)} refs but {len(info_list)} infos"
            )
        with self._lock:
            for ref, info in zip(listed, info_list, strict=True):
                if not isinstance(info, StoredMemoryItemInfo):
                    raise TypeError(
                        f"addStoredItemInfo for {ref}: expected a StoredMemoryItemInfo, "
                        f"got {type(info).__name__}"
                    )
                if info.dataset_id != ref.id:
                    raise DatastoreValidationError(
                        f"Record for {ref} names another dataset: {info.dataset_id}"
                    )
                if ref.id in self.records:
                    raise DatastoreValidationError(f"{ref} already has a record in {self.name}")
                if info.parentID not in self.datasets:
                    raise DatastoreValidationError(
                        f"Record for {ref} refers to artifact {info.parentID}, which is not "
                        f"stored in {self.name}"
                    )
            if len({ref.id for ref in listed}) != len(listed):
                raise DatastoreValidationError("addStoredItemInfo got the same dataset ID twice")
            transaction = self._thread.transaction
            for ref, info in zip(listed, info_list, strict=True):
                self._add_record(ref, info, transaction, "addStoredItemInfo")

    def getStoredItemInfo(self, ref: DatasetRef) -> StoredMemoryItemInfo:
        """Return the record of ``ref``.

        Raises
        ------
        FileNotFoundError
            No record for ``ref``.
        """
        if type(ref) is not DatasetRef and not is_ref(ref):
            _reject_non_ref(ref, "getStoredItemInfo")
        try:
            return self.records[ref.id]
        except KeyError:
            raise FileNotFoundError(f"Dataset {ref} has no record in {self.name}") from None

    def getStoredItemsInfo(self, ref: DatasetRef) -> list[StoredMemoryItemInfo]:
        """Return the records of ``ref`` as a list (always one here)."""
        return [self.getStoredItemInfo(ref)]

    # -- reading -----------------------------------------------------------

    def get(
        self,
        ref: DatasetRef,
        parameters: Mapping[str, Any] | None = None,
        storageClass: StorageClass | str | None = None,
    ) -> Any:
        """Return a stored dataset, a component of it, or a part of either.

        Parameters
        ----------
        ref : `DatasetRef`
            What to read; a component ref reads that component.
        parameters : mapping, optional
            Read parameters, checked against the read storage class (the
            write storage class for a derived component).
        storageClass : `StorageClass` or `str`, optional
            Read with this storage class instead of the ref's.

        Raises
        ------
        FileNotFoundError
            The dataset is not stored here.
        KeyError
            A parameter is not understood.
        TypeError
            ``ref`` is not a `DatasetRef`, or the result does not convert to
            the read storage class.
        """
        if type(ref) is not DatasetRef and not is_ref(ref):
            _reject_non_ref(ref, "get")
        datasetType = ref.datasetType
        self._acquire()
        try:
            record = self.records.get(ref.id)
            if record is None:
                obj = _MISSING
            else:
                obj = self.datasets.get(record.parentID, _MISSING)
                # The object as stored is the answer when the read asks for
                # nothing else: the whole dataset, with the storage class it
                # was put with (daf_butler's dataset types resolve theirs).
                if (
                    obj is not _MISSING
                    and parameters is None
                    and storageClass is None
                    and record.storageClass is (
                        datasetType.storageClass_object
                        if type(datasetType) is DatasetType
                        else datasetType.storageClass
                    )
                    and not self.copy_on_get
                    and "." not in datasetType.name
                ):
                    self.counts.get += 1
                    return obj
            if obj is _MISSING:
                self.counts.get_missing += 1
        finally:
            self._release()
        if obj is _MISSING or record is None:
            raise FileNotFoundError(f"Dataset {ref} is not stored in {self.name}")
        if storageClass is None:
            readStorageClass = self._storage_class_for(ref, "get")
        else:
            readStorageClass = self._read_storage_class(ref, storageClass)
        result = self._read(ref, record, obj, parameters, readStorageClass)
        if self.copy_on_get:
            result = _copy_for(ref, readStorageClass, result, "copy_on_get")
        with self._lock:
            self.counts.get += 1
        return result

    def _read(
        self,
        ref: DatasetRef,
        record: StoredMemoryItemInfo,
        obj: Any,
        parameters: Mapping[str, Any] | None,
        readStorageClass: StorageClass,
    ) -> Any:
        datasetType = ref.datasetType
        writeStorageClass = record.storageClass
        component = datasetType.component()
        derived = component is not None and component in writeStorageClass.derivedComponents
        try:
            (writeStorageClass if derived else readStorageClass).validateParameters(parameters)
        except KeyError as err:
            raise KeyError(f"Cannot get {ref}: {err.args[0]}") from None
        try:
            if derived and parameters:
                obj = writeStorageClass.delegate().handleParameters(obj, parameters)
                parameters = None
            if component is not None:
                obj = writeStorageClass.delegate().getComponent(obj, component)
                if obj is None:
                    return None
            if parameters:
                obj = readStorageClass.delegate().handleParameters(obj, parameters)
            return readStorageClass.coerce_type(obj)
        except (TypeError, ValueError, AttributeError) as err:
            raise type(err)(f"Cannot get {ref}: {err}") from err

    def _read_storage_class(
        self, ref: DatasetRef, storageClass: StorageClass | str
    ) -> StorageClass:
        if isinstance(storageClass, str):
            if type(ref.datasetType) is not DatasetType:
                # A daf_butler dataset type resolves names through daf_butler's factory.
                try:
                    overridden = ref.datasetType.overrideStorageClass(storageClass)  # type: ignore[arg-type]
                except (KeyError, ValueError, TypeError) as err:
                    raise type(err)(f"Cannot get {ref}: {err}") from err
                found: StorageClass = overridden.storageClass
                return found
            return self._named_storage_class(ref, storageClass, "get")
        if isinstance(storageClass, StorageClass) or callable(
            getattr(storageClass, "delegate", None)
        ):
            return storageClass
        raise TypeError(
            f"Cannot get {ref}: storageClass must be a StorageClass or a name; "
            f"got {type(storageClass).__name__}"
        )

    def storage_class_of(self, ref: DatasetRef) -> StorageClass:
        """Return the storage class this store puts and gets ``ref`` with.

        That of its dataset type; a storage class given there by name is
        resolved through ``storageClasses`` (the defaults when not given).

        Raises
        ------
        KeyError
            The name is not known; the message names the ref.
        """
        return self._storage_class_for(ref, "resolve the storage class of")

    def _storage_class_for(self, ref: DatasetRef, verb: str) -> StorageClass:
        datasetType = ref.datasetType
        if type(datasetType) is not DatasetType:
            # daf_butler's dataset type resolves its own storage class.
            foreign: StorageClass = datasetType.storageClass
            return foreign
        storageClass = datasetType.storageClass_object
        if storageClass is None:
            storageClass = self._named_storage_class(ref, datasetType.storageClass_name, verb)
        return storageClass

    def _named_storage_class(self, ref: DatasetRef, name: str, verb: str) -> StorageClass:
        """Resolve a storage class name through this store's factory.

        Raises
        ------
        KeyError
            The factory does not know the name; the message names the ref.
        """
        factory = self.storageClasses
        if factory is None:
            factory = shared_default_storage_classes()
        try:
            return factory.getStorageClass(name)
        except KeyError as err:
            raise KeyError(f"Cannot {verb} {ref}: {err.args[0]}") from None

    def exists(self, ref: DatasetRef) -> bool:
        """Return whether the dataset is stored here (trashed or not)."""
        if type(ref) is not DatasetRef and not is_ref(ref):
            _reject_non_ref(ref, "exists")
        self._acquire()
        try:
            self.counts.exists += 1
            record = self.records.get(ref.id)
            return record is not None and record.parentID in self.datasets
        finally:
            self._release()

    def knows(self, ref: DatasetRef) -> bool:
        """Return whether the dataset is known; the same as `exists` here."""
        return self.exists(ref)

    def mexists(self, refs: Iterable[DatasetRef]) -> dict[DatasetRef, bool]:
        """Return `exists` for each ref."""
        return {ref: self.exists(ref) for ref in _ref_list(refs, "mexists")}

    def knows_these(self, refs: Iterable[DatasetRef]) -> dict[DatasetRef, bool]:
        """Return `knows` for each ref."""
        return self.mexists(refs)

    # -- URIs --------------------------------------------------------------

    def getURIs(self, ref: DatasetRef, predict: bool = False) -> DatasetRefURIs:
        """Return the ``mem://`` URI of a dataset; no component URIs.

        Raises
        ------
        FileNotFoundError
            The dataset is not stored and ``predict`` is false.
        """
        if type(ref) is not DatasetRef and not is_ref(ref):
            _reject_non_ref(ref, "getURIs")
        with self._lock:
            record = self.records.get(ref.id)
            stored = record is not None and record.parentID in self.datasets
        if stored:
            return DatasetRefURIs(MemoryURI(ref, self), {})
        if not predict:
            raise FileNotFoundError(f"Dataset {ref} is not stored in {self.name}")
        return DatasetRefURIs(MemoryURI(ref, self, predicted=True), {})

    def getURI(self, ref: DatasetRef, predict: bool = False) -> MemoryURI:
        """Return the primary ``mem://`` URI of a dataset."""
        primary, _ = self.getURIs(ref, predict)
        assert primary is not None  # this datastore never disassembles
        return primary

    def getManyURIs(
        self, refs: Iterable[DatasetRef], predict: bool = False, allow_missing: bool = False
    ) -> dict[DatasetRef, DatasetRefURIs]:
        """Return `getURIs` for each ref.

        ``allow_missing`` leaves out refs that are not stored instead of
        raising, as daf_butler does.
        """
        found = {}
        for ref in _ref_list(refs, "getManyURIs"):
            try:
                found[ref] = self.getURIs(ref, predict)
            except FileNotFoundError:
                if not allow_missing:
                    raise
        return found

    # -- removing ----------------------------------------------------------

    def trash(self, ref: DatasetRef | Iterable[DatasetRef], ignore_errors: bool = False) -> None:
        """Move datasets to the trash; they still exist until `emptyTrash`.

        A single ref must be stored; an iterable is trashed in bulk without
        checks. A rollback of the enclosing transaction undoes the move.

        Raises
        ------
        FileNotFoundError
            A single ref is not stored, and ``ignore_errors`` is false.
        TypeError
            Something other than refs was given.
        """
        if ignore_errors is not False:
            _check_flag(ignore_errors, "ignore_errors", "trash")
        if type(ref) is DatasetRef or is_ref(ref):
            with self._lock:
                single: DatasetRef = ref  # type: ignore[assignment]
                record = self.records.get(single.id)
                if record is None or record.parentID not in self.datasets:
                    message = f"Cannot trash {ref}: it is not stored in {self.name}"
                    if ignore_errors:
                        _log.warning("%s (ignored)", message)
                        return
                    raise FileNotFoundError(message)
                self.counts.trash += self.bridge.moveToTrash([single], self._thread.transaction)
            return
        refs = _ref_list(ref, "trash")
        with self._lock:
            self.counts.trash += self.bridge.moveToTrash(refs, self._thread.transaction)

    def emptyTrash(
        self,
        ignore_errors: bool = False,
        refs: Iterable[DatasetRef] | None = None,
        dry_run: bool = False,
    ) -> set[Any]:
        """Delete trashed datasets; not undone by a rollback.

        Parameters
        ----------
        ignore_errors : `bool`, optional
            Log and skip a dataset that cannot be removed.
        refs : iterable of `DatasetRef`, optional
            Only these of the trashed datasets; `None` means all of them and
            an empty iterable none.
        dry_run : `bool`, optional
            Log what would be removed and change nothing.

        Returns
        -------
        removed : `set`
            Always empty: there are no file artifacts to report.

        Notes
        -----
        An artifact is deleted only when no other record refers to it.
        """
        if ignore_errors is not False:
            _check_flag(ignore_errors, "ignore_errors", "emptyTrash")
        if dry_run is not False:
            _check_flag(dry_run, "dry_run", "emptyTrash")
        selected = None if refs is None else [r.id for r in _ref_list(refs, "emptyTrash")]
        with self._lock, self.bridge.emptyTrash(selected, dry_run) as (trashed, _):
            if dry_run:
                for ref in trashed:
                    _log.info("Would remove %s from %s (dry run)", ref, self.name)
                return set()
            records = self.records
            for ref in trashed:
                dataset_id = ref.id
                if dataset_id not in records:
                    continue
                try:
                    self._detach(dataset_id)
                except Exception:
                    if not ignore_errors:
                        raise
                    _log.warning("Cannot remove %s from %s", ref, self.name, exc_info=True)
            self.counts.emptied += len(trashed)
        return set()

    def remove(self, ref: DatasetRef) -> None:
        """Trash one dataset and empty it from the trash at once.

        Raises
        ------
        FileNotFoundError
            The dataset is not stored here.
        """
        if type(ref) is not DatasetRef and not is_ref(ref):
            _reject_non_ref(ref, "remove")
        with self._lock:
            self.trash(ref)
            self.emptyTrash(refs=[ref])

    def forget(self, refs: DatasetRef | Iterable[DatasetRef]) -> None:
        """Drop all knowledge of these datasets, and unshared artifacts.

        Forgetting an unknown ref does nothing. Not undone by a rollback.
        """
        listed = _ref_list(refs, "forget")
        with self._lock:
            bridge = self.bridge
            forgotten = 0
            for ref in listed:
                dataset_id = ref.id
                recorded = dataset_id in self.records
                if recorded:
                    self._detach(dataset_id)
                forgotten += bridge.forget((ref,)) > 0 or recorded
            self.counts.forget += forgotten

    def transfer(self, inputDatastore: Any, ref: DatasetRef) -> None:
        """Copy one dataset from another datastore into this one."""
        if type(ref) is not DatasetRef and not is_ref(ref):
            _reject_non_ref(ref, "transfer")
        self.put(inputDatastore.get(ref), ref)

    # -- transactions ------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[DatastoreTransaction]:
        """Open a (possibly nested) transaction for this thread.

        An exception leaving the block undoes the block's ``put`` and
        ``trash`` calls (inner blocks included) and propagates. `emptyTrash`
        and `forget` are never undone.
        """
        state = self._thread
        parent = state.transaction
        transaction = DatastoreTransaction(parent)
        with self._lock:
            self._open_transactions += 1
        state.transaction = transaction
        try:
            yield transaction
        except BaseException:
            with self._lock:
                transaction.rollback()
                self.counts.rollback += 1
            raise
        else:
            with self._lock:
                transaction.commit()
                self.counts.commit += 1
        finally:
            state.transaction = parent
            with self._lock:
                self._open_transactions -= 1

    # -- inspection --------------------------------------------------------

    def stored_refs(self) -> list[DatasetRef]:
        """Return the refs of every stored dataset (trashed ones included)."""
        with self._lock:
            lookup = self.bridge.lookup
            found = (lookup(dataset_id) for dataset_id in self.records)
            return [ref for ref in found if ref is not None]

    def consistency_problems(self) -> list[str]:
        """Return what, if anything, is inconsistent between the tables.

        Checked: every record's artifact is stored and lists it in
        ``related``; every ``related`` entry lists records that refer to it;
        every artifact has a record; records and bridge agree.
        """
        problems = []
        with self._lock:
            known = self.bridge.known_ids
            for dataset_id, record in self.records.items():
                if record.dataset_id != dataset_id:
                    problems.append(f"record {dataset_id} describes {record.dataset_id}")
                if record.parentID not in self.datasets:
                    problems.append(f"record {dataset_id}: artifact {record.parentID} is missing")
                if dataset_id not in self.related.get(record.parentID, ()):
                    problems.append(f"record {dataset_id} is not listed under {record.parentID}")
                if dataset_id not in known:
                    problems.append(f"record {dataset_id} is not in the bridge")
            for parent_id, members in self.related.items():
                if not members:
                    problems.append(f"artifact {parent_id} has an empty related set")
                for member in members:
                    member_record = self.records.get(member)
                    if member_record is None or member_record.parentID != parent_id:
                        problems.append(f"related[{parent_id}] lists {member}, which is not its")
            for parent_id in self.datasets:
                if not self.related.get(parent_id):
                    problems.append(f"artifact {parent_id} has no record")
            for dataset_id in known:
                if dataset_id not in self.records:
                    problems.append(f"bridge lists {dataset_id}, which has no record")
        return problems

    # -- test tools --------------------------------------------------------

    @property
    def detect_mutation(self) -> bool:
        """Whether this store checks stored objects against copies taken at ``put``."""
        return self._tools is not None and self._tools.snapshots is not None

    @property
    def log_size(self) -> int:
        """How many operations the log keeps; 0 when there is no log."""
        log = None if self._tools is None else self._tools.log
        return 0 if log is None else log.maxlen or 0

    @property
    def count_gets(self) -> bool:
        """Whether this store counts the gets of each dataset."""
        return self._tools is not None and self._tools.reads is not None

    def _use_tools(self) -> StoreTools:
        """Return the tools' state, turning this store into one that runs them."""
        with self._lock:
            tools = self._tools
            if tools is None:
                tools = self._tools = StoreTools(0, False, False)
                self.__class__ = _with_tools(type(self))
            return tools

    def fail_next(
        self,
        operation: str,
        exception: BaseException | type[BaseException] | None = None,
        *,
        match: Any = None,
        times: int = 1,
    ) -> Fault:
        """Make the next calls of an operation raise, before they change anything.

        Parameters
        ----------
        operation : `str`
            ``"put"``, ``"get"``, ``"exists"``, ``"trash"``, ``"emptyTrash"``,
            ``"forget"`` or ``"transfer"``.
        exception : `BaseException` or exception class, optional
            What to raise: this exception, or this class made with the default
            message. By default an `OSError` whose message names the
            operation, the ref and the store.
        match : `str`, `DatasetRef` or callable, optional
            Which calls fail: those on a ref of this dataset type (a
            component's ref matches the name of its composite too), on this
            ref (by dataset ID), or on a ref for which ``match(ref)`` is
            true. A call given several refs (``trash``, ``forget``) or
            emptying several (``emptyTrash``) fails when any of them matches.
            `None` (the default): every call.
        times : `int`, optional
            How many matching calls fail.

        Returns
        -------
        fault : `Fault`
            The armed fault; its ``fired`` count says how often it has fired.

        Raises
        ------
        ValueError
            ``operation`` is not one of those, or ``times`` is less than 1.
        TypeError
            ``exception`` or ``match`` is of the wrong kind.

        Notes
        -----
        Faults fire in the order they were armed. A call that fails this way
        leaves the store, its counts included, exactly as it was; the
        operation log shows it with the exception's name and ``(injected)``.
        Other methods that use these operations (``remove`` calls ``trash``
        and ``emptyTrash``, ``transfer`` calls ``put``) fail with them.
        """
        fault = make_fault(operation, exception, match, times)
        tools = self._use_tools()
        with self._lock:
            tools.faults.append(fault)
        return fault

    def armed_faults(self) -> list[Fault]:
        """Return the faults armed by `fail_next` that have not fired all their times."""
        if self._tools is None:
            return []
        with self._lock:
            return list(self._tools.faults)

    def operation_log(self) -> list[LoggedOperation]:
        """Return the logged operations, oldest first; empty when ``log_size`` is 0."""
        log = None if self._tools is None else self._tools.log
        if log is None:
            return []
        with self._lock:
            entries = list(log)
        return [_new_tuple(LoggedOperation, entry) for entry in entries]

    def mutations(self) -> list[DatasetMutatedError]:
        """Return an error for each stored object that no longer equals its copy.

        Empty unless ``detect_mutation`` is on. Objects whose ``==`` cannot
        say whether they are equal are not reported. Each error's
        ``already_raised`` says whether a ``get`` has raised it before.
        """
        snapshots = None if self._tools is None else self._tools.snapshots
        if not snapshots:
            return []
        found = []
        with self._lock:
            datasets = self.datasets
            for parent_id, snapshot in list(snapshots.items()):
                current = datasets.get(parent_id, _MISSING)
                if current is not snapshot.original:  # removed or replaced without a put
                    del snapshots[parent_id]
                    continue
                if same_value(current, snapshot.copy) is False:
                    error = mutation_error(snapshot, current, self.name)
                    error.already_raised = snapshot.raised
                    found.append(error)
        return found

    def check_mutations(self) -> None:
        """Raise the first of `mutations`, if any; its message counts the others.

        Raises
        ------
        DatasetMutatedError
            A stored object no longer equals the copy taken when it was put.
        """
        found = self.mutations()
        if found:
            first = found[0]
            if len(found) > 1:
                first.args = (f"{first.args[0]}\n({len(found) - 1} other dataset(s) in "
                              f"{self.name} changed too)",)
            raise first

    def get_counts(self) -> list[tuple[DatasetRef, int]]:
        """Return how often each dataset was read, most read first.

        Empty unless ``count_gets`` is on. Only gets that returned count; a
        component's get counts for its dataset, under the first ref read.
        """
        reads = None if self._tools is None else self._tools.reads
        if not reads:
            return []
        with self._lock:
            found = [(ref, count) for count, ref in reads.values()]
        found.sort(key=lambda item: -item[1])
        return found

    def repeated_gets(self, threshold: int) -> list[tuple[DatasetRef, int]]:
        """Return the datasets read more than ``threshold`` times, most read first."""
        return [(ref, count) for ref, count in self.get_counts() if count > threshold]

    # -- what this datastore does not do ---------------------------------

    def retrieveArtifacts(self, refs: Iterable[DatasetRef], destination: Any, *args: Any,
                          **kwargs: Any) -> NoReturn:
        """Not supported: there are no file artifacts to retrieve.

        Raises
        ------
        NotImplementedError
            Always.
        """
        raise NotImplementedError(
            f"{self.name} holds datasets in memory and has no artifacts to retrieve"
        )

    def ingest(self, *datasets: Any, **kwargs: Any) -> NoReturn:
        """Not supported: an in-memory datastore cannot ingest files.

        Raises
        ------
        NotImplementedError
            Always.
        """
        raise NotImplementedError(f"{self.name} is in memory and cannot ingest files; use put")

    def ingest_zip(self, zip_path: Any, *args: Any, **kwargs: Any) -> NoReturn:
        """Not supported: an in-memory datastore cannot ingest a zip file.

        Raises
        ------
        NotImplementedError
            Always.
        """
        raise NotImplementedError(f"{self.name} is in memory and cannot ingest a zip; use put")

    def validateConfiguration(self, entities: Iterable[Any], logFailures: bool = False) -> None:
        """Accept every entity: there is nothing to validate in memory."""

    def validateKey(self, lookupKey: Any, entity: Any) -> None:
        """Accept every key."""

    def getLookupKeys(self) -> set[str]:
        """Return the names the constraints mention (``all`` left out)."""
        return self.constraints.getLookupKeys()

    def needs_expanded_data_ids(self, transfer: str | None, entity: Any = None) -> bool:
        """Return `False`: nothing here uses expanded data IDs."""
        return False

    def import_records(self, data: Mapping[str, Any]) -> None:
        """Do nothing: in-memory records cannot be imported."""

    def export_records(self, refs: Iterable[Any]) -> dict[str, Any]:
        """Return nothing: in-memory records cannot be exported."""
        return {}

    def export_predicted_records(self, refs: Iterable[Any]) -> dict[str, Any]:
        """Return nothing: in-memory records cannot be exported."""
        return {}

    @classmethod
    def setConfigRoot(cls, root: str, config: Any, full: Any, overwrite: bool = True) -> None:
        """Do nothing: an in-memory datastore has no root."""


# -- a store with test tools on ---------------------------------------------------


class _ToolsRunner(InMemoryDatastore):
    """Runs a store's test tools around the operations of the class after it.

    Never instantiated: `_with_tools` makes the class a store with tools
    becomes, so that a store without tools pays nothing for them.
    """

    __slots__ = ()
    _tools: StoreTools

    def _depth(self) -> int:
        """Return how many transactions the calling thread has open."""
        depth = 0
        transaction = self._thread.transaction
        while transaction is not None:
            depth += 1
            transaction = transaction.parent
        return depth

    def _inject(self, verb: str, refs: list[DatasetRef], depth: int) -> None:
        """Raise the exception of the first armed fault this call matches, if any."""
        tools = self._tools
        if not tools.faults:
            return
        with self._lock:
            error = tools.fault_for(verb, refs, self.name)
        if error is not None:
            tools.record(verb, refs[0] if refs else None, error, depth, injected=True)
            raise error

    def _parents(self, refs: Iterable[DatasetRef]) -> list[DatasetId]:
        """Return the artifact IDs of those of ``refs`` that have a record."""
        records = self.records
        return [records[ref.id].parentID for ref in refs if ref.id in records]

    def _drop_snapshots(self, parent_ids: Iterable[DatasetId]) -> None:
        """Forget the copies of artifacts no longer stored."""
        snapshots = self._tools.snapshots
        if snapshots is not None:
            for parent_id in parent_ids:
                if parent_id not in self.datasets:
                    snapshots.pop(parent_id, None)

    # put and get are the hot paths: they append their log entry themselves.

    def put(self, inMemoryDataset: Any, ref: DatasetRef, provenance: Any = None) -> None:
        tools = self._tools
        depth = self._depth() if self._open_transactions else 0
        snapshots = tools.snapshots
        if tools.faults or snapshots is not None:
            valid = type(ref) is DatasetRef or is_ref(ref)
            if valid:
                self._inject("put", [ref], depth)
            else:
                snapshots = None
        try:
            if snapshots is None:
                super().put(inMemoryDataset, ref, provenance)
            else:
                self._put_and_snapshot(snapshots, inMemoryDataset, ref, provenance)
        except BaseException as err:
            tools.record("put", ref, err, depth)
            raise
        log = tools.log
        if log is not None:
            log.append((next(tools.numbers), "put", ref, "ok", depth, ""))

    def _put_and_snapshot(
        self, snapshots: dict[DatasetId, Snapshot], obj: Any, ref: DatasetRef, provenance: Any
    ) -> None:
        """Put, keeping a copy of what was stored.

        The copy is made before anything changes, of the object as the
        storage class converts it, so an object its delegate cannot copy is
        refused (a `TypeError`) and the store is left as it was.
        """
        try:
            storageClass = self._storage_class_for(ref, "put")
            stored = _stored_form(ref, storageClass, obj)
        except Exception:
            copied = _MISSING  # put refuses it below, saying what is wrong
        else:
            copied = _copy_for(ref, storageClass, stored, "detect_mutation")
            obj = stored
        with self._lock:
            super().put(obj, ref, provenance)
            previous = snapshots.pop(ref.id, None)
            snapshot = None
            if copied is not _MISSING:
                snapshot = snapshots[ref.id] = Snapshot(ref, self.datasets[ref.id], copied)
            transaction = self._thread.transaction if self._open_transactions else None
            if transaction is not None:
                transaction.registerUndo(
                    "detect_mutation", self._undo_snapshot, ref.id, snapshot, previous
                )

    def _undo_snapshot(
        self, parent_id: DatasetId, snapshot: Snapshot | None, previous: Snapshot | None
    ) -> None:
        snapshots = self._tools.snapshots
        if snapshots is None:
            return
        with self._lock:
            if snapshots.get(parent_id) is snapshot:
                if previous is None:
                    snapshots.pop(parent_id, None)
                else:
                    snapshots[parent_id] = previous

    def _checked_snapshot(self, snapshots: dict[DatasetId, Snapshot], ref: DatasetRef) -> (
        Snapshot | None
    ):
        """Return the copy of what ``ref`` reads; raise if the stored object changed."""
        record = self.records.get(ref.id)
        if record is None:
            return None
        snapshot = snapshots.get(record.parentID)
        if snapshot is None:
            return None
        current = self.datasets.get(record.parentID, _MISSING)
        if current is not snapshot.original:
            del snapshots[record.parentID]
            return None
        if same_value(current, snapshot.copy) is False:
            snapshot.raised = True
            raise mutation_error(snapshot, current, self.name)
        return snapshot

    def get(
        self,
        ref: DatasetRef,
        parameters: Mapping[str, Any] | None = None,
        storageClass: StorageClass | str | None = None,
    ) -> Any:
        tools = self._tools
        depth = self._depth() if self._open_transactions else 0
        snapshots = tools.snapshots
        if tools.faults or snapshots:
            valid = type(ref) is DatasetRef or is_ref(ref)
            if valid:
                self._inject("get", [ref], depth)
            else:
                snapshots = None
        try:
            if snapshots:
                with self._lock:
                    snapshot = self._checked_snapshot(snapshots, ref)
                    result = super().get(ref, parameters, storageClass)
                    if snapshot is not None and not self.copy_on_get:
                        snapshot.handed_out = True
            else:
                result = super().get(ref, parameters, storageClass)
        except BaseException as err:
            tools.record("get", ref, err, depth)
            raise
        reads = tools.reads
        if reads is not None:
            with self._lock:
                counted = reads.get(ref.id)
                if counted is None:
                    reads[ref.id] = [1, ref]
                else:
                    counted[0] += 1
        log = tools.log
        if log is not None:
            log.append((next(tools.numbers), "get", ref, "ok", depth, ""))
        return result

    def exists(self, ref: DatasetRef) -> bool:
        tools = self._tools
        depth = self._depth()
        if type(ref) is DatasetRef or is_ref(ref):
            self._inject("exists", [ref], depth)
        try:
            found = super().exists(ref)
        except BaseException as err:
            tools.record("exists", ref, err, depth)
            raise
        tools.record("exists", ref, None, depth, "" if found else "not stored")
        return found

    def trash(
        self, ref: DatasetRef | Iterable[DatasetRef], ignore_errors: bool = False
    ) -> None:
        tools = self._tools
        depth = self._depth()
        try:
            if type(ref) is DatasetRef or is_ref(ref):
                refs: list[DatasetRef] = [ref]  # type: ignore[list-item]
                given: DatasetRef | list[DatasetRef] = ref  # type: ignore[assignment]
            else:
                refs = given = _ref_list(ref, "trash")
        except BaseException as err:
            tools.record("trash", None, err, depth)
            raise
        first = refs[0] if refs else None
        self._inject("trash", refs, depth)
        try:
            super().trash(given, ignore_errors)
        except BaseException as err:
            tools.record("trash", first, err, depth)
            raise
        tools.record("trash", first, None, depth, _more(len(refs)))

    def emptyTrash(
        self,
        ignore_errors: bool = False,
        refs: Iterable[DatasetRef] | None = None,
        dry_run: bool = False,
    ) -> set[Any]:
        tools = self._tools
        depth = self._depth()
        try:
            selected = None if refs is None else _ref_list(refs, "emptyTrash")
        except BaseException as err:
            tools.record("emptyTrash", None, err, depth)
            raise
        with self._lock:
            targets: list[DatasetRef] = []
            if tools.faults or tools.snapshots:
                targets = self.bridge.trashed_refs()
                if selected is not None:
                    wanted = {ref.id for ref in selected}
                    targets = [ref for ref in targets if ref.id in wanted]
            self._inject("emptyTrash", targets, depth)
            parents = self._parents(targets) if tools.snapshots else []
            before = self.counts.emptied
            try:
                removed = super().emptyTrash(ignore_errors, selected, dry_run)
            except BaseException as err:
                tools.record("emptyTrash", None, err, depth)
                raise
            emptied = self.counts.emptied - before
            self._drop_snapshots(parents)
        detail = "dry run" if dry_run else f"{emptied} emptied"
        tools.record("emptyTrash", None, None, depth, detail)
        return removed

    def forget(self, refs: DatasetRef | Iterable[DatasetRef]) -> None:
        tools = self._tools
        depth = self._depth()
        try:
            listed = _ref_list(refs, "forget")
        except BaseException as err:
            tools.record("forget", None, err, depth)
            raise
        first = listed[0] if listed else None
        self._inject("forget", listed, depth)
        with self._lock:
            parents = self._parents(listed) if tools.snapshots else []
            try:
                super().forget(listed)
            except BaseException as err:
                tools.record("forget", first, err, depth)
                raise
            self._drop_snapshots(parents)
        tools.record("forget", first, None, depth, _more(len(listed)))

    def transfer(self, inputDatastore: Any, ref: DatasetRef) -> None:
        tools = self._tools
        depth = self._depth()
        if type(ref) is DatasetRef or is_ref(ref):
            self._inject("transfer", [ref], depth)
        try:
            super().transfer(inputDatastore, ref)
        except BaseException as err:
            tools.record("transfer", ref, err, depth)
            raise
        source = getattr(inputDatastore, "name", None)
        tools.record("transfer", ref, None, depth, "" if source is None else f"from {source}")

    @contextmanager
    def transaction(self) -> Iterator[DatastoreTransaction]:
        tools = self._tools
        depth = self._depth() + 1
        tools.record("begin", None, None, depth)
        try:
            with super().transaction() as transaction:
                yield transaction
        except BaseException as err:
            tools.record("rollback", None, None, depth, f"on {type(err).__name__}")
            raise
        tools.record("commit", None, None, depth)


def _more(count: int) -> str:
    """Say how many refs a call was given besides the one its log entry shows."""
    if count == 0:
        return "no refs"
    return "" if count == 1 else f"and {count - 1} more ref(s)"


_CLASSES_WITH_TOOLS: dict[type[InMemoryDatastore], type[InMemoryDatastore]] = {}


def _with_tools(cls: type[InMemoryDatastore]) -> type[InMemoryDatastore]:
    """Return the class a store of class ``cls`` becomes when a tool is turned on."""
    if issubclass(cls, _ToolsRunner):
        return cls
    found = _CLASSES_WITH_TOOLS.get(cls)
    if found is None:
        found = _CLASSES_WITH_TOOLS[cls] = type(
            f"{cls.__name__}WithTools",
            (_ToolsRunner, cls),
            {
                "__slots__": (),
                "__module__": cls.__module__,
                "__doc__": f"A `{cls.__name__}` with test tools on.",
            },
        )
    return found
