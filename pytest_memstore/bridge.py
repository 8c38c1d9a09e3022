"""The registry bridge: which datasets a datastore holds, and its trash."""

from __future__ import annotations

__all__ = ["BridgeManager", "EphemeralBridge"]

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .model import DatasetId, DatasetRef
    from .transaction import DatastoreTransaction


class TrashEntry(NamedTuple):
    """One ref's place in the trash, made anew by every call that trashes it.

    Undoing a trash call restores an entry only while the entry that call
    made is still there (compared by identity): if another call, say in
    another thread, trashed the same ref since, that later call's entry
    stands. A named tuple, as it is the cheapest object to make.
    """

    ref: DatasetRef


_new_entry = tuple.__new__


class EphemeralBridge:
    """The records of one datastore in an in-memory registry.

    Parameters
    ----------
    datastoreName : `str`
        Name of the datastore this bridge serves.

    Notes
    -----
    The bridge does no locking of its own: the datastore that owns it calls
    it under the datastore's lock.
    """

    def __init__(self, datastoreName: str) -> None:
        self.datastoreName = datastoreName
        self._known: dict[DatasetId, DatasetRef] = {}
        self._trash: dict[DatasetId, TrashEntry] = {}

    def insert(self, refs: Iterable[DatasetRef]) -> None:
        """Record that these datasets are held by the datastore."""
        known = self._known
        for ref in refs:
            known[ref.id] = ref

    def forget(self, refs: Iterable[DatasetRef]) -> None:
        """Drop these datasets from the records and from the trash."""
        for ref in refs:
            self._known.pop(ref.id, None)
            self._trash.pop(ref.id, None)

    def moveToTrash(
        self, refs: Iterable[DatasetRef], transaction: DatastoreTransaction | None
    ) -> int:
        """Put these datasets in the trash; return how many were newly trashed.

        Refs are not checked against the records. When ``transaction`` rolls
        back, the trash is as it was before this call: refs this call trashed
        leave it, refs already trashed stay. A ref trashed again since by
        another call stays trashed.
        """
        trash = self._trash
        before = len(trash)
        if transaction is None:
            for ref in refs:
                trash[ref.id] = _new_entry(TrashEntry, (ref,))
            return len(trash) - before
        changes = []
        for ref in refs:
            entry = _new_entry(TrashEntry, (ref,))
            changes.append((ref.id, entry, trash.get(ref.id)))
            trash[ref.id] = entry
        if changes:
            transaction.registerUndo("moveToTrash", self._restore_trash, changes)
        return len(trash) - before

    def _restore_trash(
        self, changes: list[tuple[DatasetId, TrashEntry, TrashEntry | None]]
    ) -> None:
        trash = self._trash
        for dataset_id, entry, previous in reversed(changes):
            if trash.get(dataset_id) is entry:
                if previous is None:
                    del trash[dataset_id]
                else:
                    trash[dataset_id] = previous

    def check(self, ids: Iterable[DatasetId]) -> set[DatasetId]:
        """Return those of ``ids`` the bridge records, trashed or not."""
        known = self._known
        return {dataset_id for dataset_id in ids if dataset_id in known}

    def __contains__(self, ref: object) -> bool:
        dataset_id = getattr(ref, "id", None)
        return dataset_id in self._known and dataset_id not in self._trash

    def __len__(self) -> int:
        return len(self._known)

    @property
    def trashed_ids(self) -> frozenset[DatasetId]:
        """The IDs now in the trash."""
        return frozenset(self._trash)

    def trashed_refs(self) -> list[DatasetRef]:
        """Return the refs now in the trash, oldest first."""
        return [entry.ref for entry in self._trash.values()]

    @property
    def known_ids(self) -> frozenset[DatasetId]:
        """The IDs the bridge records, trashed or not."""
        return frozenset(self._known)

    @contextmanager
    def emptyTrash(
        self, selected_ids: Iterable[DatasetId] | None = None, dry_run: bool = False
    ) -> Iterator[tuple[list[DatasetRef], None]]:
        """Yield the trashed refs to delete, then drop them from the bridge.

        Parameters
        ----------
        selected_ids : iterable of `DatasetId`, optional
            Only these of the trashed IDs; `None` means the whole trash and an
            empty iterable means none.
        dry_run : `bool`, optional
            Yield the refs but change nothing.

        Yields
        ------
        trashed : `tuple`
            The list of trashed refs and `None` (no artifacts to check).

        Notes
        -----
        Nothing is dropped when the ``with`` block raises.
        """
        trash = self._trash
        if selected_ids is None:
            refs = [entry.ref for entry in trash.values()]
        else:
            refs = [trash[i].ref for i in dict.fromkeys(selected_ids) if i in trash]
        yield refs, None
        if dry_run:
            return
        known = self._known
        for ref in refs:
            trash.pop(ref.id, None)
            known.pop(ref.id, None)


class BridgeManager:
    """Hands out one `EphemeralBridge` per datastore name."""

    def __init__(self) -> None:
        self._bridges: dict[str, EphemeralBridge] = {}

    def register(self, name: str, ephemeral: bool = True) -> EphemeralBridge:
        """Return the bridge for ``name``, creating it on first use.

        Only ephemeral bridges exist here; ``ephemeral`` is accepted for
        compatibility.
        """
        bridge = self._bridges.get(name)
        if bridge is None:
            bridge = self._bridges[name] = EphemeralBridge(name)
        return bridge
