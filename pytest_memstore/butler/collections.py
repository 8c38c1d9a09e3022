"""`ButlerCollections`: ``butler.collections``, the collection API of a butler."""

from __future__ import annotations

__all__ = ["ButlerCollections"]

from collections.abc import Iterable, Sequence, Set
from typing import TYPE_CHECKING

from ..core.model import DatasetType
from .collection_info import CollectionInfo
from .collection_type import CollectionType

if TYPE_CHECKING:
    from .butler import InMemoryButler


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
        """Add children at the end of a chain (moving those already in it).

        Raises what `redefine_chain` raises.
        """
        self._registry.edit_chain(parent_collection_name, child_collection_names, "extend")

    def prepend_chain(
        self, parent_collection_name: str, child_collection_names: str | Iterable[str]
    ) -> None:
        """Add children at the start of a chain (moving those already in it).

        Raises what `redefine_chain` raises.
        """
        self._registry.edit_chain(parent_collection_name, child_collection_names, "prepend")

    def remove_from_chain(
        self, parent_collection_name: str, child_collection_names: str | Iterable[str]
    ) -> None:
        """Take children out of a chain (those it does not list are no error).

        Raises what `redefine_chain` raises, but for `CollectionCycleError`.
        """
        self._registry.edit_chain(parent_collection_name, child_collection_names, "remove")

    def get_info(
        self, name: str, include_parents: bool = False, include_summary: bool = False
    ) -> CollectionInfo:
        """Return what there is to know about one collection.

        Parameters
        ----------
        name : `str`
            The collection (a name, not a wildcard).
        include_parents : `bool`, optional
            Fill in `CollectionInfo.parents`: the chains that list it.
        include_summary : `bool`, optional
            Fill in `CollectionInfo.dataset_types`: the dataset types it
            holds datasets of.

        Raises
        ------
        MissingCollectionError
            No such collection.
        """
        return self._registry.collection_infos(
            [name], include_parents=include_parents, include_summary=include_summary
        )[0]

    def query_info(
        self,
        expression: str | Iterable[str],
        collection_types: Set[CollectionType] | CollectionType | None = None,
        flatten_chains: bool = False,
        include_chains: bool | None = None,
        include_parents: bool = False,
        include_summary: bool = False,
        include_doc: bool = False,
        summary_datasets: Iterable[DatasetType] | Iterable[str] | None = None,
    ) -> Sequence[CollectionInfo]:
        """Return a `CollectionInfo` of each collection an expression matches.

        Parameters
        ----------
        expression : `str` or iterable of `str`
            Names and wildcards (``*``, ``?``, ``[...]``), as for `query`.
        collection_types, flatten_chains, include_chains
            As for `query`.
        include_parents : `bool`, optional
            Fill in `CollectionInfo.parents`.
        include_summary : `bool`, optional
            Fill in `CollectionInfo.dataset_types`.
        include_doc : `bool`, optional
            Fill in `CollectionInfo.doc` (``""`` otherwise).
        summary_datasets : iterable of `DatasetType` or `str`, optional
            Only these dataset types in `CollectionInfo.dataset_types`.

        Raises
        ------
        MissingCollectionError
            A name without wildcards matches no collection.
        """
        names = self.query(
            expression,
            collection_types=collection_types,
            flatten_chains=flatten_chains,
            include_chains=include_chains,
        )
        wanted = None
        if summary_datasets is not None:
            wanted = [
                item.name if isinstance(item, DatasetType) else item for item in summary_datasets
            ]
        return self._registry.collection_infos(
            names,
            include_doc=include_doc,
            include_parents=include_parents,
            include_summary=include_summary,
            summary_datasets=wanted,
        )

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
