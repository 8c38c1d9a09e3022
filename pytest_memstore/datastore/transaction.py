"""Undo logs for datastore transactions, and the transaction each thread has open."""

from __future__ import annotations

__all__ = ["DatastoreTransaction", "ThreadTransaction"]

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

_log = logging.getLogger("pytest_memstore")


class _Undo(NamedTuple):
    name: str
    func: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


class DatastoreTransaction:
    """An undo log, nested under an optional parent transaction.

    Parameters
    ----------
    parent : `DatastoreTransaction`, optional
        The enclosing transaction; `commit` hands this log to it.
    """

    __slots__ = ("_log", "closed", "parent")

    def __init__(self, parent: DatastoreTransaction | None = None) -> None:
        self.parent = parent
        self._log: list[_Undo] = []
        self.closed = False
        """Whether it has ended: committed or rolled back (by itself or by its parent)."""

    def registerUndo(self, name: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Record how to undo one operation; ``name`` appears in log messages."""
        self._log.append(_Undo(name, func, args, kwargs))

    @contextmanager
    def undoWith(
        self, name: str, func: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> Iterator[None]:
        """Register the undo only if the ``with`` block succeeds."""
        yield
        self.registerUndo(name, func, *args, **kwargs)

    def rollback(self) -> None:
        """Run every undo, newest first, then forget them.

        An undo that raises is logged and the others still run.
        """
        log, self._log = self._log, []
        self.closed = True
        for undo in reversed(log):
            try:
                undo.func(*undo.args, **undo.kwargs)
            except Exception:
                _log.warning("Exception while undoing %r; the other undos still run", undo.name,
                             exc_info=True)

    def commit(self) -> None:
        """Keep the work: hand the undo log to the parent, or drop it."""
        if self.parent is not None:
            self.parent._log.extend(self._log)
        self._log = []
        self.closed = True

    def __len__(self) -> int:
        return len(self._log)

    def open_inside(self, innermost: DatastoreTransaction | None) -> list[DatastoreTransaction]:
        """Return the transactions open inside this one, innermost first.

        ``innermost`` is the innermost transaction the thread has open; the
        list is empty when that is this one, as it is when transactions end
        in order.
        """
        inside = []
        transaction = innermost
        while transaction is not None and transaction is not self:
            inside.append(transaction)
            transaction = transaction.parent
        return inside


class ThreadTransaction(threading.local):
    """The innermost transaction the current thread has open in one datastore."""

    transaction: DatastoreTransaction | None = None
    """`None` while the thread has none open."""
