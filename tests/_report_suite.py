"""A known suite for the report tests: what each test does, and what it must count.

Shared by ``test_report.py`` (serial) and ``test_report_xdist.py`` (``-n 2``).
Two files, so that ``--dist loadfile`` gives each of two workers one file.
The stores that end up in the problems section have fixed names and dataset
IDs, so their messages are the same in every run.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

COUNT_KEYS = (
    "stores", "put", "get", "get_missing", "exists", "trash", "emptied", "forget", "overwrite",
    "commit", "rollback", "left_datasets", "left_trash",
)
"""The count keys of the JSON report, in the documented order (written out, not imported)."""

KNOWN_A = """
    import pytest

    def test_put_get(memstore, memstore_ref):
        a = memstore_ref("metric", {"visit": 1})
        b = memstore_ref("metric", {"visit": 2})
        absent = memstore_ref("metric", {"visit": 3})
        memstore.put({"x": 1}, a)
        memstore.put({"x": 2}, b)
        memstore.put({"x": 3}, a)  # an overwrite
        assert memstore.get(a) == {"x": 3}
        assert memstore.get(b) == {"x": 2}
        with pytest.raises(FileNotFoundError):
            memstore.get(absent)
        assert memstore.exists(a)
        assert not memstore.exists(absent)

    def test_transactions(memstore, memstore_ref):
        a = memstore_ref("metric", {"visit": 1})
        b = memstore_ref("metric", {"visit": 2})
        with memstore.transaction():
            memstore.put({"x": 1}, a)
        with pytest.raises(RuntimeError), memstore.transaction():
            memstore.put({"x": 2}, b)
            raise RuntimeError("roll back")
        assert not memstore.exists(b)

    def test_trash_and_empty(memstore, memstore_ref):
        refs = [memstore_ref("metric", {"visit": i}) for i in range(3)]
        for i, ref in enumerate(refs):
            memstore.put({"i": i}, ref)
        memstore.trash(refs[0])
        memstore.trash(refs[1:])
        memstore.emptyTrash()

    def test_forget(memstore, memstore_ref):
        a = memstore_ref("metric", {"visit": 1})
        b = memstore_ref("metric", {"visit": 2})
        memstore.put({"x": 1}, a)
        memstore.put({"x": 2}, b)
        memstore.forget([a, b])
        memstore.forget(a)  # already forgotten: nothing to count
"""

KNOWN_B = """
    import uuid

    import pytest

    def test_two_stores(memstore_factory, memstore_ref):
        first = memstore_factory()
        second = memstore_factory()
        ref = memstore_ref("metric", {"visit": 1})
        first.put({"x": 1}, ref)
        second.transfer(first, ref)  # a get from first, a put into second
        assert second.get(ref) == {"x": 1}

    def test_memstore_and_factory(memstore, memstore_factory, memstore_ref):
        extra = memstore_factory()
        ref = memstore_ref("metric", {"visit": 1})
        memstore.put({"x": 1}, ref)
        extra.put({"x": 1}, ref)

    @pytest.mark.memstore(name="leaky")
    def test_leaves_trash(memstore, memstore_ref):
        ref = memstore_ref("metric", {"visit": 1}, id=uuid.UUID(int=1))
        memstore.put({"x": 1}, ref)
        memstore.trash(ref)

    @pytest.mark.memstore(name="corrupt")
    def test_corrupts(memstore, memstore_ref):
        ref = memstore_ref("metric", {"visit": 1}, id=uuid.UUID(int=2))
        memstore.put({"x": 1}, ref)
        del memstore.related[ref.id]

    def test_unused_store(memstore):
        pass

    def test_fails(memstore, memstore_ref):
        memstore.put({"x": 1}, memstore_ref("metric", {"visit": 1}))
        assert False, "fails on purpose"

    def test_no_store():
        pass
