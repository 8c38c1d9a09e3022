"""`RegistryCollections`: the collections of a butler registry, and its chains."""

from __future__ import annotations

__all__ = ["RegistryCollections"]

import fnmatch
from collections.abc import Iterable, Iterator
from types import EllipsisType
from typing import Literal

from ..datastore.tables import open_transaction
from .collection_info import CollectionInfo
from .collection_type import CollectionType
from .errors import CollectionCycleError
from .expressions import collection_names, is_glob
from .registry_tables import CollectionRecord, RegistryTables


class RegistryCollections(RegistryTables):
    """Register collections, define chains, search and query collections."""

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
            collection = self._collections[name] = CollectionRecord(name, type, doc)
            if open_transaction(self) is not None:
                self._on_rollback(
                    "registerCollection", self._forget, self._collections, name, collection
                )
        return True

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

    # -- chains ------------------------------------------------------------

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

    def edit_chain(
        self,
        parent: str,
        children: str | Iterable[str],
        how: Literal["prepend", "extend", "remove"],
    ) -> None:
        """Add children at the start or the end of chain ``parent``, or take them out.

        Children added that the chain already lists move to their new place;
        children taken out that it does not list are no error. Raises what
        `set_chain` raises.
        """
        names = collection_names(children, "Chain children")
        with self._lock:  # one change: no other thread's edit in between
            for name in names:
                self._collection(name)
            kept = [c for c in self._of_type(parent, CollectionType.CHAINED).children
                    if c not in names]
            if how == "prepend":
                kept[:0] = names
            elif how == "extend":
                kept.extend(names)
            self.set_chain(parent, kept)

    def _restore_chain(
        self, chain: CollectionRecord, names: tuple[str, ...], previous: tuple[str, ...]
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

    # -- searching ---------------------------------------------------------

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
        expression: str | Iterable[str] | EllipsisType = ...,
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
        def wanted(collection: CollectionRecord) -> bool:
            return collection.type in types and (
                include_chains or collection.type is not CollectionType.CHAINED
            )

        # daf_butler's order: what the patterns match, in registration order
        # (then the children of the chains they match, with flatten_chains);
        # then each name, followed depth first by what it searches.
        with self._lock:
            found: dict[str, CollectionRecord] = {}
            if expression is ...:
                found.update((c.name, c) for c in self._collections.values() if wanted(c))
            else:
                items = collection_names(expression, "A collection expression")
                patterns = [item for item in items if is_glob(item)]
                names = [item for item in items if not is_glob(item)]
                for collection in self._collections.values():
                    if any(fnmatch.fnmatchcase(collection.name, p) for p in patterns):
                        if wanted(collection):
                            found.setdefault(collection.name, collection)
                        if flatten_chains and collection.type is CollectionType.CHAINED:
                            names.extend(collection.children)
                for name in names:
                    for collection in self._depth_first(name, flatten_chains):
                        if wanted(collection):
                            found.setdefault(collection.name, collection)
            return [
                collection.name
                for collection in found.values()
                if dataset_type is None or self._holds(collection, dataset_type)
            ]

    def _depth_first(self, name: str, flatten_chains: bool) -> Iterator[CollectionRecord]:
        """Yield collection ``name`` then, with ``flatten_chains``, what it searches."""
        collection = self._collection(name)
        yield collection
        if flatten_chains and collection.type is CollectionType.CHAINED:
            for child in collection.children:
                yield from self._depth_first(child, flatten_chains)

    def collection_infos(
        self,
        names: Iterable[str],
        *,
        include_doc: bool = True,
        include_parents: bool = False,
        include_summary: bool = False,
        summary_datasets: Iterable[str] | None = None,
    ) -> list[CollectionInfo]:
        """Return a `CollectionInfo` of each collection ``names`` lists.

        Parameters
        ----------
        names : iterable of `str`
            The collections, by name (no wildcards).
        include_doc : `bool`, optional
            Give their documentation strings (otherwise ``""``).
        include_parents : `bool`, optional
            Give the chains that list each as a direct child.
        include_summary : `bool`, optional
            Give the dataset types of the datasets each holds (a chain: its
            children, all the way down).
        summary_datasets : iterable of `str`, optional
            Only these dataset types in the summaries.

        Raises
        ------
        MissingCollectionError
            A collection does not exist.
        """
        wanted = None if summary_datasets is None else frozenset(summary_datasets)
        with self._lock:
            records = [self._collection(name) for name in names]
            parents: dict[str, set[str]] | None = None
            if include_parents:
                parents = {record.name: set() for record in records}
                for chain in self._collections.values():
                    if chain.type is CollectionType.CHAINED:
                        for child in chain.children:
                            if child in parents:
                                parents[child].add(chain.name)
            return [
                CollectionInfo(
                    name=record.name,
                    type=record.type,
                    doc=(record.doc or "") if include_doc else "",
                    children=record.children,
                    parents=None if parents is None else frozenset(parents[record.name]),
                    dataset_types=self._summary(record, wanted) if include_summary else None,
                )
                for record in records
            ]

    def _summary(
        self, collection: CollectionRecord, wanted: frozenset[str] | None
    ) -> frozenset[str]:
        """Return the names of the dataset types a collection holds datasets of."""
        holders = (
            self._flatten(collection.children)
            if collection.type is CollectionType.CHAINED
            else [collection]
        )
        names = frozenset(
            name for holder in holders for name, table in holder.datasets.items() if table
        )
        return names if wanted is None else names & wanted

    def _holds(self, collection: CollectionRecord, dataset_type: str) -> bool:
        if collection.type is CollectionType.CHAINED:
            return any(self._holds(c, dataset_type) for c in self._flatten(collection.children))
        return bool(collection.datasets.get(dataset_type))
