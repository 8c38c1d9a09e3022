"""daf_butler's query expressions, compiled into Python functions of a row.

A query's ``where`` (parsed by daf_butler into a
`~lsst.daf.butler.queries.tree.Predicate`) and its ``order_by`` terms are
turned into functions of one row of the query, a `dict` of dimension values
(``row["visit"]``) and of the datasets found (``row[dataset_key(name)]``).
Dimension record fields (``visit.day_obs``, ``detector.full_name``,
``visit.region``) are read from the repository's records as the functions
run.

They follow SQL, as daf_butler's database does: a missing value (a record
field that is `None`, a record that does not exist) is NULL; a comparison
with NULL is neither true nor false, and a row passes only when the whole
predicate is true. Integer division truncates; regions overlap unless
sphgeom says they do not; ``glob`` patterns take ``*`` and ``?`` and are
case-sensitive.

The dataset fields ``ingest_date`` and ``timespan`` (calibration validity
ranges), and searches over any dataset type, are not supported:
`NotImplementedError` says so.
"""

from __future__ import annotations

__all__ = ["COLLECTION", "RANK", "REF", "Row", "RowExpressions", "dataset_key"]

import operator
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from lsst.daf.butler import DimensionElement
from lsst.daf.butler.queries import tree as qt

if TYPE_CHECKING:
    from .records import DimensionRecords

Row = dict[Any, Any]
"""One row of a query: dimension names to values, and `dataset_key` of each
dataset type searched to a tuple: the ref found (ours), the collection it was
found in, and that collection's rank along the search path (indices `REF`,
`COLLECTION`, `RANK`)."""

REF, COLLECTION, RANK = 0, 1, 2

_Value = Callable[[Row], Any]
_Test = Callable[[Row], "bool | None"]


def dataset_key(name: str) -> tuple[str, str]:
    """Return the key of a row's dataset of type ``name`` (never a dimension name)."""
    return ("dataset", name)


def _unsupported(what: str) -> NotImplementedError:
    return NotImplementedError(
        f"InMemoryButler does not support {what} in queries; dimension keys, dimension record "
        "fields, and the dataset fields dataset_id, run and collection are supported"
    )


def _compare(symbol: Callable[[Any, Any], Any]) -> Callable[[Any, Any], bool | None]:
    def compare(a: Any, b: Any) -> bool | None:
        if a is None or b is None:
            return None
        return bool(symbol(a, b))

    return compare


def _overlaps(a: Any, b: Any) -> bool | None:
    if a is None or b is None:
        return None
    # daf_butler drops a row only when sphgeom says the regions are disjoint.
    return a.overlaps(b) is not False


def _glob(pattern: str) -> Callable[[Any, Any], bool | None]:
    parts = []
    escaped = False
    for char in pattern:
        if escaped:
            parts.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    match = re.compile("".join(parts), re.DOTALL).fullmatch

    def glob(a: Any, b: Any) -> bool | None:
        if pattern == "*":
            return True
        return None if a is None else match(a) is not None

    return glob


_COMPARISONS: dict[str, Callable[[Any, Any], bool | None]] = {
    "==": _compare(operator.eq),
    "!=": _compare(operator.ne),
    "<": _compare(operator.lt),
    ">": _compare(operator.gt),
    "<=": _compare(operator.le),
    ">=": _compare(operator.ge),
    "overlaps": _overlaps,
}


def _sql_mod(a: int, b: int) -> int:
    """Return ``a % b`` as SQL computes it: the sign of ``a``."""
    remainder = abs(a) % abs(b)
    return -remainder if a < 0 else remainder


def _divide(a: Any, b: Any) -> Any:
    if b == 0:
        return None
    if isinstance(a, int) and isinstance(b, int):
        quotient = abs(a) // abs(b)
        return quotient if (a < 0) == (b < 0) else -quotient
    return a / b


def _modulo(a: Any, b: Any) -> Any:
    if b == 0:
        return None
    if isinstance(a, int) and isinstance(b, int):
        return _sql_mod(a, b)
    return a % b


_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": _divide,
    "%": _modulo,
}


