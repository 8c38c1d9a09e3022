"""`RegistryLookup`: finding dataset records, by ID, along a search path, by query."""

from __future__ import annotations

__all__ = ["RegistryLookup"]

from collections.abc import Callable, Iterable, Mapping

from ..core.model import DataId, DatasetId, DatasetRef
from .collection_type import CollectionType
from .registry_tables import RegistryTables, owned_datasets

_EMPTY: Mapping[DataId, DatasetRef] = {}


class RegistryLookup(RegistryTables):
    """Find recorded datasets: by ID, first along a search path, or all matching."""

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

    def find_every(
        self, name: str, key: DataId, collections: Iterable[str]
    ) -> list[DatasetRef]:
        """Return every dataset of type ``name`` and data ID ``key`` in the search path, once.

        Raises
        ------
        MissingCollectionError
            A collection does not exist.
        """
        with self._lock:
            path = self._flatten(collections)
        found: dict[DatasetId, DatasetRef] = {}
        for collection in path:
            ref = collection.datasets.get(name, _EMPTY).get(key)
            if ref is not None:
                found.setdefault(ref.id, ref)
        return list(found.values())

    def query(
        self,
        name: str,
        collections: Iterable[str],
        *,
        find_first: bool,
        predicate: Callable[[DataId], bool] | None,
    ) -> list[DatasetRef]:
        """Return the datasets of type ``name`` whose data ID satisfies ``predicate``.

        With ``find_first`` only the first dataset of each data ID along the
        search path; otherwise every one, each dataset once. Results come in
        search-path order, then in the order they were added. A ``predicate``
        of `None` takes every data ID.
        """
        tables = [table for _, table in self.dataset_tables(name, collections)]
        if len(tables) == 1:  # one collection: each data ID and dataset is there once
            first = tables[0]
        elif find_first:
            first = {}
            for table in tables:
                for key, ref in table.items():
                    if key not in first:
                        first[key] = ref
        else:
            every: dict[DatasetId, DatasetRef] = {}
            for table in tables:
                for key, ref in table.items():
                    if ref.id not in every and (predicate is None or predicate(key)):
                        every[ref.id] = ref
            return list(every.values())
        if predicate is None:
            return list(first.values())
        return [ref for key, ref in first.items() if predicate(key)]

    def dataset_tables(
        self, name: str, collections: Iterable[str]
    ) -> list[tuple[str, dict[DataId, DatasetRef]]]:
        """Return the datasets of type ``name`` in each collection of the search path.

        Chains are flattened; each item is a collection's name and a copy of
        its table of that type, keyed by required data ID.

        Raises
        ------
        MissingCollectionError
            A collection does not exist.
        """
        with self._lock:
            path = self._flatten(collections)
            return [(c.name, (c.datasets.get(name) or {}).copy()) for c in path]

    def run_datasets(self, runs: Iterable[str]) -> list[DatasetRef]:
        """Return every dataset the given runs own.

        Raises
        ------
        MissingCollectionError
            A run does not exist.
        CollectionTypeError
            A collection is not a run.
        """
        with self._lock:
            return [
                ref
                for name in runs
                for ref in owned_datasets(self._of_type(name, CollectionType.RUN))
            ]

    def count(self) -> int:
        """Return how many datasets are recorded."""
        return len(self._datasets)
