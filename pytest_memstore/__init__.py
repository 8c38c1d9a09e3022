"""An in-process datastore with daf_butler ``InMemoryDatastore`` semantics, for pytest.

Every public name is importable from here. Each module is imported on first
use of one of its names, so loading the pytest plugin (or only declaring its
hooks, under ``-p no:memstore``) imports no more than it needs. The table
below is the one list of public names: ``__all__`` is made from it, and the
type stub ``__init__.pyi`` beside this file is checked against it by the tests.
"""

from __future__ import annotations

import importlib
from typing import Any

# Module (within this package) -> the public names it defines.
_SOURCES: dict[str, tuple[str, ...]] = {
    "core.defaults": ("ExampleMetrics", "default_storage_classes"),
    "core.errors": (
        "DatasetMutatedError",
        "DatasetTypeNotSupportedError",
        "DatastoreValidationError",
        "DimensionNameError",
        "MemstoreError",
        "TransactionOrderError",
    ),
    "core.foreign": ("RefLike",),
    "core.model": ("DataId", "DatasetId", "DatasetRef", "DatasetType"),
    "core.storage": ("StorageClass", "StorageClassDelegate"),
    "core.storage_factory": ("StorageClassFactory",),
    "datastore.bridge": ("BridgeManager", "EphemeralBridge"),
    "datastore.constraints": ("Constraints",),
    "datastore.counts": ("OperationCounts",),
    "datastore.store": ("InMemoryDatastore",),
    "datastore.tables": ("StoredMemoryItemInfo",),
    "datastore.transaction": ("DatastoreTransaction",),
    "datastore.uri": ("DatasetRefURIs", "MemoryURI"),
    "tools.store_tools": ("Fault", "LoggedOperation", "format_operation_log"),
    "butler.association": ("DatasetAssociation",),
    "butler.butler": ("InMemoryButler",),
    "butler.collection_info": ("CollectionInfo",),
    "butler.collection_type": ("CollectionType",),
    "butler.collections": ("ButlerCollections",),
    "butler.deferred": ("DeferredDatasetHandle",),
    "butler.errors": (
        "CollectionCycleError",
        "CollectionTypeError",
        "ConflictingDefinitionError",
        "DatasetNotFoundError",
        "EmptyQueryResultError",
        "InvalidQueryError",
        "MissingCollectionError",
        "MissingDatasetTypeError",
        "NoDefaultCollectionError",
    ),
    "butler.existence": ("DatasetExistence",),
    "butler.registry": ("InMemoryRegistry",),
    "butler.registry_api": ("ButlerRegistry",),
    "butler.where": ("WhereClause", "parse_where"),
    "assertions": (
        "assert_consistent",
        "assert_not_stored",
        "assert_ops",
        "assert_roundtrip",
        "assert_stored",
        "assert_trash_empty",
        "assert_trash_roundtrip",
        "expect_ops",
    ),
    "factories": ("ButlerFactory", "ButlerOptions", "RefFactory", "StoreFactory", "StoreOptions"),
}
_MODULE_OF = {name: module for module, names in _SOURCES.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
