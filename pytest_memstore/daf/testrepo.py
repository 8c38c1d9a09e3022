"""Drop-in, in-memory versions of daf_butler's test-repository helpers.

`makeTestRepo`, `makeTestCollection`, `addDataIdValue`, `addDatasetType`,
`registerMetricsExample` and `expandUniqueId` have the signatures and
results of those in ``lsst.daf.butler.tests``, over a daf_butler-mode
`InMemoryButler` instead of a SQL registry on disk. Given a butler that is
not ours, each calls daf_butler's own helper.
"""

from __future__ import annotations

__all__ = [
    "addDataIdValue",
    "addDatasetType",
    "expandUniqueId",
    "makeTestCollection",
    "makeTestRepo",
    "registerMetricsExample",
]

import json
import os
import random
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import lsst.daf.butler.tests._examplePythonTypes as upstream_types
import lsst.daf.butler.tests._testRepo as upstream_repo
from lsst.daf.butler import (
    DataCoordinate,
    DataIdValueError,
    DatasetType,
    Dimension,
    DimensionUniverse,
)
from lsst.daf.butler.registry import ConflictingDefinitionError

from .butler import DafButler

# daf_butler's own helpers, kept before any switch replaces them.
UPSTREAM: dict[str, Any] = {
    "makeTestRepo": upstream_repo.makeTestRepo,
    "makeTestCollection": upstream_repo.makeTestCollection,
    "addDataIdValue": upstream_repo.addDataIdValue,
    "addDatasetType": upstream_repo.addDatasetType,
    "expandUniqueId": upstream_repo.expandUniqueId,
    "registerMetricsExample": upstream_types.registerMetricsExample,
}


collection_observers: list[Callable[[DafButler], None]] = []
"""Called with each butler `makeTestCollection` makes (the plugin's report counts its store)."""


def makeTestRepo(
    root: str,
    dataIds: Mapping[str, Iterable[Any]] | None = None,
    *,
    config: Any = None,
    **kwargs: Any,
) -> DafButler:
    """Return a new in-memory repository, with records for ``dataIds``.

    Parameters
    ----------
    root : `str`
        Where daf_butler would put the repository; nothing is written there.
    dataIds : mapping of `str` to iterable, optional
        Dimension names to the values to make records for; the dimensions
        they depend on get one arbitrary value each, and each record links
        to the first value of each related dimension, as daf_butler's does.
    config : optional
        Accepted for compatibility; a ``dimensions`` entry, if any, is
        ignored (the repository uses daf_butler's default universe).
    **kwargs
        ``outfile``: a path where the repository's configuration is written
        as JSON. Others are accepted and ignored.

    Returns
    -------
    butler : `InMemoryButler`
        A daf_butler-mode butler with no run; use `makeTestCollection` to get
        one that writes.
    """
    butler = DafButler(universe=DimensionUniverse())
    outfile = kwargs.get("outfile")
    if outfile is not None:
        with open(os.fspath(outfile), "w", encoding="utf-8") as stream:
            json.dump(
                {
                    "datastore": {"cls": "pytest_memstore.InMemoryDatastore"},
                    "registry": {"db": "in-memory (pytest-memstore)"},
                    "root": os.fspath(root),
                },
                stream,
                indent=2,
            )
    universe = butler.dimensions
    for element, records in _records_for(dataIds or {}, universe).items():
        if universe[element].has_own_table:
            butler.registry.insertDimensionData(element, *records)
    return butler


def _records_for(
    dataIds: Mapping[str, Iterable[Any]], universe: DimensionUniverse
) -> dict[str, list[Any]]:
    """Return cross-linked records for every dimension ``dataIds`` needs."""
    values: dict[str, list[Any]] = {}
    for name in universe.conform(dataIds.keys()).names:
        given = list(dataIds.get(name, ()))
        values[name] = given or [_invented_value(universe.dimensions[name])]
    rows = {
        name: [_key_fields(universe.dimensions[name], value) for value in given]
        for name, given in values.items()
    }
    for name, dicts in rows.items():
        for row in dicts:
            for other in universe[name].dimensions:
                if other.name != name:
                    row[other.name] = rows[other.name][0][other.primaryKey.name]
    return {
        name: [universe[name].RecordClass(**row) for row in dicts] for name, dicts in rows.items()
    }


def _key_fields(dimension: Dimension, value: Any) -> dict[str, Any]:
    """Return a record's key and required metadata fields, all derived from ``value``.

    Raises
    ------
    ValueError
        ``value`` cannot be a value of the dimension's primary key (a
        non-numeric detector, say).
    """
    fields: dict[str, Any] = {}
    for key in dimension.uniqueKeys:
        if key.nbytes:
            fields[key.name] = str(value).encode()
            continue
        python_type = key.dtype().python_type
        try:
            fields[key.name] = python_type(value)
        except TypeError:
            fields[key.name] = python_type()
    for key in dimension.metadata:
        if not key.nullable:
            fields[key.name] = key.dtype().python_type(value)
    return fields


def _invented_value(dimension: Dimension) -> int | str:
    """Return an arbitrary value of the dimension's primary-key type."""
    number = random.randrange(1000)
    return str(number) if dimension.primaryKey.getPythonType() is str else number


