"""The ``mem://`` URIs a datastore hands out for its datasets."""

from __future__ import annotations

__all__ = ["DatasetRefURIs", "MemoryURI"]

import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlencode

from ..core.foreign import data_id_mapping

if TYPE_CHECKING:
    from ..core.foreign import RefLike
    from .reading import ReadingMixin


class MemoryURI:
    """A descriptive URI of a dataset held in memory.

    It cannot be opened; `exists` tells whether the dataset it names is still
    stored in the datastore that made it (never, for a predicted URI).
    """

    __slots__ = ("_ref", "_store", "fragment", "netloc", "path", "query")

    scheme = "mem"

    def __init__(
        self,
        ref: RefLike,
        store: ReadingMixin | None,
        *,
        predicted: bool = False,
    ) -> None:
        self._ref = ref
        self._store = None if store is None or predicted else weakref.ref(store)
        self.netloc = ref.datasetType.name
        self.path = f"/{ref.id}"
        self.query = urlencode(list(data_id_mapping(ref.dataId).items()))
        self.fragment = "predicted" if predicted else ""

    def geturl(self) -> str:
        """Return the whole URI as a string."""
        url = f"{self.scheme}://{self.netloc}{self.path}"
        if self.query:
            url += f"?{self.query}"
        if self.fragment:
            url += f"#{self.fragment}"
        return url

    def exists(self) -> bool:
        """Return whether the dataset is stored in the datastore that made this URI."""
        store = None if self._store is None else self._store()
        return store is not None and store.exists(self._ref)

    def __str__(self) -> str:
        return self.geturl()

    def __repr__(self) -> str:
        return f"MemoryURI({self.geturl()!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MemoryURI):
            return self.geturl() == other.geturl()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.geturl())


class DatasetRefURIs(NamedTuple):
    """The URIs of a dataset: its primary URI and those of its components."""

    primaryURI: MemoryURI | None
    componentURIs: Mapping[str, MemoryURI]
