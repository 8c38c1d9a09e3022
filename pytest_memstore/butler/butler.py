"""`InMemoryButler`: daf_butler's Butler data-access API over `InMemoryDatastore`.

The calls code under test makes on a Butler (``put``, ``get``, ``exists``,
``find_dataset``, ``query_datasets``, ``pruneDatasets``, ``removeRuns``,
``transaction``, ``collections``, ``registry``) with daf_butler's
signatures and semantics, over an in-memory registry and datastore.

There is no dimension universe: a data ID is a mapping, the dimensions of a
dataset type are the keys its data IDs must have, extra keys are kept on
the ref (and take no part in telling datasets apart), and nothing expands or
checks values against dimension records.

The class is put together from one part per concern: argument
normalisation (`ButlerArguments`), writing and transactions
(`ButlerWriting`), reading, lookups and URIs (`ButlerReading`), queries
(`ButlerQueries`) and removal (`ButlerRemoval`). This module adds
construction, clones and the ``collections`` and ``registry`` views.
"""

from __future__ import annotations

__all__ = ["InMemoryButler"]

from collections.abc import Iterable
from importlib import import_module
from types import EllipsisType
from typing import Any

from ..core.storage_factory import StorageClassFactory
from ..datastore.store import InMemoryDatastore
from .arguments import check_run
from .collection_type import CollectionType
from .collections import ButlerCollections
from .expressions import optional_collection_names
from .queries import ButlerQueries
from .reading import ButlerReading
from .registry import InMemoryRegistry
from .registry_api import ButlerRegistry
from .removal import ButlerRemoval


