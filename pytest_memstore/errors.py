"""Exceptions raised by the in-memory datastore."""

from __future__ import annotations

__all__ = ["DatasetTypeNotSupportedError", "DatastoreValidationError", "MemstoreError"]


class MemstoreError(RuntimeError):
    """Base class of every error specific to pytest-memstore."""


class DatasetTypeNotSupportedError(MemstoreError):
    """A datastore's constraints reject the dataset type of a ``put``."""


class DatastoreValidationError(MemstoreError):
    """A datastore cannot accept a configuration or a record it was given."""
