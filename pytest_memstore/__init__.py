"""An in-process datastore with daf_butler ``InMemoryDatastore`` semantics, for pytest.

Every public name is importable from here; each module is imported on first
use of one of its names, so loading the pytest plugin (or only declaring its
hooks, under ``-p no:memstore``) imports no more than it needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .assertions import (
        assert_consistent as assert_consistent,
    )
    from .assertions import (
        assert_not_stored as assert_not_stored,
    )
    from .assertions import (
        assert_ops as assert_ops,
    )
    from .assertions import (
        assert_roundtrip as assert_roundtrip,
    )
    from .assertions import (
        assert_stored as assert_stored,
    )
    from .assertions import (
        assert_trash_empty as assert_trash_empty,
    )
    from .assertions import (
        assert_trash_roundtrip as assert_trash_roundtrip,
    )
    from .assertions import (
        expect_ops as expect_ops,
    )
    from .bridge import (
        BridgeManager as BridgeManager,
    )
    from .bridge import (
        EphemeralBridge as EphemeralBridge,
    )
    from .butler import InMemoryButler as InMemoryButler
    from .butler_collections import ButlerCollections as ButlerCollections
    from .butler_errors import (
        CollectionCycleError as CollectionCycleError,
    )
    from .butler_errors import (
        CollectionTypeError as CollectionTypeError,
    )
    from .butler_errors import (
        ConflictingDefinitionError as ConflictingDefinitionError,
    )
    from .butler_errors import (
        DatasetNotFoundError as DatasetNotFoundError,
    )
    from .butler_errors import (
        DimensionNameError as DimensionNameError,
    )
    from .butler_errors import (
        EmptyQueryResultError as EmptyQueryResultError,
    )
    from .butler_errors import (
        InvalidQueryError as InvalidQueryError,
    )
    from .butler_errors import (
        MissingCollectionError as MissingCollectionError,
    )
    from .butler_errors import (
        MissingDatasetTypeError as MissingDatasetTypeError,
    )
    from .butler_errors import (
        NoDefaultCollectionError as NoDefaultCollectionError,
    )
    from .butler_registry import ButlerRegistry as ButlerRegistry
    from .collection_type import CollectionType as CollectionType
    from .constraints import Constraints as Constraints
    from .counts import OperationCounts as OperationCounts
    from .datastore import (
        InMemoryDatastore as InMemoryDatastore,
    )
    from .datastore import (
        StoredMemoryItemInfo as StoredMemoryItemInfo,
    )
    from .defaults import (
        ExampleMetrics as ExampleMetrics,
    )
    from .defaults import (
        default_storage_classes as default_storage_classes,
    )
    from .deferred import DeferredDatasetHandle as DeferredDatasetHandle
    from .errors import (
        DatasetMutatedError as DatasetMutatedError,
    )
    from .errors import (
        DatasetTypeNotSupportedError as DatasetTypeNotSupportedError,
    )
    from .errors import (
        DatastoreValidationError as DatastoreValidationError,
    )
    from .errors import (
        MemstoreError as MemstoreError,
    )
    from .existence import DatasetExistence as DatasetExistence
    from .factories import (
        ButlerFactory as ButlerFactory,
    )
    from .factories import (
        ButlerOptions as ButlerOptions,
    )
    from .factories import (
        RefFactory as RefFactory,
    )
    from .factories import (
        StoreFactory as StoreFactory,
    )
    from .factories import (
        StoreOptions as StoreOptions,
    )
    from .model import (
        DataId as DataId,
    )
    from .model import (
        DatasetId as DatasetId,
    )
    from .model import (
        DatasetRef as DatasetRef,
    )
    from .model import (
        DatasetType as DatasetType,
    )
    from .registry import InMemoryRegistry as InMemoryRegistry
    from .storage import (
        StorageClass as StorageClass,
    )
    from .storage import (
        StorageClassDelegate as StorageClassDelegate,
    )
    from .storage import (
        StorageClassFactory as StorageClassFactory,
    )
    from .tools import (
        Fault as Fault,
    )
    from .tools import (
        LoggedOperation as LoggedOperation,
    )
    from .tools import (
        format_operation_log as format_operation_log,
    )
    from .transaction import DatastoreTransaction as DatastoreTransaction
    from .uri import (
        DatasetRefURIs as DatasetRefURIs,
    )
    from .uri import (
        MemoryURI as MemoryURI,
    )
    from .where import (
        WhereClause as WhereClause,
    )
    from .where import (
        parse_where as parse_where,
    )

# Module (within this package) -> the public names it defines.
_SOURCES: dict[str, tuple[str, ...]] = {
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
    "bridge": ("BridgeManager", "EphemeralBridge"),
    "butler": ("InMemoryButler",),
    "butler_collections": ("ButlerCollections",),
    "butler_errors": (
        "CollectionCycleError",
        "CollectionTypeError",
        "ConflictingDefinitionError",
        "DatasetNotFoundError",
        "DimensionNameError",
        "EmptyQueryResultError",
        "InvalidQueryError",
        "MissingCollectionError",
        "MissingDatasetTypeError",
        "NoDefaultCollectionError",
    ),
    "butler_registry": ("ButlerRegistry",),
    "collection_type": ("CollectionType",),
    "constraints": ("Constraints",),
    "counts": ("OperationCounts",),
    "datastore": ("InMemoryDatastore", "StoredMemoryItemInfo"),
    "defaults": ("ExampleMetrics", "default_storage_classes"),
    "deferred": ("DeferredDatasetHandle",),
    "errors": (
        "DatasetMutatedError",
        "DatasetTypeNotSupportedError",
        "DatastoreValidationError",
        "MemstoreError",
    ),
    "existence": ("DatasetExistence",),
    "factories": ("ButlerFactory", "ButlerOptions", "RefFactory", "StoreFactory", "StoreOptions"),
    "model": ("DataId", "DatasetId", "DatasetRef", "DatasetType"),
    "registry": ("InMemoryRegistry",),
    "storage": ("StorageClass", "StorageClassDelegate", "StorageClassFactory"),
    "tools": ("Fault", "LoggedOperation", "format_operation_log"),
    "transaction": ("DatastoreTransaction",),
    "uri": ("DatasetRefURIs", "MemoryURI"),
    "where": ("WhereClause", "parse_where"),
}
_MODULE_OF = {name: module for module, names in _SOURCES.items() for name in names}

__all__ = [
    "BridgeManager",
    "ButlerCollections",
    "ButlerFactory",
    "ButlerOptions",
    "ButlerRegistry",
    "CollectionCycleError",
    "CollectionType",
    "CollectionTypeError",
    "ConflictingDefinitionError",
    "Constraints",
    "DataId",
    "DatasetExistence",
    "DatasetId",
    "DatasetMutatedError",
    "DatasetNotFoundError",
    "DatasetRef",
    "DatasetRefURIs",
    "DatasetType",
    "DatasetTypeNotSupportedError",
    "DatastoreTransaction",
    "DatastoreValidationError",
    "DeferredDatasetHandle",
    "DimensionNameError",
    "EmptyQueryResultError",
    "EphemeralBridge",
    "ExampleMetrics",
    "Fault",
    "InMemoryButler",
    "InMemoryDatastore",
    "InMemoryRegistry",
    "InvalidQueryError",
    "LoggedOperation",
    "MemoryURI",
    "MemstoreError",
    "MissingCollectionError",
    "MissingDatasetTypeError",
    "NoDefaultCollectionError",
    "OperationCounts",
    "RefFactory",
    "StorageClass",
    "StorageClassDelegate",
    "StorageClassFactory",
    "StoreFactory",
    "StoreOptions",
    "StoredMemoryItemInfo",
    "WhereClause",
    "assert_consistent",
    "assert_not_stored",
    "assert_ops",
    "assert_roundtrip",
    "assert_stored",
    "assert_trash_empty",
    "assert_trash_roundtrip",
    "default_storage_classes",
    "expect_ops",
    "format_operation_log",
    "parse_where",
]

def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
