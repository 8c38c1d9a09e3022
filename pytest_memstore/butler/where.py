"""The ``where`` expressions of dataset queries: parsed, checked, compiled.

The supported language is the part of daf_butler's query expressions that
needs no dimension records:

- comparisons ``=``, ``!=``, ``<``, ``<=``, ``>``, ``>=`` between data ID
  keys, literals and bind names;
- ``key IN (value, ...)`` and ``key NOT IN (...)``, whose values are
  literals, bind names (a bind name whose value is a list, tuple or set
  stands for its items) and range literals ``start..stop`` or
  ``start..stop:stride`` (integers from ``start`` to ``stop``, both
  included, ``stride`` apart; ``stride`` defaults to 1);
- ``AND``, ``OR``, ``NOT`` (keywords in any case) and parentheses;
- integer, decimal and exponent number literals, an optional sign before a
  number, and single-quoted string literals (``'DummyCam'``);
- bind names, bare (``visit = v``) or with a colon (``visit = :v``).

An identifier is a bind name when ``bind`` has it, otherwise a dimension of
the dataset type queried. One of ``other_dimensions`` (a dimension the
dataset type lacks) makes the expression match nothing: daf_butler would
join that dimension's records, and there are none here.

What daf_butler accepts and this does not (qualified names such as
``visit.day_obs``, arithmetic, time literals ``T'...'``, function calls,
``OVERLAPS``, tuples, ``NULL``, dataset fields such as ``ingest_date``)
raises `NotImplementedError` naming the unsupported parts and where they
are; anything malformed raises `InvalidQueryError` saying what was expected
where.

Parsing is cached: the same expression, with the same bind values, over the
same dimensions, is parsed once.
"""

from __future__ import annotations

__all__ = ["WhereClause", "parse_where"]

import operator
import threading
from collections.abc import Callable, Collection, Container, Hashable, Iterable, Mapping
from typing import Any, NamedTuple, NoReturn

from .errors import InvalidQueryError
from .where_tokens import RangeLiteral, Token, tokenize, unsupported

_Predicate = Callable[[Mapping[str, Any]], bool]

_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}

# Names daf_butler gives a meaning of its own when they are neither a bind
# name nor a dimension, keyed by their lower case.
_SPECIAL_NAMES = {
    "null": "the NULL constant",
    "ingest_date": "the dataset field 'ingest_date'",
    "dataset_id": "the dataset field 'dataset_id'",
    "run": "the dataset field 'run'",
    "collection": "the dataset field 'collection'",
    "timespan": "the field 'timespan' (timespans)",
    "region": "the field 'region' (regions)",
}


class _Literal(NamedTuple):
    value: Any


class _Key(NamedTuple):
    name: str


_Operand = _Literal | _Key


class WhereClause:
    """A compiled ``where`` expression: call it with a data ID.

    Parameters
    ----------
    text : `str`
        The expression as written.
    predicate : callable
        Returns whether a data ID (a mapping) satisfies the expression.
    keys : `frozenset` [`str`]
        The data ID keys the expression reads.
    absent : `frozenset` [`str`], optional
        The dimensions the expression names that the data IDs queried lack;
        when there are any, nothing matches.
    equalities : mapping, optional
        The values the expression requires of data ID keys (its terms
        ``key = literal`` joined by AND at the top); a query can look
        datasets up by them before testing the expression.

    Raises
    ------
    InvalidQueryError
        When called: a data ID value and the value it is compared with have
        types that do not compare (a number and a string, or a string and a
        range).
    """

    __slots__ = ("absent", "equalities", "keys", "predicate", "text")

    def __init__(
        self,
        text: str,
        predicate: _Predicate,
        keys: frozenset[str],
        absent: frozenset[str] = frozenset(),
        equalities: Mapping[str, Any] | None = None,
    ) -> None:
        self.text = text
        self.predicate = predicate
        self.keys = keys
        self.absent = absent
        self.equalities: Mapping[str, Any] = {} if equalities is None else equalities

    def __call__(self, dataId: Mapping[str, Any]) -> bool:
        """Return whether ``dataId`` satisfies the expression."""
        return self.predicate(dataId)

    def __repr__(self) -> str:
        return f"WhereClause({self.text!r})"

    @property
    def matches_all(self) -> bool:
        """Whether every data ID satisfies the expression (an empty one)."""
        return self.predicate is _always


def _always(dataId: Mapping[str, Any]) -> bool:
    return True


def _never(dataId: Mapping[str, Any]) -> bool:
    return False


