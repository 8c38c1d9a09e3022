"""Dimension records held in memory, and data IDs checked and expanded with them.

A data ID given to a daf_butler-mode butler is standardized on the
dimensions of its dataset type as daf_butler does: unknown keys are
`~lsst.daf.butler.DimensionNameError`, a required value with no record is
`~lsst.daf.butler.DataIdValueError`, and the implied values (a visit's
``physical_filter`` and ``day_obs``, a physical filter's ``band``) are filled
in from the records.
"""

from __future__ import annotations

__all__ = ["DimensionRecords", "tuple_getter"]

import threading
from collections.abc import Callable, Hashable, Iterable, Mapping
from operator import attrgetter, itemgetter
from typing import Any, TypeVar, cast

from lsst.daf.butler import (
    DataCoordinate,
    DataIdValueError,
    DimensionElement,
    DimensionGroup,
    DimensionNameError,
    DimensionRecord,
    DimensionUniverse,
    SkyPixDimension,
)
from lsst.daf.butler._exceptions import InconsistentDataIdError
from lsst.daf.butler.registry import ConflictingDefinitionError

from ..core.model import DataId

REMEMBERED = 64
"""How many answers `DimensionRecords.remembered` keeps."""

_T = TypeVar("_T")


def tuple_getter(keys: Iterable[Any]) -> Callable[[Any], tuple[Any, ...]]:
    """Return a function giving the values of ``keys`` in a mapping (or a tuple), as a tuple.

    `operator.itemgetter`, but a tuple for one key and for none too.
    """
    listed = tuple(keys)
    if len(listed) == 1:
        key = listed[0]
        return lambda values: (values[key],)
    if not listed:
        return lambda values: ()
    return itemgetter(*listed)


_ImpliedStep = tuple[DimensionElement, tuple[str, ...], list[Any]]
"""An implied dimension that implies others, those, and the steps under it."""


def _implied_steps(element: DimensionElement) -> list[_ImpliedStep]:
    """Return the implied dimensions of ``element`` whose records imply further values."""
    universe = element.universe
    steps = []
    for name in element.implied.names:
        implied = universe[name]
        if implied.implied:
            steps.append((implied, tuple(implied.implied.names), _implied_steps(implied)))
    return steps


