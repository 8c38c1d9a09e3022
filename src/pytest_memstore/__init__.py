"""An in-process datastore with daf_butler ``InMemoryDatastore`` semantics, for pytest."""

from .bridge import BridgeManager, EphemeralBridge
from .constraints import Constraints
from .counts import OperationCounts
from .datastore import InMemoryDatastore, StoredMemoryItemInfo
from .defaults import ExampleMetrics, default_storage_classes
from .errors import DatasetTypeNotSupportedError, DatastoreValidationError, MemstoreError
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
    "StorageClass",
    "StorageClassDelegate",
    "StorageClassFactory",
    "StoredMemoryItemInfo",
    "default_storage_classes",
]