def parse_where(
    text: str,
    *,
    bind: Mapping[str, Any] | None = None,
    dimensions: Collection[str],
    other_dimensions: Container[str] = frozenset(),
) -> WhereClause:
    """Parse and check a ``where`` expression.

    Parameters
    ----------
    text : `str`
        The expression; empty (or blank) matches every data ID.
    bind : mapping, optional
        Values of the bind names the expression uses.
    dimensions : collection of `str`
        The data ID keys the expression may compare (the dimensions of the
        dataset type queried).
    other_dimensions : container of `str`, optional
        Further names the expression may use as dimensions; naming one
        makes the clause match nothing (its `~WhereClause.absent` says
        which).

    Returns
    -------
    clause : `WhereClause`
        The compiled expression.

    Raises
    ------
    InvalidQueryError
        The expression is malformed, names an identifier that is neither a
        bind name nor a dimension, uses a bind value where it cannot be
        used, or has a range literal that is empty or has a stride below 1.
    NotImplementedError
        The expression uses parts of daf_butler's language this does not
        support; the message names them and their positions.
    TypeError
        ``text`` is not a `str` or ``bind`` is not a mapping.
    """
    if not isinstance(text, str):
        raise TypeError(f"where must be a str; got {type(text).__name__}: {text!r:.80}")
    if bind is None:
        bind = {}
    elif not isinstance(bind, Mapping):
        raise TypeError(f"bind must be a mapping of names to values; got {type(bind).__name__}")
    if not text.strip():
        return WhereClause(text, _always, frozenset())
    clause, others = _compiled(text, bind, frozenset(dimensions))
    if not others:
        return clause
    for name, position in others:
        if name not in other_dimensions:
            raise InvalidQueryError(
                f"where {text!r}: unrecognized identifier {name!r} at position {position}; it "
                f"is neither a bind name nor a dimension ({sorted(dimensions)})"
            )
    return WhereClause(text, _never, clause.keys, frozenset(name for name, _ in others))


_Compiled = tuple[WhereClause, tuple[tuple[str, int], ...]]

# Compiled clauses by text, dimensions and bind values: tests run the same
# few queries again and again, and parsing costs more than the query itself.
_CACHE: dict[Hashable, _Compiled] = {}
_CACHE_SIZE = 512
_CACHE_LOCK = threading.Lock()


def _compiled(text: str, bind: Mapping[str, Any], dimensions: frozenset[str]) -> _Compiled:
    """Return the clause of ``text`` and the other names it uses, with positions."""
    try:
        key = (text, dimensions, _bind_key(bind))
        found = _CACHE.get(key)
    except TypeError:  # an unhashable bind value: not cached
        return _compile(text, bind, dimensions)
    if found is None:
        found = _compile(text, bind, dimensions)
        with _CACHE_LOCK:
            if len(_CACHE) >= _CACHE_SIZE:
                del _CACHE[next(iter(_CACHE))]  # the oldest
            _CACHE[key] = found
    return found


def _bind_key(bind: Mapping[str, Any]) -> Hashable:
    """Return the bind values as a key: with their types, since ``True == 1``."""
    items: list[tuple[str, type, Any]] = []
    for name, value in bind.items():
        if isinstance(value, (list, tuple)):
            items.append((name, type(value), tuple((type(v), v) for v in value)))
        elif isinstance(value, (set, frozenset)):
            items.append((name, type(value), frozenset((type(v), v) for v in value)))
        else:
            items.append((name, type(value), value))
    return frozenset(items)


def _compile(text: str, bind: Mapping[str, Any], dimensions: frozenset[str]) -> _Compiled:
    parser = _Parser(text, tokenize(text), bind, dimensions)
    predicate = parser.parse()
    equalities = _equalities(predicate, parser.equalities)
    clause = WhereClause(text, predicate, frozenset(parser.keys), equalities=equalities)
    return clause, tuple(parser.others.items())


def _equalities(
    predicate: _Predicate, found: Mapping[int, tuple[str, Any]]
) -> dict[str, Any] | None:
    """Return the ``key = literal`` terms that ``predicate`` (an AND of terms, or one) requires.

    `None` when two of them require different values of one key.
    """
    terms = getattr(predicate, "conjuncts", [predicate])
    equalities: dict[str, Any] = {}
    for term in terms:
        equality = found.get(id(term))
        if equality is None:
            continue
        name, value = equality
        if equalities.setdefault(name, value) != value:
            return None
    return equalities


