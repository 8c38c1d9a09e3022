"""`CollectionInfo`: what ``butler.collections.get_info`` and ``query_info`` say of a collection."""

from __future__ import annotations

__all__ = ["CollectionInfo"]

from typing import Any

import attrs

from .collection_type import CollectionType


@attrs.frozen
class CollectionInfo:
    """One collection, as daf_butler's ``CollectionInfo`` describes it.

    Instances sort by name.

    Parameters
    ----------
    name : `str`
        The collection's name.
    type : `CollectionType`
        Its kind.
    doc : `str`, optional
        Its documentation string (``""`` when it has none, or when
        ``query_info`` was not asked for it with ``include_doc``).
    children : `tuple` [`str`, ...], optional
        What a chain searches, in order; empty for the other kinds.
    parents : `frozenset` [`str`] or `None`, optional
        The chains that list it as a direct child; `None` unless asked for
        with ``include_parents``.
    dataset_types : `frozenset` [`str`] or `None`, optional
        The names of the dataset types of the datasets it holds (a chain:
        that its children hold); `None` unless asked for with
        ``include_summary``.
    """

    name: str
    type: CollectionType
    doc: str = ""
    children: tuple[str, ...] = ()
    parents: frozenset[str] | None = None
    dataset_types: frozenset[str] | None = None

    def __lt__(self, other: Any) -> bool:
        if not isinstance(other, CollectionInfo):
            return NotImplemented
        return self.name < other.name