def _record_key(element: DimensionElement, values: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(values[name] for name in element.required.names)


class DimensionRecords:
    """The dimension records of one repository, by element and key.

    Parameters
    ----------
    universe : `lsst.daf.butler.DimensionUniverse`
        The dimensions the records belong to.

    Notes
    -----
    Expanded data IDs are cached; inserting or updating a record clears the
    cache. Safe to use from several threads.
    """

    def __init__(self, universe: DimensionUniverse) -> None:
        self.universe = universe
        self._tables: dict[str, dict[tuple[Any, ...], DimensionRecord]] = {}
        self._expanded: dict[tuple[DimensionGroup, tuple[Any, ...]], DataCoordinate] = {}
        self._indexes: dict[str, dict[tuple[Any, ...], list[dict[str, Any]]]] = {}
        self._remembered: dict[Hashable, Any] = {}
        self._implied_steps: dict[str, list[_ImpliedStep]] = {}
        self._key_getters: dict[str, Callable[[Mapping[str, Any]], tuple[Any, ...]]] = {}
        self._required_getters: dict[DimensionGroup, Callable[[Mapping[str, Any]], Any]] = {}
        self._lock = threading.RLock()
        self.generation = 0
        """Counts the changes to the records (for the caches of those who read them)."""

    # -- writing -----------------------------------------------------------

    def element(self, element: DimensionElement | str) -> DimensionElement:
        """Return the universe's element for an element or its name.

        Raises
        ------
        DimensionNameError
            No element has that name.
        """
        name = element if isinstance(element, str) else element.name
        try:
            return self.universe[name]
        except KeyError:
            raise DimensionNameError(f"No dimension element {name!r} in {self.universe}") from None

    def as_record(
        self, element: DimensionElement, data: DimensionRecord | Mapping[str, Any]
    ) -> DimensionRecord:
        """Return ``data`` as a record of ``element``."""
        if isinstance(data, DimensionRecord):
            return data
        if not isinstance(data, Mapping):
            raise TypeError(
                f"A {element.name} record must be a DimensionRecord or a mapping; got "
                f"{type(data).__name__}: {data!r:.80}"
            )
        return element.RecordClass(**data)

    def insert(
        self,
        element: DimensionElement | str,
        records: Iterable[DimensionRecord | Mapping[str, Any]],
        *,
        replace: bool = False,
        skip_existing: bool = False,
    ) -> None:
        """Insert records of one element; all or none.

        Raises
        ------
        ConflictingDefinitionError
            A record with the same key exists and neither ``replace`` nor
            ``skip_existing`` is set.
        """
        found = self.element(element)
        rows = [self.as_record(found, data) for data in records]
        with self._lock:
            table = self._tables.setdefault(found.name, {})
            staged: dict[tuple[Any, ...], DimensionRecord] = {}
            for record in rows:
                key = _record_key(found, record.dataId.required)
                if key in table or key in staged:
                    if skip_existing:
                        continue
                    if not replace:
                        raise ConflictingDefinitionError(
                            f"A {found.name} record with key {dict(record.dataId.required)} "
                            "already exists"
                        )
                staged[key] = record
            table.update(staged)
            self._changed()

    def sync(
        self, element: DimensionElement | str, data: DimensionRecord | Mapping[str, Any],
        update: bool = False,
    ) -> bool | dict[str, Any]:
        """Insert a record unless an equal one exists; daf_butler's ``syncDimensionData``.

        Returns
        -------
        inserted_or_updated : `bool` or `dict`
            `True` if inserted; `False` if an identical record exists; with
            ``update``, a dict of the old values of the fields it changed.

        Raises
        ------
        ConflictingDefinitionError
            A different record with the same key exists and ``update`` is
            not set.
        """
        found = self.element(element)
        record = self.as_record(found, data)
        key = _record_key(found, record.dataId.required)
        with self._lock:
            table = self._tables.setdefault(found.name, {})
            existing = table.get(key)
            if existing is None:
                table[key] = record
                self._changed()
                return True
            old = existing.toDict()
            new = record.toDict()
            changed = {name: old[name] for name in new if old.get(name) != new[name]}
            if not changed:
                return False
            if not update:
                raise ConflictingDefinitionError(
                    f"A different {found.name} record with key {dict(record.dataId.required)} "
                    f"exists: {existing} (fields {sorted(changed)} differ)"
                )
            table[key] = record
            self._changed()
            return changed

    def _changed(self) -> None:
        """Forget what was derived from the records (call with the lock held)."""
        self._expanded.clear()
        self._indexes.clear()
        self._remembered.clear()
        self.generation += 1

    def remembered(self, key: Hashable, compute: Callable[[], _T]) -> _T:
        """Return what ``compute`` gives, computed once for ``key`` until the records change.

        For what depends on the records alone (the answers of queries that
        join no datasets); the last `REMEMBERED` are kept.
        """
        generation = self.generation
        try:
            return cast(_T, self._remembered[key])
        except KeyError:
            pass
        value = compute()
        with self._lock:
            if generation == self.generation:  # else the records changed meanwhile
                if len(self._remembered) >= REMEMBERED:
                    del self._remembered[next(iter(self._remembered))]  # the oldest
                self._remembered[key] = value
        return value

    # -- reading -----------------------------------------------------------

    def records(self, element: DimensionElement | str) -> list[DimensionRecord]:
        """Return the records of one element, in insertion order."""
        found = self.element(element)
        with self._lock:
            return list(self._tables.get(found.name, {}).values())

    def index(self, element: DimensionElement) -> dict[tuple[Any, ...], list[dict[str, Any]]]:
        """Return the records of ``element`` as data ID rows, by the values they depend on.

        Each row maps the dimensions of the element's minimal group to the
        record's values (a visit's row has its ``physical_filter`` and
        ``day_obs``, and the ``band`` of its physical filter's record); rows
        are listed under the values of the element's required dimensions
        other than itself (``(instrument,)`` for a visit), in insertion
        order. Cached until the records change.
        """
        found = self._indexes.get(element.name)
        if found is not None:
            return found
        names = list(element.required.names) + list(element.implied.names)
        fields = list(element.schema.required.names) + list(element.schema.implied.names)
        depth = len(element.required) - 1
        index: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        read = attrgetter(*fields) if len(fields) > 1 else lambda r: (getattr(r, fields[0]),)
        with self._lock:
            for record in self._tables.get(element.name, {}).values():
                values = read(record)
                row = dict(zip(names, values, strict=True))
                self._add_implied(element, row)
                index.setdefault(values[:depth], []).append(row)
            self._indexes[element.name] = index
        return index

    def _add_implied(self, element: DimensionElement, row: dict[str, Any]) -> None:
        """Add the values its implied dimensions' records imply, in turn, to a row."""
        steps = self._implied_steps.get(element.name)
        if steps is None:
            steps = self._implied_steps[element.name] = _implied_steps(element)
        self._add_implied_values(steps, row)

    def _add_implied_values(self, steps: list[_ImpliedStep], row: dict[str, Any]) -> None:
        for implied, further, deeper in steps:
            record = self.fetch(implied, row)
            if record is not None:
                for name in further:
                    row[name] = getattr(record, name)
                self._add_implied_values(deeper, row)

    def fetch(self, element: DimensionElement, values: Mapping[str, Any]) -> DimensionRecord | None:
        """Return the record of ``element`` for the values of its required dimensions."""
        if isinstance(element, SkyPixDimension):
            pixel = values[element.name]
            return element.RecordClass(id=pixel, region=element.pixelization.pixel(pixel))
        table = self._tables.get(element.name)
        if table is None:
            return None
        getter = self._key_getters.get(element.name)
        if getter is None:
            getter = self._key_getters[element.name] = tuple_getter(element.required.names)
        return table.get(getter(values))

    def standardize(
        self, given: Mapping[str, Any], dimensions: DimensionGroup
    ) -> tuple[dict[str, Any], dict[str, DimensionRecord | None]]:
        """Check a data ID's values against the records and fill in the implied ones.

        Parameters
        ----------
        given : mapping
            Dimension names to values; keys outside ``dimensions`` are
            ignored, as daf_butler does.
        dimensions : `lsst.daf.butler.DimensionGroup`
            The dimensions the data ID is for.

        Returns
        -------
        values : `dict`
            A value for every required and implied dimension.
        records : `dict`
            The record of every element of ``dimensions`` (`None` where an
            element keeps no records).

        Raises
        ------
        DimensionNameError
            A required dimension has no value.
        DataIdValueError
            A required value has no record.
        InconsistentDataIdError
            An implied value given differs from the one its record holds.
        """
        values: dict[str, Any] = {}
        for name in dimensions.required:
            try:
                values[name] = given[name]
            except KeyError:
                raise DimensionNameError(
                    f"No value in data ID ({dict(given)}) for required dimension {name!r}."
                ) from None
        records: dict[str, DimensionRecord | None] = {}
        with self._lock:
            pending = list(dimensions.elements)
            while pending:
                progressed = False
                for name in list(pending):
                    element = self.universe[name]
                    if not all(dim in values for dim in element.required.names):
                        continue
                    pending.remove(name)
                    progressed = True
                    record = self.fetch(element, values)
                    records[name] = record
                    if record is None:
                        if element.has_own_table and name in dimensions.names:
                            keys = {d: values[d] for d in element.required.names}
                            raise DataIdValueError(
                                f"Could not fetch record for dimension {name} via keys {keys}."
                            )
                        if name in dimensions.implied and name in given:
                            values[name] = given[name]
                        continue
                    for implied in element.implied.names:
                        value = getattr(record, implied)
                        if implied in given and given[implied] != value:
                            raise InconsistentDataIdError(
                                f"Data ID value {implied}={given[implied]!r} is inconsistent "
                                f"with the {name} record, which has {implied}={value!r}"
                            )
                        values[implied] = value
                if not progressed:
                    for name in pending:
                        records[name] = None
                    break
        for name in dimensions.implied:
            if name not in values and name in given:
                values[name] = given[name]
        return values, records

    def coordinate(self, dimensions: DimensionGroup, values: Mapping[str, Any]) -> DataCoordinate:
        """Return the expanded `~lsst.daf.butler.DataCoordinate` for checked values.

        Values without records, or whose implied values are unknown, give
        a coordinate with only the required values.
        """
        getter = self._required_getters.get(dimensions)
        if getter is None:
            getter = self._required_getters[dimensions] = tuple_getter(dimensions.required)
        # Our data IDs keep their values in a dict: read there, not through the mapping.
        key = (dimensions, getter(values._items if type(values) is DataId else values))
        cached = self._expanded.get(key)
        if cached is not None:
            return cached
        full, records = self.standardize(values, dimensions)
        if all(name in full for name in dimensions.implied):
            coordinate = DataCoordinate.from_full_values(
                dimensions, tuple(full[name] for name in dimensions.data_coordinate_keys)
            ).expanded(records)
        else:
            coordinate = DataCoordinate.from_required_values(dimensions, key[1])
        with self._lock:
            self._expanded[key] = coordinate
        return coordinate
