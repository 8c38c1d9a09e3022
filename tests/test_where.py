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
        ("visit = 42", {}, {"visit": 42}),
        ("42 = visit AND instrument = 'Cam'", {}, {"visit": 42, "instrument": "Cam"}),
        ("visit = v AND (detector = 1)", {"v": 7}, {"visit": 7, "detector": 1}),
        ("visit = 1 AND (detector = 1 OR detector = 2)", {}, {"visit": 1}),
        ("visit = 1 OR detector = 2", {}, {}),
        ("NOT visit = 1", {}, {}),
        ("visit > 1 AND visit != 3 AND visit IN (4)", {}, {}),
        ("visit = detector", {}, {}),
        ("visit = 1 AND visit = 2", {}, {}),  # contradictory: nothing to look up by
        ("", {}, {}),
    ],
)
def test_equalities_are_the_values_the_expression_requires(
    text: str, bind: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert dict(parse_where(text, bind=bind, dimensions=DIMENSIONS).equalities) == expected


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
        ("visit > T'2020-01-01'", "time literal T'2020-01-01'"),
        ("abs(visit) = 42", "function call abs(...)"),
        ("glob(instrument, 'D*')", "function call glob(...)"),
        ("visit OVERLAPS 3", "OVERLAPS operator (region and timespan overlaps)"),
        ("POINT(1, 2) OVERLAPS visit", "region function POINT(...)"),
        ("(visit, detector) = 1", "a tuple"),
        ("visit = NULL", "NULL constant"),
        ("visit IN (1, null)", "NULL constant"),
        ("ingest_date > 1", "dataset field 'ingest_date'"),
        ("run = 'r'", "dataset field 'run'"),
        ("timespan = 1", "'timespan' (timespans)"),
        ("region = 1", "'region' (regions)"),
    ],
)
def test_unsupported_parts_are_named(text: str, fragment: str) -> None:
    with pytest.raises(NotImplementedError) as caught:
        parse_where(text, dimensions=DIMENSIONS)
    assert fragment in str(caught.value)
    assert "position" in str(caught.value)


def test_every_unsupported_part_is_named_with_its_position() -> None:
    text = "visit.region OVERLAPS POINT(1, 2) AND visit.timespan OVERLAPS T'2020-01-01'"
    with pytest.raises(NotImplementedError) as caught:
        parse_where(text, dimensions=DIMENSIONS)
    message = str(caught.value)
    for part in (
        "the qualified name 'visit.region' at position 0",
        "the OVERLAPS operator (region and timespan overlaps) at position 13",
        "the region function POINT(...) at position 22",
        "the qualified name 'visit.timespan' at position 38",
        "the OVERLAPS operator (region and timespan overlaps) at position 53",
        "the time literal T'2020-01-01' (timespans) at position 62",
    ):
        assert part in message
    assert "range literals" in message  # what is supported


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
        ("visit IN (5..1)", "the range literal 5..1 at position 10 stops before it starts"),
        ("visit IN (1..10:0)", "has stride 0; a stride is a positive integer"),
        ("visit IN (1..10:-2)", "has stride -2"),
        ("visit IN (1..10:02)", "has stride 02"),
        ("visit = 1..3", "the range literal 1..3 can only be used in IN (...), not with ="),
        ("1..3 > visit", "can only be used in IN"),
        ("1..3 IN (2)", "the range literal 1..3 cannot be tested for IN"),
        ("visit IN (+1..3)", "a sign before the range literal 1..3"),
        ("visit IN (1...3)", "unexpected character '.'"),
        ("visit IN (1..)", "unexpected character '.'"),
        ("visit IN (1.5..3)", "unexpected character '.'"),
    ],
)
def test_malformed_expressions(text: str, message: str) -> None:
    with pytest.raises(InvalidQueryError) as caught:
        parse_where(text, dimensions=DIMENSIONS)
    assert message in str(caught.value)
    assert repr(text) in str(caught.value)


@pytest.mark.parametrize(
    ("text", "visits"),
    [
        ("visit IN (2..4)", [2, 3, 4]),
        ("visit IN (1..10:2)", [1, 3, 5, 7, 9]),
        ("visit IN (2..10:4)", [2, 6, 10]),
        ("visit IN (3..3)", [3]),
        ("visit IN ( 2 .. 4 : 2 )", [2, 4]),
        ("visit IN (-2..1)", [0, 1]),
        ("visit IN (-3..5:2)", [1, 3, 5]),
        ("visit IN (0, 4..5, 9)", [0, 4, 5, 9]),
        ("visit IN (v, 7..8)", [1, 2, 7, 8]),
        ("visit NOT IN (1..8)", [0, 9, 10]),
        ("visit in (0..1) OR visit IN (9..20:5)", [0, 1, 9]),
        ("NOT visit IN (0..9:3)", [1, 2, 4, 5, 7, 8, 10]),
    ],
)
def test_range_literals(text: str, visits: list[int]) -> None:
    clause = parse_where(text, bind={"v": [1, 2]}, dimensions=DIMENSIONS)
    assert [v for v in range(11) if clause({**DATA_ID, "visit": v})] == visits


