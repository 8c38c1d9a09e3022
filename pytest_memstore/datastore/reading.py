"""Reading datasets: ``get``, ``exists``, the records and the ``mem://`` URIs."""

from __future__ import annotations

__all__ = ["ReadingMixin"]

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..core.conversion import delegate_copy
from ..core.foreign import RefT, ref_list, require_ref
from ..core.model import DatasetRef, DatasetType
from .storage_classes import StorageClassMixin
from .tables import MISSING, StoredMemoryItemInfo
from .uri import DatasetRefURIs, MemoryURI

if TYPE_CHECKING:
    from ..core.foreign import RefLike
    from ..core.storage import StorageClass


class ReadingMixin(StorageClassMixin):
    """The reading operations of `InMemoryDatastore`."""

    def get(
        self,
        ref: RefLike,
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
        if type(ref) is not DatasetRef:
            require_ref(ref, "get")
        elif parameters is None and storageClass is None:
            # The object as stored is the answer when the read asks for
            # nothing else: the whole dataset, with the storage class it was
            # put with (None for a component, or a storage class given by
            # name: those take the general path below). Read without the
            # lock (see StoreTables._read_stamp): kept only if no change
            # that removes or replaces records ran meanwhile.
            stamp = self._read_stamp
            if stamp is not None:
                try:
                    # record[1] and record[2]: storageClass and parentID, read
                    # by index, which costs half of reading a field by name.
                    # A record's storage class is never None: a dataset type
                    # with no plain storage class fails the test.
                    stored = self.records[ref.id]
                    if stored[1] is ref.datasetType._plain_storage_class:
                        obj = self.datasets[stored[2]]
                        if self._read_stamp is stamp:
                            next(self._get_ticks)  # atomic: see StoreCounts
                            return obj
                except KeyError:
                    pass  # not stored, or being changed: the general path says which
        # The general path, for any ref and read (our refs look again).
        datasetType = ref.datasetType
        lock = self._lock
        lock.acquire()
        try:
            record = self.records.get(ref.id)
            if record is None:
                obj = MISSING
            else:
                obj = self.datasets.get(record[2], MISSING)
                # The object as stored, when a daf_butler ref asks for the whole
                # dataset with the storage class it was put with.
                if (
                    obj is not MISSING
                    and parameters is None
                    and storageClass is None
                    and type(datasetType) is not DatasetType
                    and record[1] is datasetType.storageClass
                    and not self._copy_on_get
                    and "." not in datasetType.name
                ):
                    next(self._get_ticks)
                    return obj
            if obj is MISSING:
                self.counts.get_missing += 1
        finally:
            lock.release()
        if obj is MISSING or record is None:
            raise FileNotFoundError(f"Dataset {ref} is not stored in {self.name}")
        if storageClass is None:
            readStorageClass = self._storage_class_for(ref, "get")
        else:
            readStorageClass = self._read_storage_class(ref, storageClass)
        result = self._read(ref, record, obj, parameters, readStorageClass)
        if self._copy_on_get:
            result = delegate_copy(ref, readStorageClass, result, "copy_on_get")
        with self._lock:  # a free-threaded build counts under the lock
            next(self._get_ticks)
        return result

    def _read(
        self,
        ref: RefLike,
        record: StoredMemoryItemInfo,
        obj: Any,
        parameters: Mapping[str, Any] | None,
        readStorageClass: StorageClass,
    ) -> Any:
        """Return what ``get`` returns from the stored object: component, parameters, type."""
        writeStorageClass = record.storageClass
        component = ref.datasetType.nameAndComponent()[1]
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

    def exists(self, ref: RefLike) -> bool:
        """Return whether the dataset is stored here (trashed or not)."""
        if type(ref) is not DatasetRef:
            require_ref(ref, "exists")
        # Without the lock first, as in get; a dataset found not stored is
        # looked for again under the lock, where no change is half done.
        stamp = self._read_stamp
        if stamp is not None:
            record = self.records.get(ref.id)
            if record is not None and record[2] in self.datasets and self._read_stamp is stamp:
                next(self._exists_ticks)  # atomic: see StoreCounts
                return True
        lock = self._lock
        lock.acquire()
        try:
            next(self._exists_ticks)
            record = self.records.get(ref.id)
            return record is not None and record[2] in self.datasets  # its parentID
        finally:
            lock.release()

    def knows(self, ref: RefLike) -> bool:
        """Return whether the dataset is known; the same as `exists` here."""
        return self.exists(ref)

    def mexists(self, refs: Iterable[RefT]) -> dict[RefT, bool]:
        """Return `exists` for each ref."""
        return {ref: self.exists(ref) for ref in ref_list(refs, "mexists")}

    def knows_these(self, refs: Iterable[RefT]) -> dict[RefT, bool]:
        """Return `knows` for each ref."""
        return self.mexists(refs)

    # -- records -----------------------------------------------------------

    def getStoredItemInfo(self, ref: RefLike) -> StoredMemoryItemInfo:
        """Return the record of ``ref``.

        Raises
        ------
        FileNotFoundError
            No record for ``ref``.
        """
        if type(ref) is not DatasetRef:
            require_ref(ref, "getStoredItemInfo")
        try:
            return self.records[ref.id]
        except KeyError:
            raise FileNotFoundError(f"Dataset {ref} has no record in {self.name}") from None

    def getStoredItemsInfo(self, ref: RefLike) -> list[StoredMemoryItemInfo]:
        """Return the records of ``ref`` as a list (always one here)."""
        return [self.getStoredItemInfo(ref)]

    # -- URIs --------------------------------------------------------------

    def getURIs(self, ref: RefLike, predict: bool = False) -> DatasetRefURIs:
        """Return the ``mem://`` URI of a dataset; no component URIs.

        Raises
        ------
        FileNotFoundError
            The dataset is not stored and ``predict`` is false.
        """
        if type(ref) is not DatasetRef:
            require_ref(ref, "getURIs")
        with self._lock:
            record = self.records.get(ref.id)
            stored = record is not None and record.parentID in self.datasets
        if stored:
            return DatasetRefURIs(MemoryURI(ref, self), {})
        if not predict:
            raise FileNotFoundError(f"Dataset {ref} is not stored in {self.name}")
        return DatasetRefURIs(MemoryURI(ref, self, predicted=True), {})

    def getURI(self, ref: RefLike, predict: bool = False) -> MemoryURI:
        """Return the primary ``mem://`` URI of a dataset."""
        primary, _ = self.getURIs(ref, predict)
        assert primary is not None  # this datastore never disassembles
        return primary

    def getManyURIs(
        self, refs: Iterable[RefT], predict: bool = False, allow_missing: bool = False
    ) -> dict[RefT, DatasetRefURIs]:
        """Return `getURIs` for each ref.

        ``allow_missing`` leaves out refs that are not stored instead of
        raising, as daf_butler does.
        """
        found = {}
        for ref in ref_list(refs, "getManyURIs"):
            try:
                found[ref] = self.getURIs(ref, predict)
            except FileNotFoundError:
                if not allow_missing:
                    raise
        return found
