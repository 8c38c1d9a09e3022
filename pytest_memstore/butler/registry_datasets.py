"""`RegistryDatasets`: the dataset records of a butler registry.

Recording a dataset in its run (`insert`, or `import_ref` for an ID the
caller chose), taking back a record whose datastore write failed, and
adding datasets to tagged collections or taking them out.
"""

from __future__ import annotations

__all__ = ["RegistryDatasets"]

from collections.abc import Iterable

from ..core.model import DataId, DatasetRef
from ..datastore.tables import open_transaction
from .collection_type import CollectionType
from .errors import ConflictingDefinitionError
from .registry_dataset_types import RegistryDatasetTypes, describe_dataset_type
from .registry_tables import CollectionRecord, RemovedDataset, delete_if_same, required_data_id


class RegistryDatasets(RegistryDatasetTypes):
    """Record datasets in runs; associate them with tagged collections."""

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
        lock = self._lock
        lock.acquire()
        try:
            run = self._collections.get(ref.run)
            if run is None or run.type is not CollectionType.RUN:
                run = self._of_type(ref.run, CollectionType.RUN)  # raises, saying why
            table = run.datasets.get(name)
            if table is None:
                table = run.datasets[name] = {}
            # Each setdefault adds the ref only where the key is free, and
            # says what was there: one lookup instead of a lookup and a store.
            existing = table.setdefault(key, ref)
            if existing is not ref:
                raise ConflictingDefinitionError(
                    f"Run {ref.run!r} already has a dataset of type {name!r} with data ID "
                    f"{key} (id {existing.id}); cannot add {ref}"
                )
            other = self._datasets.setdefault(ref.id, ref)
            if other is not ref:
                del table[key]  # nothing is added when the ID is taken
                raise ConflictingDefinitionError(
                    f"Dataset ID {ref.id} is already registered, for {other}; cannot add {ref}"
                )
            if open_transaction(self) is not None:
                self._on_rollback("insertDatasets", self._uninsert, run, name, key, ref)
        finally:
            lock.release()

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

    def _uninsert(self, run: CollectionRecord, name: str, key: DataId, ref: DatasetRef) -> None:
        with self._lock:
            delete_if_same(run.datasets.get(name), key, ref)
            delete_if_same(self._datasets, ref.id, ref)

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

    # -- tagged collections --------------------------------------------------

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
        self, tagged: CollectionRecord, added: list[tuple[str, DataId, DatasetRef]]
    ) -> None:
        with self._lock:
            for name, key, ref in added:
                delete_if_same(tagged.datasets.get(name), key, ref)

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
            removed: list[RemovedDataset] = []
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
