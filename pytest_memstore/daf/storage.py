"""Storage classes from daf_butler's process-wide `StorageClassFactory`.

In daf_butler mode a butler resolves storage class names where daf_butler
code does: what ``registerMetricsExample`` or a test registers with
daf_butler is seen by the butler, and what is registered through the
butler is seen by daf_butler. The datastore uses daf_butler's storage class
objects and their delegates as they are.
"""

from __future__ import annotations

__all__ = ["DafStorageClasses"]

import os
from collections.abc import Iterator, Mapping
from typing import Any, cast

import lsst.daf.butler as daf_butler

from ..core.storage import StorageClass
from ..core.storage_factory import StorageClassFactory


class DafStorageClasses(StorageClassFactory):
    """Our factory interface over daf_butler's process-wide factory.

    Notes
    -----
    All instances share daf_butler's registrations; `copy` returns the
    same view, since there is only one process-wide factory to copy.
    """

    def __init__(self) -> None:
        super().__init__()
        self._daf = daf_butler.StorageClassFactory()

    def registerStorageClass(self, storageClass: Any) -> None:
        """Register a daf_butler `~lsst.daf.butler.StorageClass` in daf_butler's factory.

        Raises
        ------
        TypeError
            ``storageClass`` is not daf_butler's (one of ours has delegates
            daf_butler cannot call).
        ValueError
            Another definition is registered under that name.
        """
        if not isinstance(storageClass, daf_butler.StorageClass):
            raise TypeError(
                f"In daf_butler mode, storage classes are daf_butler's: register a "
                f"lsst.daf.butler.StorageClass, not {type(storageClass).__name__} "
                f"{getattr(storageClass, 'name', storageClass)!r}"
            )
        self._daf.registerStorageClass(storageClass)

    def getStorageClass(self, name: str) -> StorageClass:
        """Return daf_butler's storage class ``name``.

        Raises
        ------
        KeyError
            daf_butler's factory does not know ``name``.
        """
        # daf_butler's class, used by the datastore as ours is (same interface).
        found: Any = self._daf.getStorageClass(name)
        return cast(StorageClass, found)

    def __contains__(self, item: object) -> bool:
        return item in self._daf

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._daf._storageClasses))

    def __len__(self) -> int:
        return len(self._daf._storageClasses)

    def copy(self) -> StorageClassFactory:
        """Return this view: daf_butler's factory is one per process."""
        return self

    def addFromConfig(self, config: Mapping[str, Any] | str | os.PathLike[str]) -> None:
        """Add the storage classes of a daf_butler configuration to daf_butler's factory."""
        given: Any = os.fspath(config) if isinstance(config, os.PathLike) else config
        self._daf.addFromConfig(given)
