"""``store.counts``: exact operation counts for known sequences of calls."""

from __future__ import annotations

import pytest

from pytest_memstore import InMemoryDatastore, OperationCounts
from pytest_memstore.datastore.counts import COUNTERS
from tests._helpers import MakeRef

FIELDS = ("put", "get", "get_missing", "exists", "trash", "emptied", "forget", "overwrite",
          "commit", "rollback")


class Boom(Exception):
    """Raised to roll a transaction back."""


def expect(**counts: int) -> dict[str, int]:
    """All fields zero except those given."""
    return {name: counts.get(name, 0) for name in FIELDS}


def test_a_fresh_store_counts_nothing(store: InMemoryDatastore) -> None:
    assert isinstance(store.counts, OperationCounts)
    assert store.counts.as_dict() == expect()


def test_counts_are_per_store(make_ref: MakeRef) -> None:
    first, second = InMemoryDatastore(), InMemoryDatastore()
    first.put({"a": 1}, make_ref())
    assert first.counts.put == 1
    assert second.counts.as_dict() == expect()


def test_put_and_overwrite(store: InMemoryDatastore, make_ref: MakeRef) -> None:
    first, second = make_ref(), make_ref()
    store.put({"a": 1}, first)
    store.put({"a": 2}, second)
    store.put({"a": 3}, first)  # replaces a stored dataset
    store.put({"a": 4}, first)
    assert store.counts.as_dict() == expect(put=4, overwrite=2)


