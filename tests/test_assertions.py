"""The assertion helpers: what passes, what fails, what the message says."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

from pytest_memstore import (
    DatasetRef,
    DatasetRefURIs,
    ExampleMetrics,
    InMemoryDatastore,
    RefFactory,
    StoredMemoryItemInfo,
    assert_consistent,
    assert_not_stored,
    assert_roundtrip,
    assert_stored,
    assert_trash_empty,
    assert_trash_roundtrip,
    assertions,
)

DUMMY = {"instrument": "DummyCam", "visit": 1}


@pytest.fixture(autouse=True)
def verbosity(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    """Messages as without ``-v``, whatever the verbosity of this run; call to change it."""

    def set_verbosity(level: int) -> None:
        monkeypatch.setattr(assertions, "_verbosity", level)

    set_verbosity(0)
    return set_verbosity


@pytest.fixture
def ref(memstore_ref: RefFactory) -> DatasetRef:
    return memstore_ref("metric", DUMMY)


@pytest.fixture
def metrics() -> ExampleMetrics:
    return ExampleMetrics(
        summary={"AM1": 5.2, "AM2": 30.6},
        output={"a": [1, 2, 3], "b": {"blue": 5}},
        data=[563, 234, 456.7, 752, 8, 9, 27],
    )


def failure(helper: Callable[..., Any], *args: Any, **kwargs: Any) -> str:
    """Call ``helper``, which must fail, and return its message."""
    with pytest.raises(AssertionError) as excinfo:
        helper(*args, **kwargs)
    return str(excinfo.value)


def assert_names(message: str, ref: DatasetRef) -> None:
    """The message names the ref's dataset type, its data ID and its ID."""
    __tracebackhide__ = True
    for part in (ref.datasetType.name, str(ref.dataId), str(ref.id)):
        assert part in message, f"{part!r} missing from:\n{message}"


def add_sibling(store: InMemoryDatastore, ref: DatasetRef, sibling: DatasetRef) -> None:
    """Record ``sibling`` as sharing the artifact stored under ``ref``."""
    storageClass = sibling.datasetType.storageClass
    store.addStoredItemInfo(
        [sibling],
        [StoredMemoryItemInfo(time.time(), storageClass, parentID=ref.id, dataset_id=sibling.id)],
    )


# -- assert_stored --------------------------------------------------------------


def test_assert_stored_passes_for_a_stored_ref(
    memstore: InMemoryDatastore, ref: DatasetRef
) -> None:
    memstore.put({"a": 1}, ref)
    assert_stored(memstore, ref)


def test_assert_stored_passes_for_a_trashed_ref_not_yet_emptied(
    memstore: InMemoryDatastore, ref: DatasetRef
) -> None:
    memstore.put({"a": 1}, ref)
    memstore.trash(ref)
    assert_stored(memstore, ref)


def test_assert_stored_on_an_empty_store_says_what_it_found(
    memstore: InMemoryDatastore, ref: DatasetRef
) -> None:
    message = failure(assert_stored, memstore, ref)
    assert message.startswith("assert_stored: ")
    assert_names(message, ref)
    assert f"is not stored in {memstore.name}" in message
    assert "holds 0 dataset(s); none nearly match" in message


def test_assert_stored_lists_the_stored_refs_that_nearly_match(
    memstore: InMemoryDatastore, memstore_ref: RefFactory, ref: DatasetRef
) -> None:
    other_visit = memstore_ref("metric", {"instrument": "DummyCam", "visit": 2})
    other_type = memstore_ref("calexp", DUMMY)
    unrelated = memstore_ref("bias", {"instrument": "OtherCam", "visit": 9})
    for stored in (other_visit, other_type, unrelated):
        memstore.put({"a": 1}, stored)

    message = failure(assert_stored, memstore, ref)

    assert_names(message, ref)
    assert "stored refs that nearly match:" in message
    assert (
        f"same dataset type, other dataId: {other_visit.dataId} (id {other_visit.id})" in message
    )
    assert f"same dataId, other dataset type: calexp (id {other_type.id})" in message
    assert str(unrelated.id) not in message
    assert "none nearly match" not in message


