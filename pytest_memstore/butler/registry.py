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

The class is put together from one part per concern: the tables, the lock
and the undo steps (`RegistryTables`), dataset types
(`RegistryDatasetTypes`), collections and chains (`RegistryCollections`),
dataset records (`RegistryDatasets`), lookups and queries
(`RegistryLookup`), and removal (`RegistryRemoval`).
"""

from __future__ import annotations

__all__ = ["InMemoryRegistry"]

from .registry_datasets import RegistryDatasets
from .registry_lookup import RegistryLookup
from .registry_removal import RegistryRemoval


class InMemoryRegistry(RegistryRemoval, RegistryDatasets, RegistryLookup):
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

    def __repr__(self) -> str:
        return (
            f"<InMemoryRegistry: {len(self._dataset_types)} dataset types, "
            f"{len(self._collections)} collections, {len(self._datasets)} datasets>"
        )
