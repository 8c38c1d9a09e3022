"""What a test suite did with its stores: per-test counts, problems, rendering."""

from __future__ import annotations

__all__ = ["COUNT_KEYS", "Report", "TestUsage"]

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from .counts import OperationCounts
from .datastore import InMemoryDatastore

OPERATION_KEYS = tuple(field.name for field in attrs.fields(OperationCounts))
COUNT_KEYS = ("stores", *OPERATION_KEYS, "left_datasets", "left_trash")
BUSY_KEYS = ("put", "get", "get_missing", "exists", "trash", "emptied", "forget")
_HEADERS = {"get_missing": "missing", "left_datasets": "left", "left_trash": "in_trash"}
_LEGEND = (
    "(missing: gets of datasets not stored; left: datasets still stored at teardown, "
    "in_trash: of those, left in the trash)"
)
REPORT_VERSION = 1
BUSIEST_SHOWN = 10


@attrs.define
class TestUsage:
    """The stores one test built."""

    __test__ = False  # not a test class, whatever pytest's name patterns say

    stores: list[InMemoryDatastore] = attrs.Factory(list)

    def summarize(self) -> tuple[dict[str, int], list[tuple[str, str]]]:
        """Return the test's counts and its problems as ``(kind, message)`` pairs."""
        counts = dict.fromkeys(COUNT_KEYS, 0)
        counts["stores"] = len(self.stores)
        problems = []
        for store in self.stores:
            for key, value in store.counts.as_dict().items():
                counts[key] += value
            left_trash = len(store.bridge.trashed_ids)
            counts["left_datasets"] += len(store.records)
            counts["left_trash"] += left_trash
            if left_trash:
                problems.append(
                    ("trash", f"{store.name} was left with {left_trash} dataset(s) in the trash "
                              "(call emptyTrash)")
                )
            inconsistent = store.consistency_problems()
            if inconsistent:
                problems.append(
                    ("inconsistent", f"{store.name} is inconsistent: " + "; ".join(inconsistent))
                )
        return counts, problems


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

    def render(self, every_test: bool) -> list[str]:
        """Return the terminal lines: totals, a table of tests, problems."""
        totals = self.totals()
        lines = [_totals_line(len(self.rows), totals)]
        if self.rows:
            if every_test:
                rows, title = self.sorted_rows(), "every test that used a store:"
            else:
                rows = sorted(self.rows.values(), key=_busy_key)[:BUSIEST_SHOWN]
                title = f"busiest tests (top {len(rows)} of {len(self.rows)}, by operations):"
            lines.append("")
            lines.append(title)
            lines.extend(_table(rows, show_worker=any(r["worker"] for r in rows)))
            lines.append(_LEGEND)
        if self.problems:
            lines.append("")
            lines.append(f"problems ({len(self.problems)}):")
            for problem in sorted(self.problems, key=lambda p: (p["nodeid"], p["kind"])):
                lines.append(f"  {problem['nodeid']}: [{problem['kind']}] {problem['message']}")
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
    return (
        f"{tests} test(s) used {totals['stores']} store(s): {totals['put']} put "
        f"({totals['overwrite']} overwrite), {totals['get']} get, {totals['get_missing']} missing "
        f"get, {totals['exists']} exists, {totals['trash']} trashed, {totals['emptied']} emptied, "
        f"{totals['forget']} forgotten, {totals['commit']} commit, {totals['rollback']} rollback; "
        f"left {totals['left_datasets']} dataset(s), {totals['left_trash']} in trash"
    )


def _table(rows: list[dict[str, Any]], show_worker: bool) -> list[str]:
    columns = ["nodeid", *(["worker"] if show_worker else []), *COUNT_KEYS]
    headers = [_HEADERS.get(c, c) for c in columns]
    cells = [[str(row[c]) if row[c] is not None else "-" for c in columns] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]

    def line(values: list[str]) -> str:
        first = values[0].ljust(widths[0])
        rest = (v.rjust(w) for v, w in zip(values[1:], widths[1:], strict=True))
        return "  ".join([first, *rest]).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in cells)]