def makeTestCollection(repo: Any, uniqueId: str | None = None) -> Any:
    """Return a butler over ``repo`` that writes to, and reads from, a new run.

    The run is ``"test_" + uniqueId`` (a random number when not given). The
    butler shares the repository's registry, records and datastore, as
    daf_butler's does.
    """
    if not isinstance(repo, DafButler):
        return UPSTREAM["makeTestCollection"](repo, uniqueId)
    if not uniqueId:
        uniqueId = str(random.randrange(1_000_000_000))
    butler = repo.clone(run="test_" + uniqueId, collections=None)
    for observer in collection_observers:
        observer(butler)
    return butler


def addDataIdValue(butler: Any, dimension: str, value: Any, **related: Any) -> None:
    """Add the records behind a new data ID value, inventing related ones as needed.

    Raises
    ------
    ValueError
        ``dimension`` is not a dimension, ``related`` names one it does not
        depend on, or ``value`` does not fit its primary key.
    RuntimeError
        A record would refer to a related value that has no record, or
        clash with an existing record.
    """
    if not isinstance(butler, DafButler):
        UPSTREAM["addDataIdValue"](butler, dimension, value, **related)
        return
    universe = butler.dimensions
    try:
        target = universe.dimensions[dimension]
    except KeyError as err:
        raise ValueError(f"{dimension!r} is not a dimension of {universe}") from err
    extra = related.keys() - target.minimal_group.names
    if extra:
        raise ValueError(f"Unexpected keywords {extra} not found in {target.minimal_group.names}")
    data_id: dict[str, Any] = {dimension: value, **related}
    involved = universe.conform(data_id.keys())
    records = butler.dimension_records
    pending = []
    for name in involved.names:
        current = universe.dimensions[name]
        if name not in data_id:
            data_id[name], invented = _existing_or_invented(records, data_id, current)
            if not invented:
                continue
        if name in related or (name != dimension and name in involved.required):
            continue
        if not current.has_own_table:
            continue
        row = {current.primaryKey.name: data_id[name], **_key_fields(current, data_id[name])}
        for other in current.dimensions:
            if other.name != name:
                row[other.name] = data_id[other.name]
        pending.append((current, current.RecordClass(**row)))
    for current, record in pending:
        try:
            _check_links(records, current, record)
            records.sync(current, record)
        except (ConflictingDefinitionError, DataIdValueError) as err:
            raise RuntimeError(
                f"Could not create data ID value {dimension}={value!r}: {err}. Automatic "
                "relationship generation may have failed; try adding keywords to assign a "
                "specific instrument, physical_filter, etc."
            ) from err


def _existing_or_invented(
    records: Any, data_id: Mapping[str, Any], dimension: Any
) -> tuple[Any, bool]:
    """Return a value of ``dimension`` that agrees with ``data_id``: an existing one, or new."""
    if not dimension.has_own_table:
        # A value kept only in the records that imply it (a band, in physical filters').
        for element in records.universe.elements:
            if dimension.name in element.implied.names and element.has_own_table:
                for record in records.records(element):
                    return getattr(record, dimension.name), False
        return _invented_value(dimension), True
    keys = [name for name in dimension.minimal_group.names if name in data_id]
    for record in records.records(dimension):
        if all(getattr(record, key, None) == data_id[key] for key in keys if key != dimension.name):
            return record.dataId[dimension.name], False
    return _invented_value(dimension), True


def _check_links(records: Any, element: Any, record: Any) -> None:
    """Raise `DataIdValueError` if ``record`` refers to a related value with no record."""
    for other in element.dimensions:
        if other.name == element.name or not other.has_own_table:
            continue
        values = {name: getattr(record, name) for name in other.required.names}
        if records.fetch(other, values) is None:
            raise DataIdValueError(
                f"the {element.name} record refers to {other.name} "
                f"{values[other.name]!r}, which has no record"
            )


def addDatasetType(butler: Any, name: str, dimensions: Iterable[str], storageClass: str) -> Any:
    """Register a dataset type and return it.

    Raises
    ------
    ValueError
        A dimension or the storage class is unknown.
    """
    if not isinstance(butler, DafButler):
        return UPSTREAM["addDatasetType"](butler, name, dimensions, storageClass)
    try:
        datasetType = DatasetType(name, dimensions, storageClass, universe=butler.dimensions)
        butler.registry.registerDatasetType(datasetType)
    except KeyError as err:
        raise ValueError(str(err)) from err
    return datasetType


def registerMetricsExample(butler: Any) -> None:
    """Register daf_butler's ``MetricsExample`` storage classes (process-wide)."""
    UPSTREAM["registerMetricsExample"](butler)


def expandUniqueId(butler: Any, partialId: Mapping[str, Any]) -> DataCoordinate:
    """Return the one full data ID that matches a partial one: daf_butler's own.

    It queries the registry (``queryDataIds`` with ``check=False``), which
    our butler answers as daf_butler's does.

    Raises
    ------
    ValueError
        No data ID, or more than one, matches.
    """
    found: DataCoordinate = UPSTREAM["expandUniqueId"](butler, partialId)
    return found
