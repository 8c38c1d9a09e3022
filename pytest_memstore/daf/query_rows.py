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

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from lsst.daf.butler import DataCoordinate, DimensionGroup, SkyPixDimension
from lsst.daf.butler.queries import tree as qt
from lsst.daf.butler.queries.overlaps import OverlapsVisitor
from lsst.daf.butler.queries.predicate_constraints_summary import PredicateConstraintsSummary

from ..core.model import DataId, DatasetRef
from .query_expressions import RANK, Row, RowExpressions, dataset_key
from .records import tuple_getter

if TYPE_CHECKING:
    from ..butler.registry import InMemoryRegistry
    from .records import DimensionRecords


@dataclasses.dataclass
class _Plan:
    """What the rows of a tree need, worked out before any row is made."""

    constraints: Mapping[str, Any]
    """Values that equalities in the predicate (and data IDs) give dimensions."""
    terms: list[tuple[qt.Predicate, qt.ColumnSet]]
    """The rest of the predicate: its terms (ANDed) and the columns each reads."""
    fields: qt.ColumnSet
    """The columns read: predicate, ``order_by``, results."""
    first_after: bool
    """Whether find-first comes after the predicate (which reads dataset fields)."""
    messages: list[str]
    """What explains an empty result already."""


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
        plan = self._plan(tree, find_first, order_by, columns)
        constraints = plan.constraints
        messages = plan.messages
        rows: list[Row] = [{}]
        joined: set[str] = set()  # the dimensions every row has a value of
        # ... and those some rows may have: the implied values of datasets.
        present = {d for search in tree.datasets.values() for d in search.dimensions.names}
        for key, dimensions in tree.materializations.items():
            given = _matching(self._materializations[key], constraints)
            rows = _join(rows, given, joined, dimensions.names)
        for key, dimensions in tree.data_coordinate_uploads.items():
            given = _matching(self._uploads[key], constraints)
            rows = _join(rows, given, joined, dimensions.required)
        for name, search in tree.datasets.items():
            first = name == find_first and not plan.first_after
            found, full = self._dataset_rows(name, search, constraints, first=first)
            if not found:
                messages.append(
                    f"No datasets of type {name!r} in collections {list(search.collections)}"
                    + (f" with {constraints}" if constraints else "")
                    + "."
                )
            dimensions = search.dimensions
            rows = _join(rows, found, joined, dimensions.names if full else dimensions.required)
        terms = list(plan.terms)  # those not tested yet
        for name in tree.dimensions.required:
            if name not in joined and rows:
                rows = self._join_dimension(
                    rows, name, constraints, joined | present, terms, messages
                )
                joined.update(self._provided(name))
        rows = self._relate(rows, tree.dimensions, plan.fields, constraints, joined)
        if terms:
            test = self.expressions.predicate(_all_of(terms))
            rows = [row for row in rows if test(row)]
        if find_first is not None and plan.first_after:
            rows = _first_found(rows, find_first, tree.datasets[find_first].dimensions.required)
        return rows, messages

    def datasets_alone(
        self,
        tree: qt.QueryTree,
        name: str,
        *,
        find_first: bool,
        order_by: Sequence[Any] = (),
        columns: qt.ColumnSet | None = None,
    ) -> list[DatasetRef] | None:
        """Return what a search of one dataset type finds, when that is all the tree is.

        The datasets of type ``name`` whose data IDs ``tree`` allows (each
        once), when it is that search and equalities on its dimensions and
        nothing else; `None` for any other tree, whose `rows` are needed.
        """
        search = tree.datasets.get(name)
        if (
            search is None
            or len(tree.datasets) > 1
            or tree.data_coordinate_uploads
            or tree.materializations
            or order_by
            or tree.dimensions != search.dimensions
        ):
            return None
        plan = self._plan(tree, name if find_first else None, order_by, columns)
        elements = [self._universe[element] for element in tree.dimensions.elements]
        if (
            plan.terms
            or plan.first_after
            or any(plan.fields.dimension_fields.get(element.name) for element in elements)
            or any(getattr(element, "alwaysJoin", False) for element in elements)
        ):
            return None
        if not any(d in search.dimensions.names for d in plan.constraints):
            return self._every_dataset(name, search.collections, find_first)
        found = self._datasets_found(name, search, plan.constraints, find_first)
        if find_first:
            return [ref for _, ref, _, _ in found]
        return list({ref.id: ref for _, ref, _, _ in found}.values())

    def data_id_values(
        self, tree: qt.QueryTree, keys: Sequence[str], columns: qt.ColumnSet
    ) -> list[tuple[Any, ...]] | None:
        """Return the values of ``keys`` in each row, when the tree joins records alone.

        When the rows of ``tree`` are its dimensions' records joined on the
        values they share, selected by its predicate's equalities and by
        terms that each read one dimension's values and records, a tuple
        of values per row (in `rows` order, without a `dict` per row: half
        the time of 10,000 data IDs of visits and detectors); `None` for
        any other tree, whose `rows` are needed.
        """
        if tree.datasets or tree.data_coordinate_uploads or tree.materializations:
            return None
        plan = self._plan(tree, None, (), columns)
        required = tree.dimensions.required
        for name in tree.dimensions.elements:
            element = self._universe[name]
            if getattr(element, "alwaysJoin", False) or (
                plan.fields.dimension_fields.get(name) and name not in required
            ):
                return None  # a relationship or fields of a record that is not joined
        terms = list(plan.terms)
        ranks = {d: i for i, d in enumerate(keys)}
        positions: dict[str, int] = {}  # a dimension's index in the tuples
        rows: list[tuple[Any, ...]] = [()]
        for name in required:
            if name in positions or not rows:
                continue
            if isinstance(self._universe[name], SkyPixDimension):
                return None
            index, depends, provided = self._dimension_index(name, plan.constraints, terms)
            if any(d in positions and d != name and d not in depends for d in provided):
                return None  # implied values that must agree with those joined before
            key = tuple_getter([positions[d] for d in depends])
            # Laid out in the order of keys where it can be: no reordering at the end.
            new = sorted(
                (d for d in provided if d not in positions), key=lambda d: ranks.get(d, len(keys))
            )
            value = tuple_getter(new)
            tails = {depends_on: list(map(value, found)) for depends_on, found in index.items()}
            offset = len(positions)
            positions.update({d: offset + i for i, d in enumerate(new)})
            rows = [row + tail for row in rows for tail in tails.get(key(row), ())]
        if terms or any(d not in positions for d in keys):
            return None
        order = [positions[d] for d in keys]
        if order == list(range(len(positions))):
            return rows
        return list(map(tuple_getter(order), rows))

    def _every_dataset(
        self, name: str, collections: Iterable[str], find_first: bool
    ) -> list[DatasetRef]:
        """Return every dataset of type ``name`` in the collections, each once.

        With ``find_first``, the first of each data ID along the search
        path. As `_datasets_found` gives them, without a step per dataset
        where there is one collection.
        """
        tables = self._registry.dataset_tables(name, collections)
        if len(tables) == 1:
            return list(tables[0][1].values())
        if find_first:
            first: dict[DataId, DatasetRef] = {}
            for _, table in tables:
                for data_id, ref in table.items():
                    first.setdefault(data_id, ref)
            return list(first.values())
        return list({ref.id: ref for _, table in tables for ref in table.values()}.values())

    def _plan(
        self,
        tree: qt.QueryTree,
        find_first: str | None,
        order_by: Sequence[Any],
        columns: qt.ColumnSet | None,
    ) -> _Plan:
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
        fields = qt.ColumnSet(tree.dimensions)
        predicate.gather_required_columns(fields)
        for term in order_by:
            term.gather_required_columns(fields)
        # Dataset fields in where or order_by: find-first after filtering.
        first_after = find_first is not None and bool(fields.dataset_fields)
        if columns is not None:
            fields.update(columns)
        # Every source keeps only the values the equalities allow: what is
        # left of the predicate is tested row by row.
        terms = []
        for group in _without_equalities(predicate, constraints).operands:
            term = qt.Predicate.model_construct(operands=(group,))
            reads = qt.ColumnSet(self._universe.empty)
            term.gather_required_columns(reads)
            terms.append((term, reads))
        return _Plan(constraints, terms, fields, first_after, list(summary.messages))

    # -- sources -------------------------------------------------------------

    def _dataset_rows(
        self, name: str, search: qt.DatasetSearch, constraints: Mapping[str, Any], *, first: bool
    ) -> tuple[list[Row], bool]:
        """Return a row per dataset of type ``name`` and collection it is in.

        Also whether every row has the implied values too (our refs' data
        IDs have them when their records did). With ``first``, only the
        first dataset of each data ID along the search path.
        """
        key = dataset_key(name)
        size = len(search.dimensions.names)
        full = True
        rows: list[Row] = []
        for values, ref, collection, rank in self._datasets_found(
            name, search, constraints, first
        ):
            row: Row = ref.dataId.to_dict() if values is None else values
            if len(row) != size:
                full = False
            row[key] = (ref, collection, rank)
            rows.append(row)
        return rows, full

    def _datasets_found(
        self, name: str, search: qt.DatasetSearch, constraints: Mapping[str, Any], first: bool
    ) -> Iterator[tuple[Row | None, DatasetRef, str, int]]:
        """Yield each dataset of type ``name`` the constraints allow, and where it was found.

        With its data ID's values as a new `dict` when they were needed to
        check the constraints (`None` otherwise), its collection and that
        collection's rank in the search path.
        """
        dimensions = search.dimensions
        wanted = [(d, v) for d, v in constraints.items() if d in dimensions.names]
        given = {d: v for d, v in wanted if d in dimensions.required}
        # All required values given: one lookup per collection, as by primary key.
        lookup = DataId(given) if len(given) == len(dimensions.required) else None
        if lookup is not None:
            wanted = [(d, v) for d, v in wanted if d not in given]
        allows = _allows_function(wanted, dimensions.required)
        # Values of required dimensions select the datasets in one pass over
        # the table, on its keys (the required data IDs) before anything else.
        selecting = [(d, v) for d, v in wanted if d in dimensions.required]
        select = tuple_getter([d for d, _ in selecting])
        selected = tuple(v for _, v in selecting)
        tables = self._registry.dataset_tables(name, search.collections)
        first = first and len(tables) > 1
        seen: set[Any] = set()
        for rank, (collection, table) in enumerate(tables):
            if lookup is None and selecting:
                items: Iterable[tuple[Any, DatasetRef]] = [
                    (data_id, ref)
                    for data_id, ref in table.items()
                    if select(data_id._items) == selected
                ]
            elif lookup is None:
                items = table.items()
            else:
                ref = table.get(lookup)
                items = () if ref is None else ((lookup, ref),)
            for data_id, ref in items:
                values = None
                if wanted:
                    # Tested on the data ID's own dict; a copy only of those kept.
                    own = ref.dataId._items
                    if not allows(own):
                        continue
                    values = dict(own)
                if first:
                    if data_id in seen:
                        continue
                    seen.add(data_id)
                yield values, ref, collection, rank

    def _provided(self, name: str) -> list[str]:
        """Return the dimensions that joining dimension ``name`` gives values of."""
        element = self._universe[name]
        return list(element.minimal_group.names) if element.has_own_table else [name]

    def _join_dimension(
        self,
        rows: list[Row],
        name: str,
        constraints: Mapping[str, Any],
        present: set[str],
        terms: list[tuple[qt.Predicate, qt.ColumnSet]],
        messages: list[str],
    ) -> list[Row]:
        """Join the values of one required dimension, with its implied ones, into ``rows``.

        ``present``: the dimensions rows may have values of already. The
        ``terms`` of the predicate that read only this dimension's values
        and records select its records before the join; they are taken out
        of ``terms``.
        """
        element = self._universe[name]
        if isinstance(element, SkyPixDimension):
            if name not in constraints:
                raise NotImplementedError(
                    f"InMemoryButler cannot list the pixels of skypix dimension {name!r}: give "
                    f"its value in the data ID or an equality in where ({name} = ...)"
                )
            return [{**row, name: constraints[name]} for row in rows]
        index, depends, provided = self._dimension_index(name, constraints, terms)
        implied = [d for d in provided if d in present and d != name and d not in depends]
        result: list[Row] = []
        key = tuple_getter(depends)
        for row in rows:
            found = index.get(key(row), ())
            if implied:  # drop the values whose implied ones the row has (from elsewhere) differ
                found = [v for v in found if all(row.get(d, v[d]) == v[d] for d in implied)]
            # Both agree where both have a dimension (the keys joined on, the
            # implied values checked): the order only orders the keys (this one is faster).
            result += [{**values, **row} for values in found]
        if not result:
            messages.append(
                f"No {name} records match the query's data ID and where constraints (and the "
                "values joined before)."
            )
        return result

    def _dimension_index(
        self,
        name: str,
        constraints: Mapping[str, Any],
        terms: list[tuple[qt.Predicate, qt.ColumnSet]],
    ) -> tuple[Mapping[tuple[Any, ...], list[Row]], tuple[str, ...], list[str]]:
        """Return the values of a dimension (not skypix) a query may join, by what they depend on.

        With the dimensions it depends on and those it provides values of
        (itself and its implied ones): the rows of its records (a band's:
        its physical filters' bands) that the ``constraints`` and those
        ``terms`` that read only these dimensions and their records allow;
        those terms are taken out of ``terms``.
        """
        element = self._universe[name]
        if element.has_own_table:
            index = self._records.index(element)
            depends = tuple(element.required.names)[:-1]
        else:  # band: the bands its target's records name
            target = element.implied_union_target
            assert target is not None, "a dimension has a table or a union target"
            index = {(): _distinct(name, self._records.index(target))}
            depends = ()
        provided = self._provided(name)
        wanted = [(d, v) for d, v in constraints.items() if d in provided]
        if wanted:
            index = {
                key: [values for values in found if all(values.get(d) == v for d, v in wanted)]
                for key, found in index.items()
            }
        mine = [
            term
            for term in terms
            if not term[1].dataset_fields and term[1].dimensions.names <= set(provided)
        ]
        if mine:
            for term in mine:
                terms.remove(term)
            test = self.expressions.predicate(_all_of(mine))
            index = {key: [each for each in found if test(each)] for key, found in index.items()}
        return index, depends, provided

    def _relate(
        self,
        rows: list[Row],
        dimensions: DimensionGroup,
        fields: qt.ColumnSet,
        constraints: Mapping[str, Any],
        joined: set[str],
    ) -> list[Row]:
        """Keep the rows that the relating elements, and the fields read, allow.

        The implied values rows lack (those of uploaded data IDs, say) are
        their records'.
        """
        fetch = self._records.fetch
        for name in dimensions.elements:
            element = self._universe[name]
            implied = [
                d for d in element.implied.names if d in dimensions.names and d not in joined
            ]
            needs_record = getattr(element, "alwaysJoin", False) or (
                bool(fields.dimension_fields.get(name)) and not isinstance(element, SkyPixDimension)
            )
            if not (needs_record or implied):
                continue
            kept = []
            for row in rows:
                record = fetch(element, row)
                if record is None:
                    if needs_record or any(d not in row for d in implied):
                        continue
                else:
                    for d in implied:
                        row.setdefault(d, getattr(record, d))
                    if any(row[d] != constraints.get(d, row[d]) for d in implied):
                        continue
                kept.append(row)
            rows = kept
            joined.update(implied)
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
        rank = row[key][RANK]
        if best.get(data_id, rank) >= rank:
            best[data_id] = rank
    return [row for row in rows if row[key][RANK] == best[tuple(row[d] for d in names)]]


