"""`InMemoryRegistry`: the dataset types, collections and datasets of a butler.

One registry is shared by an `InMemoryButler` and every clone of it. It holds
what daf_butler keeps in its registry database: dataset type definitions,
collections (runs, tagged collections, chains, calibration collections) and
the record of every dataset (its ref, in its run and in any tagged
collection). Stored objects live in the datastore, never here.

Changes made while a butler transaction is open in this thread are undone
when that transaction rolls back: the registry records its undo steps in the
same `DatastoreTransaction` as the datastore, so registry and datastore
changes are undone together, newest first.
"""

from __future__ import annotations

__all__ = [
    "InMemoryRegistry",
    "collection_names",
    "describe_dataset_type",
    "is_glob",
    "required_data_id",
]

import fnmatch
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from ..core.model import DataId, DatasetId, DatasetRef, DatasetType
from ..core.storage import StorageClass, StorageClassFactory
from ..datastore.transaction import DatastoreTransaction
from .collection_type import CollectionType
from .errors import (
    CollectionCycleError,
    CollectionTypeError,
    ConflictingDefinitionError,
    MissingCollectionError,
    MissingDatasetTypeError,
)

_GLOB_CHARACTERS = frozenset("*?[")
_EMPTY: Mapping[Any, Any] = {}


def required_data_id(dataId: DataId, dimensions: frozenset[str]) -> DataId:
    """Return the part of ``dataId`` that identifies a dataset: its dimensions.

    Extra keys a data ID holds beyond the dataset type's dimensions are kept
    on the ref but take no part in telling datasets apart.
    """
    if len(dataId) == len(dimensions):
        return dataId
    return DataId({key: dataId[key] for key in dimensions})


def is_glob(expression: str) -> bool:
    """Return whether a collection or dataset type expression is a wildcard."""
    return not _GLOB_CHARACTERS.isdisjoint(expression)