class InMemoryButler(ButlerRemoval, ButlerReading, ButlerQueries):
    """A Butler held in memory: registry, collections and datastore.

    Parameters
    ----------
    run : `str`, optional
        The run ``put`` writes to; registered if it does not exist yet.
    collections : `str` or iterable of `str`, optional
        The collections searched by default, in order; ``[run]`` when only
        ``run`` is given.
    datastore : `InMemoryDatastore`, optional
        Where stored objects go; a new one by default.
    storageClasses : `StorageClassFactory`, optional
        Resolves storage class names (in ``get(storageClass=...)`` and in
        dataset types given with a name); by default the datastore's
        factory, else `default_storage_classes`.
    universe : `lsst.daf.butler.DimensionUniverse` or ``"daf"``, optional
        Build a butler in daf_butler mode instead (daf_butler's default
        universe for ``"daf"``): it takes and returns daf_butler's own
        objects, raises daf_butler's exceptions and checks data IDs against
        dimension records. Needs ``lsst-daf-butler``; `None` (the default)
        builds the standalone butler, which imports no ``lsst`` module.

    Notes
    -----
    ``registry_state`` (the `InMemoryRegistry`) and ``datastore`` are public
    for inspection. `clone` gives another butler over the same registry and
    datastore with other defaults. Every method is safe to call from
    several threads; a transaction belongs to the thread that opened it.
    """

    def __new__(cls, *args: Any, universe: object = None, **kwargs: Any) -> InMemoryButler:
        """Return a new butler: a daf_butler-mode one when given a ``universe``."""
        if universe is not None and cls is InMemoryButler:
            # The daf_butler room sits above this one and is the only part of
            # the package that imports lsst: it is loaded by name, when asked.
            cls = import_module("pytest_memstore.daf.butler").DafButler
        return object.__new__(cls)

    def __init__(
        self,
        *,
        run: str | None = None,
        collections: str | Iterable[str] | None = None,
        datastore: InMemoryDatastore | None = None,
        storageClasses: StorageClassFactory | None = None,
        universe: object = None,
    ) -> None:
        if datastore is not None and not isinstance(datastore, InMemoryDatastore):
            raise TypeError(
                f"datastore must be an InMemoryDatastore; got {type(datastore).__name__}"
            )
        if storageClasses is not None and not isinstance(storageClasses, StorageClassFactory):
            raise TypeError(
                f"storageClasses must be a StorageClassFactory; got "
                f"{type(storageClasses).__name__}"
            )
        if storageClasses is None:
            storageClasses = datastore.storageClasses if datastore is not None else None
        if storageClasses is None:
            from ..core.defaults import default_storage_classes

            storageClasses = default_storage_classes()
        if datastore is None:
            datastore = InMemoryDatastore(storageClasses=storageClasses)
        self._setup(
            InMemoryRegistry(storageClasses), datastore, run, collections, collections is None
        )

    def _setup(
        self,
        registry: InMemoryRegistry,
        datastore: InMemoryDatastore,
        run: str | None,
        collections: str | Iterable[str] | None,
        collections_defaulted: bool,
    ) -> None:
        check_run(run)
        defaults = optional_collection_names(collections, "collections")
        if collections_defaulted and run is not None:
            defaults = (run,)
        self.registry_state = registry
        self.storageClasses = registry.storageClasses
        self.datastore = datastore
        self._run = run
        self._defaults = defaults
        self._collections_defaulted = collections_defaulted
        # Made on first use, over a twin of this butler (see `_twin`).
        self._collections_view: ButlerCollections | None = None
        self._registry_view: ButlerRegistry | None = None
        if run is not None:
            registry.register_collection(run, CollectionType.RUN)

    def __repr__(self) -> str:
        return f"InMemoryButler(run={self._run!r}, collections={list(self._defaults)!r})"

    # -- defaults and views ----------------------------------------------

    @property
    def run(self) -> str | None:
        """The run ``put`` writes to when given none."""
        return self._run

    @property
    def default_collections(self) -> tuple[str, ...]:
        """The collections searched when a call names none, in order.

        Also ``collections.defaults``; set at construction (``[run]`` when
        only a run was given), and by `clone`.
        """
        return self._defaults

    @property
    def collections(self) -> ButlerCollections:
        """The default collections (``defaults``) and the collection API."""
        view = self._collections_view
        if view is None:
            view = self._collections_view = ButlerCollections(self._twin())
        return view

    @property
    def registry(self) -> ButlerRegistry:
        """daf_butler's registry API (``registerDatasetType``, ``queryDatasets``, ...)."""
        view = self._registry_view
        if view is None:
            view = self._registry_view = ButlerRegistry(self._twin())
        return view

    def _twin(self) -> InMemoryButler:
        """Return a butler like this one, for a view of it to refer to.

        A view this butler holds that referred back to it would make a
        reference cycle: a test's butler, with its store, its tables and
        their datasets, would then be freed only by the garbage collector,
        whose extra passes cost every test. The twin has the same registry,
        datastore, run and default collections; a butler does not change
        once built (`clone` makes another), so the twin answers as it would.
        """
        twin = object.__new__(type(self))
        twin.__dict__.update(self.__dict__)
        twin._collections_view = twin._registry_view = None
        return twin

    def clone(
        self,
        *,
        run: str | EllipsisType | None = ...,
        collections: str | Iterable[str] | EllipsisType | None = ...,
    ) -> InMemoryButler:
        """Return another butler over the same registry and datastore.

        Parameters
        ----------
        run : `str` or `None`, optional
            Its run (registered if new); `None` for none; this butler's when
            left out.
        collections : `str`, iterable of `str` or `None`, optional
            Its default collections; when left out, this butler's (or
            ``[run]``, if this butler's defaults came from its run).
        """
        new_run = self._run if run is ... else run
        new_collections: str | Iterable[str] | None
        if collections is ...:
            defaulted = self._collections_defaulted
            new_collections = None if defaulted else self._defaults
        else:
            defaulted = collections is None
            new_collections = collections
        clone = object.__new__(InMemoryButler)
        clone._setup(
            self.registry_state, self.datastore, new_run, new_collections, defaulted
        )
        return clone

    def close(self) -> None:
        """Do nothing: there are no connections to close."""
