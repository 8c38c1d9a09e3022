"""The registry bridge: which datasets a datastore holds, and its trash."""

from __future__ import annotations

__all__ = ["BridgeManager", "EphemeralBridge", "PriorEntry", "TrashEntry"]

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NamedTuple, TypeAlias

if TYPE_CHECKING:
    from ..core.foreign import RefLike
    from ..core.model import DatasetId
    from .transaction import DatastoreTransaction


TrashEntry: TypeAlias = "tuple[RefLike]"
"""One ref's place in the trash, ``(ref,)``, made anew by every call that trashes it.

Undoing a trash call restores an entry only while the entry that call made
is still there (compared by identity): if another call, say in another
thread, trashed the same ref since, that later call's entry stands. A plain
tuple, the cheapest object to make (a named tuple takes ten times as long)
and to read (``entry[0]``).
"""


class PriorEntry(NamedTuple):
    """What the bridge held for one dataset before `insert_with_undo` replaced it."""

    known: RefLike | None
    trashed: TrashEntry | None


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
        self._known: dict[DatasetId, RefLike] = {}
        self._trash: dict[DatasetId, TrashEntry] = {}

    def insert(self, refs: Iterable[RefLike]) -> None:
        """Record that these datasets are held by the datastore.

        A dataset in the trash leaves it: it was stored again.
        """
        known = self._known
        trash = self._trash
        for ref in refs:
            known[ref.id] = ref
            if trash:
                trash.pop(ref.id, None)

    def tables(self) -> tuple[dict[DatasetId, RefLike], dict[DatasetId, TrashEntry]]:
        """Return the bridge's own dicts: the known refs and the trash, by dataset ID.

        For the datastore that owns the bridge, whose ``put`` does what
        `insert_one` does on them directly, under its lock; nothing else
        should change them.
        """
        return self._known, self._trash

    def insert_one(self, dataset_id: DatasetId, ref: RefLike) -> None:
        """Insert one dataset, as `insert` does, given its ID (``ref.id``)."""
        self._known[dataset_id] = ref
        if self._trash:
            self._trash.pop(dataset_id, None)

    def insert_with_undo(self, ref: RefLike) -> PriorEntry:
        """Insert one dataset as `insert` does; return what `undo_insert` needs."""
        dataset_id = ref.id
        prior = PriorEntry(self._known.get(dataset_id), self._trash.pop(dataset_id, None))
        self._known[dataset_id] = ref
        return prior

    def undo_insert(self, dataset_id: DatasetId, prior: PriorEntry) -> None:
        """Put back what `insert_with_undo` replaced.

        A dataset the bridge did not know before loses any trash entry made
        since: once the insert is undone, there is nothing left to trash.
        """
        if prior.known is None:
            self._known.pop(dataset_id, None)
        else:
            self._known[dataset_id] = prior.known
        if prior.trashed is not None:
            self._trash[dataset_id] = prior.trashed
        elif prior.known is None:
            self._trash.pop(dataset_id, None)

    def forget(self, refs: Iterable[RefLike]) -> int:
        """Drop these datasets from the records and from the trash.

        Returns
        -------
        forgotten : `int`
            How many of them the bridge knew or had in the trash.
        """
        known = self._known
        trash = self._trash
        forgotten = 0
        for ref in refs:
            dataset_id = ref.id
            was_known = known.pop(dataset_id, None) is not None
            forgotten += trash.pop(dataset_id, None) is not None or was_known
        return forgotten

    def moveToTrash(
        self, refs: Iterable[RefLike], transaction: DatastoreTransaction | None
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
                trash[ref.id] = (ref,)
            return len(trash) - before
        changes = []
        for ref in refs:
            dataset_id = ref.id
            entry: TrashEntry = (ref,)
            changes.append((dataset_id, entry, trash.get(dataset_id)))
            trash[dataset_id] = entry
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

    def lookup(self, dataset_id: DatasetId) -> RefLike | None:
        """Return the ref recorded under ``dataset_id``, or `None`."""
        return self._known.get(dataset_id)

    def __contains__(self, ref: object) -> bool:
        dataset_id = getattr(ref, "id", None)
        return dataset_id in self._known and dataset_id not in self._trash

    def __len__(self) -> int:
        return len(self._known)

    @property
    def trashed_ids(self) -> frozenset[DatasetId]:
        """The IDs now in the trash."""
        return frozenset(self._trash)

    def trashed_refs(self) -> list[RefLike]:
        """Return the refs now in the trash, oldest first."""
        return [entry[0] for entry in self._trash.values()]

    @property
    def known_ids(self) -> frozenset[DatasetId]:
        """The IDs the bridge records, trashed or not."""
        return frozenset(self._known)

    @contextmanager
    def emptyTrash(
        self, selected_ids: Iterable[DatasetId] | None = None, dry_run: bool = False
    ) -> Iterator[tuple[list[RefLike], None]]:
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
            ids = list(trash)
            refs = [entry[0] for entry in trash.values()]
        else:
            ids = [i for i in dict.fromkeys(selected_ids) if i in trash]
            refs = [trash[i][0] for i in ids]
        yield refs, None
        if dry_run:
            return
        known = self._known
        for dataset_id in ids:
            trash.pop(dataset_id, None)
            known.pop(dataset_id, None)


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