class _Parser:
    """Recursive descent over the tokens; builds the predicate as it goes."""

    def __init__(
        self,
        text: str,
        tokens: tuple[Token, ...],
        bind: Mapping[str, Any],
        dimensions: frozenset[str],
    ) -> None:
        self.text = text
        self.tokens = tokens
        self.index = 0
        self.bind = bind
        self.dimensions = dimensions
        self.keys: set[str] = set()
        self.others: dict[str, int] = {}  # names neither bound nor dimensions: first position
        # The comparisons ``key = literal`` made, by the id of their predicate.
        self.equalities: dict[int, tuple[str, Any]] = {}

    # -- token helpers ---------------------------------------------------

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def at_keyword(self, word: str) -> bool:
        token = self.current
        return token.kind == "keyword" and token.text == word

    def unsupported(self, what: str, position: int) -> NoReturn:
        unsupported(self.text, [f"{what} at position {position}"])

    def fail(self, expected: str, token: Token | None = None) -> NoReturn:
        token = token or self.current
        found = "the end" if token.kind == "end" else repr(token.text)
        if token.kind == "arith":
            self.unsupported(f"the arithmetic operator {token.text!r}", token.position)
        raise InvalidQueryError(
            f"Cannot parse where {self.text!r}: expected {expected} at position "
            f"{token.position}, found {found}"
        )

    def invalid(self, problem: str, token: Token) -> NoReturn:
        raise InvalidQueryError(f"where {self.text!r}: {problem} (at position {token.position})")

    # -- grammar -----------------------------------------------------------

    def parse(self) -> _Predicate:
        predicate = self.disjunction()
        if self.current.kind != "end":
            self.fail("AND, OR or the end of the expression")
        return predicate

    def disjunction(self) -> _Predicate:
        return self.joined("OR", self.conjunction, any)

    def conjunction(self) -> _Predicate:
        return self.joined("AND", self.negation, all)

    def joined(
        self,
        keyword: str,
        term: Callable[[], _Predicate],
        combine: Callable[[Iterable[bool]], bool],
    ) -> _Predicate:
        """Parse ``term (keyword term)*``; ``combine`` joins the terms' results."""
        terms = [term()]
        while self.at_keyword(keyword):
            self.advance()
            terms.append(term())
        if len(terms) == 1:
            return terms[0]

        def combined(dataId: Mapping[str, Any]) -> bool:
            return combine(each(dataId) for each in terms)

        if keyword == "AND":
            combined.conjuncts = terms  # type: ignore[attr-defined]  # for _equalities
        return combined

    def negation(self) -> _Predicate:
        if self.at_keyword("NOT"):
            self.advance()
            inner = self.negation()
            return lambda dataId: not inner(dataId)
        if self.current.kind == "lparen":
            opening = self.advance()
            inner = self.disjunction()
            if self.current.kind == "comma":
                self.unsupported("a tuple", opening.position)
            if self.current.kind != "rparen":
                self.fail("')'")
            self.advance()
            return inner
        return self.condition()

    def condition(self) -> _Predicate:
        start = self.current
        left = self.operand()
        token = self.current
        if token.kind == "op":
            self.advance()
            right = self.operand()
            if self.current.kind == "op":
                self.fail("AND, OR or ')' (comparisons do not chain)")
            return self.comparison(token.text, left, right, start)
        negated = self.at_keyword("NOT")
        if negated:
            self.advance()
            if not self.at_keyword("IN"):
                self.fail("IN after NOT")
        if self.at_keyword("IN"):
            self.advance()
            if isinstance(left, _Literal) and isinstance(left.value, RangeLiteral):
                self.invalid(f"the range literal {start.text} cannot be tested for IN", start)
            values, ranges = self.value_list()
            return self.membership(left, values, ranges, negated)
        if token.kind == "arith":
            self.fail("a comparison")
        if token.kind == "comma":
            self.unsupported("a tuple", start.position)
        raise InvalidQueryError(
            f"Cannot parse where {self.text!r}: {start.text!r} at position {start.position} is "
            "not a condition; compare it with =, !=, <, <=, >, >= or IN"
        )

    def operand(self) -> _Operand:
        token = self.current
        if token.kind == "arith" and token.text in "+-":
            following = self.tokens[self.index + 1]
            if following.kind == "number":
                self.advance()
                self.advance()
                number = _number(following.text)
                return _Literal(-number if token.text == "-" else number)
            if following.kind == "range":
                self.invalid(f"a sign before the range literal {following.text}", token)
        if token.kind == "number":
            self.advance()
            return _Literal(_number(token.text))
        if token.kind == "range":
            self.advance()
            return _Literal(token.value)
        if token.kind == "string":
            self.advance()
            return _Literal(token.text[1:-1])
        if token.kind == "bind":
            self.advance()
            return _Literal(self.bound(token.text[1:], token))
        if token.kind == "name":
            self.advance()
            return self.identifier(token)
        self.fail("a data ID key, a literal or a bind name")

    def identifier(self, token: Token) -> _Operand:
        name = token.text
        if name in self.bind:
            return _Literal(self.bound(name, token))
        if name in self.dimensions:
            self.keys.add(name)
            return _Key(name)
        special = _SPECIAL_NAMES.get(name.lower())
        if special is not None:
            self.unsupported(special, token.position)
        # Maybe a dimension the dataset type lacks; parse_where decides.
        self.others.setdefault(name, token.position)
        return _Key(name)

    def bound(self, name: str, token: Token) -> Any:
        if name not in self.bind:  # only a ``:name`` gets here without a value
            raise InvalidQueryError(
                f"where {self.text!r}: bind name ':{name}' at position {token.position} is not "
                f"in bind (which has {sorted(self.bind)})"
            )
        value = self.bind[name]
        if isinstance(value, (list, tuple, set, frozenset)):
            for item in value:
                self.check_bound(name, item, token)
            return tuple(value)
        self.check_bound(name, value, token)
        return value

    def check_bound(self, name: str, value: object, token: Token) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            self.unsupported(
                f"the bind value {name}={value!r} ({type(value).__name__}; only int, float "
                "and str values, or lists of them, are supported)",
                token.position,
            )

    def value_list(self) -> tuple[list[Any], list[RangeLiteral]]:
        """Parse ``( item, ... )`` after IN: the plain values, and the ranges."""
        if self.current.kind != "lparen":
            self.fail("'(' after IN")
        self.advance()
        values: list[Any] = []
        ranges: list[RangeLiteral] = []
        while True:
            token = self.current
            operand = self.operand()
            if isinstance(operand, _Key):
                raise InvalidQueryError(
                    f"where {self.text!r}: IN takes literals, range literals and bind names; "
                    f"{token.text!r} at position {token.position} is a data ID key"
                )
            if isinstance(operand.value, RangeLiteral):
                ranges.append(operand.value)
            elif isinstance(operand.value, tuple):
                values.extend(operand.value)
            else:
                values.append(operand.value)
            if self.current.kind == "comma":
                self.advance()
                continue
            if self.current.kind != "rparen":
                self.fail("',' or ')' in the IN list")
            self.advance()
            return values, ranges

    # -- building predicates -------------------------------------------

    def comparison(
        self, symbol: str, left: _Operand, right: _Operand, start: Token
    ) -> _Predicate:
        for side in (left, right):
            if isinstance(side, _Literal) and isinstance(side.value, tuple):
                self.invalid("a bind value that is a list can only be used in IN", start)
            if isinstance(side, _Literal) and isinstance(side.value, RangeLiteral):
                self.invalid(
                    f"the range literal {side.value} can only be used in IN (...), not with "
                    f"{symbol}",
                    start,
                )
        compare = _COMPARISONS[symbol]
        text = self.text
        described = f"{_describe(left)} {symbol} {_describe(right)}"
        if isinstance(left, _Literal) and isinstance(right, _Literal):
            result = _checked(compare, left.value, right.value, text, described)
            return lambda dataId: result
        if isinstance(left, _Key) and isinstance(right, _Literal):
            key, value = left.name, right.value
            predicate: _Predicate = lambda dataId: _checked(  # noqa: E731
                compare, dataId[key], value, text, described
            )
        elif isinstance(left, _Literal) and isinstance(right, _Key):
            value, key = left.value, right.name
            predicate = lambda dataId: _checked(compare, value, dataId[key], text, described)  # noqa: E731
        else:
            assert isinstance(left, _Key) and isinstance(right, _Key)
            first, second = left.name, right.name
            return lambda dataId: _checked(
                compare, dataId[first], dataId[second], text, described
            )
        if symbol == "=":
            self.equalities[id(predicate)] = (key, value)
        return predicate

    def membership(
        self, left: _Operand, values: list[Any], ranges: list[RangeLiteral], negated: bool
    ) -> _Predicate:
        text = self.text
        described = f"{_describe(left)} {'NOT IN' if negated else 'IN'} (...)"

        def found(value: Any) -> bool:
            if any(_checked(operator.eq, value, v, text, described) for v in values):
                return True
            if ranges and _kind(value) != "number":
                raise InvalidQueryError(
                    f"where {text!r}: the types in {described} do not agree ({value!r} is a "
                    f"{_kind(value)}, range literals hold integers)"
                )
            return any(value in each for each in ranges)

        if isinstance(left, _Literal):
            result = found(left.value) is not negated
            return lambda dataId: result
        key = left.name
        return lambda dataId: found(dataId[key]) is not negated


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)


def _describe(operand: _Operand) -> str:
    return operand.name if isinstance(operand, _Key) else repr(operand.value)


def _kind(value: object) -> str:
    if isinstance(value, str):
        return "string"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "number"
    return type(value).__name__


def _checked(
    compare: Callable[[Any, Any], bool], left: Any, right: Any, text: str, described: str
) -> bool:
    """Compare two values of the same kind; values of different kinds are an error."""
    left_kind, right_kind = _kind(left), _kind(right)
    if left_kind != right_kind:
        raise InvalidQueryError(
            f"where {text!r}: the types in {described} do not agree ({left!r} is a {left_kind}, "
            f"{right!r} a {right_kind})"
        )
    return compare(left, right)