def test_assert_stored_shortens_a_long_list_of_near_matches(
    memstore: InMemoryDatastore, memstore_ref: RefFactory, ref: DatasetRef
) -> None:
    for visit in range(2, 15):
        memstore.put({}, memstore_ref("metric", {"instrument": "DummyCam", "visit": visit}))
    message = failure(assert_stored, memstore, ref)
    assert message.count("same dataset type, other dataId") == 10
    assert "... and 3 more" in message


def test_assert_stored_fails_after_the_trash_is_emptied(
    memstore: InMemoryDatastore, ref: DatasetRef
) -> None:
    memstore.put({"a": 1}, ref)
    memstore.trash(ref)
    memstore.emptyTrash()
    assert_names(failure(assert_stored, memstore, ref), ref)


# -- assert_not_stored ----------------------------------------------------------


def test_assert_not_stored_passes_for_a_ref_never_put(
    memstore: InMemoryDatastore, ref: DatasetRef
) -> None:
    assert_not_stored(memstore, ref)


def test_assert_not_stored_passes_once_the_trash_is_emptied(
    memstore: InMemoryDatastore, ref: DatasetRef
) -> None:
    memstore.put({"a": 1}, ref)
    memstore.trash(ref)
    memstore.emptyTrash()
    assert_not_stored(memstore, ref)


def test_assert_not_stored_says_the_ref_is_stored(
    memstore: InMemoryDatastore, ref: DatasetRef
) -> None:
    memstore.put({"a": 1}, ref)
    message = failure(assert_not_stored, memstore, ref)
    assert message.startswith("assert_not_stored: ")
    assert_names(message, ref)
    assert f"is stored in {memstore.name}, not trashed" in message


def test_assert_not_stored_says_the_ref_sits_in_the_trash(
    memstore: InMemoryDatastore, ref: DatasetRef
) -> None:
    memstore.put({"a": 1}, ref)
    memstore.trash(ref)
    message = failure(assert_not_stored, memstore, ref)
    assert_names(message, ref)
    assert f"is stored in {memstore.name}, in its trash (call emptyTrash to delete it)" in message


# -- assert_trash_empty ---------------------------------------------------------


def test_assert_trash_empty_passes_with_stored_but_untrashed_data(
    memstore: InMemoryDatastore, ref: DatasetRef
) -> None:
    assert_trash_empty(memstore)
    memstore.put({"a": 1}, ref)
    assert_trash_empty(memstore)


def test_assert_trash_empty_lists_what_is_in_the_trash(
    memstore: InMemoryDatastore, memstore_ref: RefFactory, ref: DatasetRef
) -> None:
    kept = memstore_ref("calexp", DUMMY)
    memstore.put({"a": 1}, ref)
    memstore.put({"a": 1}, kept)
    memstore.trash(ref)

    message = failure(assert_trash_empty, memstore)

    assert message.startswith(f"assert_trash_empty: {memstore.name} has 1 dataset(s) in the trash")
    assert_names(message, ref)
    assert str(kept.id) not in message


def test_assert_trash_empty_shortens_a_long_trash(
    memstore: InMemoryDatastore, memstore_ref: RefFactory
) -> None:
    refs = [memstore_ref("metric", {"visit": visit}) for visit in range(12)]
    for each in refs:
        memstore.put({}, each)
    memstore.trash(refs)
    message = failure(assert_trash_empty, memstore)
    assert "has 12 dataset(s) in the trash" in message
    assert sum(str(each.id) in message for each in refs) == 10
    assert "... and 2 more" in message


# -- assert_consistent ----------------------------------------------------------


def test_assert_consistent_passes_through_put_trash_empty_and_siblings(
    memstore: InMemoryDatastore, memstore_ref: RefFactory, ref: DatasetRef
) -> None:
    assert_consistent(memstore)
    memstore.put({"a": 1}, ref)
    add_sibling(memstore, ref, memstore_ref("sibling", DUMMY))
    assert_consistent(memstore)
    memstore.trash(ref)
    memstore.emptyTrash()
    assert_consistent(memstore)


def test_assert_consistent_names_the_problem_and_the_ref(
    memstore: InMemoryDatastore, ref: DatasetRef
) -> None:
    memstore.put({"a": 1}, ref)
    del memstore.datasets[ref.id]  # the record now points at a missing artifact

    message = failure(assert_consistent, memstore)

    assert message.startswith(f"assert_consistent: {memstore.name} is inconsistent:")
    assert f"record {ref.id}: artifact {ref.id} is missing" in message
    assert_names(message, ref)


