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
from .butler import InMemoryButler
from .butler_collections import ButlerCollections
from .butler_errors import (
    CollectionCycleError,
    CollectionTypeError,
    ConflictingDefinitionError,
    DatasetNotFoundError,
    DimensionNameError,
    EmptyQueryResultError,
    InvalidQueryError,
    MissingCollectionError,
    MissingDatasetTypeError,
    NoDefaultCollectionError,
)
from .butler_registry import ButlerRegistry
from .collection_type import CollectionType
from .constraints import Constraints
from .counts import OperationCounts
from .datastore import InMemoryDatastore, StoredMemoryItemInfo
from .defaults import ExampleMetrics, default_storage_classes
from .deferred import DeferredDatasetHandle
from .errors import DatasetTypeNotSupportedError, DatastoreValidationError, MemstoreError
from .existence import DatasetExistence
from .factories import RefFactory, StoreFactory, StoreOptions
from .model import DataId, DatasetId, DatasetRef, DatasetType
from .registry import InMemoryRegistry
from .storage import StorageClass, StorageClassDelegate, StorageClassFactory
from .transaction import DatastoreTransaction
from .uri import DatasetRefURIs, MemoryURI
from .where import WhereClause, parse_where

__all__ = [
    "BridgeManager",
    "ButlerCollections",
    "ButlerRegistry",
    "CollectionCycleError",
    "CollectionType",
    "CollectionTypeError",
    "ConflictingDefinitionError",
    "Constraints",
    "DataId",
    "DatasetExistence",
    "DatasetId",
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
    "InMemoryButler",
    "InMemoryDatastore",
    "InMemoryRegistry",
    "InvalidQueryError",
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
    "assert_roundtrip",
    "assert_stored",
    "assert_trash_empty",
    "assert_trash_roundtrip",
    "default_storage_classes",
    "parse_where",
]
