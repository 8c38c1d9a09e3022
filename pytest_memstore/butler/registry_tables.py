"""`RegistryTables`: what a butler registry holds, its lock, and its undo steps.

The base of `InMemoryRegistry`: the tables (dataset types, collections,
dataset records), the lock guarding them, the lookups of a collection by
name every part of the registry uses, and the recording of undo steps in the
butler transaction open in this thread. The parts built on it (dataset
types, collections, dataset records, lookups, removal) each add the methods
of one concern.
"""

from __future__ import annotations

__all__ = [
    "CollectionRecord",
    "RegistryTables",
    "RemovedDataset",
    "delete_if_same",
    "owned_datasets",
    "required_data_id",
]

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeAlias, TypeVar

from ..core.model import DataId, DatasetId, DatasetRef, DatasetType
from ..core.storage_factory import StorageClassFactory
from ..datastore.tables import ThreadLocalOnFirstUse, open_transaction
from ..datastore.transaction import DatastoreTransaction
from .collection_type import CollectionType
from .errors import CollectionTypeError, MissingCollectionError

_Key = TypeVar("_Key")
_Value = TypeVar("_Value")


def required_data_id(dataId: DataId, dimensions: frozenset[str]) -> DataId:
    """Return the part of ``dataId`` that identifies a dataset: its dimensions.

    Extra keys a data ID holds beyond the dataset type's dimensions are kept
    on the ref but take no part in telling datasets apart; the dataset
    tables of a collection are keyed by this part.
    """
    if len(dataId) == len(dimensions):
        return dataId
    return DataId({key: dataId[key] for key in dimensions})


class CollectionRecord:
    """One collection: its kind, and what it holds.

    ``datasets`` (runs and tagged collections) maps a dataset type name to
    the refs of that type by their `required_data_id`; ``children``
    (chains) is the ordered search path, replaced as a whole (a tuple) and
    never changed in place.
    """

    __slots__ = ("children", "datasets", "doc", "name", "type")

    def __init__(self, name: str, type: CollectionType, doc: str | None) -> None:
        self.name = name
        self.type = type
        self.doc = doc
        self.datasets: dict[str, dict[DataId, DatasetRef]] = {}
        self.children: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"<{self.type.name} collection {self.name!r}>"


RemovedDataset: TypeAlias = tuple[CollectionRecord | None, str, DataId, DatasetRef]
"""A dataset taken out of a collection's table (`None`: out of the registry's
table of records), as ``(collection, dataset type name, key, ref)``."""


class _ThreadState(threading.local):
    transaction: DatastoreTransaction | None = None


class RegistryTables:
    """The tables of a registry, the lock guarding them, and undo on rollback.

    Parameters
    ----------
    storageClasses : `StorageClassFactory`
        Resolves storage class names in dataset types given with a name
        instead of a `StorageClass`.

    Notes
    -----
    Changes made while `joined` to a transaction record an undo step in it
    (`_on_rollback`); the undo steps take the lock themselves, since a
    rollback may run after the change's lock was released.
    """

    def __init__(self, storageClasses: StorageClassFactory) -> None:
        self.storageClasses = storageClasses
        self._lock = threading.RLock()
        self._dataset_types: dict[str, DatasetType] = {}
        self._collections: dict[str, CollectionRecord] = {}
        self._datasets: dict[DatasetId, DatasetRef] = {}

    _thread: _ThreadState = ThreadLocalOnFirstUse(_ThreadState)  # type: ignore[assignment]
    """The transaction each thread has joined, made on first use."""

    # -- transactions ------------------------------------------------------

    @contextmanager
    def joined(self, transaction: DatastoreTransaction) -> Iterator[None]:
        """Record this thread's registry changes in ``transaction`` while open."""
        state = self._thread
        parent = state.transaction
        state.transaction = transaction
        try:
            yield
        finally:
            state.transaction = parent

    def _on_rollback(self, name: str, func: Callable[..., object], *args: object) -> None:
        """Have the open transaction, if any, call ``func(*args)`` on rollback."""
        transaction = open_transaction(self)
        if transaction is not None and not transaction.closed:
            transaction.registerUndo(name, func, *args)

    def _forget(self, table: dict[_Key, _Value], key: _Key, value: _Value) -> None:
        """Undo an addition: `delete_if_same` under the lock."""
        with self._lock:
            delete_if_same(table, key, value)

    def _restore_datasets(self, removed: list[RemovedDataset]) -> None:
        """Undo the removals ``removed`` lists, newest first."""
        with self._lock:
            for collection, name, key, ref in reversed(removed):
                if collection is None:
                    self._datasets.setdefault(ref.id, ref)
                else:
                    collection.datasets.setdefault(name, {}).setdefault(key, ref)

    # -- collections by name -------------------------------------------------

    def _collection(self, name: str) -> CollectionRecord:
        """Return collection ``name``; raise `MissingCollectionError` if none."""
        collection = self._collections.get(name)
        if collection is None:
            if not isinstance(name, str):
                raise TypeError(f"A collection name must be a str; got {type(name).__name__}")
            raise MissingCollectionError(f"No collection with name {name!r} found")
        return collection

    def _of_type(self, name: str, kind: CollectionType) -> CollectionRecord:
        """Return collection ``name``; raise `CollectionTypeError` unless a ``kind``."""
        collection = self._collection(name)
        if collection.type is not kind:
            raise CollectionTypeError(
                f"Collection {name!r} has type {collection.type.name}, not {kind.name}"
            )
        return collection

    def _flatten(self, names: Iterable[str]) -> list[CollectionRecord]:
        """Return the search path: chains expanded, each collection once."""
        path: dict[str, CollectionRecord] = {}
        pending = list(reversed(tuple(names)))
        while pending:
            collection = self._collection(pending.pop())
            if collection.type is CollectionType.CHAINED:
                pending.extend(reversed(collection.children))
            elif collection.name not in path:
                path[collection.name] = collection
        return list(path.values())


def owned_datasets(run: CollectionRecord) -> list[DatasetRef]:
    """Return every dataset a run holds."""
    return [ref for table in run.datasets.values() for ref in table.values()]


def delete_if_same(table: dict[_Key, _Value] | None, key: _Key, value: _Value) -> bool:
    """Delete ``table[key]`` if it is ``value`` itself; return whether it was.

    For when only that very entry may go: an undo step must not remove what
    a later change put under the same key, and a tagged collection may hold
    another dataset under the same data ID.
    """
    if table is not None and table.get(key) is value:
        del table[key]
        return True
    return False

