"""Exceptions raised by the in-memory datastore."""

from __future__ import annotations

__all__ = [
    "DatasetMutatedError",
    "DatasetTypeNotSupportedError",
    "DatastoreValidationError",
    "DimensionNameError",
    "MemstoreError",
    "TransactionOrderError",
]

from typing import Any

from .difference import MISSING, Difference, cut_to_width, safe_repr, set_repr


class MemstoreError(RuntimeError):
    """Base class of the errors specific to pytest-memstore.

    `DatasetMutatedError` is the exception: it is an `AssertionError`, so
    that code under test catching `RuntimeError` does not hide it.
    """


class DatasetTypeNotSupportedError(MemstoreError):
    """A datastore's constraints reject the dataset type of a ``put``."""


class DatastoreValidationError(MemstoreError):
    """A datastore cannot accept a configuration or a record it was given."""


class TransactionOrderError(MemstoreError):
    """A transaction was left while a transaction it encloses was still open.

    Transactions nest: the innermost open one must end first. When an outer
    one is left first, the store rolls back it and every transaction still
    open inside it, so nothing of either block survives, and raises this.
    Leaving one of those inner transactions afterwards raises it too, and
    changes nothing.
    """


class DimensionNameError(KeyError, ValueError):
    """A data ID lacks a dimension of its dataset type.

    The one class for this mistake, whether a `DatasetRef` (and so the
    ``memstore_ref`` fixture) or an `InMemoryButler` finds it. It is a
    `KeyError`, as daf_butler's class of the same name is, and also a
    `ValueError`, which is what a `DatasetRef` raised for it before.
    """

    def __str__(self) -> str:
        # A KeyError's str is its message's repr; this one reads as a sentence.
        return str(self.args[0]) if len(self.args) == 1 else super().__str__()


_VALUE_WIDTH = 80  # each value shown in a mutation message


class DatasetMutatedError(AssertionError):
    """A stored dataset no longer equals what was stored (``detect_mutation``).

    An in-memory datastore keeps the caller's object and hands it back, so
    code that changes an object after ``put``, or changes what ``get``
    returned, changes the stored dataset; a file-backed datastore would not
    see the change. Raised by ``get`` of such a dataset and by
    ``InMemoryDatastore.check_mutations``.

    Parameters
    ----------
    message : `str`
        The whole message.
    ref : `DatasetRef`, optional
        The ref the dataset was put with.
    datastore : `str`, optional
        The name of the datastore holding it.
    difference : `Difference`, optional
        Where the stored object first differs from the copy taken at
        ``put`` (``got`` is the value now, ``expected`` the value then).
    after : `str`, optional
        ``"put"`` when it changed before any ``get`` handed it out,
        ``"get"`` when a ``get`` had handed it out.

    Attributes
    ----------
    already_raised : `bool`
        Set by ``InMemoryDatastore.mutations``: whether a ``get`` of the
        dataset raised this error before.
    """

    def __init__(
        self,
        message: str,
        *,
        ref: Any = None,
        datastore: str | None = None,
        difference: Difference | None = None,
        after: str | None = None,
    ) -> None:
        super().__init__(message)
        self.ref = ref
        self.datastore = datastore
        self.difference = difference
        self.after = after
        self.already_raised = False

    @classmethod
    def for_dataset(
        cls, ref: Any, datastore: str, difference: Difference, after: str
    ) -> DatasetMutatedError:
        """Build the error for ``ref`` with its standard message.

        The message names the ref (dataset type, data ID and dataset ID), the
        datastore, when it changed, and the first place it differs with the
        value there at ``put`` and now.
        """
        message = _mutation_message(ref, datastore, difference, after, with_id=True)
        return cls(message, ref=ref, datastore=datastore, difference=difference, after=after)

    def describe(self, datastore: str, *, with_id: bool = True) -> str:
        """Return the standard message again, calling the datastore ``datastore``.

        The report names a fixture's store by a label that is the same in
        every run (``memstore``, ``memstore_factory#2``), not by its name
        (``InMemoryDatastore@19``, numbered in the order stores were built).

        Parameters
        ----------
        datastore : `str`
            What to call the datastore holding the dataset.
        with_id : `bool`, optional
            Name the dataset ID too; without it the message is the same in
            every run of a test that lets its refs get fresh (random) IDs.

        Returns
        -------
        message : `str`
            The message `for_dataset` makes; the message as raised for an
            error not made by it (one without a ``ref`` or ``difference``).
        """
        if self.ref is None or self.difference is None or self.after is None:
            return str(self)
        return _mutation_message(self.ref, datastore, self.difference, self.after, with_id)


def _mutation_message(
    ref: Any, datastore: str, difference: Difference, after: str, with_id: bool
) -> str:
    """Say which dataset changed, where, when, and why a file-backed store would differ."""
    if after == "put":
        when = "after put, before any get handed it out"
        holds = "the very object that was put"
    else:
        when = "after a get handed it out"
        holds = "the very object that was put, and get returns it"
    dataset = f"{ref.datasetType.name} {ref.dataId}" + (f" (id {ref.id})" if with_id else "")
    return (
        f"{dataset} in {datastore} changed {when}: at {difference.where}, "
        f"{describe_change(difference)}. The store holds {holds}; "
        "a file-backed datastore would still hold the value put"
    )


def describe_change(difference: Difference, width: int | None = _VALUE_WIDTH) -> str:
    """Say how a value changed, reading ``expected`` as before and ``got`` as now.

    Parameters
    ----------
    difference : `Difference`
        From ``first_difference(now, before)``.
    width : `int`, optional
        Cut each value's ``repr`` to this many characters; `None` cuts nothing.
    """
    now, before = difference.got, difference.expected
    if difference.kind == "set":
        parts = [
            f"{label} {set_repr(items, width)}"
            for label, items in (("added", now), ("removed", before))
            if items
        ]
        return "elements " + "; ".join(parts)
    if difference.kind in ("key", "length"):
        what = "key" if difference.kind == "key" else "item"
        lengths = "" if difference.lengths is None else (
            f" (length {difference.lengths[1]} -> {difference.lengths[0]})"
        )
        if now is MISSING:
            return f"{what} removed, was {cut_to_width(safe_repr(before), width)}{lengths}"
        return f"{what} added, now {cut_to_width(safe_repr(now), width)}{lengths}"
    was, is_now = cut_to_width(safe_repr(before), width), cut_to_width(safe_repr(now), width)
    if type(now) is not type(before):
        was += f" ({type(before).__qualname__})"
        is_now += f" ({type(now).__qualname__})"
    text = f"was {was}, now {is_now}"
    return f"{text} ({difference.note})" if difference.note else text
