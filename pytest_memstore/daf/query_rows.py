"""The rows of a daf_butler query tree, joined in memory from records and datasets.

A query tree names dimensions, dataset searches, uploaded data IDs and
materialized results, and a predicate. Its rows are what daf_butler's SQL
join gives: one row for each combination of values of the tree's
dimensions that

- the uploads, materializations and dataset searches hold (a dataset
  search gives a row per dataset and collection it was found in);
- the dimension records hold, for each required dimension that no such
  source gives (a visit's row needs a visit record; ``band``, which has no
  table of its own, takes the bands of the physical filters);
- the elements that relate dimensions allow (a visit's ``physical_filter``
  and ``day_obs`` are its record's; a visit and an exposure go together
  only through a ``visit_definition`` record);
- the predicate keeps, with daf_butler's automatic spatial joins (regions
  of different families must overlap) added to it.

A skypix dimension (``htm7``) has no records: its value must be given by
an equality in the data ID or ``where`` (`NotImplementedError` otherwise).
Values given as equalities are used to select records and datasets before
joining, as a database uses an index.
"""

from __future__ import annotations

__all__ = ["QueryRows"]

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lsst.daf.butler import DataCoordinate, DimensionGroup, SkyPixDimension
from lsst.daf.butler.queries import tree as qt
from lsst.daf.butler.queries.overlaps import OverlapsVisitor
from lsst.daf.butler.queries.predicate_constraints_summary import PredicateConstraintsSummary

from .query_expressions import Found, Row, RowExpressions, dataset_key

if TYPE_CHECKING:
    from ..butler.registry import InMemoryRegistry
    from .records import DimensionRecords