def test_put_after_removal_is_not_an_overwrite(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    ref = make_ref()
    store.put({"a": 1}, ref)
    store.remove(ref)
    store.put({"a": 2}, ref)
    store.forget([ref])
    store.put({"a": 3}, ref)
    assert store.counts.put == 3
    assert store.counts.overwrite == 0


def test_put_over_a_trashed_dataset_is_an_overwrite(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    ref = make_ref()
    store.put({"a": 1}, ref)
    store.trash(ref)
    store.put({"a": 2}, ref)
    assert store.counts.as_dict() == expect(put=2, overwrite=1, trash=1)


def test_failed_puts_count_nothing(make_ref: MakeRef) -> None:
    store = InMemoryDatastore(constraints={"reject": ["rejected"]})
    with pytest.raises(TypeError):
        store.put(42, make_ref())
    with pytest.raises(TypeError):
        store.put({"a": 1}, "not a ref")
    with pytest.raises(Exception, match="reject"):
        store.put({"a": 1}, make_ref("rejected"))
    assert store.counts.as_dict() == expect()


def test_get_counts_only_gets_that_returned(store: InMemoryDatastore, make_ref: MakeRef) -> None:
    ref, missing = make_ref(), make_ref()
    listed = make_ref("listed", storageClass="SliceableList")
    store.put({"a": 1}, ref)
    store.put([1, 2, 3], listed)
    store.get(ref)
    store.get(listed, parameters={"slice": slice(1)})
    store.get(listed.makeComponentRef("counter"))
    store.get(ref, storageClass="Object")
    with pytest.raises(FileNotFoundError):
        store.get(missing)
    with pytest.raises(FileNotFoundError):
        store.get(missing.makeCompositeRef())
    with pytest.raises(KeyError):
        store.get(ref, parameters={"nope": 1})  # raised, but not FileNotFoundError
    with pytest.raises(TypeError):
        store.get(ref, storageClass="String")
    with pytest.raises(TypeError):
        store.get("not a ref")
    assert store.counts.as_dict() == expect(put=2, get=4, get_missing=2)


def test_get_counts_with_copy_on_get(make_ref: MakeRef) -> None:
    store = InMemoryDatastore(copy_on_get=True)
    ref = make_ref()
    store.put({"a": 1}, ref)
    store.get(ref)
    store.get(ref)
    assert store.counts.get == 2


def test_get_of_an_emptied_dataset_is_missing(store: InMemoryDatastore, make_ref: MakeRef) -> None:
    ref = make_ref()
    store.put({"a": 1}, ref)
    store.trash(ref)
    store.get(ref)  # trashed but still there
    store.emptyTrash()
    with pytest.raises(FileNotFoundError):
        store.get(ref)
    assert store.counts.as_dict() == expect(put=1, trash=1, emptied=1, get=1, get_missing=1)


def test_exists_counts_each_ref_asked_about(store: InMemoryDatastore, make_ref: MakeRef) -> None:
    ref, missing = make_ref(), make_ref()
    store.put({"a": 1}, ref)
    store.exists(ref)
    store.exists(missing)
    store.mexists([ref, missing, make_ref()])
    assert store.counts.as_dict() == expect(put=1, exists=5)


def test_trash_counts_refs_newly_moved_to_the_trash(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    first, second, third, missing = make_ref(), make_ref(), make_ref(), make_ref()
    for ref in (first, second, third):
        store.put({"a": 1}, ref)
    store.trash(first)  # 1
    store.trash(first)  # already in the trash: 0
    store.trash([first, second, third])  # 2 new
    store.trash(missing, ignore_errors=True)  # not trashed: 0
    with pytest.raises(FileNotFoundError):
        store.trash(missing)
    assert store.counts.trash == 3
    assert store.counts.emptied == 0


def test_emptied_counts_refs_removed_from_the_trash(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    refs = [make_ref() for _ in range(4)]
    for ref in refs:
        store.put({"a": 1}, ref)
    store.trash(refs[:3])
    store.emptyTrash(dry_run=True)  # changes nothing
    store.emptyTrash(refs=[])  # selects nothing
    assert store.counts.emptied == 0
    store.emptyTrash(refs=[refs[0], refs[3]])  # refs[3] is not trashed
    assert store.counts.emptied == 1
    store.emptyTrash()
    assert store.counts.emptied == 3
    store.emptyTrash()  # nothing left
    assert store.counts.as_dict() == expect(put=4, trash=3, emptied=3)


def test_a_put_that_takes_an_id_out_of_the_trash_is_not_emptied(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    ref = make_ref()
    store.put({"a": 1}, ref)
    store.trash(ref)
    store.put({"a": 2}, ref)
    store.emptyTrash()
    assert store.counts.emptied == 0


def test_remove_counts_a_trash_and_an_emptied(store: InMemoryDatastore, make_ref: MakeRef) -> None:
    ref = make_ref()
    store.put({"a": 1}, ref)
    store.remove(ref)
    with pytest.raises(FileNotFoundError):
        store.remove(ref)
    assert store.counts.as_dict() == expect(put=1, trash=1, emptied=1)


def test_forget_counts_known_datasets_once(store: InMemoryDatastore, make_ref: MakeRef) -> None:
    first, second, trashed = make_ref(), make_ref(), make_ref()
    for ref in (first, second, trashed):
        store.put({"a": 1}, ref)
    store.trash(trashed)
    store.forget([first, trashed])
    store.forget([first])  # already forgotten
    store.forget([make_ref()])  # never known
    store.forget(second)
    assert store.counts.as_dict() == expect(put=3, trash=1, forget=3)


def test_commit_and_rollback_count_each_block(
    store: InMemoryDatastore, make_ref: MakeRef
) -> None:
    with store.transaction():
        store.put({"a": 1}, make_ref())
        with store.transaction():
            pass
        with pytest.raises(Boom), store.transaction():
            store.put({"a": 2}, make_ref())
            raise Boom
    with pytest.raises(Boom), store.transaction():
        with store.transaction():
            pass
        raise Boom
    # Commits: the inner empty block, the outer block, the first inner of
    # the second outer. Rollbacks: the inner raising block, the second outer.
    assert store.counts.commit == 3
    assert store.counts.rollback == 2
    # A put that is rolled back was still a put.
    assert store.counts.put == 2


def test_a_known_sequence_counts_exactly(store: InMemoryDatastore, make_ref: MakeRef) -> None:
    a, b, c, missing = make_ref(), make_ref(), make_ref(), make_ref()
    store.put({"v": 1}, a)
    store.put({"v": 1}, b)
    store.put({"v": 2}, a)  # overwrite
    store.get(a)
    store.get(b)
    with pytest.raises(FileNotFoundError):
        store.get(c)
    store.exists(a)
    store.mexists([b, c])
    with store.transaction():
        store.put({"v": 1}, c)
        store.trash([a, b])
    store.trash(a)  # already trashed
    store.emptyTrash(refs=[a])
    with pytest.raises(Boom), store.transaction():
        store.trash(c)
        raise Boom
    store.forget([b, missing])
    store.remove(c)
    assert store.counts.as_dict() == {
        "put": 4,
        "get": 2,
        "get_missing": 1,
        "exists": 3,
        "trash": 4,  # a, b, c (rolled back, still moved), c again by remove
        "emptied": 2,  # a, then c
        "forget": 1,  # b; missing was never known
        "overwrite": 1,
        "commit": 1,
        "rollback": 1,
    }
    assert store.datasets == {}


# -- one definition: a new counter reaches every part of the report ------------

NEW_COUNTER = (
    '    Counter("relabel", "{} relabelled", busy=True, header="relabels", '
    'legend="times a test relabelled its store"),\n'
)

COUNTER_SUITE = """
    import pytest_memstore

    def test_relabels(memstore):
        assert pytest_memstore.__file__.startswith({root!r})  # the edited copy
        memstore.counts.relabel += 5

    def test_puts(memstore, memstore_ref):
        for visit in range(3):
            memstore.put({{"x": visit}}, memstore_ref("metric", {{"visit": visit}}))
"""


def test_adding_a_counter_is_one_edit(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Add one counter to a copy of counts.py: JSON, totals, table and ranking follow."""
    monkeypatch.setenv("COLUMNS", "200")  # the totals line on one line
    import json
    import shutil
    import textwrap
    from pathlib import Path

    import pytest_memstore

    package = Path(pytest_memstore.__file__).parent
    copy = pytester.path / "pytest_memstore"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    counts_py = copy / "datastore" / "counts.py"
    source = counts_py.read_text(encoding="utf-8")
    anchor = next(line for line in source.splitlines(keepends=True)
                  if line.startswith('    Counter("rollback", '))
    counts_py.write_text(source.replace(anchor, anchor + NEW_COUNTER), encoding="utf-8")
    pytester.makepyfile(
        test_counter=textwrap.dedent(COUNTER_SUITE.format(root=str(pytester.path)))
    )

    # The subprocess has pytester.path first on its path: it imports the copy.
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--memstore-report", "--memstore-report=json:report.json"
    )
    result.assert_outcomes(passed=2)
    document = json.loads((pytester.path / "report.json").read_text(encoding="utf-8"))
    assert list(document["totals"]) == [
        "stores", *FIELDS, "relabel", "left_datasets", "left_trash"
    ]
    assert document["totals"]["relabel"] == 5
    result.stdout.fnmatch_lines(
        [
            "2 test(s) used 2 store(s): 3 put, *, 0 rollback, 5 relabelled; left 3 dataset(s), *",
            "busiest tests (top 2 of 2, by operations):",
            "nodeid * stores * put * relabels * left",
            "-*",
            "test_counter.py::test_relabels * 1 * 0 * 5 * 0",  # 5 relabels beat 3 puts
            "test_counter.py::test_puts * 1 * 3 * 0 * 3",
            "(relabels: times a test relabelled its store; left: *)",
        ]
    )


def test_operation_counts_stay_plain_slotted_integers() -> None:
    counts = OperationCounts()
    assert not hasattr(counts, "__dict__")  # slotted: increments stay as cheap as they were
    assert tuple(counter.name for counter in COUNTERS) == FIELDS
    # Every counter is a declared int field, in the counters' order.
    assert tuple(OperationCounts.__annotations__) == FIELDS
    assert set(OperationCounts.__annotations__.values()) == {"int"}
    counts.put += 2
    assert counts.as_dict() == expect(put=2)


def test_operation_counts_compare_and_show_by_value() -> None:
    assert OperationCounts(put=2, get=1) == OperationCounts(get=1, put=2)
    assert OperationCounts(put=2) != OperationCounts(put=3)
    assert repr(OperationCounts(trash=4)) == (
        "OperationCounts(put=0, get=0, get_missing=0, exists=0, trash=4, emptied=0, "
        "forget=0, overwrite=0, commit=0, rollback=0)"
    )
    with pytest.raises(TypeError, match="No such counter: puts"):
        OperationCounts(puts=1)


def test_a_new_stores_counts_are_all_zero_and_count_gets_and_exists(make_ref: MakeRef) -> None:
    store = InMemoryDatastore()
    assert store.counts.as_dict() == expect()  # every field set, none forgotten
    ref = make_ref()
    store.put({"a": 1}, ref)
    store.get(ref)
    store.exists(ref)
    store.counts.get += 2  # assignable, as on OperationCounts
    store.get(ref)
    assert store.counts.as_dict() == expect(put=1, get=4, exists=1)
    assert isinstance(store.counts, OperationCounts)
