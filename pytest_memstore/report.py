"""What a test suite did with its stores: per-test counts, problems, rendering."""

from __future__ import annotations

__all__ = ["COLUMNS", "COUNT_KEYS", "Column", "Report", "TestUsage", "fit"]

import textwrap
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from .datastore.counts import COUNTERS

if TYPE_CHECKING:  # only named: a session imports this module before it builds any store
    from .core.errors import DatasetMutatedError
    from .datastore.store import InMemoryDatastore


@attrs.frozen
class Column:
    """One count of the report: its JSON key, and how the terminal shows it."""

    key: str
    header: str
    phrase: str
    busy: bool = False
    legend: str | None = None


def _operation_columns() -> tuple[Column, ...]:
    """The columns of the operation counters, in their order."""
    return tuple(
        Column(
            key=counter.name,
            header=counter.header or counter.name,
            phrase=counter.phrase,
            busy=counter.busy,
            legend=counter.legend,
        )
        for counter in COUNTERS
    )


OPERATION_COLUMNS = _operation_columns()
COLUMNS: tuple[Column, ...] = (
    Column("stores", "stores", "{} store(s)"),
    *OPERATION_COLUMNS,
    Column("left_datasets", "left", "{} dataset(s)",
           legend="datasets still stored at teardown"),
    Column("left_trash", "in_trash", "{} in trash", legend="of those, left in the trash"),
)
"""Every count of a report row, in the documented order of the JSON keys."""
COUNT_KEYS = tuple(column.key for column in COLUMNS)
BUSY_KEYS = tuple(column.key for column in COLUMNS if column.busy)
REPORT_VERSION = 1
BUSIEST_SHOWN = 10


@attrs.frozen
class _Baseline:
    """A shared store's state when a test started using it."""

    counts: Mapping[str, int]
    records: int
    trash: int
    abandoned: int


_NO_BASELINE = _Baseline({}, 0, 0, 0)


@attrs.define
class TestUsage:
    """The stores one test built, each with the name the report gives it.

    That name does not depend on the order tests run in or on the worker:
    the name the test gave the store, else the fixture's name (``memstore``,
    ``memstore_butler``), else ``memstore_factory#N`` or
    ``memstore_butler_factory#N`` for the test's Nth call of that factory.
    """

    __test__ = False  # not a test class, whatever pytest's name patterns say

    stores: list[tuple[str, InMemoryDatastore]] = attrs.Factory(list)
    failure_log: str = ""
    """The stores' operation logs, kept when the test fails at teardown."""
    baselines: dict[int, _Baseline] = attrs.Factory(dict)
    """For a store that outlives the test (shared by a test repository), its state when
    the test started using it: the test is counted for what it did, not for what was there."""

    def add_shared(self, label: str, store: InMemoryDatastore) -> None:
        """Count a store that other tests use too, from its state now on (once per test)."""
        if id(store) in self.baselines:
            return
        self.baselines[id(store)] = _Baseline(
            store.counts.as_dict(),
            len(store.records),
            len(store.bridge.trashed_ids),
            store.abandoned_transactions,
        )
        self.stores.append((label, store))

    def mutations(self) -> list[tuple[str, DatasetMutatedError]]:
        """Return each changed stored object's error, with the label of its store."""
        return [(label, error) for label, store in self.stores for error in store.mutations()]

    def summarize(
        self,
        repeated_get_threshold: int = 0,
        mutations: Sequence[tuple[str, DatasetMutatedError]] | None = None,
        nodeid: str = "the test",
    ) -> tuple[dict[str, int], list[tuple[str, str]]]:
        """Return the test's counts and its problems as ``(kind, message)`` pairs.

        The kinds: ``trash`` (left unemptied), ``inconsistent``,
        ``open_transaction`` (a transaction left open: a generator
        suspended inside it, or a context manager entered and never exited;
        see `InMemoryDatastore.abandoned_transactions`), ``mutated`` (a
        stored object changed since it was put or handed out),
        ``repeated_get`` (a dataset read more than ``repeated_get_threshold``
        times, when that is above 0) and
        ``unfired_fault`` (a ``fail_next`` that never fired). ``mutations``,
        from `mutations`, saves looking for them again; ``nodeid`` is how
        the messages that name the test name it.
        """
        if mutations is None:
            mutations = self.mutations()
        totals = dict.fromkeys(COUNT_KEYS, 0)
        totals["stores"] = len(self.stores)
        problems = []
        for label, store in self.stores:
            base = self.baselines.get(id(store), _NO_BASELINE)
            for key, value in store.counts.as_dict().items():
                totals[key] += value - base.counts.get(key, 0)
            left_trash = max(0, len(store.bridge.trashed_ids) - base.trash)
            totals["left_datasets"] += max(0, len(store.records) - base.records)
            totals["left_trash"] += left_trash
            if left_trash:
                problems.append(
                    ("trash", f"{label} was left with {left_trash} dataset(s) in the trash "
                              "(call emptyTrash)")
                )
            inconsistent = store.consistency_problems()
            if inconsistent:
                problems.append(
                    ("inconsistent", f"{label} is inconsistent: " + "; ".join(inconsistent))
                )
            problems.extend(_transaction_problems(label, store, nodeid, base.abandoned))
            problems.extend(_tool_problems(label, store, repeated_get_threshold))
        problems.extend(
            ("mutated", error.describe(label, with_id=False)) for label, error in mutations
        )
        return totals, problems


