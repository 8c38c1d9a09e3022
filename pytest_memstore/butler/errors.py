"""Exceptions of `InMemoryButler`, named and based as daf_butler's are.

Each class has the name and the built-in base class of the daf_butler
exception that the same mistake raises there, so that ``except LookupError``
or ``except KeyError`` in code written against a real Butler catches ours
too. They are distinct classes: code that names daf_butler's own exception
classes in an ``except`` clause does not catch these.
"""

from __future__ import annotations

__all__ = [
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
]

from collections.abc import Iterable

from ..core.errors import DimensionNameError


class _PlainMessageKeyError(KeyError):
    """A `KeyError` whose `str` is its message, not the message's repr."""

    def __str__(self) -> str:
        return str(self.args[0]) if len(self.args) == 1 else super().__str__()


class DatasetNotFoundError(LookupError):
    """No dataset of the type and data ID was found in the collections searched."""


class MissingDatasetTypeError(_PlainMessageKeyError):
    """The dataset type is not registered."""


class ConflictingDefinitionError(Exception):
    """A definition or a dataset clashes with one already registered.

    Raised when a dataset type is registered again with another definition,
    and when a run already holds a dataset of the same type and data ID.
    """


class MissingCollectionError(Exception):
    """A collection named in a call does not exist."""


class CollectionTypeError(Exception):
    """A collection has the wrong type for the call, e.g. a ``put`` into a chain."""


class CollectionCycleError(ValueError):
    """A chain would contain itself, directly or through its children."""


class NoDefaultCollectionError(Exception):
    """No run or collections were given, and the butler has no default."""


class InvalidQueryError(Exception):
    """A query cannot be run as written: malformed ``where``, unknown name, wildcard."""


class EmptyQueryResultError(Exception):
    """A query asked to explain an empty result found nothing.

    Parameters
    ----------
    reasons : iterable of `str`
        Why the result may be empty, one reason a line.
    """

    def __init__(self, reasons: Iterable[str]) -> None:
        self.reasons = list(reasons)
        super().__init__(self.reasons)

    def __str__(self) -> str:
        return "Possible reasons for empty result:\n" + "\n".join(self.reasons)
