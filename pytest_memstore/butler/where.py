"""The ``where`` expressions of dataset queries: parsed, checked, compiled.

The supported language is the part of daf_butler's query expressions that
needs no dimension universe:

- comparisons ``=``, ``!=``, ``<``, ``<=``, ``>``, ``>=`` between data ID
  keys, literals and bind names;
- ``key IN (value, ...)`` and ``key NOT IN (...)``, whose values are
  literals or bind names (a bind name whose value is a list, tuple or set
  stands for its items);
- ``AND``, ``OR``, ``NOT`` (keywords in any case) and parentheses;
- integer, decimal and exponent number literals, an optional sign before a
  number, and single-quoted string literals (``'DummyCam'``);
- bind names, bare (``visit = v``) or with a colon (``visit = :v``).

An identifier is a bind name when ``bind`` has it, otherwise it must be a
dimension of the dataset type queried.

What daf_butler accepts and this does not (qualified names such as
``visit.day_obs``, arithmetic, range literals ``1..5``, time literals
``T'...'``, function calls, ``OVERLAPS``, tuples) raises `NotImplementedError`
naming the unsupported part and where it is; anything malformed raises
`InvalidQueryError` saying what was expected where.
"""

from __future__ import annotations

__all__ = ["WhereClause", "parse_where"]

import operator
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any, NamedTuple, NoReturn

from .errors import InvalidQueryError

_Predicate = Callable[[Mapping[str, Any]], bool]

_KEYWORDS = frozenset({"AND", "OR", "NOT", "IN"})
_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    | (?P<time>T'[^']*')
    | (?P<range>\d+\s*\.\.\s*\d+(?:\s*:\s*\d+)?)
    | (?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)
    | (?P<string>'[^']*')
    | (?P<qualified>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)
    | (?P<name>[A-Za-z_]\w*)
    | (?P<bind>:[A-Za-z_]\w*)
    | (?P<op><=|>=|!=|=|<|>)
    | (?P<arith>[-+*/%])
    | (?P<lparen>\()
    | (?P<rparen>\))
    | (?P<comma>,)
    """,
    re.VERBOSE,
)


class _Token(NamedTuple):
    kind: str
    text: str
    position: int


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

    Raises
    ------
    InvalidQueryError
        When called: a data ID value and the value it is compared with have
        types that do not compare (a number and a string).
    """

    __slots__ = ("keys", "predicate", "text")

    def __init__(self, text: str, predicate: _Predicate, keys: frozenset[str]) -> None:
        self.text = text
        self.predicate = predicate
        self.keys = keys

    def __call__(self, dataId: Mapping[str, Any]) -> bool:
        """Return whether ``dataId`` satisfies the expression."""
        return self.predicate(dataId)

    def __repr__(self) -> str:
        return f"WhereClause({self.text!r})"


def _always(dataId: Mapping[str, Any]) -> bool:
    return True


