"""`RegistryRemoval`: dropping dataset records and whole collections."""

from __future__ import annotations

__all__ = ["RegistryRemoval"]

from collections.abc import Iterable

from ..core.model import DatasetRef
from .collection_type import CollectionType
from .expressions import collection_names
from .registry_collections import RegistryCollections
from .registry_tables import (
    CollectionRecord,
    RemovedDataset,
    delete_if_same,
    owned_datasets,
    required_data_id,
)


class RegistryRemoval(RegistryCollections):
    """Remove datasets from everywhere, and collections with what runs own."""

    def remove_datasets(self, refs: Iterable[DatasetRef]) -> None:
        """Drop datasets from their run, every tagged collection and the registry.

        Refs the registry does not know are ignored.
        """
        with self._lock:
            removed: list[RemovedDataset] = []
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
                    if delete_if_same(collection.datasets.get(name), key, ref):
                        removed.append((collection, name, key, ref))
                removed.append((None, name, key, ref))
            if removed:
                self._on_rollback("removeDatasets", self._restore_datasets, removed)

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
                    self.remove_datasets(owned_datasets(collection))
                del self._collections[collection.name]
                self._on_rollback("removeCollection", self._restore_collection, collection)

    def _restore_collection(self, collection: CollectionRecord) -> None:
        with self._lock:
            self._collections.setdefault(collection.name, collection)
