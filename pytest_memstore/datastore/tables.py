"""The tables an in-memory datastore keeps, and how a record leaves them.

`StoreTables` is the base of the datastore's parts (`WritingMixin`,
`ReadingMixin`, `RemovalMixin`, ...): it declares what `InMemoryDatastore`
sets up, so that each part, in its own module, can use it.
"""

from __future__ import annotations

__all__ = [
    "LOCK_FREE_READS",
    "MISSING",
    "StoreTables",
    "StoredMemoryItemInfo",
    "ThreadLocalOnFirstUse",
    "open_transaction",
]

import sys
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from ..core.model import DatasetId
from ..core.storage import StorageClass
from .transaction import DatastoreTransaction, ThreadTransaction

if TYPE_CHECKING:

    from ..core.foreign import DatasetTypeLike, RefLike
    from ..core.storage_factory import StorageClassFactory
    from .bridge import EphemeralBridge, TrashEntry
    from .constraints import Constraints
    from .counts import StoreCounts

MISSING: Any = object()
"""Stands for "no object", where `None` could be a stored object."""


def _gil_build() -> bool:
    """Return whether this CPython always runs Python code under the GIL.

    Python 3.12 and older always do. A free-threaded build (3.13t and
    later) may run without it, or turn it on and off at run time; such a
    build answers `False` even while its GIL is on (``sys._is_gil_enabled()``
    true), since a store made then would outlive the GIL being turned off.
    """
    if not hasattr(sys, "_is_gil_enabled"):
        return True
    import sysconfig

    return not sysconfig.get_config_var("Py_GIL_DISABLED")


LOCK_FREE_READS = _gil_build()
"""Whether ``get`` and ``exists`` may read the tables without taking the store's lock.

They do on a CPython with a GIL: there a single dict lookup, and a
``next()`` of a tick counter (`counts.TICKS`), run whole while another thread waits,
and a read that another thread's change could have seen half done is
checked with `StoreTables._read_stamp` and done again under the lock. On a
free-threaded build they always take the lock, as every other operation
does.
"""


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


class ThreadLocalOnFirstUse:
    """An attribute holding a `threading.local`, made the first time it is read.

    A `threading.local` costs a third of a store's construction, and most
    stores (and registries) never open a transaction nor look for one. A
    non-data descriptor: once made, the instance's own attribute hides it,
    so later reads cost a plain attribute lookup. It is made under the
    instance's ``_lock``, so two threads reading it first at once share one.

    Parameters
    ----------
    make : `type` [`threading.local`]
        What to make.
    """

    def __init__(self, make: Callable[[], threading.local]) -> None:
        self.make = make
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        with instance._lock:
            found = instance.__dict__.get(self.name)
            if found is None:
                found = instance.__dict__[self.name] = self.make()
            return found


def open_transaction(owner: Any) -> DatastoreTransaction | None:
    """Return the transaction this thread has open in ``owner``, without making its state.

    ``owner`` is a datastore or a registry, whose ``_thread`` is a
    `ThreadLocalOnFirstUse`. Before anything has read ``_thread`` no thread
    can have opened (or joined) a transaction there, so the answer is `None`
    and no `threading.local` is made for it: most stores and registries
    never see a transaction, and making one costs a test's butler about a
    microsecond.
    """
    state = owner.__dict__.get("_thread")
    return None if state is None else state.transaction


