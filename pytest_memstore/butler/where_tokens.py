"""The tokens of ``where`` expressions, and the parts of them not supported.

`tokenize` splits an expression into tokens as daf_butler's lexer does
(keywords in any case, range literals before numbers, signs left to the
parser), raises `InvalidQueryError` for what no token matches, and raises
one `NotImplementedError` naming every part that daf_butler takes and
InMemoryButler does not. It is cached by text: a query run again with the
same ``where`` does not tokenize it again.
"""

from __future__ import annotations

__all__ = ["SUPPORTED", "RangeLiteral", "Token", "tokenize", "unsupported"]

import functools
import re
from typing import NamedTuple, NoReturn

from .errors import InvalidQueryError

SUPPORTED = (
    "comparisons, IN (with range literals such as 1..10:2), AND, OR, NOT and parentheses over "
    "data ID keys, literals and bind names"
)

_KEYWORDS = frozenset({"AND", "OR", "NOT", "IN"})

# A name followed by this is a function call.
_CALL = re.compile(r"\s*\(")

# Functions daf_butler gives a meaning (the others are errors there too).
_REGION_FUNCTIONS = frozenset({"POINT", "CIRCLE", "BOX", "POLYGON", "REGION"})

# Integers only for a range's bounds and stride, as daf_butler's lexer; the
# stride is matched more widely than it accepts, to say what is wrong with it.
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    | (?P<time>T'[^']*')
    | (?P<range>(?P<start>-?\d+)\s*\.\.\s*(?P<stop>-?\d+)(?:\s*:\s*(?P<stride>[-+]?\d+))?)
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


class RangeLiteral:
    """The integers from ``start`` to ``stop`` (both included), ``stride`` apart.

    Not a tuple: a tuple among a clause's values is a list bind value.
    """

    __slots__ = ("start", "stop", "stride")

    def __init__(self, start: int, stop: int, stride: int) -> None:
        self.start = start
        self.stop = stop
        self.stride = stride

    def __contains__(self, value: object) -> bool:
        return (
            isinstance(value, int)
            and self.start <= value <= self.stop
            and (value - self.start) % self.stride == 0
        )

    def __str__(self) -> str:
        return f"{self.start}..{self.stop}" + (f":{self.stride}" if self.stride != 1 else "")


class Token(NamedTuple):
    """One token: its kind (the group of ``_TOKEN`` it matched), text and position.

    ``value`` is the `RangeLiteral` of a ``range`` token, otherwise `None`.
    """

    kind: str
    text: str
    position: int
    value: RangeLiteral | None = None


def unsupported(text: str, parts: list[str]) -> NoReturn:
    """Raise the `NotImplementedError` that names the unsupported ``parts``."""
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    raise NotImplementedError(
        f"where {text!r} uses {listed}, which InMemoryButler does not support; "
        f"supported: {SUPPORTED}"
    )


@functools.lru_cache(maxsize=512)
def tokenize(text: str) -> tuple[Token, ...]:
    """Return the tokens of ``text``, ending with an ``end`` token.

    Raises
    ------
    InvalidQueryError
        A character starts no token, or a range literal is malformed.
    NotImplementedError
        ``text`` uses parts of daf_butler's language that InMemoryButler
        does not support; the message names each and its position.
    """
    tokens: list[Token] = []
    unsupported_parts: list[str] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            _bad_character(text, position)
        kind = match.lastgroup
        assert kind is not None
        if kind != "space":
            value = match.group()
            literal = None
            if kind == "name" and value.upper() in _KEYWORDS:
                kind, value = "keyword", value.upper()
            elif kind == "range":
                literal = _range(text, match, position)
            else:
                part = _unsupported_part(kind, value, text, match.end())
                if part:
                    unsupported_parts.append(f"{part} at position {position}")
            tokens.append(Token(kind, value, position, literal))
        position = match.end()
    if unsupported_parts:
        unsupported(text, unsupported_parts)
    tokens.append(Token("end", "", len(text)))
    return tuple(tokens)


def _bad_character(text: str, position: int) -> NoReturn:
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
        f"Cannot parse where {text!r}: unexpected character {character!r} at position {position}"
    )


def _range(text: str, match: re.Match[str], position: int) -> RangeLiteral:
    start, stop, stride = match.group("start", "stop", "stride")
    literal = match.group()
    if stride is not None and (not stride.isdigit() or stride.startswith("0")):
        raise InvalidQueryError(
            f"where {text!r}: the range literal {literal} at position {position} has stride "
            f"{stride}; a stride is a positive integer (start..stop:stride)"
        )
    result = RangeLiteral(int(start), int(stop), 1 if stride is None else int(stride))
    if result.stop < result.start:
        raise InvalidQueryError(
            f"where {text!r}: the range literal {literal} at position {position} stops before "
            "it starts; its stop must be >= its start (both are included)"
        )
    return result


def _unsupported_part(kind: str, value: str, text: str, end: int) -> str | None:
    """Return what a token is, if it is a part InMemoryButler does not support."""
    if kind == "time":
        return f"the time literal {value} (timespans)"
    if kind == "qualified":
        return f"the qualified name {value!r}"
    if kind != "name":
        return None
    upper = value.upper()
    if upper == "OVERLAPS":
        return "the OVERLAPS operator (region and timespan overlaps)"
    if _CALL.match(text, end):
        if upper in _REGION_FUNCTIONS:
            return f"the region function {value}(...)"
        return f"the function call {value}(...)"
    return None