def test_assert_consistent_reports_an_artifact_without_a_record(
    memstore: InMemoryDatastore,
) -> None:
    orphan = uuid.uuid4()
    memstore.datasets[orphan] = {"a": 1}
    message = failure(assert_consistent, memstore)
    assert f"artifact {orphan} has no record" in message


# -- assert_roundtrip -----------------------------------------------------------


def test_assert_roundtrip_puts_and_returns_what_get_returned(
    memstore: InMemoryDatastore, ref: DatasetRef
) -> None:
    got = assert_roundtrip(memstore, {"a": 1}, ref)
    assert got == {"a": 1}
    assert memstore.exists(ref)
    assert memstore.get(ref) == {"a": 1}


def test_assert_roundtrip_compares_with_the_converted_object(
    memstore: InMemoryDatastore, memstore_ref: RefFactory
) -> None:
    ref = memstore_ref("table", DUMMY, "SliceableList")
    assert assert_roundtrip(memstore, (1, 2, 3), ref) == [1, 2, 3]


def test_assert_roundtrip_applies_parameters_with_the_delegate(
    memstore: InMemoryDatastore, memstore_ref: RefFactory
) -> None:
    ref = memstore_ref("table", DUMMY, "SliceableList")
    got = assert_roundtrip(memstore, [1, 2, 3, 4, 5], ref, parameters={"slice": slice(1, 3)})
    assert got == [2, 3]


def test_assert_roundtrip_with_parameters_and_expected(
    memstore: InMemoryDatastore, memstore_ref: RefFactory
) -> None:
    ref = memstore_ref("table", DUMMY, "SliceableList")
    selection = {"slice": slice(None, None, 2)}
    assert assert_roundtrip(memstore, [1, 2, 3, 4, 5], ref, parameters=selection,
                            expected=[1, 3, 5]) == [1, 3, 5]


def test_assert_roundtrip_fails_when_get_differs_from_expected(
    memstore: InMemoryDatastore, memstore_ref: RefFactory
) -> None:
    ref = memstore_ref("table", DUMMY, "SliceableList")
    message = failure(
        assert_roundtrip, memstore, [1, 2, 3, 4], ref, parameters={"slice": slice(0, 2)},
        expected=[1, 2, 3],
    )
    assert message.startswith("assert_roundtrip: get with parameters {'slice': slice(0, 2, None)}")
    assert_names(message, ref)
    assert "returned\n  [1, 2]\nexpected\n  [1, 2, 3]" in message


