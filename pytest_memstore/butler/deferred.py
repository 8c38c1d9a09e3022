"""`DeferredDatasetHandle`: a dataset found now and read later."""

from __future__ import annotations

__all__ = ["DeferredDatasetHandle"]

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from ..core.model import DataId, DatasetRef
    from ..core.storage import StorageClass
    from .butler import InMemoryButler


@attrs.frozen
class DeferredDatasetHandle:
    """A handle that reads one dataset when asked, as often as asked.

    `InMemoryButler.getDeferred` makes these: the dataset is looked up then,
    and read by each `get`.

    Parameters
    ----------
    butler : `InMemoryButler`
        The butler that reads it.
    ref : `DatasetRef`
        The dataset.
    parameters : mapping, optional
        Read parameters every `get` applies (a `get` may add or override).
    storageClass : `StorageClass` or `str`, optional
        Storage class every `get` reads with unless it names another.
    """

    butler: InMemoryButler
    ref: DatasetRef
    parameters: Mapping[str, Any] | None = None
    storageClass: StorageClass | str | None = None

    @property
    def dataId(self) -> DataId:
        """The data ID of the dataset."""
        return self.ref.dataId

    def get(
        self,
        *,
        component: str | None = None,
        parameters: Mapping[str, Any] | None = None,
        storageClass: StorageClass | str | None = None,
    ) -> Any:
        """Read the dataset, or one of its components.

        Parameters
        ----------
        component : `str`, optional
            Read this component; the handle's storage class (if any) then
            applies to the composite the component is taken from, and
            ``storageClass`` to the component.
        parameters : mapping, optional
            Merged over the handle's parameters.
        storageClass : `StorageClass` or `str`, optional
            Read with this storage class instead.

        Raises
        ------
        FileNotFoundError
            The dataset is no longer stored.
        KeyError
            No such component, or a parameter is not understood.
        """
        merged = {**(self.parameters or {}), **(parameters or {})} or None
        if component is None:
            if storageClass is None:
                storageClass = self.storageClass
            return self.butler.get(self.ref, parameters=merged, storageClass=storageClass)
        ref = self.ref
        if self.storageClass is not None:
            ref = ref.overrideStorageClass(
                self.butler.registry_state.resolve_storage_class(self.storageClass)
            )
        return self.butler.get(
            ref.makeComponentRef(component), parameters=merged, storageClass=storageClass
        )
