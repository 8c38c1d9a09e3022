"""Storing datasets: ``put``, records added for stored artifacts, and their undo."""

from __future__ import annotations

__all__ = ["WritingMixin"]

import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from ..core.conversion import converted_for_put, delegate_copy
from ..core.errors import DatasetTypeNotSupportedError, DatastoreValidationError
from ..core.foreign import error_for, ref_list, require_ref
from ..core.model import DatasetId, DatasetRef
from ..core.storage import StorageClass
from .bridge import PriorEntry
from .storage_classes import StorageClassMixin
from .tables import MISSING, StoredMemoryItemInfo, open_transaction

if TYPE_CHECKING:
    from ..core.foreign import RefLike
    from .transaction import DatastoreTransaction

_new_tuple = tuple.__new__
_time = time.time


class _PutUndo(NamedTuple):
    """How to undo one put (or one added record) when its transaction rolls back."""

    record: StoredMemoryItemInfo
    """The record the put wrote; the undo is skipped once another replaced it."""
    previous: StoredMemoryItemInfo | None
    """The record it replaced, if any."""
    previous_obj: Any
    """The object it replaced under the same ID, or `MISSING`."""
    orphan: tuple[DatasetId, Any] | None
    """An artifact the put dropped because no other record used it."""
    bridge_entry: PriorEntry
    """What the bridge held for the ID before."""


class WritingMixin(StorageClassMixin):
    """The writing operations of `InMemoryDatastore`."""

    def put(self, inMemoryDataset: Any, ref: RefLike, provenance: Any = None) -> None:
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
        if type(ref) is DatasetRef:
            # Our dataset type holds its storage class ready for a put, a
            # StorageClass; None for a component, a storage class given by
            # name or of another class.
            storageClass = ref.datasetType._plain_storage_class
        else:
            require_ref(ref, "put")
            storageClass = None
        if self._constrained and not self._accepts(ref):
            raise error_for(
                DatasetTypeNotSupportedError,
                ref,
                f"Datastore {self.name} does not accept {ref}: its constraints reject it",
            )
        # core.conversion.stored_form, written out: a call costs a put a few percent.
        if storageClass is not None:
            pytype = storageClass.resolved_pytype
        else:
            storageClass = self._storage_class_to_put(ref)
            if type(storageClass) is StorageClass:
                pytype = storageClass.resolved_pytype
            else:
                pytype = storageClass.pytype
        if pytype is not None and isinstance(inMemoryDataset, pytype):
            obj = inMemoryDataset
        else:
            obj = converted_for_put(ref, storageClass, inMemoryDataset)
        if self.copy_on_put:
            obj = delegate_copy(ref, storageClass, obj, "copy_on_put")
        dataset_id = ref.id
        record = _new_tuple(
            StoredMemoryItemInfo, (_time(), storageClass, dataset_id, dataset_id)
        )
        lock = self._lock
        lock.acquire()
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
                # The bridge's insert_one, written out: the call costs a put 3%.
                self._bridge_known[dataset_id] = ref
                if self._bridge_trash:
                    self._bridge_trash.pop(dataset_id, None)
                self.counts.put += 1
                return
            self._replace(ref, obj, record, open_transaction(self))
            self.counts.put += 1
        finally:
            lock.release()

    def _storage_class_to_put(self, ref: RefLike) -> StorageClass:
        """Return the storage class to put ``ref`` with, when its dataset type has none ready.

        Raises
        ------
        ValueError
            ``ref`` is a component ref.
        KeyError
            Its storage class name is not known.
        """
        if "." in ref.datasetType.name:
            raise ValueError(f"Cannot put {ref}: it is a component; put its composite instead")
        return self._storage_class_for(ref, "put")

    def _replace(
        self,
        ref: RefLike,
        obj: Any,
        record: StoredMemoryItemInfo,
        transaction: DatastoreTransaction | None,
    ) -> None:
        """Store ``obj`` over whatever ``ref.id`` held, keeping how to undo it."""
        dataset_id = ref.id
        previous = self.records.get(dataset_id)
        previous_obj = self.datasets.get(dataset_id, MISSING)
        orphan = None
        self._begin_change()
        try:
            if previous is not None:
                self.counts.overwrite += 1
                orphan = self._detach(dataset_id)
            self.datasets[dataset_id] = obj
            self._add_record(ref, record, transaction, "put", previous, previous_obj, orphan)
        finally:
            self._end_change()

    def _add_record(
        self,
        ref: RefLike,
        record: StoredMemoryItemInfo,
        transaction: DatastoreTransaction | None,
        what: str,
        previous: StoredMemoryItemInfo | None = None,
        previous_obj: Any = MISSING,
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
            self._begin_change()
            try:
                self._detach(dataset_id)
                if undo.previous_obj is not MISSING:
                    self.datasets[dataset_id] = undo.previous_obj
                orphan = undo.orphan
                if orphan is not None and orphan[1] is not MISSING:
                    self.datasets[orphan[0]] = orphan[1]
                previous = undo.previous
                if previous is not None:
                    self.records[dataset_id] = previous
                    self.related.setdefault(previous.parentID, set()).add(dataset_id)
                self.bridge.undo_insert(dataset_id, undo.bridge_entry)
            finally:
                self._end_change()

    def _accepts(self, ref: RefLike) -> bool:
        """Return whether the constraints accept ``ref`` (a decision kept per dataset type)."""
        constraints = self.constraints
        if constraints.uses_data_id:
            return constraints.isAcceptable(ref)
        datasetType = ref.datasetType
        decision = self._accepted.get(datasetType)
        if decision is None:
            decision = self._accepted[datasetType] = constraints.isAcceptableType(datasetType)
        return decision

    def put_new(self, in_memory_dataset: Any, ref: RefLike) -> Mapping[str, Any]:
        """Store a dataset, as `put` does; return no refs, as daf_butler's ephemeral stores do."""
        self.put(in_memory_dataset, ref)
        return {}

    def addStoredItemInfo(
        self, refs: Iterable[RefLike], infos: Iterable[StoredMemoryItemInfo]
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
        listed = ref_list(refs, "addStoredItemInfo")
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
            transaction = open_transaction(self)
            for ref, info in zip(listed, info_list, strict=True):
                self._add_record(ref, info, transaction, "addStoredItemInfo")