class QueryRows:
    """Builds the rows of query trees over one repository.

    Parameters
    ----------
    records : `DimensionRecords`
        The repository's dimension records.
    registry : `InMemoryRegistry`
        Its datasets and collections.
    uploads, materializations : mapping
        Rows of the uploaded data IDs and the materialized results of the
        query context, by key.
    """

    def __init__(
        self,
        records: DimensionRecords,
        registry: InMemoryRegistry,
        uploads: Mapping[Any, list[Row]],
        materializations: Mapping[Any, list[Row]],
    ) -> None:
        self._records = records
        self._registry = registry
        self._uploads = uploads
        self._materializations = materializations
        self.expressions = RowExpressions(records, self.subquery_rows)
        self._universe = records.universe
        self._empty = DataCoordinate.make_empty(records.universe)

    def subquery_rows(self, tree: qt.QueryTree) -> list[Row]:
        """Return the rows of a tree used inside another's predicate."""
        return self.rows(tree)[0]

    def rows(
        self,
        tree: qt.QueryTree,
        *,
        find_first: str | None = None,
        order_by: Sequence[Any] = (),
        columns: qt.ColumnSet | None = None,
    ) -> tuple[list[Row], list[str]]:
        """Return the rows of ``tree`` and what explains an empty result.

        Parameters
        ----------
        tree : `~lsst.daf.butler.queries.tree.QueryTree`
            The query.
        find_first : `str`, optional
            A dataset type searched for whose datasets are found first-only:
            of the datasets with the same data ID, those of the first
            collection along its search path that has one.
        order_by : sequence, optional
            The order-by terms the rows will be sorted by.
        columns : `~lsst.daf.butler.queries.tree.ColumnSet`, optional
            The columns of the results. The records of the elements whose
            fields the predicate, ``order_by`` or ``columns`` read must
            exist, as in daf_butler's join of their tables.

        Raises
        ------
        InvalidQueryError
            daf_butler's governor rule: ``where`` constrains a dimension
            that depends on a governor (``instrument``, ``skymap``) and not
            the governor itself (unless the tree does not validate them).
        NotImplementedError
            A skypix dimension has no value given, or the query uses what
            InMemoryButler does not support.
        """
        summary = PredicateConstraintsSummary(tree.predicate)
        summary.apply_default_data_id(
            self._empty,
            tree.dimensions,
            validate_governor_constraints=tree.validateGovernorConstraints,
        )
        constraints = summary.constraint_data_id
        predicate = OverlapsVisitor(tree.dimensions, frozenset()).run(
            summary.predicate, tree.get_joined_dimension_groups()
        )
        if tree.any_dataset is not None:
            raise NotImplementedError(
                "InMemoryButler does not support queries over any dataset type of given dimensions"
            )
        messages = list(summary.messages)
        fields = qt.ColumnSet(tree.dimensions)
        predicate.gather_required_columns(fields)
        for term in order_by:
            term.gather_required_columns(fields)
        if columns is not None:
            fields.update(columns)
        uses_dataset_fields = bool(fields.dataset_fields)
        rows: list[Row] = [{}]
        joined: set[str] = set()  # the dimensions every row has a value of
        for key, dimensions in tree.materializations.items():
            given = [dict(row) for row in self._materializations[key]]
            rows = _join(rows, given, joined, dimensions.names)
        for key, dimensions in tree.data_coordinate_uploads.items():
            given = [dict(row) for row in self._uploads[key]]
            rows = _join(rows, given, joined, dimensions.required)
        for name, search in tree.datasets.items():
            found = self._dataset_rows(
                name, search, constraints, first=name == find_first and not uses_dataset_fields
            )
            if not found:
                messages.append(
                    f"No datasets of type {name!r} in collections {list(search.collections)}"
                    + (f" with {constraints}" if constraints else "")
                    + "."
                )
            rows = _join(rows, found, joined, search.dimensions.required)
        for name in tree.dimensions.required:
            if name not in joined and rows:
                rows = self._join_dimension(rows, name, constraints, joined, messages)
        rows = self._relate(rows, tree.dimensions, fields)
        test = self.expressions.predicate(predicate)
        if predicate.operands:
            rows = [row for row in rows if test(row)]
        if find_first is not None and uses_dataset_fields:
            rows = _first_found(rows, find_first, tree.datasets[find_first].dimensions.required)
        return rows, messages

    # -- sources -------------------------------------------------------------

    def _dataset_rows(
        self, name: str, search: qt.DatasetSearch, constraints: Mapping[str, Any], *, first: bool
    ) -> list[Row]:
        """Return a row per dataset of type ``name`` and collection it is in."""
        key = dataset_key(name)
        # Constraints on required values select by the tables' keys; those on
        # implied values (the predicate checks them again) by the refs'.
        wanted = [(d, v) for d, v in constraints.items() if d in search.dimensions.required]
        implied = [(d, v) for d, v in constraints.items() if d in search.dimensions.implied]
        tables = self._registry.dataset_tables(name, search.collections)
        rows: list[Row] = []
        seen: set[Any] = set()
        for rank, (collection, table) in enumerate(tables):
            for data_id, ref in table.items():
                if first:
                    if data_id in seen:
                        continue
                    seen.add(data_id)
                if wanted and any(data_id[d] != v for d, v in wanted):
                    continue
                row: Row = ref.dataId.to_dict()
                if implied and any(row.get(d, v) != v for d, v in implied):
                    continue
                row[key] = Found(ref, collection, rank)
                rows.append(row)
        return rows

    def _join_dimension(
        self,
        rows: list[Row],
        name: str,
        constraints: Mapping[str, Any],
        joined: set[str],
        messages: list[str],
    ) -> list[Row]:
        """Join the values of one required dimension, with its implied ones, into ``rows``."""
        element = self._universe[name]
        if isinstance(element, SkyPixDimension):
            if name not in constraints:
                raise NotImplementedError(
                    f"InMemoryButler cannot list the pixels of skypix dimension {name!r}: give "
                    f"its value in the data ID or an equality in where ({name} = ...)"
                )
            joined.add(name)
            return [{**row, name: constraints[name]} for row in rows]
        if element.has_own_table:
            index = self._records.index(element)
            depends = tuple(element.required.names)[:-1]
        else:  # band: the bands its target's records name
            target = element.implied_union_target
            assert target is not None, "a dimension has a table or a union target"
            index = {(): _distinct(name, self._records.index(target))}
            depends = ()
        wanted = constraints.get(name)
        implied = list(element.implied.names)
        result: list[Row] = []
        for row in rows:
            for values in index.get(tuple(row[d] for d in depends), ()):
                if wanted is not None and values[name] != wanted:
                    continue
                if implied and any(row.get(d, values[d]) != values[d] for d in implied):
                    continue  # an implied value the row has (from elsewhere) differs
                result.append({**row, **values})
        if not result:
            messages.append(f"No {name} records match the query's other constraints.")
        joined.update(element.minimal_group.names if element.has_own_table else (name,))
        return result

    def _relate(
        self, rows: list[Row], dimensions: DimensionGroup, fields: qt.ColumnSet
    ) -> list[Row]:
        """Keep the rows that the relating elements, and the fields read, allow."""
        fetch = self._records.fetch
        for name in dimensions.elements:
            element = self._universe[name]
            implied = [d for d in element.implied.names if d in dimensions.names]
            always = getattr(element, "alwaysJoin", False)
            needs_record = always or (
                bool(fields.dimension_fields.get(name)) and not isinstance(element, SkyPixDimension)
            )
            missing = implied and any(d not in row for row in rows for d in implied)
            if not (needs_record or missing):
                continue
            kept = []
            for row in rows:
                record = fetch(element, row)
                if record is None:
                    if needs_record or missing:
                        continue
                else:
                    for d in implied:
                        row.setdefault(d, getattr(record, d))
                kept.append(row)
            rows = kept
        return rows


def _distinct(name: str, index: Mapping[Any, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Return a row for each distinct value of ``name`` among the rows of ``index``."""
    values = dict.fromkeys(row[name] for rows in index.values() for row in rows)
    return [{name: value} for value in values]


def _join(
    rows: list[Row], new: Iterable[Row], joined: set[str], dimensions: Iterable[str]
) -> list[Row]:
    """Return the join of ``rows`` and ``new`` on the dimensions both have values of."""
    names = list(dimensions)
    on = [d for d in names if d in joined]
    joined.update(names)
    if rows == [{}]:
        return list(new)
    by_key: dict[tuple[Any, ...], list[Row]] = {}
    for row in new:
        by_key.setdefault(tuple(row[d] for d in on), []).append(row)
    return [
        {**row, **match}
        for row in rows
        for match in by_key.get(tuple(row[d] for d in on), ())
    ]


def _first_found(rows: list[Row], name: str, dimensions: Iterable[str]) -> list[Row]:
    """Keep, for each data ID, the rows of the best-ranked dataset of type ``name``."""
    key = dataset_key(name)
    names = list(dimensions)
    best: dict[tuple[Any, ...], int] = {}
    for row in rows:
        data_id = tuple(row[d] for d in names)
        rank = row[key].rank
        if best.get(data_id, rank) >= rank:
            best[data_id] = rank
    return [row for row in rows if row[key].rank == best[tuple(row[d] for d in names)]]

