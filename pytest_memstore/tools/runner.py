"""Running a datastore's test tools around its operations.

A store with a tool on (an operation log, mutation detection, get counts, or
a fault armed by ``fail_next``) becomes an instance of a class made by
`with_tools`: `ToolsMixin` in front of the store's own class. A store with
no tool on never runs any of this. Nothing here imports the datastore (type
checkers aside): the mixin reaches it through ``super()``.
"""

from __future__ import annotations

__all__ = ["ToolsMixin", "with_tools"]

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from ..core.conversion import delegate_copy, stored_form
from ..core.foreign import is_ref, ref_list
from .store_tools import Snapshot, StoreTools, mutation_error, same_value

if TYPE_CHECKING:
    from ..core.foreign import RefLike
    from ..core.model import DatasetId
    from ..core.storage import StorageClass
    from ..datastore.store import InMemoryDatastore
    from ..datastore.transaction import DatastoreTransaction

    _DatastoreBase = InMemoryDatastore
else:
    _DatastoreBase = object

_Result = TypeVar("_Result")
_Store = TypeVar("_Store", bound="InMemoryDatastore")
_NONE: Any = object()  # no object: None could be a stored one


class ToolsMixin(_DatastoreBase):
    """Runs a store's test tools around the operations of the class after it.

    Never instantiated by itself: `with_tools` puts it in front of a
    datastore class, and a store becomes an instance of the result when a
    tool is turned on. No ``__slots__``: like the datastore's base class it
    gives instances a ``__dict__`` and ``__weakref__``, which a store must be
    able to change class across.
    """

    _tools: StoreTools

    def _depth(self) -> int:
        """Return how many transactions the calling thread has open."""
        depth = 0
        transaction = self._thread.transaction
        while transaction is not None:
            depth += 1
            transaction = transaction.parent
        return depth

    def _traced(
        self,
        verb: str,
        refs: list[RefLike] | None,
        first: RefLike | None,
        depth: int,
        operation: Callable[..., _Result],
        *args: Any,
    ) -> _Result:
        """Return ``operation(*args)``, run as the store's operation ``verb``.

        The first fault armed for ``verb`` that matches ``refs`` raises
        before anything changes, and is logged as injected (``refs`` `None`:
        no fault applies); a failure of the operation is logged against
        ``first``, then propagates. Logging a success is left to the caller,
        which knows what to say about it.
        """
        tools = self._tools
        if refs is not None and tools.faults:
            with self._lock:
                error = tools.fault_for(verb, refs, self.name)
            if error is not None:
                tools.record(verb, refs[0] if refs else None, error, depth, injected=True)
                raise error
        try:
            return operation(*args)
        except BaseException as err:
            tools.record(verb, first, err, depth)
            raise

    def _parents(self, refs: Iterable[RefLike]) -> list[DatasetId]:
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

    def put(self, inMemoryDataset: Any, ref: RefLike, provenance: Any = None) -> None:
        """Put as `InMemoryDatastore.put` does, with faults, log and ``detect_mutation``'s copy."""
        tools = self._tools
        depth = self._depth() if self._open_transactions else 0
        snapshots = tools.snapshots
        refs = None
        if tools.faults or snapshots is not None:
            if is_ref(ref):
                refs = [ref]
            else:
                snapshots = None  # put refuses it, saying why
        if snapshots is None:
            self._traced("put", refs, ref, depth, super().put, inMemoryDataset, ref, provenance)
        else:
            self._traced(
                "put", refs, ref, depth, self._put_and_snapshot,
                snapshots, inMemoryDataset, ref, provenance,
            )
        log = tools.log
        if log is not None:
            log.append((next(tools.numbers), "put", ref, "ok", depth, ""))

    def _put_and_snapshot(
        self, snapshots: dict[DatasetId, Snapshot], obj: Any, ref: RefLike, provenance: Any
    ) -> None:
        """Put, keeping a copy of what was stored.

        The copy is made before anything changes, of the object as the
        storage class converts it, so an object its delegate cannot copy is
        refused (a `TypeError`) and the store is left as it was.
        """
        try:
            storageClass = self._storage_class_for(ref, "put")
            stored = stored_form(ref, storageClass, obj)
        except Exception:
            copied = _NONE  # put refuses it below, saying what is wrong
        else:
            copied = delegate_copy(ref, storageClass, stored, "detect_mutation")
            obj = stored
        with self._lock:
            super().put(obj, ref, provenance)
            previous = snapshots.pop(ref.id, None)
            snapshot = None
            if copied is not _NONE:
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

    def _checked_snapshot(self, snapshots: dict[DatasetId, Snapshot], ref: RefLike) -> (
        Snapshot | None
    ):
        """Return the copy of what ``ref`` reads; raise if the stored object changed."""
        record = self.records.get(ref.id)
        if record is None:
            return None
        snapshot = snapshots.get(record.parentID)
        if snapshot is None:
            return None
        current = self.datasets.get(record.parentID, _NONE)
        if current is not snapshot.original:
            del snapshots[record.parentID]
            return None
        if same_value(current, snapshot.copy) is False:
            snapshot.raised = True
            raise mutation_error(snapshot, current, self.name)
        return snapshot

    def get(
        self,
        ref: RefLike,
        parameters: Mapping[str, Any] | None = None,
        storageClass: StorageClass | str | None = None,
    ) -> Any:
        """Get as `InMemoryDatastore.get` does, with faults, log, mutation check and counts."""
        tools = self._tools
        depth = self._depth() if self._open_transactions else 0
        snapshots = tools.snapshots
        refs = None
        if tools.faults or snapshots:
            if is_ref(ref):
                refs = [ref]
            else:
                snapshots = None  # get refuses it, saying why
        if snapshots:
            result = self._traced(
                "get", refs, ref, depth, self._get_and_check,
                snapshots, ref, parameters, storageClass,
            )
        else:
            result = self._traced(
                "get", refs, ref, depth, super().get, ref, parameters, storageClass
            )
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

    def _get_and_check(
        self,
        snapshots: dict[DatasetId, Snapshot],
        ref: RefLike,
        parameters: Mapping[str, Any] | None,
        storageClass: StorageClass | str | None,
    ) -> Any:
        """Get, first checking the stored object against its copy (see `_checked_snapshot`)."""
        with self._lock:
            snapshot = self._checked_snapshot(snapshots, ref)
            result = super().get(ref, parameters, storageClass)
            if snapshot is not None and not self.copy_on_get:
                snapshot.handed_out = True
        return result

    def exists(self, ref: RefLike) -> bool:
        """Answer as `InMemoryDatastore.exists` does, with faults and log."""
        tools = self._tools
        depth = self._depth()
        refs = [ref] if tools.faults and is_ref(ref) else None
        found = self._traced("exists", refs, ref, depth, super().exists, ref)
        tools.record("exists", ref, None, depth, "" if found else "not stored")
        return found

    def trash(self, ref: RefLike | Iterable[RefLike], ignore_errors: bool = False) -> None:
        """Trash as `InMemoryDatastore.trash` does, with faults and log."""
        tools = self._tools
        depth = self._depth()
        refs = self._traced("trash", None, None, depth, ref_list, ref, "trash")
        # One ref is trashed as one (it must be stored), a list in bulk.
        given = ref if is_ref(ref) else refs
        first = refs[0] if refs else None
        self._traced("trash", refs, first, depth, super().trash, given, ignore_errors)
        tools.record("trash", first, None, depth, _more(len(refs)))

    def emptyTrash(
        self,
        ignore_errors: bool = False,
        refs: Iterable[RefLike] | None = None,
        dry_run: bool = False,
    ) -> set[Any]:
        """Empty as `InMemoryDatastore.emptyTrash` does, with faults and log.

        The copies ``detect_mutation`` kept of the objects removed go too.
        """
        tools = self._tools
        depth = self._depth()
        selected = (
            None if refs is None
            else self._traced("emptyTrash", None, None, depth, ref_list, refs, "emptyTrash")
        )
        with self._lock:
            targets: list[RefLike] = []
            if tools.faults or tools.snapshots:
                targets = self.bridge.trashed_refs()
                if selected is not None:
                    wanted = {ref.id for ref in selected}
                    targets = [ref for ref in targets if ref.id in wanted]
            parents = self._parents(targets) if tools.snapshots else []
            before = self.counts.emptied
            removed = self._traced(
                "emptyTrash", targets, None, depth, super().emptyTrash,
                ignore_errors, selected, dry_run,
            )
            emptied = self.counts.emptied - before
            self._drop_snapshots(parents)
        detail = "dry run" if dry_run else f"{emptied} emptied"
        tools.record("emptyTrash", None, None, depth, detail)
        return removed

    def forget(self, refs: RefLike | Iterable[RefLike]) -> None:
        """Forget as `InMemoryDatastore.forget` does, with faults and log.

        The copies ``detect_mutation`` kept of the objects removed go too.
        """
        tools = self._tools
        depth = self._depth()
        listed = self._traced("forget", None, None, depth, ref_list, refs, "forget")
        first = listed[0] if listed else None
        with self._lock:
            parents = self._parents(listed) if tools.snapshots else []
            self._traced("forget", listed, first, depth, super().forget, listed)
            self._drop_snapshots(parents)
        tools.record("forget", first, None, depth, _more(len(listed)))

    def transfer(self, inputDatastore: Any, ref: RefLike) -> None:
        """Transfer as `InMemoryDatastore.transfer` does, with faults and log."""
        tools = self._tools
        depth = self._depth()
        refs = [ref] if tools.faults and is_ref(ref) else None
        self._traced("transfer", refs, ref, depth, super().transfer, inputDatastore, ref)
        source = getattr(inputDatastore, "name", None)
        tools.record("transfer", ref, None, depth, "" if source is None else f"from {source}")

    @contextmanager
    def transaction(self) -> Iterator[DatastoreTransaction]:
        """Open a transaction as `InMemoryDatastore.transaction` does, logging how it ends."""
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


_CLASSES_WITH_TOOLS: dict[type[Any], type[Any]] = {}


def with_tools(cls: type[_Store]) -> type[_Store]:
    """Return the class a store of class ``cls`` becomes when a tool is turned on.

    ``cls`` itself when it runs the tools already; otherwise a subclass of
    ``cls`` with `ToolsMixin` in front, made once per class, so that a
    subclass of the datastore keeps its own behaviour with tools on.
    """
    if issubclass(cls, ToolsMixin):
        return cls
    found = _CLASSES_WITH_TOOLS.get(cls)
    if found is None:
        found = _CLASSES_WITH_TOOLS[cls] = type(
            f"{cls.__name__}WithTools",
            (ToolsMixin, cls),
            {
                "__slots__": (),
                "__module__": cls.__module__,
                "__doc__": f"A `{cls.__name__}` with test tools on.",
            },
        )
    return found
