"""Where two values first differ, and what each side holds there."""

from __future__ import annotations

__all__ = ["MISSING", "Difference", "cut_to_width", "first_difference", "safe_repr", "set_repr"]

import dataclasses
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from typing import Any

_MAX_DEPTH = 100
_BLOCK = 1024  # sequence items compared at once before looking at each


class _Missing:
    """The type of `MISSING`."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""What a `Difference` holds for a side without the index or key."""


@dataclasses.dataclass(frozen=True)
class Difference:
    """Where two values first differ, and what each holds there.

    Attributes
    ----------
    path : `str`
        How to reach that place from the top of both values, written as
        after a name in Python: ``[3]['rows'][50000]`` or ``.data[7]``;
        empty when the values differ at the top.
    got, expected : `object`
        What each side holds there, or `MISSING` where a sequence ends or a
        key is absent on that side. For sets, the elements only that side
        has (a `frozenset`).
    kind : `str`
        ``"value"`` (the two compare unequal, or have unrelated types),
        ``"length"`` (a sequence ends on one side), ``"key"`` (a key on one
        side only) or ``"set"`` (elements on one side only).
    lengths : `tuple` [`int`, `int`] or `None`
        For ``"length"``: the lengths of both sequences.
    note : `str`
        Why the search stopped above the leaves (a cycle, or nesting too
        deep), or empty.
    """

    path: str
    got: Any
    expected: Any
    kind: str = "value"
    lengths: tuple[int, int] | None = None
    note: str = ""

    @property
    def where(self) -> str:
        """The path, or ``"the top level"`` when it is empty."""
        return self.path or "the top level"

    def describe(self, width: int | None = None) -> str:
        """Say what each side holds, as ``got 7, expected 8``.

        Parameters
        ----------
        width : `int`, optional
            Cut each value's ``repr`` to this many characters; by default
            nothing is cut.
        """
        if self.kind == "set":
            sides = [
                f"only {side} has {set_repr(items, width)}"
                for side, items in (("got", self.got), ("expected", self.expected))
                if items
            ]
            return "; ".join(sides)
        show_types = (
            self.kind == "value" and type(self.got) is not type(self.expected)
        )
        text = ", ".join(
            f"{side} {self._side(side, value, width, show_types)}"
            for side, value in (("got", self.got), ("expected", self.expected))
        )
        return f"{text} ({self.note})" if self.note else text

    def _side(self, side: str, value: Any, width: int | None, show_type: bool) -> str:
        length = "" if self.lengths is None else f" (length {self.lengths[side == 'expected']})"
        if value is MISSING:
            return "has no such key" if self.kind == "key" else f"has no item{length}"
        text = cut_to_width(safe_repr(value), width)
        if show_type:
            return f"{text} ({type(value).__qualname__})"
        return text + length


def first_difference(got: Any, expected: Any) -> Difference | None:
    """Find where ``got`` and ``expected`` first differ; `None` if they are equal.

    Looks inside sequences (not strings or bytes) by index, mappings by key
    (in ``expected``'s order, then keys only ``got`` has; order does not
    make two mappings differ), attrs classes and dataclasses by field (the
    fields that take part in equality), and sets by the elements on one side
    only. Other values, and containers of unrelated types (a list and a
    tuple), are compared with ``!=``; a comparison that raises counts as a
    difference. Only the branch that differs is descended into, so the cost
    is about that of one ``==`` of the two values. Cycles and nesting deeper
    than 100 levels stop the search at that place.
    """
    if not _differ(got, expected):
        return None
    return _locate(got, expected, "", 0, set())


def _differ(got: Any, expected: Any) -> bool:
    if got is expected:  # as containers compare their items
        return False
    try:
        return bool(got != expected)
    except Exception:  # an array's elementwise answer, a cycle's RecursionError, ...
        return True


def _locate(got: Any, expected: Any, path: str, depth: int, active: set[tuple[int, int]]) -> (
    Difference
):
    """Describe the first difference of two values known to differ."""
    pair = (id(got), id(expected))
    if pair in active:
        return Difference(path, got, expected, note="it contains itself: not looked into")
    if depth >= _MAX_DEPTH:
        return Difference(
            path, got, expected, note=f"nested deeper than {_MAX_DEPTH} levels: not looked into"
        )
    active.add(pair)
    try:
        inner = _inside(got, expected, path, depth + 1, active)
    finally:
        active.discard(pair)
    return inner if inner is not None else Difference(path, got, expected)


