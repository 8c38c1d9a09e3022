"""`MemoryQueryDriver`: daf_butler's query system, answered from memory.

``butler.query()`` of a daf_butler-mode butler gives daf_butler's own
`~lsst.daf.butler.queries.Query` over this driver: daf_butler builds the
query tree (``where`` strings parsed by its parser, data IDs and keywords
turned into constraints, ``order_by`` and ``limit`` checked), and the driver
answers it from the repository's dimension records and datasets instead of
SQL. ``registry.queryDataIds``, ``queryDimensionRecords``, ``queryDatasets``
and ``butler.query_data_ids``, ``query_dimension_records``,
``query_datasets`` are daf_butler's own code over ``butler.query()``.

Results are daf_butler's objects: `~lsst.daf.butler.DataCoordinate` (with
all implied values, and their records when asked), dimension records, and
`~lsst.daf.butler.DatasetRef` (with expanded data IDs). Rows come in the
order they are found unless ``order_by`` says otherwise, as in SQL.
"""

from __future__ import annotations

__all__ = ["MemoryQueryDriver"]

import contextlib
import uuid
from collections.abc import Iterable, Iterator
from itertools import repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import lsst.daf.butler as daf_butler
from lsst.daf.butler import (
    DataCoordinate,
    DimensionElement,
    DimensionGroup,
    DimensionRecordSet,
    DimensionUniverse,
    SkyPixDimension,
)
from lsst.daf.butler.queries import driver as qd
from lsst.daf.butler.queries import result_specs as rs
from lsst.daf.butler.queries import tree as qt

from ..butler.errors import InvalidQueryError, MissingDatasetTypeError
from ..core.model import DatasetRef
from .errors import daf_errors
from .query_expressions import REF, Row, dataset_key
from .query_rows import QueryRows

if TYPE_CHECKING:
    from .butler import DafButler