class _Collection:
    """One collection: its kind, and what it holds.

    ``datasets`` (runs and tagged collections) maps a dataset type name to
    the refs of that type by their required data ID; ``children`` (chains)
    is the ordered search path.
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


class _ThreadState(threading.local):
    transaction: DatastoreTransaction | None = None


def collection_names(value: str | Iterable[str], what: str) -> tuple[str, ...]:
    """Return a collection name, or an iterable of them, as a tuple of names.

    Parameters
    ----------
    value : `str` or iterable of `str`
        One name (a `str` is never taken as an iterable of characters), or
        several.
    what : `str`
        What the names are, for the error message.

    Raises
    ------
    TypeError
        ``value`` is neither a `str` nor an iterable (`bytes` and mappings
        count as neither), or holds something that is not a `str`.
    """
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (bytes, Mapping)) or not isinstance(value, Iterable):
        raise TypeError(
            f"{what} must be a collection name or an iterable of names; got "
            f"{type(value).__name__}: {value!r:.80}"
        )
    names = tuple(value)
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"{what} must be names (str); got {type(name).__name__}: {name!r:.80}")
    return names


class InMemoryRegistry:
    """Dataset types, collections and dataset records, shared by butler clones.

    Parameters
    ----------
    storageClasses : `StorageClassFactory`
        Resolves storage class names in dataset types given with a name
        instead of a `StorageClass`.

    Notes
    -----
    Every method is safe to call from several threads. Methods never call
    into a datastore, so the registry lock is always taken after (inside)
    the datastore's, never before it.
    """

    def __init__(self, storageClasses: StorageClassFactory) -> None:
        self.storageClasses = storageClasses
        self._lock = threading.RLock()
        self._dataset_types: dict[str, DatasetType] = {}
        self._collections: dict[str, _Collection] = {}
        self._datasets: dict[DatasetId, DatasetRef] = {}
        self._thread = _ThreadState()

    def __repr__(self) -> str:
        return (
            f"<InMemoryRegistry: {len(self._dataset_types)} dataset types, "
            f"{len(self._collections)} collections, {len(self._datasets)} datasets>"
        )

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

    def _on_rollback(self, name: str, func: Callable[..., Any], *args: Any) -> None:
        transaction = self._thread.transaction
        if transaction is not None:
            transaction.registerUndo(name, func, *args)

    def _forget(self, table: dict[Any, Any], key: Any, value: Any) -> None:
        """Undo an addition: `_delete_if_same` under the lock."""
        with self._lock:
            _delete_if_same(table, key, value)

    # -- dataset types -----------------------------------------------------

    def resolve_storage_class(self, storageClass: StorageClass | str) -> StorageClass:
        """Return ``storageClass``, looking a name up in `storageClasses`.

        Raises
        ------
        KeyError
            No storage class has that name.
        TypeError
            Neither a `StorageClass` nor a `str`.
        """
        if isinstance(storageClass, StorageClass):
            return storageClass
        if isinstance(storageClass, str):
            return self.storageClasses.getStorageClass(storageClass)
        raise TypeError(
            f"A storage class must be a StorageClass or its name; got "
            f"{type(storageClass).__name__}: {storageClass!r:.80}"
        )

    def normalize(self, datasetType: DatasetType) -> DatasetType:
        """Return ``datasetType`` with storage classes given by name resolved.

        Raises
        ------
        TypeError
            ``datasetType`` is not a `DatasetType`.
        KeyError
            It names a storage class the factory does not know.
        """
        if not isinstance(datasetType, DatasetType):
            raise TypeError(
                f"Expected a DatasetType; got {type(datasetType).__name__}: {datasetType!r:.80}"
            )
        return datasetType.resolved(self.storageClasses)

    def register_dataset_type(self, datasetType: DatasetType) -> bool:
        """Register a dataset type; return `False` if this very definition was.

        Raises
        ------
        ValueError
            ``datasetType`` is a component type: register its composite.
        ConflictingDefinitionError
            Another definition is registered under the same name.
        """
        datasetType = self.normalize(datasetType)
        if datasetType.isComponent():
            raise ValueError(
                f"Cannot register the component dataset type {datasetType.name!r}; register "
                "its composite, whose components come with it"
            )
        with self._lock:
            existing = self._dataset_types.get(datasetType.name)
            if existing is not None:
                if existing == datasetType:
                    return False
                raise ConflictingDefinitionError(
                    f"Dataset type {describe_dataset_type(datasetType)} is inconsistent with the "
                    f"registered definition {describe_dataset_type(existing)}"
                )
            self._dataset_types[datasetType.name] = datasetType
            self._on_rollback(
                "registerDatasetType", self._forget, self._dataset_types, datasetType.name,
                datasetType,
            )
        return True

    def get_dataset_type(self, name: str) -> DatasetType:
        """Return the registered dataset type ``name`` (``parent.component`` too).

        Raises
        ------
        MissingDatasetTypeError
            No such dataset type is registered (for a component: its parent).
        KeyError
            The parent has no such component.
        """
        if not isinstance(name, str):
            raise TypeError(f"A dataset type name must be a str; got {type(name).__name__}")
        parent_name, _, component = name.partition(".")
        parent = self._dataset_types.get(parent_name)
        if parent is None:
            raise MissingDatasetTypeError(f"Dataset type {parent_name!r} does not exist")
        if component:
            return parent.makeComponentDatasetType(component)
        return parent

    def query_dataset_types(
        self, expression: Any = ..., *, missing: list[str] | None = None
    ) -> list[DatasetType]:
        """Return the registered dataset types an expression names.

        ``...`` means all of them; a name with ``*``, ``?`` or ``[`` is a
        wildcard; names that match nothing are appended to ``missing``.
        """
        with self._lock:
            registered = list(self._dataset_types.values())
        if expression is ...:
            return registered
        items = [expression] if isinstance(expression, (str, DatasetType)) else list(expression)
        found: dict[str, DatasetType] = {}
        for item in items:
            if isinstance(item, DatasetType):
                item = item.name
            if not isinstance(item, str):
                raise TypeError(
                    f"Dataset type expressions are names, wildcards or DatasetTypes; got "
                    f"{type(item).__name__}: {item!r:.80}"
                )
            matched = [dt for dt in registered if fnmatch.fnmatchcase(dt.name, item)]
            if not matched and missing is not None:
                missing.append(item)
            for datasetType in matched:
                found.setdefault(datasetType.name, datasetType)
        return list(found.values())

    # -- collections -------------------------------------------------------

    def register_collection(
        self, name: str, type: CollectionType = CollectionType.TAGGED, doc: str | None = None
    ) -> bool:
        """Add a collection unless one of that name exists (of any type).

        Returns
        -------
        registered : `bool`
            `False` when a collection of that name already existed; its type
            is not checked, as in daf_butler.
        """
        if not isinstance(name, str) or not name:
            raise TypeError(f"A collection name must be a non-empty str; got {name!r:.80}")
        if not isinstance(type, CollectionType):
            raise TypeError(f"type must be a CollectionType; got {type!r:.80}")
        with self._lock:
            if name in self._collections:
                return False
            collection = self._collections[name] = _Collection(name, type, doc)
            self._on_rollback(
                "registerCollection", self._forget, self._collections, name, collection
            )
        return True

    def _collection(self, name: str) -> _Collection:
        collection = self._collections.get(name)
        if collection is None:
            if not isinstance(name, str):
                raise TypeError(f"A collection name must be a str; got {type(name).__name__}")
            raise MissingCollectionError(f"No collection with name {name!r} found")
        return collection

    def get_collection_type(self, name: str) -> CollectionType:
        """Return the type of collection ``name``.

        Raises
        ------
        MissingCollectionError
            No such collection.
        """
        with self._lock:
            return self._collection(name).type

    def get_collection_doc(self, name: str) -> str | None:
        """Return the documentation string of collection ``name``."""
        with self._lock:
            return self._collection(name).doc

    def _of_type(self, name: str, kind: CollectionType) -> _Collection:
        collection = self._collection(name)
        if collection.type is not kind:
            raise CollectionTypeError(
                f"Collection {name!r} has type {collection.type.name}, not {kind.name}"
            )
        return collection

    def get_chain(self, parent: str) -> tuple[str, ...]:
        """Return the children of chain ``parent``, in search order.

        Raises
        ------
        MissingCollectionError
            No such collection.
        CollectionTypeError
            It is not a chain.
        """
        with self._lock:
            return self._of_type(parent, CollectionType.CHAINED).children

    def set_chain(
        self, parent: str, children: str | Iterable[str], *, flatten: bool = False
    ) -> None:
        """Make ``children`` the search path of chain ``parent``.

        Repeated children are kept once, at their first place; ``flatten``
        replaces chains among the children by what they search.

        Raises
        ------
        MissingCollectionError
            The parent or a child does not exist.
        CollectionTypeError
            The parent is not a chain.
        CollectionCycleError
            The chain would contain itself.
        """
        names = collection_names(children, "Chain children")
        with self._lock:
            chain = self._of_type(parent, CollectionType.CHAINED)
            for name in names:
                self._collection(name)
            if flatten:
                names = tuple(c.name for c in self._flatten(names))
            names = tuple(dict.fromkeys(names))
            for name in names:
                if name == parent or parent in self._reachable(name):
                    raise CollectionCycleError(
                        f"Cycle in collection chaining when defining {parent!r}: {name!r} "
                        f"is {parent!r} or contains it"
                    )
            previous = chain.children
            chain.children = names
            self._on_rollback("setCollectionChain", self._restore_chain, chain, names, previous)

    def _restore_chain(
        self, chain: _Collection, names: tuple[str, ...], previous: tuple[str, ...]
    ) -> None:
        with self._lock:
            if chain.children is names:
                chain.children = previous

    def _reachable(self, name: str) -> set[str]:
        """Return every collection a chain reaches (itself left out)."""
        found: set[str] = set()
        pending = [name]
        while pending:
            collection = self._collections.get(pending.pop())
            if collection is None or collection.type is not CollectionType.CHAINED:
                continue
            for child in collection.children:
                if child not in found:
                    found.add(child)
                    pending.append(child)
        return found

    def parent_chains(self, name: str) -> list[str]:
        """Return the chains that list ``name`` as a direct child."""
        with self._lock:
            return [
                c.name
                for c in self._collections.values()
                if c.type is CollectionType.CHAINED and name in c.children
            ]

    def check_not_in_chains(self, names: Iterable[str], what: str) -> None:
        """Raise unless no chain lists any of ``names`` as a direct child.

        Parameters
        ----------
        names : iterable of `str`
            The collections about to be removed.
        what : `str`
            What they are, for the message (``"run(s)"``).

        Raises
        ------
        ValueError
            Some are listed; the message names each with its chains.
        """
        with self._lock:
            listed = {name: chains for name in names if (chains := self.parent_chains(name))}
        if listed:
            raise ValueError(
                f"Cannot remove {what} still listed by a chain: "
                + "; ".join(f"{n!r} is in {sorted(c)}" for n, c in listed.items())
                + "; pass unlink_from_chains=True or redefine the chains first"
            )

    def _flatten(self, names: Iterable[str]) -> list[_Collection]:
        """Return the search path: chains expanded, each collection once."""
        path: dict[str, _Collection] = {}
        pending = list(reversed(tuple(names)))
        while pending:
            collection = self._collection(pending.pop())
            if collection.type is CollectionType.CHAINED:
                pending.extend(reversed(collection.children))
            elif collection.name not in path:
                path[collection.name] = collection
        return list(path.values())

    def search_path(self, names: Iterable[str]) -> list[str]:
        """Return the non-chain collections ``names`` search, in order.

        Raises
        ------
        MissingCollectionError
            A collection does not exist.
        """
        with self._lock:
            return [c.name for c in self._flatten(names)]

    def query_collections(
        self,
        expression: Any = ...,
        *,
        collection_types: Iterable[CollectionType] | CollectionType | None = None,
        flatten_chains: bool = False,
        include_chains: bool | None = None,
        dataset_type: str | None = None,
    ) -> list[str]:
        """Return the names of the collections an expression matches.

        Parameters
        ----------
        expression : `str`, iterable of `str`, or ``...``
            Names and wildcards; ``...`` means every collection.
        collection_types : `CollectionType` or iterable of them, optional
            Only collections of these types.
        flatten_chains : `bool`, optional
            Also yield what matching chains search, in their search order.
        include_chains : `bool`, optional
            Yield matching chains themselves; by default the opposite of
            ``flatten_chains``.
        dataset_type : `str`, optional
            Only runs and tagged collections holding a dataset of this type
            (and chains that search one).

        Raises
        ------
        MissingCollectionError
            A name without wildcards matches no collection.
        """
        if include_chains is None:
            include_chains = not flatten_chains
        if collection_types is None:
            types = CollectionType.all()
        elif isinstance(collection_types, CollectionType):
            types = frozenset({collection_types})
        else:
            types = frozenset(collection_types)
        with self._lock:
            if expression is ...:
                matched = list(self._collections.values())
            else:
                matched = []
                for item in collection_names(expression, "A collection expression"):
                    if is_glob(item):
                        matched.extend(
                            c for c in self._collections.values()
                            if fnmatch.fnmatchcase(c.name, item)
                        )
                    else:
                        matched.append(self._collection(item))
            found: dict[str, _Collection] = {}
            for collection in matched:
                if collection.type is CollectionType.CHAINED:
                    if include_chains:
                        found.setdefault(collection.name, collection)
                    if flatten_chains:
                        for child in self._flatten(collection.children):
                            found.setdefault(child.name, child)
                else:
                    found.setdefault(collection.name, collection)
            result = []
            for collection in found.values():
                if collection.type not in types:
                    continue
                if dataset_type is not None and not self._holds(collection, dataset_type):
                    continue
                result.append(collection.name)
            return result

    def _holds(self, collection: _Collection, dataset_type: str) -> bool:
        if collection.type is CollectionType.CHAINED:
            return any(self._holds(c, dataset_type) for c in self._flatten(collection.children))
        return bool(collection.datasets.get(dataset_type))

    def remove_collections(self, names: Iterable[str], *, unlink: bool = False) -> None:
        """Remove collections and, for runs, every dataset they own.

        ``unlink`` first takes them out of the chains that list them.

        Raises
        ------
        MissingCollectionError
            A collection does not exist (nothing is removed).
        ValueError
            A collection is still listed by a chain and ``unlink`` is false
            (nothing is removed).
        """
        names = tuple(dict.fromkeys(collection_names(names, "Collections to remove")))
        with self._lock:
            collections = [self._collection(name) for name in names]
            if not unlink:
                self.check_not_in_chains(names, "collection(s)")
            for name in names:
                for parent in self.parent_chains(name):
                    chain = self._collections[parent]
                    self.set_chain(parent, [c for c in chain.children if c != name])
            for collection in collections:
                if collection.type is CollectionType.RUN:
                    self.remove_datasets(_owned(collection))
                del self._collections[collection.name]
                self._on_rollback("removeCollection", self._restore_collection, collection)

    def _restore_collection(self, collection: _Collection) -> None:
        with self._lock:
            self._collections.setdefault(collection.name, collection)

    # -- datasets ----------------------------------------------------------

    def insert(self, ref: DatasetRef) -> None:
        """Record a new dataset in its run.

        Raises
        ------
        MissingCollectionError
            The run does not exist.
        CollectionTypeError
            ``ref.run`` is not a run.
        ConflictingDefinitionError
            The run already has a dataset of this type and data ID, or the
            registry already has a dataset with this ID.
        """
        datasetType = ref.datasetType
        name = datasetType.name
        key = required_data_id(ref.dataId, datasetType.dimensions)
        with self._lock:
            run = self._of_type(ref.run, CollectionType.RUN)
            table = run.datasets.get(name)
            if table is None:
                table = run.datasets[name] = {}
            existing = table.get(key)
            if existing is not None:
                raise ConflictingDefinitionError(
                    f"Run {ref.run!r} already has a dataset of type {name!r} with data ID "
                    f"{key} (id {existing.id}); cannot add {ref}"
                )
            other = self._datasets.get(ref.id)
            if other is not None:
                raise ConflictingDefinitionError(
                    f"Dataset ID {ref.id} is already registered, for {other}; cannot add {ref}"
                )
            table[key] = ref
            self._datasets[ref.id] = ref
            if self._thread.transaction is not None:
                self._on_rollback("insertDatasets", self._uninsert, run, name, key, ref)

    def uninsert(self, ref: DatasetRef) -> None:
        """Take back an `insert` whose datastore write failed."""
        datasetType = ref.datasetType
        with self._lock:
            run = self._collections.get(ref.run)
            if run is not None:
                self._uninsert(
                    run, datasetType.name, required_data_id(ref.dataId, datasetType.dimensions),
                    ref,
                )

    def _uninsert(self, run: _Collection, name: str, key: DataId, ref: DatasetRef) -> None:
        with self._lock:
            _delete_if_same(run.datasets.get(name), key, ref)
            _delete_if_same(self._datasets, ref.id, ref)

    def import_ref(self, ref: DatasetRef) -> bool:
        """Record a dataset whose ID the caller chose; `False` if already recorded.

        Raises
        ------
        ConflictingDefinitionError
            The ID is recorded for another dataset type, data ID or run, or
            the run has another dataset of this type and data ID.
        MissingDatasetTypeError
            The dataset type is not registered.
        ValueError
            The ref's dataset type differs from the registered one.
        """
        with self._lock:
            existing = self._datasets.get(ref.id)
            if existing is not None:
                if (
                    existing.datasetType.name == ref.datasetType.name
                    and existing.run == ref.run
                    and existing.dataId == ref.dataId
                ):
                    return False
                raise ConflictingDefinitionError(
                    f"Dataset ID {ref.id} is registered for {existing}; cannot add {ref}"
                )
            given = ref.datasetType
            registered = self.get_dataset_type(given.name)
            if registered is not given and (
                registered.dimensions != given.dimensions
                or not registered.storageClass.can_convert(given.storageClass)
            ):
                raise ValueError(
                    f"Dataset type of {ref} is inconsistent with the registered definition "
                    f"{describe_dataset_type(registered)}"
                )
            self.insert(ref)
        return True

    def remove_datasets(self, refs: Iterable[DatasetRef]) -> None:
        """Drop datasets from their run, every tagged collection and the registry.

        Refs the registry does not know are ignored.
        """
        with self._lock:
            removed: list[tuple[_Collection, str, DataId, DatasetRef]] = []
            tagged = [
                c for c in self._collections.values() if c.type is CollectionType.TAGGED
            ]
            for given in refs:
                ref = self._datasets.pop(given.id, None)
                if ref is None:
                    continue
                name = ref.datasetType.name
                key = required_data_id(ref.dataId, ref.datasetType.dimensions)
                run = self._collections.get(ref.run)
                for collection in [run, *tagged] if run is not None else tagged:
                    if _delete_if_same(collection.datasets.get(name), key, ref):
                        removed.append((collection, name, key, ref))
                removed.append((_NO_COLLECTION, name, key, ref))
            if removed:
                self._on_rollback("removeDatasets", self._restore_datasets, removed)

    def _restore_datasets(
        self, removed: list[tuple[_Collection, str, DataId, DatasetRef]]
    ) -> None:
        with self._lock:
            for collection, name, key, ref in reversed(removed):
                if collection is _NO_COLLECTION:
                    self._datasets.setdefault(ref.id, ref)
                else:
                    collection.datasets.setdefault(name, {}).setdefault(key, ref)

    def associate(self, collection: str, refs: Iterable[DatasetRef]) -> None:
        """Add recorded datasets to a tagged collection.

        Raises
        ------
        MissingCollectionError
            The collection does not exist.
        CollectionTypeError
            It is not a tagged collection.
        ConflictingDefinitionError
            It holds another dataset of the same type and data ID, or a ref
            is not recorded. Nothing is added then.
        """
        listed = list(refs)
        with self._lock:
            tagged = self._of_type(collection, CollectionType.TAGGED)
            added: list[tuple[str, DataId, DatasetRef]] = []
            planned: dict[tuple[str, DataId], DatasetRef] = {}
            for given in listed:
                ref = self._datasets.get(given.id)
                if ref is None:
                    raise ConflictingDefinitionError(
                        f"Cannot associate {given} with {collection!r}: it is not recorded"
                    )
                name = ref.datasetType.name
                key = required_data_id(ref.dataId, ref.datasetType.dimensions)
                held = planned.get((name, key)) or tagged.datasets.get(name, {}).get(key)
                if held is not None and held.id != ref.id:
                    raise ConflictingDefinitionError(
                        f"Collection {collection!r} already has {held}; cannot associate {ref}"
                    )
                planned[(name, key)] = ref
            for (name, key), ref in planned.items():
                table = tagged.datasets.setdefault(name, {})
                if key not in table:
                    table[key] = ref
                    added.append((name, key, ref))
            if added:
                self._on_rollback("associate", self._unassociate, tagged, added)

    def _unassociate(
        self, tagged: _Collection, added: list[tuple[str, DataId, DatasetRef]]
    ) -> None:
        with self._lock:
            for name, key, ref in added:
                _delete_if_same(tagged.datasets.get(name), key, ref)

    def disassociate(self, collection: str, refs: Iterable[DatasetRef]) -> None:
        """Take datasets out of a tagged collection; others are ignored.

        Raises
        ------
        MissingCollectionError
            The collection does not exist.
        CollectionTypeError
            It is not a tagged collection.
        """
        listed = list(refs)
        with self._lock:
            tagged = self._of_type(collection, CollectionType.TAGGED)
            removed = []
            for given in listed:
                name = given.datasetType.nameAndComponent()[0]
                table = tagged.datasets.get(name)
                if not table:
                    continue
                key = required_data_id(given.dataId, given.datasetType.dimensions)
                held = table.get(key)
                if held is not None and held.id == given.id:
                    del table[key]
                    removed.append((tagged, name, key, held))
            if removed:
                self._on_rollback("disassociate", self._restore_datasets, removed)

    def get_dataset(self, id: DatasetId) -> DatasetRef | None:
        """Return the recorded ref with this ID, or `None`."""
        return self._datasets.get(id)

    def find(
        self, name: str, key: DataId, collections: Iterable[str]
    ) -> DatasetRef | None:
        """Return the first dataset of type ``name`` and data ID ``key`` in the search path.

        Raises
        ------
        MissingCollectionError
            A collection does not exist.
        """
        # Lock-free: each step is one dict lookup, and a chain's children are
        # replaced as a whole (a tuple), never changed in place.
        get_collection = self._collections.get
        for collection_name in collections:
            collection = get_collection(collection_name)
            if collection is None:
                self._collection(collection_name)  # raises MissingCollectionError
                continue  # pragma: no cover - added meanwhile by another thread
            if collection.type is CollectionType.CHAINED:
                with self._lock:
                    path = self._flatten(collection.children)
                for member in path:
                    ref = member.datasets.get(name, _EMPTY).get(key)
                    if ref is not None:
                        return ref
                continue
            ref = collection.datasets.get(name, _EMPTY).get(key)
            if ref is not None:
                return ref
        return None

    def query(
        self,
        name: str,
        collections: Iterable[str],
        *,
        find_first: bool,
        predicate: Callable[[DataId], bool],
    ) -> list[DatasetRef]:
        """Return the datasets of type ``name`` whose data ID satisfies ``predicate``.

        With ``find_first`` only the first dataset of each data ID along the
        search path; otherwise every one, each dataset once. Results come in
        search-path order, then in the order they were added.
        """
        with self._lock:
            path = self._flatten(collections)
            tables = [(c.datasets.get(name) or {}).copy() for c in path]
        found: dict[Any, DatasetRef] = {}
        for table in tables:
            for key, ref in table.items():
                marker = key if find_first else ref.id
                if marker in found:
                    continue
                if find_first or predicate(key):
                    found[marker] = ref
        if find_first:
            return [ref for key, ref in found.items() if predicate(key)]
        return list(found.values())

    def run_datasets(self, runs: Iterable[str]) -> list[DatasetRef]:
        """Return every dataset the given runs own."""
        with self._lock:
            return [
                ref for name in runs for ref in _owned(self._of_type(name, CollectionType.RUN))
            ]

    def count(self) -> int:
        """Return how many datasets are recorded."""
        return len(self._datasets)


_NO_COLLECTION = _Collection("", CollectionType.RUN, None)


def _owned(run: _Collection) -> list[DatasetRef]:
    """Return every dataset a run holds."""
    return [ref for table in run.datasets.values() for ref in table.values()]


def _delete_if_same(table: dict[Any, Any] | None, key: Any, value: Any) -> bool:
    """Delete ``table[key]`` if it is ``value`` itself; return whether it was.

    For when only that very entry may go: an undo step must not remove what
    a later change put under the same key, and a tagged collection may hold
    another dataset under the same data ID.
    """
    if table is not None and table.get(key) is value:
        del table[key]
        return True
    return False


def describe_dataset_type(datasetType: DatasetType) -> str:
    """Return a dataset type as ``name([dimensions], StorageClass)`` for messages."""
    return f"{datasetType.name}({sorted(datasetType.dimensions)}, {datasetType.storageClass.name})"