def _inside(
    got: Any, expected: Any, path: str, depth: int, active: set[tuple[int, int]]
) -> Difference | None:
    """Look inside two containers of the same kind; `None` if no part differs."""
    kind = type(got)
    if kind is type(expected) and not isinstance(got, type):
        # An attrs class can only exist once attrs is imported: this module
        # does not import it for everyone.
        attr = sys.modules.get("attr")
        if attr is not None and attr.has(kind):
            return _fields(
                got, expected, path, depth, active,
                ((field.name, field.eq_key) for field in attr.fields(kind) if field.eq),
            )
        if dataclasses.is_dataclass(got):
            return _fields(
                got, expected, path, depth, active,
                ((field.name, None) for field in dataclasses.fields(got) if field.compare),
            )
    if isinstance(got, Mapping) and isinstance(expected, Mapping):
        for key in expected:
            if key not in got:
                return Difference(f"{path}[{key!r}]", MISSING, expected[key], kind="key")
            if _differ(got[key], expected[key]):
                return _locate(got[key], expected[key], f"{path}[{key!r}]", depth, active)
        for key in got:
            if key not in expected:
                return Difference(f"{path}[{key!r}]", got[key], MISSING, kind="key")
        return None
    if isinstance(got, Set) and isinstance(expected, Set):
        only_got = frozenset(item for item in got if item not in expected)
        only_expected = frozenset(item for item in expected if item not in got)
        if only_got or only_expected:
            return Difference(path, only_got, only_expected, kind="set")
        return None
    if _is_sequence(got) and _is_sequence(expected) and (
        isinstance(got, type(expected)) or isinstance(expected, type(got))
    ):
        return _sequences(got, expected, path, depth, active)
    return None


def _is_sequence(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes, bytearray))


def _sequences(
    got: Sequence[Any],
    expected: Sequence[Any],
    path: str,
    depth: int,
    active: set[tuple[int, int]],
) -> Difference | None:
    lengths = (len(got), len(expected))
    common = min(lengths)
    start = 0
    if common > _BLOCK and isinstance(got, (list, tuple)):  # skip equal blocks at C speed
        while start < common and not _differ(
            got[start : start + _BLOCK], expected[start : start + _BLOCK]
        ):
            start += _BLOCK
    for index in range(start, common):
        have, want = got[index], expected[index]
        if have is not want and _differ(have, want):
            return _locate(have, want, f"{path}[{index}]", depth, active)
    if lengths[0] == lengths[1]:
        return None
    return Difference(
        f"{path}[{common}]",
        got[common] if lengths[0] > common else MISSING,
        expected[common] if lengths[1] > common else MISSING,
        kind="length",
        lengths=lengths,
    )


def _fields(
    got: Any,
    expected: Any,
    path: str,
    depth: int,
    active: set[tuple[int, int]],
    fields: Iterable[tuple[str, Callable[[Any], Any] | None]],
) -> Difference | None:
    for name, key in fields:
        have, want = getattr(got, name), getattr(expected, name)
        if key is not None:  # attrs compares key(value): report the field, do not descend
            if _differ(key(have), key(want)):
                return Difference(f"{path}.{name}", have, want)
        elif _differ(have, want):
            return _locate(have, want, f"{path}.{name}", depth, active)
    return None


def safe_repr(value: Any) -> str:
    """Return ``repr(value)``, or a placeholder naming the type if that raises.

    A broken or too deeply nested ``repr`` must not hide the failure that is
    being described: the placeholder reads ``<Type: repr raised Error>``.
    """
    try:
        return repr(value)
    except Exception as err:
        return f"<{type(value).__qualname__}: repr raised {type(err).__name__}>"


def cut_to_width(text: str, width: int | None) -> str:
    """Return ``text``, cut to ``width`` characters ending in ``...`` if it is longer.

    Parameters
    ----------
    text : `str`
        The text to show.
    width : `int` or `None`
        The most characters to keep, the ``...`` included (at least 3);
        `None` keeps the whole text.
    """
    return text if width is None or len(text) <= width else text[: width - 3] + "..."


def set_repr(items: frozenset[Any], width: int | None) -> str:
    """Return ``{a, b, ...}`` for a set, its elements in a stable order, cut to ``width``.

    The elements are sorted, or sorted by their `safe_repr` when they do
    not compare, so the same set always reads the same, whatever its hash
    order. ``width`` is as for `cut_to_width`.
    """
    try:
        ordered: list[Any] = sorted(items)
    except TypeError:
        ordered = sorted(items, key=safe_repr)
    return cut_to_width("{" + ", ".join(safe_repr(item) for item in ordered) + "}", width)