def test_assert_roundtrip_fails_when_get_returns_something_else(
    memstore: InMemoryDatastore, ref: DatasetRef, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(memstore, "get", lambda ref, parameters=None: {"changed": True})
    message = failure(assert_roundtrip, memstore, {"a": 1}, ref)
    assert_names(message, ref)
    assert "returned\n  {'changed': True}\nexpected\n  {'a': 1}" in message
    assert "with parameters" not in message


def test_assert_roundtrip_shortens_long_values(
    memstore: InMemoryDatastore, memstore_ref: RefFactory
) -> None:
    ref = memstore_ref("table", DUMMY, "SliceableList")
    message = failure(assert_roundtrip, memstore, list(range(1000)), ref, expected=[])
    assert "..." in message
    assert len(message) < 1000


def test_assert_roundtrip_fails_when_the_put_does_not_exist(
    memstore: InMemoryDatastore, ref: DatasetRef, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(memstore, "exists", lambda ref: False)
    message = failure(assert_roundtrip, memstore, {"a": 1}, ref)
    assert_names(message, ref)
    assert f"after put, {ref.datasetType.name}" in message
    assert f"does not exist in {memstore.name}" in message


def test_assert_roundtrip_checks_every_component_of_a_composite(
    memstore: InMemoryDatastore,
    memstore_ref: RefFactory,
    metrics: ExampleMetrics,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ref = memstore_ref("metric", DUMMY, "ExampleComposite")
    read: list[str | None] = []
    real_get = memstore.get

    def recording_get(ref: DatasetRef, parameters: Any = None) -> Any:
        read.append(ref.datasetType.component())
        return real_get(ref, parameters=parameters)

    monkeypatch.setattr(memstore, "get", recording_get)
    assert assert_roundtrip(memstore, metrics, ref) == metrics
    assert sorted(c for c in read if c is not None) == ["counter", "data", "output", "summary"]


def test_assert_roundtrip_without_components_reads_only_the_composite(
    memstore: InMemoryDatastore,
    memstore_ref: RefFactory,
    metrics: ExampleMetrics,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ref = memstore_ref("metric", DUMMY, "ExampleComposite")
    read: list[DatasetRef] = []
    real_get = memstore.get

    def recording_get(ref: DatasetRef, parameters: Any = None) -> Any:
        read.append(ref)
        return real_get(ref, parameters=parameters)

    monkeypatch.setattr(memstore, "get", recording_get)
    assert_roundtrip(memstore, metrics, ref, components=False)
    assert read == [ref]


@pytest.mark.parametrize(
    ("component", "wrong"),
    [("summary", {"AM1": 0.0}), ("output", {}), ("data", [1]), ("counter", 99)],
)
def test_assert_roundtrip_fails_when_a_component_differs_from_the_delegate(
    memstore: InMemoryDatastore,
    memstore_ref: RefFactory,
    metrics: ExampleMetrics,
    monkeypatch: pytest.MonkeyPatch,
    component: str,
    wrong: Any,
) -> None:
    message, ref = component_failure(
        memstore, memstore_ref, metrics, monkeypatch, component, wrong
    )

    assert message.startswith(f"assert_roundtrip: component {component!r} of metric")
    assert_names(message, ref)
    want = {
        "summary": metrics.summary, "output": metrics.output, "data": metrics.data,
        "counter": len(metrics.data or []),
    }[component]
    assert f"read back as\n  {wrong!r}\n" in message
    assert f"but the delegate of 'ExampleComposite' gives\n  {want!r}" in message


def test_assert_roundtrip_with_a_slice_on_a_composite(
    memstore: InMemoryDatastore, memstore_ref: RefFactory, metrics: ExampleMetrics
) -> None:
    ref = memstore_ref("metric", DUMMY, "ExampleComposite")
    got = assert_roundtrip(memstore, metrics, ref, parameters={"slice": slice(0, 2)})
    assert got.data == [563, 234]
    assert got.summary == metrics.summary


class _FileURI:
    scheme = "file"

    def __repr__(self) -> str:
        return "FileURI('file:///tmp/x')"


def test_assert_roundtrip_fails_on_a_uri_that_is_not_mem(
    memstore: InMemoryDatastore, ref: DatasetRef, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        memstore, "getURIs", lambda ref, predict=False: DatasetRefURIs(_FileURI(), {})  # type: ignore[arg-type]
    )
    message = failure(assert_roundtrip, memstore, {"a": 1}, ref)
    assert_names(message, ref)
    assert "has URI FileURI('file:///tmp/x'); expected a mem:// URI" in message


def test_assert_roundtrip_checks_component_uris_too(
    memstore: InMemoryDatastore, ref: DatasetRef, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_getURIs = memstore.getURIs

    def with_component(ref: DatasetRef, predict: bool = False) -> DatasetRefURIs:
        primary, _ = real_getURIs(ref, predict)
        return DatasetRefURIs(primary, {"summary": _FileURI()})  # type: ignore[dict-item]

    monkeypatch.setattr(memstore, "getURIs", with_component)
    message = failure(assert_roundtrip, memstore, {"a": 1}, ref)
    assert "has URI FileURI('file:///tmp/x')" in message


# -- assert_roundtrip: where the values differ --------------------------------------


def long_lists() -> tuple[list[int], list[int]]:
    """Two lists of 100,000 items that differ only at index 50,000: 7 and 8."""
    got, expected = list(range(100_000)), list(range(100_000))
    got[50_000], expected[50_000] = 7, 8
    return got, expected


def test_assert_roundtrip_says_where_long_values_first_differ(
    memstore: InMemoryDatastore, memstore_ref: RefFactory
) -> None:
    ref = memstore_ref("table", DUMMY, "SliceableList")
    got, expected = long_lists()
    message = failure(assert_roundtrip, memstore, got, ref, expected=expected)
    assert_names(message, ref)
    assert message.endswith(
        "\nfirst difference at [50000]: got 7, expected 8"
        "\n(values shortened; -vv shows them whole)"
    )
    assert "49999, 7, 50001" not in message
    assert len(message) < 1200


@pytest.mark.parametrize("level", [0, 1])
def test_below_vv_the_values_are_cut(
    memstore: InMemoryDatastore,
    memstore_ref: RefFactory,
    verbosity: Callable[[int], None],
    level: int,
) -> None:
    verbosity(level)
    ref = memstore_ref("table", DUMMY, "SliceableList")
    got, expected = long_lists()
    message = failure(assert_roundtrip, memstore, got, ref, expected=expected)
    assert len(message) < 1200
    assert "-vv shows them whole" in message


@pytest.mark.parametrize("level", [2, 3])
def test_at_vv_the_values_are_shown_whole(
    memstore: InMemoryDatastore,
    memstore_ref: RefFactory,
    verbosity: Callable[[int], None],
    level: int,
) -> None:
    verbosity(level)
    ref = memstore_ref("table", DUMMY, "SliceableList")
    got, expected = long_lists()
    message = failure(assert_roundtrip, memstore, got, ref, expected=expected)
    assert f"returned\n  {got!r}\nexpected\n  {expected!r}\n" in message
    assert message.endswith("\nfirst difference at [50000]: got 7, expected 8")


def test_the_difference_line_cuts_long_values_below_vv(
    memstore: InMemoryDatastore, memstore_ref: RefFactory, verbosity: Callable[[int], None]
) -> None:
    ref = memstore_ref("table", DUMMY, "SliceableList")
    got, expected = ["x" * 100], ["y" * 100]
    message = failure(assert_roundtrip, memstore, got, ref, expected=expected)
    assert f"returned\n  {got!r}\nexpected\n  {expected!r}\n" in message  # short enough
    cut_x, cut_y = "'" + "x" * 76 + "...", "'" + "y" * 76 + "..."  # each repr in 80 characters
    assert message.endswith(
        f"\nfirst difference at [0]: got {cut_x}, expected {cut_y}"
        "\n(values shortened; -vv shows them whole)"
    )
    verbosity(2)
    message = failure(assert_roundtrip, memstore, got, ref, expected=expected)
    assert message.endswith(f"first difference at [0]: got {'x' * 100!r}, expected {'y' * 100!r}")


def test_the_difference_line_names_a_missing_key(
    memstore: InMemoryDatastore, ref: DatasetRef, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(memstore, "get", lambda ref, parameters=None: {"a": 1, "b": 2})
    message = failure(assert_roundtrip, memstore, {"a": 1}, ref)
    assert message.endswith("\nfirst difference at ['b']: got 2, expected has no such key")


def test_the_difference_line_names_types_that_differ(
    memstore: InMemoryDatastore, memstore_ref: RefFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = memstore_ref("table", DUMMY, "SliceableList")
    monkeypatch.setattr(memstore, "get", lambda ref, parameters=None: (1, 2))
    message = failure(assert_roundtrip, memstore, [1, 2], ref)
    assert message.endswith(
        "\nfirst difference at the top level: got (1, 2) (tuple), expected [1, 2] (list)"
    )


class BrokenMapping(Mapping[str, Any]):
    """A mapping whose items cannot be read."""

    def __getitem__(self, key: str) -> Any:
        raise RuntimeError("unreadable")

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError("unreadable")

    def __len__(self) -> int:
        return 1

    def __eq__(self, other: object) -> bool:
        return False

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "BrokenMapping()"


def test_a_value_that_breaks_the_search_still_fails_with_its_message(
    memstore: InMemoryDatastore, ref: DatasetRef, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(memstore, "get", lambda ref, parameters=None: BrokenMapping())
    message = failure(assert_roundtrip, memstore, {"a": 1}, ref)
    assert message.endswith("returned\n  BrokenMapping()\nexpected\n  {'a': 1}")


def component_failure(
    store: InMemoryDatastore,
    memstore_ref: RefFactory,
    metrics: ExampleMetrics,
    monkeypatch: pytest.MonkeyPatch,
    component: str,
    wrong: Any,
) -> tuple[str, DatasetRef]:
    """The message of assert_roundtrip, and its ref, when ``component`` reads back as ``wrong``."""
    ref = memstore_ref("metric", DUMMY, "ExampleComposite")
    real_get = store.get

    def broken_get(ref: DatasetRef, parameters: Any = None) -> Any:
        if ref.datasetType.component() == component:
            return wrong
        return real_get(ref, parameters=parameters)

    monkeypatch.setattr(store, "get", broken_get)
    return failure(assert_roundtrip, store, metrics, ref), ref


@pytest.mark.parametrize(
    ("component", "wrong", "line"),
    [
        ("summary", {"AM1": 0.0}, "first difference at ['AM1']: got 0.0, expected 5.2"),
        ("output", {}, "first difference at ['a']: got has no such key, expected [1, 2, 3]"),
        (
            "data", [563, 234],
            "first difference at [2]: got has no item (length 2), expected 456.7 (length 7)",
        ),
    ],
)
def test_a_component_mismatch_says_where_it_first_differs(
    memstore: InMemoryDatastore,
    memstore_ref: RefFactory,
    metrics: ExampleMetrics,
    monkeypatch: pytest.MonkeyPatch,
    component: str,
    wrong: Any,
    line: str,
) -> None:
    message, _ = component_failure(
        memstore, memstore_ref, metrics, monkeypatch, component, wrong
    )
    assert message.endswith(f"\n{line}")


def test_no_difference_line_for_two_plain_values_of_one_type(
    memstore: InMemoryDatastore,
    memstore_ref: RefFactory,
    metrics: ExampleMetrics,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message, _ = component_failure(memstore, memstore_ref, metrics, monkeypatch, "counter", 99)
    assert message.endswith("read back as\n  99\nbut the delegate of 'ExampleComposite' gives\n  7")


# -- assert_trash_roundtrip -----------------------------------------------------


def test_assert_trash_roundtrip_leaves_the_ref_gone_and_the_trash_empty(
    memstore: InMemoryDatastore, memstore_ref: RefFactory, ref: DatasetRef
) -> None:
    other = memstore_ref("calexp", DUMMY)
    memstore.put({"a": 1}, ref)
    memstore.put({"b": 2}, other)
    assert_trash_roundtrip(memstore, ref)
    assert not memstore.exists(ref)
    assert memstore.bridge.trashed_ids == frozenset()
    assert memstore.get(other) == {"b": 2}
    assert_consistent(memstore)


def test_assert_trash_roundtrip_keeps_siblings_sharing_the_artifact(
    memstore: InMemoryDatastore, memstore_ref: RefFactory, ref: DatasetRef
) -> None:
    sibling = memstore_ref("sibling", DUMMY)
    memstore.put({"a": 1}, ref)
    add_sibling(memstore, ref, sibling)
    assert_trash_roundtrip(memstore, ref)
    assert not memstore.exists(ref)
    assert memstore.get(sibling) == {"a": 1}


def test_assert_trash_roundtrip_leaves_other_trashed_refs_alone(
    memstore: InMemoryDatastore, memstore_ref: RefFactory, ref: DatasetRef
) -> None:
    waiting = memstore_ref("calexp", DUMMY)
    memstore.put({"a": 1}, ref)
    memstore.put({"a": 1}, waiting)
    memstore.trash(waiting)
    assert_trash_roundtrip(memstore, ref)
    assert memstore.bridge.trashed_ids == {waiting.id}


def test_assert_trash_roundtrip_of_a_missing_ref_lists_near_matches(
    memstore: InMemoryDatastore, memstore_ref: RefFactory, ref: DatasetRef
) -> None:
    near = memstore_ref("metric", {"instrument": "DummyCam", "visit": 2})
    memstore.put({"a": 1}, near)
    message = failure(assert_trash_roundtrip, memstore, ref)
    assert message.startswith("assert_trash_roundtrip: ")
    assert_names(message, ref)
    assert f"same dataset type, other dataId: {near.dataId} (id {near.id})" in message


def test_assert_trash_roundtrip_fails_if_emptying_removed_a_sibling(
    memstore: InMemoryDatastore,
    memstore_ref: RefFactory,
    ref: DatasetRef,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sibling = memstore_ref("sibling", DUMMY)
    memstore.put({"a": 1}, ref)
    add_sibling(memstore, ref, sibling)
    real_emptyTrash = memstore.emptyTrash

    def greedy_emptyTrash(**kwargs: Any) -> set[Any]:
        real_emptyTrash(**kwargs)
        memstore.forget([sibling])
        return set()

    monkeypatch.setattr(memstore, "emptyTrash", greedy_emptyTrash)
    message = failure(assert_trash_roundtrip, memstore, ref)

    assert_names(message, ref)
    assert_names(message, sibling)
    assert "also removed sibling" in message
    assert message.endswith("which shares its artifact")


@pytest.mark.parametrize(
    ("method", "fault", "expected"),
    [
        pytest.param(
            "trash", lambda store, ref: store.forget([ref]),
            "stopped existing when trashed, before emptyTrash", id="trash-deletes",
        ),
        pytest.param(
            "trash", lambda store, ref: None,
            "is not in the trash after trash()", id="trash-does-nothing",
        ),
        pytest.param(
            "emptyTrash", lambda store, ref: None,
            "still exists after emptyTrash", id="emptyTrash-does-nothing",
        ),
    ],
)
def test_assert_trash_roundtrip_fails_when_a_step_misbehaves(
    memstore: InMemoryDatastore,
    ref: DatasetRef,
    monkeypatch: pytest.MonkeyPatch,
    method: str,
    fault: Callable[[InMemoryDatastore, DatasetRef], None],
    expected: str,
) -> None:
    memstore.put({"a": 1}, ref)
    monkeypatch.setattr(memstore, method, lambda *args, **kwargs: fault(memstore, ref))
    message = failure(assert_trash_roundtrip, memstore, ref)
    assert message.startswith("assert_trash_roundtrip: ")
    assert_names(message, ref)
    assert expected in message


def test_assert_trash_roundtrip_fails_if_the_trashed_ref_cannot_be_read(
    memstore: InMemoryDatastore, ref: DatasetRef, monkeypatch: pytest.MonkeyPatch
) -> None:
    memstore.put({"a": 1}, ref)
    real_get = memstore.get

    def get_unless_trashed(ref: DatasetRef, parameters: Any = None) -> Any:
        if ref.id in memstore.bridge.trashed_ids:
            raise FileNotFoundError(str(ref))
        return real_get(ref, parameters)

    monkeypatch.setattr(memstore, "get", get_unless_trashed)
    message = failure(assert_trash_roundtrip, memstore, ref)
    assert_names(message, ref)
    assert "cannot be read while in the trash" in message


def test_assert_trash_roundtrip_fails_if_emptying_leaves_trash_behind(
    memstore: InMemoryDatastore,
    memstore_ref: RefFactory,
    ref: DatasetRef,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    other = memstore_ref("calexp", DUMMY)
    memstore.put({"a": 1}, ref)
    memstore.put({"a": 1}, other)
    real_emptyTrash = memstore.emptyTrash

    def emptyTrash_that_trashes(**kwargs: Any) -> set[Any]:
        real_emptyTrash(**kwargs)
        memstore.trash(other)
        return set()

    monkeypatch.setattr(memstore, "emptyTrash", emptyTrash_that_trashes)
    message = failure(assert_trash_roundtrip, memstore, ref)
    assert message.startswith("assert_trash_roundtrip: after emptyTrash of metric")
    assert_names(message, ref)
    assert f"the trash of {memstore.name} still holds:\n  calexp {other.dataId} (id {other.id}" in (
        message
    )


# -- as pytest shows a failure (inner runs) ---------------------------------------

FAILING_SUITE = """
import time
import uuid

import pytest
from pytest_memstore import (
    StoredMemoryItemInfo, assert_consistent, assert_not_stored, assert_roundtrip,
    assert_stored, assert_trash_empty, assert_trash_roundtrip,
)

pytestmark = pytest.mark.memstore(name="shown")


@pytest.fixture
def ref(memstore_ref):
    return memstore_ref("metric", {"visit": 1}, id=uuid.UUID(int=1))


def test_stored(memstore, memstore_ref, ref):
    memstore.put({}, memstore_ref("metric", {"visit": 2}, id=uuid.UUID(int=2)))
    assert_stored(memstore, ref)


def test_not_stored(memstore, ref):
    memstore.put({}, ref)
    assert_not_stored(memstore, ref)


def test_trash_empty(memstore, ref):
    memstore.put({}, ref)
    memstore.trash(ref)
    assert_trash_empty(memstore)


def test_consistent(memstore, ref):
    memstore.put({}, ref)
    memstore.datasets.clear()
    assert_consistent(memstore)


def test_roundtrip(memstore, ref):
    assert_roundtrip(memstore, {"a": 1}, ref, expected={"a": 2})


def test_trash_roundtrip(memstore, ref):
    assert_trash_roundtrip(memstore, ref)
"""


@pytest.fixture
def failing_suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytester.makepyfile(test_failing=FAILING_SUITE)
    return pytester


def error_lines(result: pytest.RunResult) -> list[str]:
    return [line for line in result.stdout.lines if line.startswith("E   ")]


def test_a_failure_hides_the_helpers_frames(failing_suite: pytest.Pytester) -> None:
    result = failing_suite.runpytest("--tb=long")
    result.assert_outcomes(failed=6)
    output = result.stdout.str()
    assert "assertions.py" not in output
    assert "__tracebackhide__" not in output
    assert "_fail(" not in output
    result.stdout.fnmatch_lines(
        [
            ">       assert_stored(memstore, ref)",
            "E       AssertionError: assert_stored: metric {visit: 1} "
            "(id 00000000-0000-0000-0000-000000000001, storage class StructuredDataDict, "
            "run 'memstore') is not stored in shown",
            "E       stored refs that nearly match:",
            "E         same dataset type, other dataId: {visit: 2} "
            "(id 00000000-0000-0000-0000-000000000002)",
            "",
            "test_failing.py:*: AssertionError",
        ]
    )
    for helper in ("assert_not_stored", "assert_trash_empty", "assert_consistent",
                   "assert_roundtrip", "assert_trash_roundtrip"):
        result.stdout.fnmatch_lines([f">       {helper}(*", f"E       AssertionError: {helper}: *"])


def test_a_failure_reads_the_same_under_assert_plain(failing_suite: pytest.Pytester) -> None:
    """In subprocesses: in-process, the helpers stay rewritten by the outer run."""
    rewritten = failing_suite.runpytest_subprocess()
    plain = failing_suite.runpytest_subprocess("--assert=plain")
    rewritten.assert_outcomes(failed=6)
    plain.assert_outcomes(failed=6)
    assert len(error_lines(rewritten)) > 12
    assert error_lines(plain) == error_lines(rewritten)


LONG_SUITE = """
import uuid

from pytest_memstore import assert_roundtrip


def test_long(memstore, memstore_ref):
    ref = memstore_ref("table", {"visit": 1}, "SliceableList", id=uuid.UUID(int=1))
    got, expected = list(range(100_000)), list(range(100_000))
    got[50_000], expected[50_000] = 7, 8
    assert_roundtrip(memstore, got, ref, expected=expected)
"""


@pytest.fixture
def long_suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(test_long=LONG_SUITE)
    return pytester


def test_a_long_mismatch_is_cut_without_vv_and_whole_with_it(
    long_suite: pytest.Pytester, memstore: InMemoryDatastore, memstore_ref: RefFactory
) -> None:
    default = long_suite.runpytest()
    default.assert_outcomes(failed=1)
    default.stdout.fnmatch_lines(
        [
            "E       first difference at [50000]: got 7, expected 8",
            "E       (values shortened; -vv shows them whole)",
        ]
    )
    assert "49999, 7, 50001" not in default.stdout.str()

    verbose = long_suite.runpytest("-vv")
    verbose.assert_outcomes(failed=1)
    output = verbose.stdout.str()
    assert "49999, 7, 50001, " in output
    assert "49999, 8, 50001, " in output
    assert "E       first difference at [50000]: got 7, expected 8" in output
    assert "shortened" not in output

    # The inner runs share this module with this run: its verbosity is back.
    ref = memstore_ref("table", DUMMY, "SliceableList")
    got, expected = long_lists()
    message = failure(assert_roundtrip, memstore, got, ref, expected=expected)
    assert "-vv shows them whole" in message


@pytest.mark.skipif(
    not hasattr(pytest.Config, "get_verbosity"), reason="verbosity_assertions is new in pytest 8"
)
def test_verbosity_assertions_in_the_ini_shows_the_values_whole(
    long_suite: pytest.Pytester,
) -> None:
    long_suite.makeini("[pytest]\nverbosity_assertions = 2\n")
    result = long_suite.runpytest()
    result.assert_outcomes(failed=1)
    assert "49999, 7, 50001, " in result.stdout.str()


def test_vv_reaches_xdist_workers(long_suite: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    result = long_suite.runpytest_subprocess("-n", "1", "-vv")
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert "49999, 7, 50001, " in output
    assert "E       first difference at [50000]: got 7, expected 8" in output