"""

OUTCOMES = {"passed": 10, "failed": 1}


def _counts(**nonzero: int) -> dict[str, int]:
    return {key: nonzero.get(key, 0) for key in COUNT_KEYS}


EXPECTED: dict[str, dict[str, int]] = {
    "test_known_a.py::test_put_get": _counts(
        stores=1, put=3, overwrite=1, get=2, get_missing=1, exists=2, left_datasets=2
    ),
    "test_known_a.py::test_transactions": _counts(
        stores=1, put=2, commit=1, rollback=1, exists=1, left_datasets=1
    ),
    "test_known_a.py::test_trash_and_empty": _counts(stores=1, put=3, trash=3, emptied=3),
    "test_known_a.py::test_forget": _counts(stores=1, put=2, forget=2),
    "test_known_b.py::test_two_stores": _counts(stores=2, put=2, get=2, left_datasets=2),
    "test_known_b.py::test_memstore_and_factory": _counts(stores=2, put=2, left_datasets=2),
    "test_known_b.py::test_leaves_trash": _counts(
        stores=1, put=1, trash=1, left_datasets=1, left_trash=1
    ),
    "test_known_b.py::test_corrupts": _counts(stores=1, put=1, left_datasets=1),
    "test_known_b.py::test_unused_store": _counts(stores=1),
    "test_known_b.py::test_fails": _counts(stores=1, put=1, left_datasets=1),
}
"""Every test that used a store, with its exact counts (``test_no_store`` is absent)."""

EXPECTED_PROBLEMS = [
    ("test_known_b.py::test_corrupts", "inconsistent"),
    ("test_known_b.py::test_leaves_trash", "trash"),
]

TOTALS_LINE = (
    "10 test(s) used 12 store(s): 17 put, 4 get, 1 missing get, 3 exists, 4 trashed, "
    "3 emptied, 2 forgotten, 1 overwrite, 1 commit, 1 rollback; left 10 dataset(s), 1 in trash"
)
"""The totals line of the known suite, worked out by hand from `EXPECTED`."""


def write_known_suite(pytester: pytest.Pytester) -> None:
    """Write the two files of the known suite into ``pytester.path``."""
    pytester.makepyfile(
        test_known_a=textwrap.dedent(KNOWN_A), test_known_b=textwrap.dedent(KNOWN_B)
    )


def row_pattern(
    nodeid: str,
    counts: dict[str, int],
    worker: str | None = None,
    keys: tuple[str, ...] = COUNT_KEYS,
) -> str:
    r"""Return a regex for the table row of ``nodeid``: its cells split by spaces.

    ``worker`` is a regex for the worker cell, when the table has that column;
    ``keys`` are the count columns the table shows.
    """
    import re

    cells = [re.escape(nodeid), *([worker] if worker is not None else [])]
    cells += [str(counts[key]) for key in keys]
    return r"^" + r"\s+".join(cells) + r"$"


def sum_counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Return the key-by-key sum of ``rows``."""
    return {key: sum(row[key] for row in rows) for key in COUNT_KEYS}


NAMING_SUITE = {
    "test_names_a": """
        import uuid

        def test_memstore_leaves_trash(memstore, memstore_ref):
            ref = memstore_ref("metric", {"visit": 1}, id=uuid.UUID(int=11))
            memstore.put({"x": 1}, ref)
            memstore.trash(ref)

        def test_builds_unnamed_stores(memstore_factory):
            memstore_factory()
            memstore_factory()
        """,
    "test_names_b": """
        import uuid

        def test_factory_stores(memstore_factory, memstore_ref):
            first = memstore_factory()
            second = memstore_factory()
            archive = memstore_factory(name="archive")
            for n, store in enumerate((second, archive), start=12):
                ref = memstore_ref("metric", {"visit": 1}, id=uuid.UUID(int=n))
                store.put({"x": 1}, ref)
                store.trash(ref)
            ref = memstore_ref("metric", {"visit": 2}, id=uuid.UUID(int=14))
            first.put({"x": 2}, ref)
            del first.related[ref.id]
        """,
}
"""Stores the tests did not name, left with problems; two files for ``--dist loadfile``."""

NAMING_PROBLEMS = [
    ("test_names_a.py::test_memstore_leaves_trash", "trash",
     "memstore was left with 1 dataset(s) in the trash (call emptyTrash)"),
    ("test_names_b.py::test_factory_stores", "inconsistent",
     "memstore_factory#1 is inconsistent: record 00000000-0000-0000-0000-00000000000e is not "
     "listed under 00000000-0000-0000-0000-00000000000e; artifact "
     "00000000-0000-0000-0000-00000000000e has no record"),
    ("test_names_b.py::test_factory_stores", "trash",
     "memstore_factory#2 was left with 1 dataset(s) in the trash (call emptyTrash)"),
    ("test_names_b.py::test_factory_stores", "trash",
     "archive was left with 1 dataset(s) in the trash (call emptyTrash)"),
]
"""The problems of `NAMING_SUITE`, in the report's order, whatever order the tests ran in."""


def write_naming_suite(pytester: pytest.Pytester) -> None:
    """Write the two files of `NAMING_SUITE` into ``pytester.path``."""
    pytester.makepyfile(**{name: textwrap.dedent(body) for name, body in NAMING_SUITE.items()})
