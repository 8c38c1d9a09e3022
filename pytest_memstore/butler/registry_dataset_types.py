"""`RegistryDatasetTypes`: the dataset type definitions of a butler registry."""

from __future__ import annotations

__all__ = [
    "DatasetTypeExpression",
    "KnownDimensions",
    "RegistryDatasetTypes",
    "describe_dataset_type",
]

import fnmatch
from collections.abc import Iterable
from types import EllipsisType
from typing import TypeAlias

from ..core.model import DatasetType
from ..core.storage import StorageClass
from ..datastore.tables import open_transaction
from .errors import ConflictingDefinitionError, MissingDatasetTypeError
from .registry_tables import RegistryTables
from .universe import DEFAULT_UNIVERSE_DIMENSIONS

DatasetTypeExpression: TypeAlias = str | DatasetType | Iterable[str | DatasetType] | EllipsisType
"""Dataset types by name, wildcard (``*``, ``?``, ``[...]``) or definition;
``...`` for all of them."""


def describe_dataset_type(datasetType: DatasetType) -> str:
    """Return a dataset type as ``name([dimensions], StorageClass)`` for messages."""
    return f"{datasetType.name}({sorted(datasetType.dimensions)}, {datasetType.storageClass.name})"


class KnownDimensions:
    """The names a registry takes as dimensions, as a container.

    Those of daf_butler's default dimension universe, and the dimensions of
    every registered dataset type; looked up when asked, so it follows the
    registrations.
    """

    __slots__ = ("_registry",)

    def __init__(self, registry: RegistryDatasetTypes) -> None:
        self._registry = registry

    def __contains__(self, name: object) -> bool:
        return name in DEFAULT_UNIVERSE_DIMENSIONS or self._registry.has_dimension(name)


class RegistryDatasetTypes(RegistryTables):
    """Register dataset types, look them up, resolve their storage classes."""

    @property
    def known_dimensions(self) -> KnownDimensions:
        """The names taken as dimensions: daf_butler's default ones, and those registered."""
        return KnownDimensions(self)

    def has_dimension(self, name: object) -> bool:
        """Return whether a registered dataset type has dimension ``name``."""
        with self._lock:
            return any(name in dt.dimensions for dt in self._dataset_types.values())

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
            if open_transaction(self) is not None:
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
        self, expression: DatasetTypeExpression = ..., *, missing: list[str] | None = None
    ) -> list[DatasetType]:
        """Return the registered dataset types an expression names.

        ``...`` means all of them; a name with ``*``, ``?`` or ``[`` is a
        wildcard; names that match nothing are appended to ``missing``.

        Raises
        ------
        TypeError
            An item is neither a name nor a `DatasetType`.
        """
        with self._lock:
            registered = list(self._dataset_types.values())
        if expression is ...:
            return registered
        items: list[object] = (
            [expression] if isinstance(expression, (str, DatasetType)) else list(expression)
        )
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
