"""The daf_butler side of the operations benchmark.

Builds LSST daf_butler's own ``InMemoryDatastore`` standalone, with no SQL
registry, the way daf_butler's test suite does: a ``DatastoreConfig`` naming
the class and the ``DummyDatastoreRegistryBridgeManager`` that
``lsst.daf.butler.tests.DummyRegistry`` provides. Importing this module never
imports ``lsst.daf.butler`` by itself, every function does so on first use;
the benchmarks ask `skip_reason` first (``bench_butler_session.py`` uses only
`skip_reason` and `versions`: its daf_butler side runs in generated suites).

Recipe, for a workload of ``n`` dicts::

    store = make_store()
    refs = make_refs(n)                     # dataset type "metric"
    put_many(store, objs, refs)             # store.put(obj, ref)
    got = get_many(store, refs)             # store.get(ref)
    found = exists_many(store, refs)        # store.exists(ref)
    trash_many(store, refs)                 # store.trash(refs): bulk
    empty_trash(store)                      # store.emptyTrash()

Facts about the daf_butler version this was written against
(``lsst-daf-butler`` 30.2026.4300):

- ``put`` needs no registered dataset type and no open transaction; it
  registers an undo only when a transaction is open.
- ``trash`` is decorated ``@transactional``: it opens its own transaction, so
  neither ``trash`` nor ``emptyTrash`` needs one from the caller.
- The trash lives in the datastore (a private ``_trashedIds`` set), not in the
  bridge: the bridge manager is used only for its ``universe`` (constraints).
- ``emptyTrash(refs=[])`` empties the whole trash (it tests ``if refs:``).
- A ``put`` of a trashed id leaves it in the trash: a later ``emptyTrash``
  deletes the newly put data.
- Rolling back a ``put`` calls ``remove`` (trash, then empty), whose own undo
  then fails with a logged ``KeyError`` ("caught while unrolling").
- About 70 % of a ``put`` is ``Constraints.isAcceptable``, even with no
  constraints configured.
- ``emptyTrash`` leaves an empty set behind in ``related`` for every removed
  dataset, so ``related`` never shrinks.
- The store name is ``InMemoryDatastore@<time.time()>``: two stores made in
  the same clock tick share a name.
- ``DatasetRef.id`` is a property that builds a new `uuid.UUID` from an int
  on every access, and new ids are UUIDv7.
- ``lsst.daf.butler.tests.DummyRegistry()`` re-parses the dimension config on
  every call (about 3 ms); `make_bridge_manager` builds the same manager
  from a cached universe instead.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import import_module, metadata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lsst.daf.butler import DatasetRef, DatasetType, DimensionUniverse
    from lsst.daf.butler.datastore import DatastoreConfig
    from lsst.daf.butler.datastores.inMemoryDatastore import InMemoryDatastore
    from lsst.daf.butler.registry.interfaces import DatastoreRegistryBridgeManager

__all__ = [
    "DEFAULT_DIMENSIONS",
    "DEFAULT_INSTRUMENT",
    "DEFAULT_RUN",
    "DEFAULT_STORAGE_CLASS",
    "IN_MEMORY_DATASTORE_CLS",
    "available",
    "empty_trash",
    "exists_many",
    "get_many",
    "make_bridge_manager",
    "make_config",
    "make_dataset_type",
    "make_refs",
    "make_store",
    "put_many",
    "skip_reason",
    "store_counts",
    "trash_many",
    "universe",
    "versions",
]

IN_MEMORY_DATASTORE_CLS = "lsst.daf.butler.datastores.inMemoryDatastore.InMemoryDatastore"
"""Dotted name of the datastore class, as a datastore config names it."""

DEFAULT_DIMENSIONS: tuple[str, ...] = ("instrument", "visit")
"""Dimensions of the benchmark dataset type.

