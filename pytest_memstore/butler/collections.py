"""`ButlerCollections`: ``butler.collections``, the collection API of a butler."""

from __future__ import annotations

__all__ = ["ButlerCollections"]

from collections.abc import Iterable, Sequence, Set
from typing import TYPE_CHECKING

from .collection_type import CollectionType

if TYPE_CHECKING:
    from .butler import InMemoryButler


def _children(names: str | Iterable[str]) -> list[str]:
    return [names] if isinstance(names, str) else list(names)


class ButlerCollections:
    """The default collections of a butler, and the collections of its registry.

    Parameters
    ----------
    butler : `InMemoryButler`
        The butler whose defaults these are; the collections themselves are
        shared with every clone of it.
    """

    def __init__(self, butler: InMemoryButler) -> None:
        self._butler = butler
        self._registry = butler.registry_state

    @property
    def defaults(self) -> tuple[str, ...]:
        """The collections searched when a call names none, in order."""
        return self._butler.default_collections

    def __str__(self) -> str:
        return f"ButlerCollections(defaults={self.defaults})"

    def __repr__(self) -> str:
        return str(self)

    def register(
        self, name: str, type: CollectionType = CollectionType.RUN, doc: str | None = None
    ) -> bool:
        """Add a collection unless one of that name exists.

        Returns
        -------
        registered : `bool`
            Whether this call added it (`False` if a collection of that name,
            of whatever type, existed).
        """
        return self._registry.register_collection(name, type, doc)

    def redefine_chain(
        self, parent_collection_name: str, child_collection_names: str | Iterable[str]
    ) -> None:
        """Make the children the whole search path of the chain.

        Raises
        ------
        MissingCollectionError
            A collection does not exist.
        CollectionTypeError
            The parent is not a chain.
        CollectionCycleError
            The chain would contain itself.
        """
        self._registry.set_chain(parent_collection_name, child_collection_names)

    def extend_chain(
        self, parent_collection_name: str, child_collection_names: str | Iterable[str]
    ) -> None:
        """Add children at the end of a chain (moving those already in it)."""
        self._add_to_chain(parent_collection_name, child_collection_names, at_start=False)

    def prepend_chain(
        self, parent_collection_name: str, child_collection_names: str | Iterable[str]
    ) -> None:
        """Add children at the start of a chain (moving those already in it)."""
        self._add_to_chain(parent_collection_name, child_collection_names, at_start=True)

    def remove_from_chain(
        self, parent_collection_name: str, child_collection_names: str | Iterable[str]
    ) -> None:
        """Take children out of a chain.

        Raises
        ------
        MissingCollectionError
            A collection does not exist.
        CollectionTypeError
            The parent is not a chain.
        """
        removed = _children(child_collection_names)
        for name in removed:
            self._registry.get_collection_type(name)
        kept = self._chain_without(parent_collection_name, removed)
        self._registry.set_chain(parent_collection_name, kept)

    def _add_to_chain(self, parent: str, children: str | Iterable[str], *, at_start: bool) -> None:
        added = _children(children)
        kept = self._chain_without(parent, added)
        self._registry.set_chain(parent, [*added, *kept] if at_start else [*kept, *added])

    def _chain_without(self, parent: str, names: list[str]) -> list[str]:
        """Return the children of chain ``parent`` that are not in ``names``."""
        return [c for c in self._registry.get_chain(parent) if c not in names]

    def query(
        self,
        expression: str | Iterable[str],
        collection_types: Set[CollectionType] | CollectionType | None = None,
        flatten_chains: bool = False,
        include_chains: bool | None = None,
    ) -> Sequence[str]:
        """Return the names of the collections an expression matches.

        Parameters
        ----------
        expression : `str` or iterable of `str`
            Names and wildcards (``*``, ``?``, ``[...]``).
        collection_types : `CollectionType` or set of them, optional
            Only collections of these types.
        flatten_chains : `bool`, optional
            Also give what matching chains search, in search order.
        include_chains : `bool`, optional
            Give matching chains themselves; by default the opposite of
            ``flatten_chains``.

        Raises
        ------
        MissingCollectionError
            A name without wildcards matches no collection.
        """
        return self._registry.query_collections(
            expression,
            collection_types=collection_types,
            flatten_chains=flatten_chains,
            include_chains=include_chains,
        )