_NEVER_EXITED = "entered with __enter__ and never exited"


def _transaction_problems(
    label: str, store: InMemoryDatastore, nodeid: str, abandoned_before: int = 0
) -> list[tuple[str, str]]:
    """Return the transactions the test left open: those rolled back, those open still."""
    problems = []
    closed = store.abandoned_transactions - abandoned_before
    still_open = store.open_transactions
    if closed == 1:
        problems.append(
            f"a transaction of {nodeid} was left open (in a generator suspended inside it, or "
            f"{_NEVER_EXITED}) and rolled back when it was closed or garbage collected: its "
            "writes are undone"
        )
    elif closed:
        problems.append(
            f"{closed} transactions of {nodeid} were left open (in generators suspended inside "
            f"them, or {_NEVER_EXITED}) and rolled back when they were closed or garbage "
            "collected: their writes are undone"
        )
    if still_open == 1:
        problems.append(
            f"a transaction of {nodeid} was still open at teardown (in a generator suspended "
            f"inside it, or {_NEVER_EXITED}): its writes stay in the store until it is closed, "
            "then are undone"
        )
    elif still_open:
        problems.append(
            f"{still_open} transactions of {nodeid} were still open at teardown (in generators "
            f"suspended inside them, or {_NEVER_EXITED}): their writes stay in the store until "
            "they are closed, then are undone"
        )
    return [("open_transaction", f"{label}: {text}") for text in problems]


def _tool_problems(
    label: str, store: InMemoryDatastore, repeated_get_threshold: int
) -> list[tuple[str, str]]:
    """Return what the power tools of one store found: repeated gets and unfired faults."""
    problems: list[tuple[str, str]] = []
    if repeated_get_threshold > 0:
        problems.extend(
            ("repeated_get",
             f"{label}: {ref.datasetType.name} {ref.dataId} was read {count} times (more than "
             f"memstore_repeated_get_threshold = {repeated_get_threshold})")
            for ref, count in store.repeated_gets(repeated_get_threshold)
        )
    problems.extend(
        ("unfired_fault", f"{label}: {fault.describe(with_id=False)} was armed but never fired")
        for fault in store.armed_faults()
    )
    return problems


@attrs.define
class Report:
    """Rows by test node ID, and problems (a crashed xdist worker is one)."""

    rows: dict[str, dict[str, Any]] = attrs.Factory(dict)
    problems: list[dict[str, str]] = attrs.Factory(list)

    def add(
        self,
        nodeid: str,
        counts: Mapping[str, int],
        problems: Iterable[tuple[str, str]] = (),
        worker: str | None = None,
    ) -> None:
        """Add (or add to) the row of one test."""
        row = self.rows.get(nodeid)
        if row is None:
            row = self.rows[nodeid] = {"nodeid": nodeid, "worker": worker,
                                       **dict.fromkeys(COUNT_KEYS, 0)}
        for key in COUNT_KEYS:
            row[key] += int(counts.get(key, 0))
        self.problems.extend(
            {"nodeid": nodeid, "kind": kind, "message": message} for kind, message in problems
        )

    def add_crashed_worker(self, worker: str) -> None:
        """Record that an xdist worker went down without sending its counts."""
        self.problems.append(
            {
                "nodeid": worker,
                "kind": "worker_crashed",
                "message": f"xdist worker {worker} crashed; the tests it ran are missing "
                "from this report",
            }
        )

    def to_payload(self) -> dict[str, Any]:
        """Return the report as builtins only, for ``workeroutput``."""
        return {
            "tests": [dict(row) for row in self.rows.values()],
            "problems": [dict(problem) for problem in self.problems],
        }

    def merge_payload(self, payload: Mapping[str, Any], worker: str | None) -> None:
        """Merge what an xdist worker sent, tagging its rows with ``worker``."""
        for row in payload.get("tests", ()):
            self.add(row["nodeid"], row, worker=worker)
        self.problems.extend(dict(problem) for problem in payload.get("problems", ()))

    def totals(self) -> dict[str, int]:
        """Return the sum of every row."""
        totals = dict.fromkeys(COUNT_KEYS, 0)
        for row in self.rows.values():
            for key in COUNT_KEYS:
                totals[key] += row[key]
        return totals

    def sorted_rows(self) -> list[dict[str, Any]]:
        """Return the rows ordered by node ID."""
        return [self.rows[nodeid] for nodeid in sorted(self.rows)]

    def to_json(self) -> dict[str, Any]:
        """Return the documented JSON document (``version`` 1)."""
        return {
            "version": REPORT_VERSION,
            "totals": self.totals(),
            "tests": self.sorted_rows(),
            "problems": sorted(self.problems, key=lambda p: (p["nodeid"], p["kind"])),
        }

    def write_json(self, path: Path) -> None:
        """Write `to_json` to ``path``, creating its parent directories.

        Raises
        ------
        OSError
            The file or a parent directory could not be written.
        """
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json_text(self.to_json()), encoding="utf-8")

    def render(self, every_test: bool, width: int | None = None) -> list[str]:
        """Return the terminal lines: totals, a table of tests, problems.

        Parameters
        ----------
        every_test : `bool`
            Show every test (by node ID), not the busiest ten.
        width : `int`, optional
            No line is longer (the terminal's width); unlimited if not given.
            The table leaves out columns that are zero in every row shown;
            when it is still too wide, each test gets a line of its own
            with its counts on the next.
        """
        totals = self.totals()
        lines = fit(_totals_line(len(self.rows), totals), width, indent="  ")
        if self.rows:
            if every_test:
                rows, title = self.sorted_rows(), "every test that used a store:"
            else:
                rows = sorted(self.rows.values(), key=_busy_key)[:BUSIEST_SHOWN]
                title = f"busiest tests (top {len(rows)} of {len(self.rows)}, by operations):"
            columns = [c for c in COLUMNS if any(row[c.key] for row in rows)]
            lines.append("")
            lines.extend(fit(title, width))
            lines.extend(_table(rows, columns, any(r["worker"] for r in rows), width))
            legend = [f"{c.header}: {c.legend}" for c in columns if c.legend]
            if legend:
                lines.extend(fit("(" + "; ".join(legend) + ")", width, indent=" "))
        if self.problems:
            lines.append("")
            lines.append(f"problems ({len(self.problems)}):")
            for problem in sorted(self.problems, key=lambda p: (p["nodeid"], p["kind"])):
                text = f"  {problem['nodeid']}: [{problem['kind']}] {problem['message']}"
                lines.extend(fit(text, width, indent="    "))
        return lines