def test_a_range_holds_integers_only() -> None:
    clause = parse_where("instrument IN (1..3)", dimensions=DIMENSIONS)
    with pytest.raises(InvalidQueryError, match="range literals hold integers"):
        clause(DATA_ID)


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
        values = draw(st.lists(st.integers(-3, 3), max_size=3))
        items = [_literal(v) for v in values]
        ranges = draw(st.lists(st.tuples(st.integers(-3, 3), st.integers(0, 4),
                                         st.one_of(st.none(), st.integers(1, 3))), max_size=2))
        for start, length, stride in ranges:
            items.append(f"{start}..{start + length}" + ("" if stride is None else f":{stride}"))
        members = set(values).union(
            *(range(start, start + length + 1, stride or 1) for start, length, stride in ranges)
        )
        if not items:
            items, members = ["0"], {0}
        negated = draw(st.booleans())
        text = f"{key} {'NOT IN' if negated else 'IN'} ({', '.join(draw(st.permutations(items)))})"
        return text, lambda d: (d[key] in members) is not negated
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


# -- dimensions the data IDs lack ------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "exposure = 1",
        "visit = 42 AND exposure = 1",
        "visit = 42 OR exposure = 1",
        "NOT exposure = 1",
        "exposure IN (1..3)",
        "exposure = visit",
    ],
)
def test_another_dimension_matches_nothing(text: str) -> None:
    clause = parse_where(text, dimensions=DIMENSIONS, other_dimensions={"exposure", "band"})
    assert clause.absent == {"exposure"}
    assert clause(DATA_ID) is False


def test_an_identifier_that_is_no_dimension_is_still_an_error() -> None:
    with pytest.raises(InvalidQueryError, match="unrecognized identifier 'zz' at position 30"):
        parse_where("exposure = 1 AND visit = 1 OR zz = 2", dimensions=DIMENSIONS,
                    other_dimensions={"exposure"})


def test_a_bind_name_or_a_dimension_is_not_absent() -> None:
    clause = parse_where("visit = exposure", bind={"exposure": 42}, dimensions=DIMENSIONS,
                         other_dimensions={"exposure", "visit"})
    assert clause.absent == frozenset()
    assert clause(DATA_ID) is True


# -- caching ---------------------------------------------------------------------


def test_a_clause_without_bind_is_parsed_once() -> None:
    first = parse_where("visit IN (1..50)", dimensions=DIMENSIONS)
    assert parse_where("visit IN (1..50)", dimensions=set(DIMENSIONS)) is first
    assert parse_where("visit IN (1..50)", dimensions={"visit"}) is not first
    with_bind = parse_where("visit IN (1..50) AND visit = v", bind={"v": 3}, dimensions=DIMENSIONS)
    assert not with_bind({**DATA_ID, "visit": 4})
    assert parse_where("visit IN (1..50) AND visit = v", bind={"v": 4},
                       dimensions=DIMENSIONS)({**DATA_ID, "visit": 4})


def test_a_cached_clause_is_one_of_the_same_bind_values_and_types() -> None:
    assert parse_where("visit = v", bind={"v": 1}, dimensions=DIMENSIONS)({"visit": 1})
    with pytest.raises(NotImplementedError, match="bind value v=True"):
        parse_where("visit = v", bind={"v": True}, dimensions=DIMENSIONS)
    wanted = [1, 2]
    assert parse_where("visit IN (v)", bind={"v": wanted}, dimensions=DIMENSIONS)({"visit": 2})
    wanted.remove(2)
    assert not parse_where("visit IN (v)", bind={"v": wanted}, dimensions=DIMENSIONS)({"visit": 2})
    unhashable = {"v": [[1]]}
    with pytest.raises(NotImplementedError, match="bind value v=\\[1\\]"):
        parse_where("visit IN (v)", bind=unhashable, dimensions=DIMENSIONS)


def test_errors_are_not_cached_away() -> None:
    for _ in range(2):
        with pytest.raises(InvalidQueryError, match="unrecognized identifier 'exposure'"):
            parse_where("exposure = 1", dimensions=DIMENSIONS)
    clause = parse_where("exposure = 1", dimensions=DIMENSIONS, other_dimensions={"exposure"})
    assert clause.absent == {"exposure"}
