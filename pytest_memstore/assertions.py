"""Assertion helpers for datastore round-trips, with messages made to be read.

Each helper hides its own frame from pytest tracebacks and builds its message
by hand, so it reads the same with and without assertion rewriting.
"""

from __future__ import annotations

__all__ = [
    "MISSING",
    "Difference",
    "assert_consistent",
    "assert_not_stored",
    "assert_roundtrip",
    "assert_stored",
    "assert_trash_empty",
    "assert_trash_roundtrip",
    "first_difference",
]

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from typing import Any

import attrs

from .datastore import InMemoryDatastore
from .model import DatasetRef

_SHOWN = 10
_MAX_DEPTH = 100
_BLOCK = 1024  # sequence items compared at once before looking at each


# -- where two values differ ----------------------------------------------------


class _Missing:
    """The type of `MISSING`."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""What a `Difference` holds for a side without the index or key."""


@attrs.frozen
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
                f"only {side} has {_set_text(items, width)}"
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
        text = _cut(_repr(value), width)
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
        if attrs.has(kind):
            return _fields(
                got, expected, path, depth, active,
                ((field.name, field.eq_key) for field in attrs.fields(kind) if field.eq),
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


def _repr(value: Any) -> str:
    try:
        return repr(value)
    except Exception as err:  # a broken or too deeply nested repr must not hide the failure
        return f"<{type(value).__qualname__}: repr raised {type(err).__name__}>"


def _cut(text: str, width: int | None) -> str:
    return text if width is None or len(text) <= width else text[: width - 3] + "..."


def _set_text(items: frozenset[Any], width: int | None) -> str:
    try:
        ordered: list[Any] = sorted(items)
    except TypeError:
        ordered = sorted(items, key=_repr)
    return _cut("{" + ", ".join(_repr(item) for item in ordered) + "}", width)


# -- the helpers ------------------------------------------------------------------


def _describe(ref: DatasetRef) -> str:
    datasetType = ref.datasetType
    return (
        f"{datasetType.name} {ref.dataId} (id {ref.id}, storage class "
        f"{datasetType.storageClass.name}, run {ref.run!r})"
    )


_verbosity = 0
"""pytest's assertion verbosity (``-v`` counts); set by the plugin for its run."""

_WIDTH = 300  # each value in a mismatch message, below -vv
_DIFFERENCE_WIDTH = 80  # each value in its "first difference" line, below -vv


def follow_verbosity(config: Any) -> Callable[[], None]:
    """Make the messages follow the assertion verbosity of a pytest ``config``.

    Called by the plugin's ``pytest_configure``; the verbosity is
    ``verbosity_assertions`` if set (pytest 8 and later), else the number of
    ``-v``. Returns what restores the verbosity before, for
    ``config.add_cleanup``: an in-process inner run (pytester's
    ``runpytest``) shares this module with the run around it.
    """
    global _verbosity
    get_verbosity = getattr(config, "get_verbosity", None)
    level = get_verbosity("assertions") if get_verbosity else config.getoption("verbose")
    previous, _verbosity = _verbosity, int(level or 0)

    def restore() -> None:
        global _verbosity
        _verbosity = previous

    return restore


def _compared(got_label: str, got: Any, expected_label: str, expected: Any) -> str:
    """Show two unequal values and where they first differ.

    Below ``-vv`` the values are cut to a readable width, and a last line
    says so; at ``-vv`` and above they are shown whole, as pytest shows its
    own comparisons.
    """
    whole = _verbosity >= 2
    got_text, expected_text = _repr(got), _repr(expected)
    lines = [
        got_label,
        "  " + (got_text if whole else _cut(got_text, _WIDTH)),
        expected_label,
        "  " + (expected_text if whole else _cut(expected_text, _WIDTH)),
    ]
    cut = not whole and max(len(got_text), len(expected_text)) > _WIDTH
    try:
        difference = first_difference(got, expected)
    except Exception:  # a value that breaks the search must not hide the failure
        difference = None
    # At the top level, two values of one type differ just as shown above.
    if difference is not None and (
        difference.path or difference.kind != "value" or type(got) is not type(expected)
    ):
        said = difference.describe(None if whole else _DIFFERENCE_WIDTH)
        lines.append(f"first difference at {difference.where}: {said}")
        cut = cut or (not whole and said != difference.describe())
    if cut:
        lines.append("(values shortened; -vv shows them whole)")
    return "\n".join(lines)


def _near_matches(store: InMemoryDatastore, ref: DatasetRef) -> list[str]:
    """Describe stored refs that share the dataset type or the data ID of ``ref``."""
    lines = []
    for stored in store.stored_refs():
        if stored.id == ref.id:
            lines.append(f"same id stored as {_describe(stored)}")
        elif stored.datasetType.name == ref.datasetType.name and stored.dataId != ref.dataId:
            lines.append(f"same dataset type, other dataId: {stored.dataId} (id {stored.id})")
        elif stored.dataId == ref.dataId and stored.datasetType.name != ref.datasetType.name:
            lines.append(f"same dataId, other dataset type: {stored.datasetType.name} "
                         f"(id {stored.id})")
    if len(lines) > _SHOWN:
        lines[_SHOWN:] = [f"... and {len(lines) - _SHOWN} more"]
    return lines


def _fail(message: str) -> None:
    __tracebackhide__ = True
    raise AssertionError(message)


def _missing_message(store: InMemoryDatastore, ref: DatasetRef, what: str) -> str:
    message = f"{what}: {_describe(ref)} is not stored in {store.name}"
    near = _near_matches(store, ref)
    if near:
        message += "\nstored refs that nearly match:\n  " + "\n  ".join(near)
    else:
        message += f"\n{store.name} holds {len(store.records)} dataset(s); none nearly match"
    return message


def assert_stored(store: InMemoryDatastore, ref: DatasetRef) -> None:
    """Fail unless ``ref`` is stored (trashed but not emptied counts as stored).

    The message lists stored refs with the same dataset type or data ID.
    """
    __tracebackhide__ = True
    if not store.exists(ref):
        _fail(_missing_message(store, ref, "assert_stored"))


def assert_not_stored(store: InMemoryDatastore, ref: DatasetRef) -> None:
    """Fail if ``ref`` is stored; the message says whether it sits in the trash."""
    __tracebackhide__ = True
    if store.exists(ref):
        how = (
            "in its trash (call emptyTrash to delete it)"
            if ref.id in store.bridge.trashed_ids
            else "not trashed"
        )
        _fail(f"assert_not_stored: {_describe(ref)} is stored in {store.name}, {how}")


def assert_trash_empty(store: InMemoryDatastore) -> None:
    """Fail if anything is in the trash; the message lists what."""
    __tracebackhide__ = True
    trashed = store.bridge.trashed_refs()
    if trashed:
        listed = [_describe(ref) for ref in trashed[:_SHOWN]]
        if len(trashed) > _SHOWN:
            listed.append(f"... and {len(trashed) - _SHOWN} more")
        _fail(
            f"assert_trash_empty: {store.name} has {len(trashed)} dataset(s) in the trash:\n  "
            + "\n  ".join(listed)
        )


def assert_consistent(store: InMemoryDatastore) -> None:
    """Fail if the store's datasets, records, related sets and bridge disagree."""
    __tracebackhide__ = True
    problems = store.consistency_problems()
    if problems:
        message = f"assert_consistent: {store.name} is inconsistent:\n  " + "\n  ".join(problems)
        involved = {
            ref.id: ref
            for ref in (*store.stored_refs(), *store.bridge.trashed_refs())
            if any(str(ref.id) in problem for problem in problems)
        }
        if involved:
            message += "\nrefs involved:\n  " + "\n  ".join(
                _describe(ref) for ref in list(involved.values())[:_SHOWN]
            )
        _fail(message)


def assert_roundtrip(
    store: InMemoryDatastore,
    obj: Any,
    ref: DatasetRef,
    *,
    parameters: Mapping[str, Any] | None = None,
    expected: Any = None,
    components: bool = True,
) -> Any:
    """Put ``obj``, then check that it exists, reads back and has a ``mem`` URI.

    Parameters
    ----------
    store : `InMemoryDatastore`
        The store to use.
    obj : `object`
        What to put.
    ref : `DatasetRef`
        Where to put it.
    parameters : mapping, optional
        Read parameters for the ``get``.
    expected : `object`, optional
        What ``get`` must return; by default ``obj`` (after the storage
        class's conversion, with ``parameters`` applied by its delegate).
    components : `bool`, optional
        Also read every component and derived component and compare it with
        what the storage class's delegate takes from ``obj``.

    Returns
    -------
    got : `object`
        What ``get`` returned.

    Raises
    ------
    AssertionError
        If a check fails. When a value read back differs from what was
        expected, the message shows both and where they first differ (see
        `first_difference`); below pytest's ``-vv`` each value is cut to a
        readable width, at ``-vv`` it is shown whole.
    """
    __tracebackhide__ = True
    storageClass = ref.datasetType.storageClass
    store.put(obj, ref)
    if not store.exists(ref):
        _fail(f"assert_roundtrip: after put, {_describe(ref)} does not exist in {store.name}")
    stored = storageClass.coerce_type(obj)
    if expected is None:
        expected = storageClass.delegate().handleParameters(stored, parameters)
    got = store.get(ref, parameters=parameters)
    if got != expected:
        with_parameters = f" with parameters {dict(parameters)}" if parameters else ""
        _fail(
            _compared(
                f"assert_roundtrip: get{with_parameters} of {_describe(ref)} returned",
                got,
                "expected",
                expected,
            )
        )
    if components:
        delegate = storageClass.delegate()
        for name in sorted(storageClass.allComponents()):
            want = delegate.getComponent(stored, name)
            have = store.get(ref.makeComponentRef(name))
            if have != want:
                _fail(
                    _compared(
                        f"assert_roundtrip: component {name!r} of {_describe(ref)} read back as",
                        have,
                        f"but the delegate of {storageClass.name!r} gives",
                        want,
                    )
                )
    uris = store.getURIs(ref)
    every_uri = [uris.primaryURI, *uris.componentURIs.values()]
    for uri in every_uri:
        if uri is None or uri.scheme != "mem":
            _fail(f"assert_roundtrip: {_describe(ref)} has URI {uri!r}; expected a mem:// URI")
    return got


def assert_trash_roundtrip(store: InMemoryDatastore, ref: DatasetRef) -> None:
    """Trash a stored ref and empty it; check every step.

    Checked: the dataset stays readable while trashed; after ``emptyTrash``
    it is gone and out of the trash; other records sharing its artifact are
    kept and still readable.
    """
    __tracebackhide__ = True
    if not store.exists(ref):
        _fail(_missing_message(store, ref, "assert_trash_roundtrip"))
    record = store.records[ref.id]
    siblings = [
        other
        for other in store.stored_refs()
        if other.id != ref.id and store.records[other.id].parentID == record.parentID
    ]
    trashed_before = store.bridge.trashed_ids
    store.trash(ref)
    if not store.exists(ref):
        _fail(f"assert_trash_roundtrip: {_describe(ref)} stopped existing when trashed, "
              "before emptyTrash")
    try:
        store.get(ref)
    except FileNotFoundError:
        _fail(f"assert_trash_roundtrip: {_describe(ref)} cannot be read while in the trash")
    if ref.id not in store.bridge.trashed_ids:
        _fail(f"assert_trash_roundtrip: {_describe(ref)} is not in the trash after trash()")
    store.emptyTrash(refs=[ref])
    if store.exists(ref):
        _fail(f"assert_trash_roundtrip: {_describe(ref)} still exists after emptyTrash")
    left = store.bridge.trashed_ids - (trashed_before - {ref.id})
    if left:
        listed = [_describe(other) for other in store.bridge.trashed_refs() if other.id in left]
        _fail(
            f"assert_trash_roundtrip: after emptyTrash of {_describe(ref)}, the trash of "
            f"{store.name} still holds:\n  " + "\n  ".join(listed)
        )
    for sibling in siblings:
        if not store.exists(sibling):
            _fail(
                f"assert_trash_roundtrip: emptying {_describe(ref)} also removed "
                f"{_describe(sibling)}, which shares its artifact"
            )
        store.get(sibling)
