"""Type stub for the package's lazily imported names; made from ``_SOURCES``."""

# Rewrite: MEMSTORE_WRITE_STUB=1 python -m pytest tests/test_imports.py

from .core.defaults import ExampleMetrics as ExampleMetrics, default_storage_classes as default_storage_classes
from .core.errors import DatasetMutatedError as DatasetMutatedError, DatasetTypeNotSupportedError as DatasetTypeNotSupportedError, DatastoreValidationError as DatastoreValidationError, DimensionNameError as DimensionNameError, MemstoreError as MemstoreError, TransactionOrderError as TransactionOrderError
from .core.foreign import RefLike as RefLike
from .core.model import DataId as DataId, DatasetId as DatasetId, DatasetRef as DatasetRef, DatasetType as DatasetType
from .core.storage import StorageClass as StorageClass, StorageClassDelegate as StorageClassDelegate
from .core.storage_factory import StorageClassFactory as StorageClassFactory
from .datastore.bridge import BridgeManager as BridgeManager, EphemeralBridge as EphemeralBridge
from .datastore.constraints import Constraints as Constraints
from .datastore.counts import OperationCounts as OperationCounts
from .datastore.store import InMemoryDatastore as InMemoryDatastore
from .datastore.tables import StoredMemoryItemInfo as StoredMemoryItemInfo
from .datastore.transaction import DatastoreTransaction as DatastoreTransaction
from .datastore.uri import DatasetRefURIs as DatasetRefURIs, MemoryURI as MemoryURI
from .tools.store_tools import Fault as Fault, LoggedOperation as LoggedOperation, format_operation_log as format_operation_log
from .butler.association import DatasetAssociation as DatasetAssociation
from .butler.butler import InMemoryButler as InMemoryButler
from .butler.collection_info import CollectionInfo as CollectionInfo
from .butler.collection_type import CollectionType as CollectionType
from .butler.collections import ButlerCollections as ButlerCollections
from .butler.deferred import DeferredDatasetHandle as DeferredDatasetHandle
from .butler.errors import CollectionCycleError as CollectionCycleError, CollectionTypeError as CollectionTypeError, ConflictingDefinitionError as ConflictingDefinitionError, DatasetNotFoundError as DatasetNotFoundError, EmptyQueryResultError as EmptyQueryResultError, InvalidQueryError as InvalidQueryError, MissingCollectionError as MissingCollectionError, MissingDatasetTypeError as MissingDatasetTypeError, NoDefaultCollectionError as NoDefaultCollectionError
from .butler.existence import DatasetExistence as DatasetExistence
from .butler.registry import InMemoryRegistry as InMemoryRegistry
from .butler.registry_api import ButlerRegistry as ButlerRegistry
from .butler.where import WhereClause as WhereClause, parse_where as parse_where
from .assertions import assert_consistent as assert_consistent, assert_not_stored as assert_not_stored, assert_ops as assert_ops, assert_roundtrip as assert_roundtrip, assert_stored as assert_stored, assert_trash_empty as assert_trash_empty, assert_trash_roundtrip as assert_trash_roundtrip, expect_ops as expect_ops
from .factories import ButlerFactory as ButlerFactory, ButlerOptions as ButlerOptions, RefFactory as RefFactory, StoreFactory as StoreFactory, StoreOptions as StoreOptions

__all__ = [
    "BridgeManager",
    "ButlerCollections",
    "ButlerFactory",
    "ButlerOptions",
    "ButlerRegistry",
    "CollectionCycleError",
    "CollectionInfo",
    "CollectionType",
    "CollectionTypeError",
    "ConflictingDefinitionError",
    "Constraints",
    "DataId",
    "DatasetAssociation",
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
    "RefLike",
    "StorageClass",
    "StorageClassDelegate",
    "StorageClassFactory",
    "StoreFactory",
    "StoreOptions",
    "StoredMemoryItemInfo",
    "TransactionOrderError",
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
