"""`DafCollections`: ``butler.collections`` of a daf_butler-mode butler."""

from __future__ import annotations

__all__ = ["DafCollections"]

from collections.abc import Iterable, Sequence
from typing import Any

import lsst.daf.butler as daf_butler

from ..butler.collection_info import CollectionInfo
from ..butler.collection_type import CollectionType
from ..butler.collections import ButlerCollections
from .codec import DafCodec
from .errors import daf_errors


class DafCollections:
    """The collections API of one butler, taking daf_butler's collection types.

    Parameters
    ----------
    plain : `ButlerCollections`
        The standalone view this one stands in front of.
    codec : `DafCodec`
        The butler's conversions.

    Notes
    -----
    Methods not defined here are the standalone view's, with daf_butler's
    exception classes; our `CollectionType` values equal daf_butler's.
    """

    def __init__(self, plain: ButlerCollections, codec: DafCodec) -> None:
        self._plain = plain
        self._codec = codec

    def __repr__(self) -> str:
        return f"<collections {list(self.defaults)!r}>"

    @property
    def defaults(self) -> Sequence[str]:
        """The default collections, in search order."""
        return self._plain.defaults

    @daf_errors
    def register(self, name: str, type: Any = CollectionType.RUN, doc: str | None = None) -> bool:
        """Register a collection of a daf_butler (or our) type; `False` if it exists."""
        return self._plain.register(name, self._codec.collection_type_in(type), doc)

    @daf_errors
    def query(
        self,
        expression: str | Iterable[str],
        collection_types: Any = None,
        flatten_chains: bool = False,
        include_chains: bool | None = None,
    ) -> Sequence[str]:
        """Return the names of the collections matching names or wildcards."""
        return self._plain.query(
            expression, self._codec.collection_type_in(collection_types), flatten_chains,
            include_chains,
        )

    @daf_errors
    def get_info(
        self, name: str, include_parents: bool = False, include_summary: bool = False
    ) -> Any:
        """Return a collection's information, as daf_butler's ``CollectionInfo``."""
        return self._info_out(self._plain.get_info(name, include_parents, include_summary))

    @daf_errors
    def query_info(
        self,
        expression: str | Iterable[str],
        collection_types: Any = None,
        flatten_chains: bool = False,
        include_chains: bool | None = None,
        include_parents: bool = False,
        include_summary: bool = False,
        include_doc: bool = False,
        summary_datasets: Iterable[Any] | None = None,
    ) -> list[Any]:
        """Return the information of the matching collections, as daf_butler's."""
        if summary_datasets is not None:
            summary_datasets = [getattr(d, "name", d) for d in summary_datasets]
        found = self._plain.query_info(
            expression,
            self._codec.collection_type_in(collection_types),
            flatten_chains,
            include_chains,
            include_parents,
            include_summary,
            include_doc,
            summary_datasets,
        )
        return [self._info_out(info) for info in found]

    def _info_out(self, info: CollectionInfo) -> Any:
        return daf_butler.CollectionInfo(
            name=info.name,
            type=self._codec.collection_type_out(info.type),
            doc=info.doc,
            children=info.children,
            parents=info.parents,
            dataset_types=info.dataset_types,
        )

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._plain, name)
        if name.startswith("_") or not callable(found):
            return found
        return daf_errors(found)
