"""The storage classes every store knows, and the example composite."""

from __future__ import annotations

__all__ = [
    "ExampleCompositeDelegate",
    "ExampleMetrics",
    "SliceableListDelegate",
    "default_storage_classes",
    "shared_default_storage_classes",
]

import dataclasses
from collections.abc import Mapping
from typing import Any

from .storage import StorageClass, StorageClassDelegate, use_as_default_names
from .storage_factory import StorageClassFactory


@dataclasses.dataclass(slots=True)
class ExampleMetrics:
    """A small composite: a summary, an output mapping and a list of data."""

    summary: dict[str, Any] | None = None
    output: dict[str, Any] | None = None
    data: list[Any] | None = None


def _metrics_from_mapping(mapping: Mapping[str, Any]) -> ExampleMetrics:
    return ExampleMetrics(**mapping)


def _slice_of(parameters: Mapping[str, Any], storageClass: StorageClass) -> Any:
    unknown = set(parameters) - {"slice"}
    if unknown:
        raise ValueError(
            f"Storage class {storageClass.name!r}: its delegate cannot apply "
            f"parameter(s) {sorted(unknown)}"
        )
    return parameters["slice"] if "slice" in parameters else slice(None)


class SliceableListDelegate(StorageClassDelegate):
    """Applies ``slice`` to a list; derives ``counter``, its length."""

    def getComponent(self, composite: Any, componentName: str) -> Any:  # noqa: D102
        if componentName == "counter":
            return len(composite)
        return super().getComponent(composite, componentName)

    def handleParameters(  # noqa: D102
        self, inMemoryDataset: Any, parameters: Mapping[str, Any] | None = None
    ) -> Any:
        if not parameters:
            return inMemoryDataset
        return inMemoryDataset[_slice_of(parameters, self.storageClass)]


class ExampleCompositeDelegate(StorageClassDelegate):
    """Applies ``slice`` to `ExampleMetrics.data`; derives ``counter``."""

    def getComponent(self, composite: Any, componentName: str) -> Any:  # noqa: D102
        if componentName == "counter":
            return None if composite.data is None else len(composite.data)
        return super().getComponent(composite, componentName)

    def handleParameters(  # noqa: D102
        self, inMemoryDataset: Any, parameters: Mapping[str, Any] | None = None
    ) -> Any:
        if not parameters:
            return inMemoryDataset
        selection = _slice_of(parameters, self.storageClass)
        if inMemoryDataset.data is None:
            return inMemoryDataset
        return dataclasses.replace(inMemoryDataset, data=inMemoryDataset.data[selection])


def _build_defaults() -> StorageClassFactory:
    factory = StorageClassFactory()
    integer = StorageClass("Integer", int)
    dictionary = StorageClass("StructuredDataDict", dict)
    # daf_butler's names keep daf_butler's meaning; the extras have names of their own.
    sliceable_list = StorageClass(
        "SliceableList",
        list,
        parameters=("slice",),
        derivedComponents={"counter": integer},
        delegate=SliceableListDelegate,
        converters={tuple: list},
    )
    for storageClass in (
        StorageClass("int", int),
        integer,
        StorageClass("Float", float, converters={int: float}),
        StorageClass("String", str),
        StorageClass("Bytes", bytes, converters={bytearray: bytes}),
        dictionary,
        StorageClass("StructuredDataList", list),
        sliceable_list,
        StorageClass("Object"),
        StorageClass(
            "ExampleComposite",
            ExampleMetrics,
            components={"summary": dictionary, "output": dictionary, "data": sliceable_list},
            derivedComponents={"counter": integer},
            delegate=ExampleCompositeDelegate,
            converters={dict: _metrics_from_mapping},
        ),
    ):
        factory.registerStorageClass(storageClass)
    return factory


_DEFAULTS = _build_defaults()
use_as_default_names(_DEFAULTS)


def default_storage_classes() -> StorageClassFactory:
    """Return a new factory holding the default storage classes.

    Each call returns an independent factory: registering in one does not
    change another. The storage classes themselves are immutable and shared.
    """
    return _DEFAULTS.copy()


def shared_default_storage_classes() -> StorageClassFactory:
    """Return the one factory of defaults that resolves names; do not register in it."""
    return _DEFAULTS