In the default universe (version 8) ``visit`` also implies ``band``,
``day_obs`` and ``physical_filter``; a data ID with only the required values
(``instrument`` and ``visit``) is enough for a ``DatasetRef``.
"""

DEFAULT_INSTRUMENT = "DummyCam"
"""Instrument value of every benchmark data ID."""

DEFAULT_RUN = "bench"
"""Run collection of every benchmark ref."""

DEFAULT_STORAGE_CLASS = "StructuredDataDict"
"""Storage class of the benchmark dataset type (pytype `dict`)."""

_DISTRIBUTIONS = ("lsst-daf-butler", "lsst-utils", "lsst-resources", "lsst-sphgeom")


@cache
def available() -> bool:
    """Tell whether daf_butler and its test helpers can be imported.

    Returns
    -------
    available : `bool`
        `True` when ``lsst.daf.butler`` and ``lsst.daf.butler.tests`` import.
    """
    try:
        import_module("lsst.daf.butler")
        import_module("lsst.daf.butler.tests")
    except ImportError:
        return False
    return True


def skip_reason(no_daf: bool = False) -> str | None:
    """Say why a benchmark leaves daf_butler out, if it does.

    Parameters
    ----------
    no_daf : `bool`, optional
        Whether the user asked to leave it out (``--no-daf``).

    Returns
    -------
    reason : `str` or `None`
        `None` when daf_butler is measured; else the reason, for a line
        such as ``daf_butler column SKIPPED: <reason>``.
    """
    if no_daf:
        return "--no-daf given"
    if not available():
        return 'lsst.daf.butler is not importable; install it with `pip install -e ".[bench]"`'
    return None


def versions() -> dict[str, str]:
    """Return the versions of the Python and daf_butler distributions in use.

    Returns
    -------
    versions : `dict` [`str`, `str`]
        Distribution name to version; ``"missing"`` for one not installed.
    """
    found = {"python": sys.version.split()[0]}
    for name in _DISTRIBUTIONS:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "missing"
    return found


@cache
def universe() -> DimensionUniverse:
    """Return daf_butler's default dimension universe.

    Returns
    -------
    universe : `lsst.daf.butler.DimensionUniverse`
        The default universe, built once per process. daf_butler caches the
        instance too, but ``DimensionUniverse()`` parses ``dimensions.yaml``
        again on every call before it looks in that cache (about 3 ms).
    """
    from lsst.daf.butler import DimensionUniverse

    return DimensionUniverse()


def make_config() -> DatastoreConfig:
    """Build the configuration of an in-memory datastore.

    Returns
    -------
    config : `lsst.daf.butler.datastore.DatastoreConfig`
        A config whose only key is ``cls``; building it imports the class.
    """
    from lsst.daf.butler.datastore import DatastoreConfig

    return DatastoreConfig({"cls": IN_MEMORY_DATASTORE_CLS})


def make_bridge_manager() -> DatastoreRegistryBridgeManager:
    """Build a registry bridge manager that needs no database.

    Returns
    -------
    manager : `lsst.daf.butler.registry.interfaces.DatastoreRegistryBridgeManager`
        A fresh ``DummyDatastoreRegistryBridgeManager`` (ephemeral bridges,
        dummy opaque tables) over the cached default universe: what
        ``DummyRegistry().getDatastoreBridgeManager()`` returns, without
        the universe config parse that ``DummyRegistry()`` pays each time.
    """
    from lsst.daf.butler.tests._dummyRegistry import (
        DummyDatastoreRegistryBridgeManager,
        DummyOpaqueTableStorageManager,
    )

    return DummyDatastoreRegistryBridgeManager(DummyOpaqueTableStorageManager(), universe(), None)


def make_store(
    *,
    config: DatastoreConfig | None = None,
    bridge_manager: DatastoreRegistryBridgeManager | None = None,
) -> InMemoryDatastore:
    """Build a fresh, empty daf_butler ``InMemoryDatastore``.

    Parameters
    ----------
    config : `lsst.daf.butler.datastore.DatastoreConfig`, optional
        Datastore config; a new one from `make_config` when `None`.
    bridge_manager : `DatastoreRegistryBridgeManager`, optional
        Bridge manager; a new one from `make_bridge_manager` when `None`.

    Returns
    -------
    store : `lsst.daf.butler.datastores.inMemoryDatastore.InMemoryDatastore`
        The new datastore. ``Datastore.fromConfig(config, bridgeManager=...)``
        builds the same object through the class named in the config.
    """
    from lsst.daf.butler.datastores.inMemoryDatastore import InMemoryDatastore

    if config is None:
        config = make_config()
    if bridge_manager is None:
        bridge_manager = make_bridge_manager()
    return InMemoryDatastore(config, bridge_manager)


def make_dataset_type(
    name: str = "metric",
    dimensions: Iterable[str] = DEFAULT_DIMENSIONS,
    storage_class: str = DEFAULT_STORAGE_CLASS,
) -> DatasetType:
    """Build a dataset type in the default universe.

    Parameters
    ----------
    name : `str`, optional
        Dataset type name.
    dimensions : `~collections.abc.Iterable` [`str`], optional
        Dimension names; the universe adds the implied ones.
    storage_class : `str`, optional
        Name of a storage class known to the default ``StorageClassFactory``.

    Returns
    -------
    dataset_type : `lsst.daf.butler.DatasetType`
        The dataset type; it needs no registration to be put.
    """
    from lsst.daf.butler import DatasetType, StorageClassFactory

    group = universe().conform(list(dimensions))
    sc = StorageClassFactory().getStorageClass(storage_class)
    return DatasetType(name, group, sc)


def make_refs(
    n: int,
    *,
    dataset_type: DatasetType | None = None,
    run: str = DEFAULT_RUN,
    instrument: str = DEFAULT_INSTRUMENT,
    first_visit: int = 0,
) -> list[DatasetRef]:
    """Build ``n`` resolved refs with distinct data IDs.

    Parameters
    ----------
    n : `int`
        Number of refs.
    dataset_type : `lsst.daf.butler.DatasetType`, optional
        Dataset type with dimensions ``instrument`` and ``visit``;
        `make_dataset_type` when `None`.
    run : `str`, optional
        Run collection of every ref.
    instrument : `str`, optional
        Instrument value of every data ID.
    first_visit : `int`, optional
        Visit of the first ref; the others follow one by one.

    Returns
    -------
    refs : `list` [`lsst.daf.butler.DatasetRef`]
        Refs with fresh dataset IDs (``DatasetRef`` makes a UUID when given
        none), each data ID standardized as a caller would.
    """
    from lsst.daf.butler import DataCoordinate, DatasetRef

    if dataset_type is None:
        dataset_type = make_dataset_type()
    group = dataset_type.dimensions
    standardize = DataCoordinate.standardize
    return [
        DatasetRef(
            dataset_type,
            standardize({"instrument": instrument, "visit": visit}, dimensions=group),
            run=run,
        )
        for visit in range(first_visit, first_visit + n)
    ]


def put_many(store: InMemoryDatastore, objs: Sequence[Any], refs: Sequence[DatasetRef]) -> None:
    """Put ``objs[i]`` under ``refs[i]``, one ``put`` call each.

    Parameters
    ----------
    store : `InMemoryDatastore`
        Target datastore.
    objs : `~collections.abc.Sequence`
        Objects to store, as long as ``refs``.
    refs : `~collections.abc.Sequence` [`lsst.daf.butler.DatasetRef`]
        Refs to store them under.
    """
    put = store.put
    for obj, ref in zip(objs, refs, strict=True):
        put(obj, ref)


def get_many(store: InMemoryDatastore, refs: Iterable[DatasetRef]) -> list[Any]:
    """Get every ref, one ``get`` call each.

    Parameters
    ----------
    store : `InMemoryDatastore`
        Source datastore.
    refs : `~collections.abc.Iterable` [`lsst.daf.butler.DatasetRef`]
        Refs to read.

    Returns
    -------
    objs : `list`
        The objects, in the order of ``refs``.
    """
    get = store.get
    return [get(ref) for ref in refs]


def exists_many(store: InMemoryDatastore, refs: Iterable[DatasetRef]) -> list[bool]:
    """Ask ``exists`` for every ref, one call each.

    Parameters
    ----------
    store : `InMemoryDatastore`
        Datastore to ask.
    refs : `~collections.abc.Iterable` [`lsst.daf.butler.DatasetRef`]
        Refs to look up.

    Returns
    -------
    found : `list` [`bool`]
        One answer per ref, in order.
    """
    exists = store.exists
    return [exists(ref) for ref in refs]


def trash_many(store: InMemoryDatastore, refs: Iterable[DatasetRef]) -> None:
    """Move refs to the trash in one bulk ``trash`` call (no existence check).

    Parameters
    ----------
    store : `InMemoryDatastore`
        Datastore to change.
    refs : `~collections.abc.Iterable` [`lsst.daf.butler.DatasetRef`]
        Refs to trash; a list is passed as is, so daf_butler takes its bulk
        path rather than the checked single-ref one.
    """
    store.trash(list(refs))


def empty_trash(store: InMemoryDatastore) -> None:
    """Empty the whole trash of ``store``.

    Parameters
    ----------
    store : `InMemoryDatastore`
        Datastore to change.
    """
    store.emptyTrash()


def store_counts(store: InMemoryDatastore) -> dict[str, int]:
    """Count what ``store`` holds, for checks after a workload.

    Parameters
    ----------
    store : `InMemoryDatastore`
        Datastore to inspect.

    Returns
    -------
    counts : `dict` [`str`, `int`]
        ``datasets``, ``records``, ``related`` (parent keys, empty sets
        included), ``related_empty`` (keys left with an empty set) and
        ``trash`` (daf_butler's private ``_trashedIds``).
    """
    return {
        "datasets": len(store.datasets),
        "records": len(store.records),
        "related": len(store.related),
        "related_empty": sum(1 for ids in store.related.values() if not ids),
        "trash": len(getattr(store, "_trashedIds", ())),
    }
