"""Which storage class a datastore puts and gets a dataset with."""

from __future__ import annotations

__all__ = ["StorageClassMixin"]

from typing import TYPE_CHECKING, Any

from ..core.defaults import shared_default_storage_classes
from ..core.model import DatasetType
from ..core.storage import StorageClass
from .tables import StoreTables

if TYPE_CHECKING:
    from ..core.foreign import RefLike


class StorageClassMixin(StoreTables):
    """Resolves the storage classes of refs, by name through ``storageClasses``.

    A dataset type that is not ours (daf_butler's) resolves its own storage
    class, and names given to ``get(storageClass=...)`` with it.
    """

    def storage_class_of(self, ref: RefLike) -> StorageClass:
        """Return the storage class this store puts and gets ``ref`` with.

        That of its dataset type; a storage class given there by name is
        resolved through ``storageClasses`` (the defaults when not given).

        Raises
        ------
        KeyError
            The name is not known; the message names the ref.
        """
        return self._storage_class_for(ref, "resolve the storage class of")

    def _storage_class_for(self, ref: RefLike, verb: str) -> StorageClass:
        datasetType = ref.datasetType
        if type(datasetType) is not DatasetType:
            # daf_butler's dataset type resolves its own storage class.
            foreign: StorageClass = datasetType.storageClass
            return foreign
        storageClass = datasetType.storageClass_object
        if storageClass is None:
            storageClass = self._named_storage_class(ref, datasetType.storageClass_name, verb)
        return storageClass

    def _named_storage_class(self, ref: RefLike, name: str, verb: str) -> StorageClass:
        """Resolve a storage class name through this store's factory.

        Raises
        ------
        KeyError
            The factory does not know the name; the message names the ref.
        """
        factory = self.storageClasses
        if factory is None:
            factory = shared_default_storage_classes()
        try:
            return factory.getStorageClass(name)
        except KeyError as err:
            raise KeyError(f"Cannot {verb} {ref}: {err.args[0]}") from None

    def _read_storage_class(
        self, ref: RefLike, storageClass: StorageClass | str
    ) -> StorageClass:
        """Return the storage class ``get(storageClass=...)`` reads with.

        Raises
        ------
        TypeError
            ``storageClass`` is neither a storage class nor a name.
        KeyError, ValueError
            A name is not known, or does not fit the dataset type.
        """
        if isinstance(storageClass, str):
            datasetType = ref.datasetType
            if type(datasetType) is not DatasetType:
                # A daf_butler dataset type resolves names through daf_butler's factory.
                foreign: Any = datasetType
                try:
                    overridden = foreign.overrideStorageClass(storageClass)
                except (KeyError, ValueError, TypeError) as err:
                    raise type(err)(f"Cannot get {ref}: {err}") from err
                found: StorageClass = overridden.storageClass
                return found
            return self._named_storage_class(ref, storageClass, "get")
        if isinstance(storageClass, StorageClass) or callable(
            getattr(storageClass, "delegate", None)
        ):
            return storageClass
        raise TypeError(
            f"Cannot get {ref}: storageClass must be a StorageClass or a name; "
            f"got {type(storageClass).__name__}"
        )
