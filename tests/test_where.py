"""The ``where`` language of InMemoryButler queries: parse_where on its own."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_memstore import InvalidQueryError, WhereClause, parse_where

DIMENSIONS = frozenset({"instrument", "visit", "detector"})
DATA_ID = {"instrument": "DummyCam", "visit": 42, "detector": 3}


def matches(text: str, data_id: dict[str, Any] | None = None, **bind: Any) -> bool:
    return parse_where(text, bind=bind, dimensions=DIMENSIONS)(data_id or DATA_ID)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("visit = 42", True),
        ("visit != 42", False),
        ("visit < 43", True),
        ("visit <= 42", True),
        ("visit > 42", False),
        ("visit >= 42", True),
        ("42 = visit", True),
        ("43 > visit", True),
        ("visit = detector", False),
        ("visit > detector", True),
        ("instrument = 'DummyCam'", True),
        ("instrument = 'dummycam'", False),
        ("instrument < 'E'", True),
        ("instrument = ''", False),
        ("visit = 42.0", True),
        ("visit < 4.2e1", False),
        ("visit > .5", True),
        ("visit > -1", True),
        ("visit = +42", True),
        ("visit IN (1, 42, 7)", True),
        ("visit IN (1)", False),
        ("visit NOT IN (1, 2)", True),
        ("instrument IN ('A', 'DummyCam')", True),
        ("visit = 42 AND detector = 3", True),
        ("visit = 42 AND detector = 4", False),
        ("visit = 1 OR detector = 3", True),
        ("NOT visit = 42", False),
        ("NOT NOT visit = 42", True),
        ("NOT (visit = 1 OR detector = 1)", True),
        ("visit = 1 OR visit = 42 AND detector = 4", False),  # AND binds tighter
        ("(visit = 1 OR visit = 42) AND detector = 3", True),
        ("((visit = 42))", True),
        ("visit = 42 and detector in (3) or not visit = 42", True),
        ("1 = 1", True),
        ("1 = 2 OR 'a' < 'b'", True),
        ("  visit\t=\n42  ", True),
    ],
)
def test_supported_expressions(text: str, expected: bool) -> None:
    assert matches(text) is expected


def test_blank_matches_everything() -> None:
    for text in ("", "   ", "\n"):
        clause = parse_where(text, dimensions=DIMENSIONS)
        assert clause({}) is True
        assert clause.keys == frozenset()


def test_clause_records_its_text_and_keys() -> None:
    clause = parse_where("visit = 1 OR detector IN (v)", bind={"v": [2]}, dimensions=DIMENSIONS)
    assert isinstance(clause, WhereClause)
    assert clause.text == "visit = 1 OR detector IN (v)"
    assert clause.keys == {"visit", "detector"}
    assert repr(clause) == "WhereClause('visit = 1 OR detector IN (v)')"


@pytest.mark.parametrize(
    ("text", "bind", "expected"),
    [
        ("visit = v", {"v": 42}, True),
        ("visit = :v", {"v": 42}, True),
        ("visit IN (v)", {"v": [1, 42]}, True),
        ("visit IN (v, 7)", {"v": (1, 2)}, False),
        ("visit IN (:v)", {"v": {42}}, True),
        ("instrument = name", {"name": "DummyCam"}, True),
        ("visit > limit", {"limit": 41.5}, True),
        # A bind name wins over a dimension of the same name.
        ("visit = detector", {"detector": 42}, True),
    ],
)
def test_bind_values(text: str, bind: dict[str, Any], expected: bool) -> None:
    assert matches(text, **bind) is expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("visit.id = 42", "qualified name 'visit.id'"),
        ("visit.day_obs > 1", "qualified name 'visit.day_obs'"),
        ("visit + 1 = 43", "arithmetic operator '+'"),
        ("visit = 2 * 21", "arithmetic operator '*'"),
        ("visit - 1 = 41", "arithmetic operator '-'"),
        ("visit / 2 = 21", "arithmetic operator '/'"),
        ("visit % 2 = 0", "arithmetic operator '%'"),
        ("visit IN (40..45)", "range literal 40..45"),
        ("visit IN (40..45:5)", "range literal 40..45:5"),
        ("visit > T'2020-01-01'", "time literal T'2020-01-01'"),
        ("abs(visit) = 42", "function call abs(...)"),
        ("visit OVERLAPS 3", "OVERLAPS"),
        ("(visit, detector) = 1", "a tuple"),
    ],
)
def test_unsupported_parts_are_named(text: str, fragment: str) -> None:
    with pytest.raises(NotImplementedError) as caught:
        parse_where(text, dimensions=DIMENSIONS)
    assert fragment in str(caught.value)
    assert "position" in str(caught.value)


def test_unsupported_bind_value_is_named() -> None:
    with pytest.raises(NotImplementedError, match=r"bind value when=.*object"):
        parse_where("visit = when", bind={"when": object()}, dimensions=DIMENSIONS)
    with pytest.raises(NotImplementedError, match="bind value flag=True"):
        parse_where("visit = flag", bind={"flag": True}, dimensions=DIMENSIONS)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("visit = = 1", "expected a data ID key, a literal or a bind name at position 8"),
        ("visit =", "found the end"),
        ("visit = 1 AND", "at position 13"),
        ("visit = 1)", "expected AND, OR or the end"),
        ("(visit = 1", "expected ')'"),
        ("visit", "'visit' at position 0 is not a condition"),
        ("visit = 1 visit = 2", "expected AND, OR or the end"),
        ("visit > 1 = 2", "comparisons do not chain"),
        ("visit IN 1", "'(' after IN"),
        ("visit IN (1 2)", "',' or ')' in the IN list"),
        ("visit IN (detector)", "'detector' at position 10 is a data ID key"),
        ("visit NOT = 1", "IN after NOT"),
        ("visit = 'open", "not closed"),
        ('instrument = "DummyCam"', "double quote at position 13"),
        ("visit = @", "unexpected character '@' at position 8"),
        ("visit = zz", "unrecognized identifier 'zz' at position 8"),
        ("band = 'r'", "unrecognized identifier 'band'"),
        ("visit = :missing", "bind name ':missing'"),
    ],
)
def test_malformed_expressions(text: str, message: str) -> None:
    with pytest.raises(InvalidQueryError) as caught:
        parse_where(text, dimensions=DIMENSIONS)
    assert message in str(caught.value)
    assert repr(text) in str(caught.value)


def test_list_bind_value_outside_in_is_an_error() -> None:
    with pytest.raises(InvalidQueryError, match="only be used in IN"):
        parse_where("visit = v", bind={"v": [1, 2]}, dimensions=DIMENSIONS)


@pytest.mark.parametrize(
    "text", ["visit > 'a'", "instrument = 1", "visit IN ('a')", "'a' < 1", "visit = instrument"]
)
def test_values_of_different_kinds_do_not_compare(text: str) -> None:
    with pytest.raises(InvalidQueryError, match="do not agree"):
        matches(text)


def test_argument_types() -> None:
    with pytest.raises(TypeError, match="where must be a str"):
        parse_where(3, dimensions=DIMENSIONS)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="bind must be a mapping"):
        parse_where("visit = 1", bind=[("v", 1)], dimensions=DIMENSIONS)  # type: ignore[arg-type]


# -- property: agrees with a reference evaluator ------------------------------

_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq, "!=": operator.ne, "<": operator.lt,
    "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}
_KEYS = ("visit", "detector")

Expression = tuple[str, Callable[[dict[str, int]], bool]]


def _literal(value: int) -> str:
    return str(value) if value >= 0 else f"-{-value}"


@st.composite
def _comparisons(draw: st.DrawFn) -> Expression:
    key = draw(st.sampled_from(_KEYS))
    value = draw(st.integers(-3, 3))
    if draw(st.booleans()):
        values = draw(st.lists(st.integers(-3, 3), min_size=1, max_size=3))
        negated = draw(st.booleans())
        text = f"{key} {'NOT IN' if negated else 'IN'} ({', '.join(map(_literal, values))})"
        return text, lambda d: (d[key] in values) is not negated
    symbol = draw(st.sampled_from(sorted(_OPERATORS)))
    compare = _OPERATORS[symbol]
    if draw(st.booleans()):
        return f"{_literal(value)} {symbol} {key}", lambda d: compare(value, d[key])
    return f"{key} {symbol} {_literal(value)}", lambda d: compare(d[key], value)


def _combine(children: st.SearchStrategy[Expression]) -> st.SearchStrategy[Expression]:
    def negate(child: Expression) -> Expression:
        text, evaluate = child
        return f"NOT ({text})", lambda d: not evaluate(d)

    def join(word: str, pair: tuple[Expression, Expression]) -> Expression:
        (left, f), (right, g) = pair
        if word == "AND":
            return f"({left}) AND ({right})", lambda d: f(d) and g(d)
        return f"({left}) or ({right})", lambda d: f(d) or g(d)

    return st.one_of(
        children.map(negate),
        st.tuples(children, children).map(lambda p: join("AND", p)),
        st.tuples(children, children).map(lambda p: join("OR", p)),
    )


@settings(max_examples=200, deadline=None)
@given(
    expression=st.recursive(_comparisons(), _combine, max_leaves=8),
    data_id=st.fixed_dictionaries({key: st.integers(-3, 3) for key in _KEYS}),
)
def test_agrees_with_a_reference_evaluator(
    expression: Expression, data_id: dict[str, int]
) -> None:
    text, evaluate = expression
    assert parse_where(text, dimensions=_KEYS)(data_id) is evaluate(data_id)


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="visit=<>!()'\", .:-+*/%0123456789ANDORNOTIN\t", max_size=30))
def test_any_text_parses_or_raises_a_clear_error(text: str) -> None:
    try:
        clause = parse_where(text, dimensions={"visit"})
    except (InvalidQueryError, NotImplementedError) as err:
        assert repr(text) in str(err)
        return
    try:
        result = clause({"visit": 1})
    except InvalidQueryError:
        return
    assert result in (True, False)