class MemoryQueryDriver(qd.QueryDriver):
    """Answers daf_butler's query trees from one butler's memory.

    Parameters
    ----------
    butler : `DafButler`
        The butler queried: its repository and its default collections.

    Notes
    -----
    As daf_butler's drivers, it is a context manager: queries are answered
    only inside it, and its uploads and materializations are forgotten
    when it exits.
    """

    def __init__(self, butler: DafButler) -> None:
        self._codec = butler._codec
        self._records = butler._codec.records
        self._registry = butler.registry_state
        self._defaults = tuple(butler.default_collections)
        self._uploads: dict[Any, list[Row]] = {}
        self._materializations: dict[Any, list[Row]] = {}
        self._rows = QueryRows(
            self._records, self._registry, self._uploads, self._materializations
        )
        self._open = False

    def __enter__(self) -> None:
        self._open = True

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        self._open = False
        self._uploads.clear()
        self._materializations.clear()

    @property
    def universe(self) -> DimensionUniverse:
        """The repository's dimensions."""
        return self._records.universe

    def _check_open(self, what: str) -> None:
        if not self._open:
            raise RuntimeError(f"QueryDriver context must be entered before {what}.")

    # -- results -------------------------------------------------------------

    @daf_errors
    def execute(self, result_spec: Any, tree: qt.QueryTree) -> Iterator[Any]:
        """Answer a query: one page with all its rows, computed now."""
        self._check_open("queries can be executed")
        return iter([self._page(result_spec, tree)])

    @daf_errors
    def count(self, tree: qt.QueryTree, result_spec: Any, *, exact: bool, discard: bool) -> int:
        """Return how many rows the query gives (always counted exactly)."""
        self._check_open("queries can be counted")
        return len(self._page(result_spec, tree).rows)

    @daf_errors
    def any(self, tree: qt.QueryTree, *, execute: bool, exact: bool) -> bool:
        """Return whether the query gives any row.

        Raises
        ------
        InvalidQueryError
            ``exact`` without ``execute``, as daf_butler's.
        """
        if not execute:
            if exact:
                raise InvalidQueryError("Cannot obtain exact result for 'any' without executing.")
            return True
        self._check_open("queries can be executed")
        return bool(self._rows.rows(tree)[0])

    @daf_errors
    def explain_no_results(self, tree: qt.QueryTree, execute: bool) -> Iterable[str]:
        """Return why the query gives no rows (nothing when it gives some).

        Works after the query context is closed: daf_butler's
        ``query_datasets`` explains an empty result there.
        """
        rows, messages = self._rows.rows(tree)
        if rows:
            return []
        return messages or [
            "No combination of the dimension records and datasets joined satisfies the "
            "query's data ID and where constraints."
        ]

    def _page(self, spec: Any, tree: qt.QueryTree) -> Any:
        if isinstance(spec, _RECORDS_ONLY) and not (
            tree.datasets or tree.data_coordinate_uploads or tree.materializations
        ):
            # Data IDs and records of the records alone: the same query gives
            # the same page until the records change (tests repeat queries).
            key = (spec.model_dump_json(), tree.model_dump_json())
            return self._records.remembered(key, lambda: self._computed_page(spec, tree))
        return self._computed_page(spec, tree)

    def _computed_page(self, spec: Any, tree: qt.QueryTree) -> Any:
        columns = spec.get_result_columns()
        if isinstance(spec, rs.DatasetRefResultSpec):
            alone = self._rows.datasets_alone(
                tree,
                spec.dataset_type_name,
                find_first=spec.find_first,
                order_by=spec.order_by,
                columns=columns,
            )
            if alone is not None:  # no rows needed: a search and equalities only
                return self._datasets_page(spec, alone[: spec.limit])
        if (
            isinstance(spec, rs.DataCoordinateResultSpec)
            and not spec.include_dimension_records
            and not spec.order_by
            and spec.dimensions == tree.dimensions
            and spec.dimensions
        ):
            values = self._rows.data_id_values(
                tree, list(spec.dimensions.data_coordinate_keys), columns
            )
            if values is not None:  # no rows needed: records joined, equalities
                return self._data_id_page(spec, values[: spec.limit])
        rows, _ = self._rows.rows(
            tree, find_first=spec.find_first_dataset, order_by=spec.order_by, columns=columns
        )
        if isinstance(spec, rs.DataCoordinateResultSpec):
            return self._data_ids(spec, tree, rows)
        if isinstance(spec, rs.DimensionRecordResultSpec):
            return self._dimension_records(spec, rows)
        if isinstance(spec, rs.DatasetRefResultSpec):
            return self._datasets(spec, tree, rows)
        return self._general(spec, rows, list(columns))

    def _finish(self, spec: Any, rows: list[Row]) -> list[Row]:
        """Sort and cut ``rows`` as ``spec`` says."""
        if spec.order_by:
            self._rows.expressions.sort(rows, spec.order_by)
        if spec.limit is not None:
            del rows[spec.limit :]
        return rows

    def _data_ids(
        self, spec: rs.DataCoordinateResultSpec, tree: qt.QueryTree, rows: list[Row]
    ) -> Any:
        dimensions = spec.dimensions
        keys = itemgetter(*dimensions.data_coordinate_keys) if dimensions else _nothing
        if _may_repeat(tree, dimensions):
            rows = _unique(rows, keys)
        rows = self._finish(spec, rows)
        if spec.include_dimension_records:
            coordinate = self._records.coordinate
            found = [coordinate(dimensions, row) for row in rows]
        elif not rows or not dimensions:
            found = [DataCoordinate.make_empty(self.universe)] * len(rows)
        else:
            values = list(map(keys, rows))
            if len(dimensions) == 1:
                values = [(value,) for value in values]
            return self._data_id_page(spec, values)
        return qd.DataCoordinateResultPage(spec=spec, rows=found)

    def _data_id_page(
        self, spec: rs.DataCoordinateResultSpec, values: list[tuple[Any, ...]]
    ) -> Any:
        """Return the page of data IDs of full values (``data_coordinate_keys`` order)."""
        if not values:
            return qd.DataCoordinateResultPage(spec=spec, rows=[])
        dimensions = spec.dimensions
        # The class from_full_values makes, called directly: its check of
        # each tuple's length costs more than building the coordinate.
        make: Any = type(DataCoordinate.from_full_values(dimensions, values[0]))
        found = list(map(make, repeat(dimensions), values))
        return qd.DataCoordinateResultPage(spec=spec, rows=found)

    def _dimension_records(self, spec: rs.DimensionRecordResultSpec, rows: list[Row]) -> Any:
        element = spec.element
        names = element.required.names
        unique = self._finish(spec, _unique(rows, lambda row: tuple(row[n] for n in names)))
        found = [self._record(element, row) for row in unique]
        return qd.DimensionRecordResultPage(spec=spec, rows=[r for r in found if r is not None])

    def _record(self, element: DimensionElement, row: Row) -> Any:
        if element.has_own_table or isinstance(element, SkyPixDimension):
            return self._records.fetch(element, row)
        fields = element.schema.required.names  # band: its name alone
        values = (row[n] for n in element.required.names)
        return element.RecordClass(**dict(zip(fields, values, strict=True)))

    def _datasets(self, spec: rs.DatasetRefResultSpec, tree: qt.QueryTree, rows: list[Row]) -> Any:
        key = dataset_key(spec.dataset_type_name)
        # A dataset is in several rows when it is in several collections
        # searched, or joined with other rows.
        if (
            not spec.find_first
            or len(tree.datasets) > 1
            or tree.data_coordinate_uploads
            or tree.materializations
            or tree.dimensions != spec.dimensions
        ):
            rows = _unique(rows, lambda row: row[key][REF].id)
        rows = self._finish(spec, rows)
        return self._datasets_page(spec, [row[key][REF] for row in rows])

    def _datasets_page(self, spec: rs.DatasetRefResultSpec, found: list[DatasetRef]) -> Any:
        refs = self._codec.refs_out(found)
        if refs and refs[0].datasetType.storageClass_name != spec.storage_class_name:
            refs = [ref.overrideStorageClass(spec.storage_class_name) for ref in refs]
        return qd.DatasetRefResultPage(spec=spec, rows=refs)

    def _general(self, spec: rs.GeneralResultSpec, rows: list[Row], columns: list[Any]) -> Any:
        getters = [self._column(column) for column in columns]
        tuples = [tuple(get(row) for get in getters) for row in self._finish(spec, rows)]
        with contextlib.suppress(TypeError):  # unhashable values (regions) stay as they are
            tuples = list(dict.fromkeys(tuples))
        records: dict[DimensionElement, DimensionRecordSet] | None = None
        if spec.include_dimension_records:
            records = {}
            for name in spec.dimensions.elements:
                element = self.universe[name]
                if element.is_cached or isinstance(element, SkyPixDimension):
                    found = (self._record(element, row) for row in rows)
                    records[element] = DimensionRecordSet(element, [r for r in found if r])
        return qd.GeneralResultPage(spec=spec, rows=tuples, dimension_records=records)

    def _column(self, column: Any) -> Any:
        table, field = column.logical_table, column.field
        if field is None:
            return lambda row: row[table]
        if table in self.universe.elements.names:
            element = self.universe[table]
            reference = qt.DimensionFieldReference(element=element, field=field)
            return self._rows.expressions.value(reference)
        if field == "timespan":
            # A result column (queryDatasetAssociations asks for it): datasets
            # are only ever in runs and tagged collections here, whose
            # timespans daf_butler's queries give as unbounded.
            return _unbounded
        return self._rows.expressions.value(
            qt.DatasetFieldReference(dataset_type=table, field=field)
        )

    # -- temporary tables ----------------------------------------------------

    @daf_errors
    def materialize(
        self,
        tree: qt.QueryTree,
        dimensions: DimensionGroup,
        datasets: frozenset[str],
        allow_duplicate_overlaps: bool = False,
    ) -> Any:
        """Keep the rows of a query (their dimension values and datasets) for later queries."""
        self._check_open("'materialize' is called")
        rows, _ = self._rows.rows(tree)
        keep = [*dimensions.data_coordinate_keys, *(dataset_key(name) for name in datasets)]
        kept = _unique(
            [{name: row[name] for name in keep} for row in rows],
            lambda row: tuple(row[name] for name in keep),
        )
        key = uuid.uuid4()
        self._materializations[key] = kept
        return key

    @daf_errors
    def upload_data_coordinates(
        self, dimensions: DimensionGroup, rows: Iterable[tuple[Any, ...]]
    ) -> Any:
        """Keep data IDs (their required values) for later queries."""
        self._check_open("data IDs can be uploaded")
        names = list(dimensions.required)
        key = uuid.uuid4()
        self._uploads[key] = [dict(zip(names, values, strict=True)) for values in rows]
        return key

    # -- what the query objects ask ------------------------------------------

    @daf_errors
    def get_default_collections(self) -> tuple[str, ...]:
        """Return the butler's default collections.

        Raises
        ------
        NoDefaultCollectionError
            It has none.
        """
        if not self._defaults:
            raise daf_butler.registry.NoDefaultCollectionError(
                "No collections provided and no default collections."
            )
        return self._defaults

    @daf_errors
    def get_dataset_type(self, name: str) -> daf_butler.DatasetType:
        """Return a registered dataset type, as daf_butler's.

        Raises
        ------
        MissingDatasetTypeError
            It is not registered (a component never is: query its composite).
        """
        if "." in name:
            raise MissingDatasetTypeError(
                f"Dataset type {name!r} does not exist: components cannot be queried; query the "
                "composite and use ref.makeComponentRef"
            )
        return self._codec.dataset_type_out(self._registry.get_dataset_type(name))


_RECORDS_ONLY = (rs.DataCoordinateResultSpec, rs.DimensionRecordResultSpec)
"""The results whose pages may be remembered: immutable values, records."""


def _may_repeat(tree: qt.QueryTree, dimensions: DimensionGroup) -> bool:
    """Return whether rows of ``tree`` may repeat the values of ``dimensions``.

    Rows joined from dimension records alone are distinct over the tree's
    dimensions; datasets (several of one data ID), uploads and
    materializations may repeat them, and so may any narrower dimensions.
    """
    return (
        bool(tree.datasets or tree.data_coordinate_uploads or tree.materializations)
        or dimensions != tree.dimensions
    )


_UNBOUNDED = daf_butler.Timespan(None, None)


def _unbounded(row: Row) -> daf_butler.Timespan:
    return _UNBOUNDED


def _nothing(row: Row) -> tuple[()]:
    return ()


def _unique(rows: list[Row], key: Any) -> list[Row]:
    """Return the first row of each distinct ``key(row)``, in order."""
    unique: dict[Any, Row] = {}
    for row in rows:
        unique.setdefault(key(row), row)
    return list(unique.values())