class StoreTables:
    """The state of an in-memory datastore, as `InMemoryDatastore` sets it up.

    ``datasets`` maps artifact IDs to objects, ``records`` dataset IDs to
    `StoredMemoryItemInfo`, and ``related`` artifact IDs to the IDs of the
    records that refer to them; ``bridge`` holds the registry records and the
    trash.

    Notes
    -----
    No ``__slots__`` here or in the parts: a store's instances have a
    ``__dict__`` and ``__weakref__`` from this base, so that a class made by
    `pytest_memstore.tools.runner.with_tools` has the same layout and a store
    can become an instance of it when a tool is turned on.
    """

    name: str
    constraints: Constraints
    copy_on_put: bool
    _copy_on_get: bool
    storageClasses: StorageClassFactory | None
    datasets: dict[DatasetId, Any]
    records: dict[DatasetId, StoredMemoryItemInfo]
    related: dict[DatasetId, set[DatasetId]]
    bridge: EphemeralBridge
    _bridge_known: dict[DatasetId, RefLike]
    _bridge_trash: dict[DatasetId, TrashEntry]
    """The bridge's own dicts (`EphemeralBridge.tables`), which ``put`` of a new ID
    fills directly."""
    counts: StoreCounts
    _get_ticks: Iterator[int]
    """Advanced once per get that returned: ``counts.get`` reads it (see `StoreCounts`)."""
    _exists_ticks: Iterator[int]
    """Advanced once per exists: ``counts.exists`` reads it."""
    _constrained: bool
    """Whether there are constraints to check on ``put``."""
    _accepted: dict[DatasetTypeLike, bool]
    """The constraints' decision for each dataset type, when no rule names a dimension."""
    _lock: threading.RLock
    """Held by every operation while it reads or changes the tables or the counts,
    but for the lock-free reads of ``get`` and ``exists`` (`LOCK_FREE_READS`).

    The hot paths call ``acquire()`` and ``release()`` in ``try``/``finally``,
    which costs half a ``with`` block.
    """
    _thread: ThreadTransaction = ThreadLocalOnFirstUse(ThreadTransaction)  # type: ignore[assignment]
    """The transaction each thread has open, made on first use."""
    _open_transactions: int
    """Transactions open in any thread; while none is, ``put`` skips the thread-local lookup."""
    _read_stamp: object | None
    """A fresh object after each change that lock-free reads must not see half done;
    `None` while one is under way, while ``copy_on_get`` is on, and always when
    `LOCK_FREE_READS` is false.

    ``get`` and ``exists`` read it, look up ``records`` and ``datasets``
    without the lock, and keep what they found only if it is still the same
    object, and not `None`: no such change began or ended in between. The
    changes it guards are those that remove or replace a record or an object
    (an overwriting put, emptyTrash, forget, a rollback): a half-done one
    could pair a record with another put's object, or hide a stored dataset.
    A put of a new ID only adds, record first, and is not one of them. See
    `_begin_change`.
    """
    _changes_under_way: int = 0
    """How many `_begin_change` calls have not had their `_end_change` (they nest)."""
    abandoned_transactions: int = 0
    """Transactions closed without their block ending, and so rolled back: a generator
    suspended inside one, or a context manager entered and never exited, then closed or
    garbage collected. Zero on the class: a store counts its own from its first one."""

    def _begin_change(self) -> None:
        """Start a change that lock-free reads must not see half done (under ``_lock``).

        Every call is paired with one of `_end_change`, in a ``finally``.
        """
        self._changes_under_way += 1
        self._read_stamp = None

    def _end_change(self) -> None:
        """End what `_begin_change` started; after the outermost, reads may go lock-free again."""
        self._changes_under_way -= 1
        if not self._changes_under_way:
            self._read_stamp = self._new_read_stamp()

    def _new_read_stamp(self) -> object | None:
        """Return a new `_read_stamp`: `None` when reads must take the lock."""
        if LOCK_FREE_READS and not self._copy_on_get:
            return object()
        return None

    @property
    def copy_on_get(self) -> bool:
        """Whether ``get`` returns a copy, so changing what it returned changes nothing."""
        return self._copy_on_get

    @copy_on_get.setter
    def copy_on_get(self, value: bool) -> None:
        with self._lock:
            self._copy_on_get = bool(value)
            if not self._changes_under_way:
                self._read_stamp = self._new_read_stamp()

    def _detach(self, dataset_id: DatasetId) -> tuple[DatasetId, Any] | None:
        """Drop one record; drop its artifact too if no other record uses it.

        Returns the artifact's ID and object (`MISSING` if it was not stored)
        when it was dropped.
        """
        return self._let_go(dataset_id, self.records.pop(dataset_id))

    def _let_go(
        self, dataset_id: DatasetId, record: StoredMemoryItemInfo
    ) -> tuple[DatasetId, Any] | None:
        """Do the rest of `_detach` for a record already taken out of ``records``."""
        parent_id = record[2]  # parentID, by index: half the time of the name
        # Taken out and put back only when others share it: one lookup fewer
        # in the usual case, an artifact of its own.
        siblings = self.related.pop(parent_id, None)
        if siblings is not None:
            siblings.discard(dataset_id)
            if siblings:
                self.related[parent_id] = siblings
                return None
        return parent_id, self.datasets.pop(parent_id, MISSING)
