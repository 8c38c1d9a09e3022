"""Removing datasets: ``trash``, ``emptyTrash``, ``remove`` and ``forget``."""

from __future__ import annotations

__all__ = ["RemovalMixin"]

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..core.foreign import is_ref, ref_list, require_ref
from ..core.model import DatasetRef
from .tables import StoreTables, open_transaction

if TYPE_CHECKING:
    from ..core.foreign import RefLike

_log = logging.getLogger(__name__)


def _check_flag(value: object, name: str, where: str) -> None:
    """Raise unless ``value`` is `True` or `False` (a misplaced argument, most likely)."""
    if value is not True and value is not False:
        hint = " (pass the refs as refs=...)" if where == "emptyTrash" else ""
        raise TypeError(
            f"{where}: {name} must be True or False; got {type(value).__name__}: "
            f"{value!r:.80}{hint}. Nothing was changed"
        )


class RemovalMixin(StoreTables):
    """The removing operations of `InMemoryDatastore`."""

    def trash(self, ref: RefLike | Iterable[RefLike], ignore_errors: bool = False) -> None:
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
                record = self.records.get(ref.id)
                if record is None or record[2] not in self.datasets:  # its parentID
                    message = f"Cannot trash {ref}: it is not stored in {self.name}"
                    if ignore_errors:
                        _log.warning("%s (ignored)", message)
                        return
                    raise FileNotFoundError(message)
                self.counts.trash += self.bridge.moveToTrash([ref], open_transaction(self))
            return
        refs = ref_list(ref, "trash")
        with self._lock:
            self.counts.trash += self.bridge.moveToTrash(refs, open_transaction(self))

    def emptyTrash(
        self,
        ignore_errors: bool = False,
        refs: Iterable[RefLike] | None = None,
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
        selected = None if refs is None else [r.id for r in ref_list(refs, "emptyTrash")]
        with self._lock, self.bridge.emptyTrash(selected, dry_run) as (trashed, _):
            if dry_run:
                for ref in trashed:
                    _log.info("Would remove %s from %s (dry run)", ref, self.name)
                return set()
            pop_record = self.records.pop
            let_go = self._let_go
            self._begin_change()
            try:
                for ref in trashed:
                    dataset_id = ref.id
                    record = pop_record(dataset_id, None)
                    if record is None:
                        continue
                    try:
                        let_go(dataset_id, record)
                    except Exception:
                        if not ignore_errors:
                            raise
                        _log.warning("Cannot remove %s from %s", ref, self.name, exc_info=True)
            finally:
                self._end_change()
            self.counts.emptied += len(trashed)
        return set()

    def remove(self, ref: RefLike) -> None:
        """Trash one dataset and empty it from the trash at once.

        Raises
        ------
        FileNotFoundError
            The dataset is not stored here.
        """
        if type(ref) is not DatasetRef:
            require_ref(ref, "remove")
        with self._lock:
            self.trash(ref)
            self.emptyTrash(refs=[ref])

    def forget(self, refs: RefLike | Iterable[RefLike]) -> None:
        """Drop all knowledge of these datasets, and unshared artifacts.

        Forgetting an unknown ref does nothing. Not undone by a rollback.
        """
        listed = ref_list(refs, "forget")
        with self._lock:
            bridge = self.bridge
            forgotten = 0
            self._begin_change()
            try:
                for ref in listed:
                    dataset_id = ref.id
                    recorded = dataset_id in self.records
                    if recorded:
                        self._detach(dataset_id)
                    forgotten += bridge.forget((ref,)) > 0 or recorded
            finally:
                self._end_change()
            self.counts.forget += forgotten