def json_text(document: Mapping[str, Any]) -> str:
    """Lay a report document out one test and one problem a line.

    Readable, and written with the C encoder: ``indent=`` would switch
    ``json`` to its pure-Python encoder, slow on a suite of thousands.
    """
    import json

    dumps = json.dumps
    lines = ["{", f'  "version": {dumps(document["version"])},']
    lines.append(f'  "totals": {dumps(document["totals"])},')
    for key, comma in (("tests", ","), ("problems", "")):
        rows = [f"    {dumps(row)}" for row in document[key]]
        if rows:
            lines += [f'  "{key}": [', ",\n".join(rows), f"  ]{comma}"]
        else:
            lines.append(f'  "{key}": []{comma}')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _busy_key(row: Mapping[str, Any]) -> tuple[int, str]:
    return (-sum(row[key] for key in BUSY_KEYS), row["nodeid"])


def _totals_line(tests: int, totals: Mapping[str, int]) -> str:
    operations = ", ".join(c.phrase.format(totals[c.key]) for c in OPERATION_COLUMNS)
    return (
        f"{tests} test(s) used {totals['stores']} store(s): {operations}; "
        f"left {totals['left_datasets']} dataset(s), {totals['left_trash']} in trash"
    )


def fit(text: str, width: int | None, indent: str = "") -> list[str]:
    """Return ``text`` as lines of at most ``width`` characters (``None``: one line).

    Lines break at spaces, or inside a word (a node ID) longer than a line;
    continuation lines start with ``indent``.
    """
    if width is None or len(text) <= width:
        return [text]
    if len(indent) * 2 > width:
        indent = ""
    return textwrap.wrap(text, width, subsequent_indent=indent, break_on_hyphens=False)


def _table(
    rows: list[dict[str, Any]], columns: Sequence[Column], show_worker: bool, width: int | None
) -> list[str]:
    headers = ["nodeid", *(["worker"] if show_worker else []), *(c.header for c in columns)]
    keys = ["nodeid", *(["worker"] if show_worker else []), *(c.key for c in columns)]
    cells = [[str(row[k]) if row[k] is not None else "-" for k in keys] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    if width is None or sum(widths) + 2 * (len(widths) - 1) <= width:

        def line(values: list[str]) -> str:
            first = values[0].ljust(widths[0])
            rest = (v.rjust(w) for v, w in zip(values[1:], widths[1:], strict=True))
            return "  ".join([first, *rest]).rstrip()

        return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in cells)]
    # Too wide for the terminal: the node ID on a line of its own, under it
    # what the test did (its counts that are not zero).
    lines = []
    for values in cells:
        lines.extend(fit(values[0], width))
        pairs = zip(headers[1:], values[1:], strict=True)
        counted = ", ".join(f"{header} {value}" for header, value in pairs if value != "0")
        lines.extend(fit("    " + counted, width, indent="    "))
    return lines
