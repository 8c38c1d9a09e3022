"""`ButlerRemoval`: pruning datasets and removing runs."""

from __future__ import annotations

__all__ = ["ButlerRemoval"]

from collections.abc import Iterable

from ..core.model import DatasetRef
from .collection_type import CollectionType
from .expressions import optional_collection_names
from .writing import ButlerWriting


class ButlerRemoval(ButlerWriting):
    """Remove datasets from tagged collections, the datastore or everywhere; remove runs.

    Built on `ButlerWriting` for its transactions: registry changes of a
    removal are undone together if it fails part way.
    """

    def pruneDatasets(
        self,
        refs: Iterable[DatasetRef],
        *,
        disassociate: bool = True,
        unstore: bool = False,
        tags: Iterable[str] = (),
        purge: bool = False,
    ) -> None:
        """Remove datasets from tagged collections, the datastore or everywhere.

        Parameters
        ----------
        refs : iterable of `DatasetRef`
            The datasets (not components).
        disassociate : `bool`, optional
            Take them out of ``tags``.
        unstore : `bool`, optional
            Delete the stored objects; the registry keeps the records
            unless ``purge``.
        tags : iterable of `str`, optional
            Tagged collections to take them out of.
        purge : `bool`, optional
            Also drop the records (needs ``disassociate`` and ``unstore``).

        Raises
        ------
        TypeError
            ``purge`` without ``disassociate`` and ``unstore``;
            ``disassociate`` (and not ``purge``) without ``tags``; a tag
            that is not a tagged collection.
        ValueError
            A ref is to a component.

        Notes
        -----
        Checks come first: on any of these errors nothing changes. Deleting
        stored objects is not undone by a rollback; the registry changes are.
        """
        registry = self.registry_state
        tag_names = optional_collection_names(tags, "tags")
        if purge:
            if not disassociate:
                raise TypeError("Cannot pass purge=True without disassociate=True.")
            if not unstore:
                raise TypeError("Cannot pass purge=True without unstore=True.")
        elif disassociate:
            if not tag_names:
                raise TypeError("No tags provided but disassociate=True.")
            for tag in tag_names:
                kind = registry.get_collection_type(tag)
                if kind is not CollectionType.TAGGED:
                    raise TypeError(
                        f"Cannot disassociate from collection {tag!r} of non-TAGGED type "
                        f"{kind.name}."
                    )
        listed = list(refs)
        for ref in listed:
            if not isinstance(ref, DatasetRef):
                raise TypeError(f"pruneDatasets expects DatasetRefs; got {ref!r:.80}")
            if ref.isComponent():
                raise ValueError(f"Can not prune a component of a dataset (ref={ref})")
        if not listed:
            return
        with self.transaction():
            if unstore:
                self.datastore.trash(listed)
            if purge:
                registry.remove_datasets(listed)
            elif disassociate:
                for tag in tag_names:
                    registry.disassociate(tag, listed)
        if unstore:
            self.datastore.emptyTrash(refs=listed)

    def removeRuns(
        self,
        names: Iterable[str],
        unstore: bool = True,
        *,
        unlink_from_chains: bool = False,
    ) -> None:
        """Remove runs, their datasets and the stored objects.

        Parameters
        ----------
        names : iterable of `str`
            The runs (a single name is taken as one run).
        unstore : `bool`, optional
            Ignored: stored objects are always deleted, as in daf_butler
            today.
        unlink_from_chains : `bool`, optional
            Take the runs out of the chains that list them first.

        Raises
        ------
        MissingCollectionError
            A collection does not exist.
        TypeError
            A collection is not a run.
        ValueError
            A run is listed by a chain and ``unlink_from_chains`` is false
            (daf_butler removes the datasets and then fails on a database
            constraint; here nothing changes).
        """
        registry = self.registry_state
        runs = tuple(dict.fromkeys(optional_collection_names(names, "names")))
        for name in runs:
            kind = registry.get_collection_type(name)
            if kind is not CollectionType.RUN:
                raise TypeError(f"The collection type of {name!r} is {kind.name}, not RUN.")
        if not unlink_from_chains:
            registry.check_not_in_chains(runs, "run(s)")
        refs = registry.run_datasets(runs)
        if refs:
            self.pruneDatasets(refs, unstore=True, purge=True, disassociate=True)
        with self.transaction():
            registry.remove_collections(runs, unlink=unlink_from_chains)