def parse_where(
    text: str,
    *,
    bind: Mapping[str, Any] | None = None,
    dimensions: Collection[str],
) -> WhereClause:
    """Parse and check a ``where`` expression.

    Parameters
    ----------
    text : `str`
        The expression; empty (or blank) matches every data ID.
    bind : mapping, optional
        Values of the bind names the expression uses.
    dimensions : collection of `str`
        The data ID keys the expression may name (the dimensions of the
        dataset type queried).

    Returns
    -------
    clause : `WhereClause`
        The compiled expression.

    Raises
    ------
    InvalidQueryError
        The expression is malformed, names an identifier that is neither a
        bind name nor a dimension, or uses a bind value where it cannot be
        used.
    NotImplementedError
        The expression uses a part of daf_butler's language this does not
        support; the message names it and its position.
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
    parser = _Parser(text, _tokenize(text), bind, frozenset(dimensions))
    predicate = parser.parse()
    return WhereClause(text, predicate, frozenset(parser.keys))


def _tokenize(text: str) -> list[_Token]:
    tokens = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            character = text[position]
            if character == '"':
                raise InvalidQueryError(
                    f"Cannot parse where {text!r}: a double quote at position {position}; "
                    "string literals take single quotes ('DummyCam')"
                )
            if character == "'":
                raise InvalidQueryError(
                    f"Cannot parse where {text!r}: the string literal at position {position} "
                    "is not closed"
                )
            raise InvalidQueryError(
                f"Cannot parse where {text!r}: unexpected character {character!r} at "
                f"position {position}"
            )
        kind = match.lastgroup
        assert kind is not None
        if kind != "space":
            value = match.group()
            if kind == "name" and value.upper() in _KEYWORDS:
                kind, value = "keyword", value.upper()
            elif kind == "name" and value.upper() == "OVERLAPS":
                _unsupported(text, "the OVERLAPS operator", position)
            elif kind == "time":
                _unsupported(text, f"the time literal {value}", position)
            elif kind == "range":
                _unsupported(text, f"the range literal {value}", position)
            elif kind == "qualified":
                _unsupported(
                    text, f"the qualified name {value!r} (only plain data ID keys)", position
                )
            tokens.append(_Token(kind, value, position))
        position = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


def _unsupported(text: str, what: str, position: int) -> NoReturn:
    raise NotImplementedError(
        f"where {text!r} uses {what} at position {position}, which InMemoryButler does not "
        "support; supported: comparisons, IN, AND, OR, NOT and parentheses over data ID keys, "
        "literals and bind names"
    )


class _Parser:
    """Recursive descent over the tokens; builds the predicate as it goes."""

    def __init__(
        self,
        text: str,
        tokens: list[_Token],
        bind: Mapping[str, Any],
        dimensions: frozenset[str],
    ) -> None:
        self.text = text
        self.tokens = tokens
        self.index = 0
        self.bind = bind
        self.dimensions = dimensions
        self.keys: set[str] = set()

    # -- token helpers ---------------------------------------------------

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def at_keyword(self, word: str) -> bool:
        token = self.current
        return token.kind == "keyword" and token.text == word

    def fail(self, expected: str, token: _Token | None = None) -> NoReturn:
        token = token or self.current
        found = "the end" if token.kind == "end" else repr(token.text)
        if token.kind == "arith":
            _unsupported(self.text, f"the arithmetic operator {token.text!r}", token.position)
        raise InvalidQueryError(
            f"Cannot parse where {self.text!r}: expected {expected} at position "
            f"{token.position}, found {found}"
        )

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
        return lambda dataId: combine(each(dataId) for each in terms)

    def negation(self) -> _Predicate:
        if self.at_keyword("NOT"):
            self.advance()
            inner = self.negation()
            return lambda dataId: not inner(dataId)
        if self.current.kind == "lparen":
            opening = self.advance()
            inner = self.disjunction()
            if self.current.kind == "comma":
                _unsupported(self.text, "a tuple", opening.position)
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
            return self.membership(left, self.value_list(), negated, start)
        if token.kind == "arith":
            self.fail("a comparison")
        if token.kind == "comma":
            _unsupported(self.text, "a tuple", start.position)
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
        if token.kind == "number":
            self.advance()
            return _Literal(_number(token.text))
        if token.kind == "string":
            self.advance()
            return _Literal(token.text[1:-1])
        if token.kind == "bind":
            self.advance()
            return _Literal(self.bound(token.text[1:], token))
        if token.kind == "name":
            self.advance()
            if self.current.kind == "lparen":
                _unsupported(self.text, f"the function call {token.text}(...)", token.position)
            if token.text in self.bind:
                return _Literal(self.bound(token.text, token))
            if token.text not in self.dimensions:
                raise InvalidQueryError(
                    f"where {self.text!r}: unrecognized identifier {token.text!r} at position "
                    f"{token.position}; it is neither a bind name nor a dimension "
                    f"({sorted(self.dimensions)})"
                )
            self.keys.add(token.text)
            return _Key(token.text)
        self.fail("a data ID key, a literal or a bind name")

    def bound(self, name: str, token: _Token) -> Any:
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

    def check_bound(self, name: str, value: object, token: _Token) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            _unsupported(
                self.text,
                f"the bind value {name}={value!r} ({type(value).__name__}; only int, float "
                "and str values, or lists of them, are supported)",
                token.position,
            )

    def value_list(self) -> list[Any]:
        if self.current.kind != "lparen":
            self.fail("'(' after IN")
        self.advance()
        values: list[Any] = []
        while True:
            token = self.current
            operand = self.operand()
            if isinstance(operand, _Key):
                raise InvalidQueryError(
                    f"where {self.text!r}: IN takes literals and bind names; {token.text!r} at "
                    f"position {token.position} is a data ID key"
                )
            if isinstance(operand.value, tuple):
                values.extend(operand.value)
            else:
                values.append(operand.value)
            if self.current.kind == "comma":
                self.advance()
                continue
            if self.current.kind != "rparen":
                self.fail("',' or ')' in the IN list")
            self.advance()
            return values

    # -- building predicates -------------------------------------------

    def comparison(
        self, symbol: str, left: _Operand, right: _Operand, start: _Token
    ) -> _Predicate:
        for side in (left, right):
            if isinstance(side, _Literal) and isinstance(side.value, tuple):
                raise InvalidQueryError(
                    f"where {self.text!r}: a bind value that is a list can only be used in IN "
                    f"(near position {start.position})"
                )
        compare = _COMPARISONS[symbol]
        text = self.text
        described = f"{_describe(left)} {symbol} {_describe(right)}"
        if isinstance(left, _Literal) and isinstance(right, _Literal):
            result = _checked(compare, left.value, right.value, text, described)
            return lambda dataId: result
        if isinstance(left, _Key) and isinstance(right, _Literal):
            key, value = left.name, right.value
            return lambda dataId: _checked(compare, dataId[key], value, text, described)
        if isinstance(left, _Literal) and isinstance(right, _Key):
            value, key = left.value, right.name
            return lambda dataId: _checked(compare, value, dataId[key], text, described)
        assert isinstance(left, _Key) and isinstance(right, _Key)
        first, second = left.name, right.name
        return lambda dataId: _checked(compare, dataId[first], dataId[second], text, described)

    def membership(
        self, left: _Operand, values: list[Any], negated: bool, start: _Token
    ) -> _Predicate:
        text = self.text
        described = f"{_describe(left)} {'NOT IN' if negated else 'IN'} (...)"
        if isinstance(left, _Literal):
            found = any(_checked(operator.eq, left.value, v, text, described) for v in values)
            return lambda dataId: found is not negated
        key = left.name

        def member(dataId: Mapping[str, Any]) -> bool:
            value = dataId[key]
            found = any(_checked(operator.eq, value, v, text, described) for v in values)
            return found is not negated

        return member


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
