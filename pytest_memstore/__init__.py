"""An in-process datastore with daf_butler ``InMemoryDatastore`` semantics, for pytest."""

from .assertions import (
    assert_consistent,
    assert_not_stored,
    assert_ops,
    assert_roundtrip,
    assert_stored,
    assert_trash_empty,
    assert_trash_roundtrip,
    expect_ops,
)
from .bridge import BridgeManager, EphemeralBridge
from .constraints import Constraints
from .counts import OperationCounts
from .datastore import InMemoryDatastore, StoredMemoryItemInfo
from .defaults import ExampleMetrics, default_storage_classes
from .errors import (
    DatasetMutatedError,
    DatasetTypeNotSupportedError,
    DatastoreValidationError,
    MemstoreError,
)
from .factories import RefFactory, StoreFactory, StoreOptions
from .model import DataId, DatasetId, DatasetRef, DatasetType
from .storage import StorageClass, StorageClassDelegate, StorageClassFactory
from .tools import Fault, LoggedOperation, format_operation_log
from .transaction import DatastoreTransaction
from .uri import DatasetRefURIs, MemoryURI

__all__ = [
    "BridgeManager",
    "Constraints",
    "DataId",
    "DatasetId",
    "DatasetMutatedError",
    "DatasetRef",
    "DatasetRefURIs",
    "DatasetType",
    "DatasetTypeNotSupportedError",
    "DatastoreTransaction",
    "DatastoreValidationError",
    "EphemeralBridge",
    "ExampleMetrics",
    "Fault",
    "InMemoryDatastore",
    "LoggedOperation",
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
    "assert_ops",
    "assert_roundtrip",
    "assert_stored",
    "assert_trash_empty",
    "assert_trash_roundtrip",
    "default_storage_classes",
    "expect_ops",
    "format_operation_log",
]
