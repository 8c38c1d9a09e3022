"""The factory that names storage classes."""

from __future__ import annotations

__all__ = ["StorageClassFactory"]

import os
from collections.abc import Iterator, Mapping
from typing import Any

from .storage import StorageClass
from .storage_config import storage_classes_from_config

_new_factory = object.__new__


class StorageClassFactory:
    """A registry of storage classes by name."""

    def __init__(self) -> None:
        self._classes: dict[str, StorageClass] = {}

    def registerStorageClass(self, storageClass: StorageClass) -> None:
        """Register ``storageClass`` under its name.

        Registering an equal definition again keeps the first one.

        Raises
        ------
        ValueError
            Another definition is already registered under that name.
        """
        if not isinstance(storageClass, StorageClass):
            raise TypeError(f"Expected a StorageClass; got {type(storageClass).__name__}")
        existing = self._classes.get(storageClass.name)
        if existing is None:
            self._classes[storageClass.name] = storageClass
            storageClass.join_factory(self)
        elif existing != storageClass:
            raise ValueError(
                f"A different storage class is already registered as {storageClass.name!r}: "
                f"{existing.definition()} != {storageClass.definition()}"
            )

    def getStorageClass(self, name: str) -> StorageClass:
        """Return the storage class registered as ``name``.

        Raises
        ------
        KeyError
            No such name; the message lists the known ones.
        """
        try:
            return self._classes[name]
        except KeyError:
            raise KeyError(
                f"No storage class named {name!r}; known: {sorted(self._classes)}"
            ) from None

    def __contains__(self, item: object) -> bool:
        if isinstance(item, StorageClass):
            return self._classes.get(item.name) == item
        return item in self._classes

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._classes))

    def __len__(self) -> int:
        return len(self._classes)

    def copy(self) -> StorageClassFactory:
        """Return an independent factory with the same registrations."""
        new: StorageClassFactory = _new_factory(StorageClassFactory)  # every test makes one
        new._classes = self._classes.copy()
        return new

    def addFromConfig(self, config: Mapping[str, Any] | str | os.PathLike[str]) -> None:
        """Add the storage classes a configuration defines.

        Parameters
        ----------
        config : mapping, `str` or path
            A mapping shaped like daf_butler's ``storageClasses.yaml`` (with or
            without the top-level ``storageClasses`` key), or the path of a
            ``.json`` file, or of a ``.yaml``/``.yml`` file when PyYAML is
            installed.

        Raises
        ------
        ValueError
            The configuration is malformed, refers to an unknown storage
            class, has an ``inheritsFrom`` cycle, or redefines a registered
            name. Nothing is registered then.
        ImportError
            A YAML file was given and PyYAML is not installed.
        """
        built = storage_classes_from_config(config, self._classes)
        staged = self.copy()
        for storageClass in built.values():
            staged.registerStorageClass(storageClass)
        self._classes = staged._classes
