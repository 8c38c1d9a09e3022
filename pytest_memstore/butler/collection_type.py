"""`CollectionType`: the kinds of collection a butler registry holds."""

from __future__ import annotations

__all__ = ["CollectionType"]

import enum


class CollectionType(enum.IntEnum):
    """The kind of a collection; the values are daf_butler's.

    ``RUN`` collections own their datasets (every dataset belongs to exactly
    one run); ``TAGGED`` collections hold datasets of other runs, put there
    by ``registry.associate``; ``CHAINED`` collections are an ordered search
    path of other collections; ``CALIBRATION`` collections can be registered
    but hold nothing here (certifying datasets is not supported).
    """

    RUN = 1
    TAGGED = 2
    CHAINED = 3
    CALIBRATION = 4

    @classmethod
    def all(cls) -> frozenset[CollectionType]:
        """Return every collection type."""
        return frozenset(cls)
