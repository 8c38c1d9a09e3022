"""An in-process datastore with daf_butler ``InMemoryDatastore`` semantics, for pytest."""

from .assertions import (
    assert_consistent,
    assert_not_stored,
    assert_roundtrip,
    assert_stored,
    assert_trash_empty,
    assert_trash_roundtrip,
)
from .bridge import BridgeManager, EphemeralBridge
from .constraints import Constraints
from .counts import OperationCounts
from .datastore import InMemoryDatastore, StoredMemoryItemInfo
from .defaults import ExampleMetrics, default_storage_classes
from .errors import DatasetTypeNotSupportedError, DatastoreValidationError, MemstoreError
from .factories import RefFactory, StoreFactory, StoreOptions
from .model import DataId, DatasetId, DatasetRef, DatasetType
from .storage import StorageClass, StorageClassDelegate, StorageClassFactory
from .transaction import DatastoreTransaction
from .uri import DatasetRefURIs, MemoryURI

__all__ = [
    "BridgeManager",
    "Constraints",
    "DataId",
    "DatasetId",
    "DatasetRef",
    "DatasetRefURIs",
    "DatasetType",
    "DatasetTypeNotSupportedError",
    "DatastoreTransaction",
    "DatastoreValidationError",
    "EphemeralBridge",
    "ExampleMetrics",
    "InMemoryDatastore",
    "MemoryURI",
    "MemstoreError",
    "OperationCounts",
    "RefFactory",
    "StorageClass",
    "StorageClassDelegate",
    "StorageClassFactory",
    "StoreFactory",
    "StoreOptions",
    "StoredMemoryItemInfo",
    "assert_consistent",
    "assert_not_stored",
    "assert_roundtrip",
    "assert_stored",
    "assert_trash_empty",
    "assert_trash_roundtrip",
    "default_storage_classes",
]