def _null_safe(function: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def safe(a: Any, b: Any) -> Any:
        return None if a is None or b is None else function(a, b)

    return safe


class RowExpressions:
    """Compiles predicates and expressions of one repository into functions of a row.

    Parameters
    ----------
    records : `DimensionRecords`
        The records that dimension record fields are read from.
    subquery : callable
        Returns the rows of a query tree (for ``IN`` a query).
    """

    def __init__(
        self, records: DimensionRecords, subquery: Callable[[qt.QueryTree], list[Row]]
    ) -> None:
        self._records = records
        self._subquery = subquery

    # -- predicates ----------------------------------------------------------

    def predicate(self, predicate: qt.Predicate) -> Callable[[Row], bool]:
        """Return the function that says whether a row satisfies ``predicate``."""
        groups = [self._any(group) for group in predicate.operands]
        if not groups:
            return _true
        if len(groups) == 1:
            (only,) = groups
            return lambda row: only(row) is True

        def every(row: Row) -> bool:
            return all(group(row) is True for group in groups)

        return every

    def _any(self, leaves: Sequence[Any]) -> _Test:
        tests = [self._leaf(leaf) for leaf in leaves]
        if not tests:
            return _false
        if len(tests) == 1:
            return tests[0]

        def any_of(row: Row) -> bool | None:
            result: bool | None = False
            for test in tests:
                value = test(row)
                if value is True:
                    return True
                if value is None:
                    result = None
            return result

        return any_of

    def _leaf(self, leaf: Any) -> _Test:
        kind = leaf.predicate_type
        if kind == "not":
            inner = self._leaf(leaf.operand)
            return lambda row: _not(inner(row))
        if kind == "comparison":
            return self._comparison(leaf)
        if kind == "is_null":
            value = self.value(leaf.operand)
            return lambda row: value(row) is None
        if kind == "boolean_wrapper":
            value = self.value(leaf.operand)
            return lambda row: _as_bool(value(row))
        if kind == "in_container":
            return self._in_container(leaf)
        if kind == "in_range":
            return self._in_range(leaf)
        if kind == "in_query":
            return self._in_query(leaf)
        raise _unsupported(f"the predicate {leaf}")

    def _comparison(self, leaf: Any) -> _Test:
        a, b = self.value(leaf.a), self.value(leaf.b)
        if leaf.operator == "glob":
            pattern = leaf.b.value if leaf.b.expression_type == "string" else None
            if pattern is None:
                raise _unsupported(f"a glob whose pattern is not a string: {leaf}")
            compare = _glob(pattern)
        else:
            compare = _COMPARISONS[leaf.operator]
        return lambda row: compare(a(row), b(row))

    def _in_container(self, leaf: Any) -> _Test:
        member = self.value(leaf.member)
        items = [self.value(item) for item in leaf.container]
        if all(item.is_literal for item in leaf.container):
            try:
                values = frozenset(item.value for item in leaf.container)
            except TypeError:  # unhashable literals: compared one by one below
                pass
            else:
                return lambda row: _member(member(row), values)

        def test(row: Row) -> bool | None:
            value = member(row)
            found = [item(row) for item in items]
            if value is None:
                return None
            if value in found:
                return True
            return None if None in found else False

        return test

    def _in_range(self, leaf: Any) -> _Test:
        # As daf_butler's SQL: a BETWEEN, and when the step is not 1, the
        # member modulo the step (in SQL) equal to the start's (in Python).
        member = self.value(leaf.member)
        start, stop, step = leaf.start, leaf.stop, leaf.step
        if stop is not None and start == stop - 1:
            return lambda row: _COMPARISONS["=="](member(row), start)
        last = None if stop is None else stop - 1
        offset = start % step

        def test(row: Row) -> bool | None:
            value = member(row)
            if value is None:
                return None
            if value < start or (last is not None and value > last):
                return False
            return step == 1 or bool(_sql_mod(value, step) == offset)

        return test

    def _in_query(self, leaf: Any) -> _Test:
        member = self.value(leaf.member)
        column = self.value(leaf.column)
        cache: list[frozenset[Any]] = []

        def test(row: Row) -> bool | None:
            if not cache:
                cache.append(frozenset(column(each) for each in self._subquery(leaf.query_tree)))
            return _member(member(row), cache[0])

        return test

    # -- values --------------------------------------------------------------

    def value(self, expression: Any) -> _Value:
        """Return the function that computes a column expression's value for a row."""
        kind = expression.expression_type
        if kind == "dimension_key":
            name = expression.dimension.name
            return lambda row: row.get(name)
        if kind == "dimension_field":
            return self._field(expression.element, expression.field)
        if kind == "dataset_field":
            return self._dataset_field(expression)
        if kind == "unary":
            return self._unary(expression)
        if kind == "binary":
            operate = _null_safe(_ARITHMETIC[expression.operator])
            a, b = self.value(expression.a), self.value(expression.b)
            return lambda row: operate(a(row), b(row))
        if kind == "reversed":
            return self.value(expression.operand)
        literal = expression.value
        return lambda row: literal

    def _field(self, element: DimensionElement, field: str) -> _Value:
        if field in element.implied.names:
            return lambda row: row.get(field)
        fetch = self._records.fetch

        def read(row: Row) -> Any:
            try:
                record = fetch(element, row)
            except KeyError:  # a required value the row lacks
                return None
            return None if record is None else getattr(record, field, None)

        return read

    @staticmethod
    def _dataset_field(expression: qt.DatasetFieldReference) -> _Value:
        if expression.dataset_type is qt.ANY_DATASET:
            raise _unsupported(f"the field {expression.field!r} of any dataset type")
        key = dataset_key(expression.dataset_type)
        field = expression.field
        if field == "dataset_id":
            return lambda row: row[key][REF].id
        if field == "run":
            return lambda row: row[key][REF].run
        if field == "collection":
            return lambda row: row[key][COLLECTION]
        raise _unsupported(f"the dataset field {field!r} ({expression})")

    def _unary(self, expression: qt.UnaryExpression) -> _Value:
        operand = self.value(expression.operand)
        if expression.operator == "-":
            return lambda row: _negate(operand(row))
        bound = "begin" if expression.operator == "begin_of" else "end"
        return lambda row: _bound(operand(row), bound)

    # -- ordering ----------------------------------------------------------------

    def sort(self, rows: list[Row], order_by: Sequence[Any]) -> None:
        """Sort ``rows`` in place by ``order_by`` terms (`Reversed` ones descending).

        NULLs come first ascending and last descending, as in SQLite.
        """
        for term in reversed(order_by):
            value = self.value(term)
            descending = term.expression_type == "reversed"
            rows.sort(key=lambda row: _sort_key(value(row)), reverse=descending)


def _sort_key(value: Any) -> tuple[bool, Any]:
    return (value is not None, value)


def _true(row: Row) -> bool:
    return True


def _false(row: Row) -> bool:
    return False


def _not(value: bool | None) -> bool | None:
    return None if value is None else not value


def _as_bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _member(value: Any, values: frozenset[Any]) -> bool | None:
    return None if value is None else value in values


def _negate(value: Any) -> Any:
    return None if value is None else -value


def _bound(timespan: Any, bound: str) -> Any:
    return None if timespan is None else getattr(timespan, bound)
