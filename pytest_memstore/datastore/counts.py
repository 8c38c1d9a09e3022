"""Operation counters every datastore keeps, and how the report shows them.

`COUNTERS` is the one definition of the counters: `OperationCounts`'s
fields, the report's JSON keys, its totals line, its table columns and its
"busiest tests" ordering all follow it, in order. To add a counter, add it
to `COUNTERS`, declare it on `OperationCounts` (a test checks that the two
agree), and increment it in the datastore.
"""

from __future__ import annotations

__all__ = ["COUNTERS", "NAMES", "Counter", "OperationCounts", "StoreCounts"]

import operator
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple


class Counter(NamedTuple):
    """One operation counter, and how the report shows it."""

    name: str
    phrase: str
    """How the totals line says it, ``{}`` standing for the count (``"{} trashed"``)."""
    busy: bool
    """Whether it counts toward the "busiest tests" ranking."""
    header: str | None = None
    """The table's column header, when not the name."""
    legend: str | None = None
    """What the header means, for the line under the table."""


COUNTERS: tuple[Counter, ...] = (
    Counter("put", "{} put", busy=True),
    Counter("get", "{} get", busy=True),
    Counter(
        "get_missing", "{} missing get", busy=True, header="missing",
        legend="gets of datasets not stored",
    ),
    Counter("exists", "{} exists", busy=True),
    Counter("trash", "{} trashed", busy=True),
    Counter("emptied", "{} emptied", busy=True),
    Counter("forget", "{} forgotten", busy=True),
    Counter("overwrite", "{} overwrite", busy=False),
    Counter("commit", "{} commit", busy=False),
    Counter("rollback", "{} rollback", busy=False),
)
"""Every counter, in the order the report shows them."""

NAMES = tuple(counter.name for counter in COUNTERS)
"""The counters' names, in order: the fields of `OperationCounts`."""


class OperationCounts:
    """How often a datastore did each thing; plain integers, always on.

    ``get`` counts gets that returned and ``get_missing`` those that raised
    `FileNotFoundError`; ``trash`` counts refs moved to the trash and
    ``emptied`` refs removed from it; ``overwrite`` counts puts that
    replaced a stored dataset. Two are equal when every count is.

    Parameters
    ----------
    **counts : `int`
        Starting values by counter name; 0 for the others.

    Raises
    ------
    TypeError
        A name is not a counter's.
    """

    __slots__ = NAMES

    put: int
    get: int
    get_missing: int
    exists: int
    trash: int
    emptied: int
    forget: int
    overwrite: int
    commit: int
    rollback: int

    def __init__(self, **counts: int) -> None:
        unknown = sorted(set(counts).difference(NAMES))
        if unknown:
            raise TypeError(f"No such counter: {', '.join(unknown)}; the counters: {NAMES}")
        for name in NAMES:
            setattr(self, name, counts.get(name, 0))

    def as_dict(self) -> dict[str, int]:
        """Return the counts as a plain dict, in field order."""
        return {name: getattr(self, name) for name in NAMES}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, OperationCounts):
            return NotImplemented
        return self.as_dict() == other.as_dict()

    __hash__ = None  # type: ignore[assignment]  # changing counts are no dict key

    def __repr__(self) -> str:
        counts = ", ".join(f"{name}={value}" for name, value in self.as_dict().items())
        return f"{type(self).__name__}({counts})"


TICKS = range(sys.maxsize)
"""What a store's tick counters step through: each is ``iter(TICKS)``.

A range iterator is the cheapest object to make whose ``next()`` runs in
C from start to end (no Python code, so no other thread runs in between
while the GIL is held) and whose progress can be read without advancing
it (``__length_hint__``, how many steps are left). `itertools.count`
would do, and takes twice as long to make.
"""


def _ticks_so_far(ticks: Iterator[int]) -> int:
    """Return how often ``next`` has been called on ``ticks``, an ``iter(TICKS)``."""
    return len(TICKS) - operator.length_hint(ticks)


class _Ticked:
    """An `OperationCounts` field read from a tick counter (see `StoreCounts`)."""

    def __init__(self, ticks: str, base: str) -> None:
        self.ticks = ticks
        self.base = base

    def __get__(self, counts: Any, owner: type | None = None) -> Any:
        if counts is None:
            return self
        return _ticks_so_far(getattr(counts, self.ticks)) + getattr(counts, self.base)

    def __set__(self, counts: Any, value: int) -> None:
        setattr(counts, self.base, value - _ticks_so_far(getattr(counts, self.ticks)))


class StoreCounts(OperationCounts):
    """A datastore's `OperationCounts`, whose ``get`` and ``exists`` count ticks.

    The store counts a get or an exists with ``next(gets)`` or
    ``next(exists)``: one call into C, which no other thread can interrupt
    while the GIL is held, so the count stays exact with no lock taken (a
    ``+= 1`` reads, adds and writes back, and two threads can both write
    back the same number). Reading ``get`` or ``exists`` reads the ticks;
    every other field is the plain `int` it is in `OperationCounts`, and
    the store changes those under its lock. Assigning ``get`` or ``exists``
    works as on `OperationCounts` (it is not atomic, as ``+=`` never was).

    Parameters
    ----------
    gets, exists : iterator of `int`
        Fresh tick counters, ``iter(TICKS)``, that the store advances with
        ``next()`` once per get and exists.
    """

    __slots__ = ("_exists_base", "_exists_ticks", "_get_base", "_get_ticks")

    get = _Ticked("_get_ticks", "_get_base")
    exists = _Ticked("_exists_ticks", "_exists_base")

    if TYPE_CHECKING:

        def __init__(self, gets: Iterator[int], exists: Iterator[int]) -> None: ...


def _write_store_counts_init() -> Any:
    """Return `StoreCounts.__init__`, written from the fields as attrs writes ``__init__``.

    It sets the ticked fields' counters and every other field to 0 in one
    function: ``OperationCounts.__init__`` would set the ticked fields
    through `_Ticked` (a store took half as long again to build), and a
    loop of ``setattr`` takes three times as long.
    """
    lines = ["def __init__(self, gets, exists):"]
    for name in NAMES:
        ticked = getattr(StoreCounts, name)
        if isinstance(ticked, _Ticked):
            source = "gets" if name == "get" else name
            lines += [f"    self.{ticked.ticks} = {source}", f"    self.{ticked.base} = 0"]
        else:
            lines.append(f"    self.{name} = 0")
    namespace: dict[str, Any] = {}
    code = compile("\n".join(lines) + "\n", f"<{__name__} StoreCounts.__init__>", "exec")
    exec(code, namespace)
    init = namespace["__init__"]
    init.__qualname__ = "StoreCounts.__init__"
    return init


StoreCounts.__init__ = _write_store_counts_init()  # type: ignore[method-assign]
