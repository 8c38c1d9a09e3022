"""`DatasetExistence`: what a butler knows about one dataset."""

from __future__ import annotations

__all__ = ["DatasetExistence"]

import enum


class DatasetExistence(enum.Flag):
    """How far a dataset is known: to the registry, the datastore, as an artifact.

    Only `KNOWN` and `VERIFIED` are true in a boolean context; every other
    value, `RECORDED` and `DATASTORE` included, is false. Test single facts
    with ``&``: ``existence & DatasetExistence.RECORDED``.

    Notes
    -----
    The values are those of daf_butler's ``DatasetExistence``: `KNOWN` is
    what ``exists(..., full_check=False)`` returns for a dataset both sides
    know, `VERIFIED` what ``full_check=True`` returns once the stored object
    was found too.
    """

    UNRECOGNIZED = 0
    """Neither the registry nor the datastore knows the dataset."""

    RECORDED = enum.auto()
    """The registry has a record of the dataset."""

    DATASTORE = enum.auto()
    """The datastore knows the dataset."""

    _ARTIFACT = enum.auto()
    """The stored object was found (internal)."""

    _ASSUMED = enum.auto()
    """The stored object was not looked for (internal)."""

    KNOWN = RECORDED | DATASTORE | _ASSUMED
    """Known to registry and datastore; the object itself was not checked."""

    VERIFIED = RECORDED | DATASTORE | _ARTIFACT
    """Known to registry and datastore, and the object is stored."""

    def __bool__(self) -> bool:
        return self.value in _EXISTING

    @classmethod
    def from_checks(cls, recorded: bool, stored: bool, full_check: bool) -> DatasetExistence:
        """Return what ``exists`` says of a dataset known this far.

        Parameters
        ----------
        recorded : `bool`
            The registry has a record of the dataset.
        stored : `bool`
            The datastore knows the dataset.
        full_check : `bool`
            Whether the stored object was looked for (and, with ``stored``,
            found); without it, a dataset known anywhere is marked as not
            checked, which sets `KNOWN` apart from `VERIFIED`.
        """
        existence = cls.UNRECOGNIZED
        if recorded:
            existence |= cls.RECORDED
        if stored:
            existence |= cls.DATASTORE
            if full_check:
                existence |= cls._ARTIFACT
        if not full_check and existence.value:
            existence |= cls._ASSUMED
        return existence


_EXISTING = frozenset({DatasetExistence.KNOWN.value, DatasetExistence.VERIFIED.value})