def _allows_function(
    wanted: list[tuple[str, Any]], required: Iterable[str]
) -> Callable[[Row], bool]:
    """Return the test of a dataset's values against the wanted ones.

    Values of required dimensions are in every data ID: compared at once,
    as one tuple, by `operator.itemgetter` (the scan of a dataset type's
    datasets runs this once for each).
    """
    if not wanted or not all(d in required for d, _ in wanted):
        return lambda row: _allows(row, wanted)
    names = [d for d, _ in wanted]
    expected = tuple(v for _, v in wanted) if len(wanted) > 1 else wanted[0][1]
    get = itemgetter(*names)
    return lambda row: get(row) == expected


def _allows(row: Row, wanted: list[tuple[str, Any]]) -> bool:
    """Return whether the row's values (those it has) are the wanted ones."""
    # A loop, not all() over a generator: this runs once per dataset scanned.
    for name, value in wanted:  # noqa: SIM110
        if row.get(name, value) != value:
            return False
    return True


def _matching(rows: list[Row], constraints: Mapping[str, Any]) -> list[Row]:
    """Return copies of the rows whose values the constraints allow."""
    return [
        dict(row) for row in rows if all(row.get(d, v) == v for d, v in constraints.items())
    ]


def _all_of(terms: Iterable[tuple[qt.Predicate, qt.ColumnSet]]) -> qt.Predicate:
    """Return the predicate that ANDs ``terms``."""
    return qt.Predicate.model_construct(
        operands=tuple(group for term, _ in terms for group in term.operands)
    )


def _without_equalities(predicate: qt.Predicate, constraints: Mapping[str, Any]) -> qt.Predicate:
    """Return ``predicate`` without its terms ``dimension = value`` that ``constraints`` hold."""
    rest = []
    for group in predicate.operands:
        if len(group) == 1 and _is_held(group[0], constraints):
            continue
        rest.append(group)
    if len(rest) == len(predicate.operands):
        return predicate
    return qt.Predicate.model_construct(operands=tuple(rest))


def _is_held(leaf: Any, constraints: Mapping[str, Any]) -> bool:
    if leaf.predicate_type != "comparison" or leaf.operator != "==":
        return False
    for key, literal in ((leaf.a, leaf.b), (leaf.b, leaf.a)):
        if key.expression_type == "dimension_key" and literal.is_literal:
            name = key.dimension.name
            return name in constraints and constraints[name] == literal.value
    return False

