"""fail_next: injected failures raise before anything changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_memstore import (
    DatasetRef,
    DatasetType,
    Fault,
    InMemoryDatastore,
    default_storage_classes,
    format_operation_log,
)
from pytest_memstore.report import TestUsage
from pytest_memstore.tools.store_tools import FAULT_OPERATIONS
from tests._helpers import MakeRef, StoreSnapshot, assert_unchanged


class Boom(Exception):
    """Raised to roll a transaction back."""


def test_the_next_get_raises_an_os_error_naming_the_operation_and_the_ref(
    make_ref: MakeRef,
) -> None:
    store = InMemoryDatastore("faulty")
    ref = make_ref()
    store.put({"a": 1}, ref)
    fault = store.fail_next("get")
    assert isinstance(fault, Fault)
    with pytest.raises(OSError) as info:
        store.get(ref)
    message = str(info.value)
    for part in ("get", "metric", "DummyCam", str(ref.id)[:8], "faulty", "fail_next"):
        assert part in message
    assert store.get(ref) == {"a": 1}  # once only
    assert fault.fired == 1 and fault.remaining == 0
    assert store.armed_faults() == []


def test_times_and_the_exception_given(make_ref: MakeRef) -> None:
    store = InMemoryDatastore()
    ref = make_ref()
    store.fail_next("exists", KeyError, times=2)
    for _ in range(2):
        with pytest.raises(KeyError, match="injected failure: exists"):
            store.exists(ref)
    assert store.exists(ref) is False
    error = RuntimeError("disk on fire")
    store.fail_next("put", error)
    with pytest.raises(RuntimeError) as info:
        store.put({"a": 1}, ref)
    assert info.value is error


def test_only_matching_calls_fail(make_ref: MakeRef) -> None:
    target = make_ref("metric", {"instrument": "DummyCam", "visit": 2})
    twin = make_ref("metric", {"instrument": "DummyCam", "visit": 2})  # another dataset ID
    other_type = make_ref("other", {"instrument": "DummyCam", "visit": 2})
    other_visit = make_ref("metric", {"instrument": "DummyCam", "visit": 1})
    cases: list[tuple[Any, list[DatasetRef]]] = [
        ("metric", [other_type]),
        (target, [twin, other_type, other_visit]),
        (lambda ref: ref.dataId["visit"] == 2, [other_visit]),
    ]
    for match, spared in cases:
        store = InMemoryDatastore()
        store.fail_next("put", match=match)
        for ref in spared:
            store.put({"a": 1}, ref)
        with pytest.raises(OSError, match="put of metric"):
            store.put({"a": 1}, target)
        store.put({"a": 1}, target)


def test_a_dataset_type_name_matches_its_components(make_ref: MakeRef) -> None:
    store = InMemoryDatastore()
    ref = make_ref("composite", storageClass="ExampleComposite")
    store.put({"summary": {"a": 1}}, ref)
    store.fail_next("get", match="composite")
    with pytest.raises(OSError):
        store.get(ref.makeComponentRef("summary"))


def test_faults_fire_in_the_order_armed(make_ref: MakeRef) -> None:
    store = InMemoryDatastore()
    ref = make_ref()
    store.fail_next("get", KeyError)
    store.fail_next("get", ValueError)
    with pytest.raises(KeyError):
        store.get(ref)
    with pytest.raises(ValueError):
        store.get(ref)
    with pytest.raises(FileNotFoundError):
        store.get(ref)


def test_bulk_calls_fail_when_any_ref_matches(make_ref: MakeRef) -> None:
    store = InMemoryDatastore()
    refs = [make_ref("metric" if visit != 3 else "calexp", {"visit": visit}) for visit in range(5)]
    for ref in refs:
        store.put({"v": 1}, ref)
    for operation in ("trash", "forget"):
        store.fail_next(operation, match="calexp")
        before = StoreSnapshot.of(store)
        with pytest.raises(OSError, match=f"{operation} of calexp"):
            getattr(store, operation)(iter(refs))
        assert_unchanged(store, before)
    store.trash(refs)
    store.fail_next("emptyTrash", match="calexp")
    store.emptyTrash(refs=refs[:2])  # calexp is not among those emptied
    before = StoreSnapshot.of(store)
    with pytest.raises(OSError, match="emptyTrash of calexp"):
        store.emptyTrash()
    assert_unchanged(store, before)
    store.emptyTrash()
    assert not store.records


def test_remove_and_transfer_fail_through_the_operations_they_use(make_ref: MakeRef) -> None:
    store, source = InMemoryDatastore(), InMemoryDatastore("source")
    ref = make_ref()
    source.put({"a": 1}, ref)
    store.fail_next("put")
    with pytest.raises(OSError, match="injected failure: put"):
        store.transfer(source, ref)
    store.fail_next("transfer")
    with pytest.raises(OSError, match="injected failure: transfer"):
        store.transfer(source, ref)
    store.transfer(source, ref)
    store.fail_next("emptyTrash")
    with pytest.raises(OSError, match="injected failure: emptyTrash"):
        store.remove(ref)
    assert ref.id in store.bridge.trashed_ids  # remove trashed it, then emptying failed
    source.fail_next("get")
    with pytest.raises(OSError, match="get of metric"):
        store.transfer(source, ref)


def test_injected_failures_are_logged(make_ref: MakeRef) -> None:
    store = InMemoryDatastore(log_size=10)
    ref = make_ref()
    store.fail_next("put")
    with pytest.raises(OSError):
        store.put({"a": 1}, ref)
    store.put({"a": 1}, ref)
    lines = format_operation_log(store).splitlines()
    assert lines[1].endswith(": OSError (injected)")
    assert lines[2].endswith(": ok")


def test_a_rollback_after_an_injected_failure_restores_the_store(make_ref: MakeRef) -> None:
    store = InMemoryDatastore()
    kept, added = make_ref(dataId={"visit": 1}), make_ref(dataId={"visit": 2})
    store.put({"v": 1}, kept)
    before = StoreSnapshot.of(store)
    store.fail_next("trash")
    with pytest.raises(OSError), store.transaction():
        store.put({"v": 2}, added)
        store.trash(kept)
    assert_unchanged(store, before)
    assert store.counts.rollback == 1


def test_unfired_faults_are_listed_and_describe_themselves(make_ref: MakeRef) -> None:
    store = InMemoryDatastore()
    ref = make_ref()
    store.fail_next("get", match="calexp", times=2)
    store.fail_next("trash", KeyError, match=ref)
    store.fail_next("forget", match=lambda ref: False)
    described = [fault.describe() for fault in store.armed_faults()]
    assert described == [
        "fail_next('get', match='calexp', times=2): fired 0 of 2 time(s)",
        f"fail_next('trash', exception=KeyError, match=metric {ref.dataId} "
        f"[{str(ref.id)[:8]}]): fired 0 of 1 time(s)",
        "fail_next('forget', match=<lambda>): fired 0 of 1 time(s)",
    ]


def test_the_report_describes_an_unfired_fault_without_the_random_id(make_ref: MakeRef) -> None:
    """The report's problems read the same in every run, with or without -n."""
    store = InMemoryDatastore()
    ref = make_ref()
    store.fail_next("trash", KeyError, match=ref)
    problems = TestUsage([("memstore", store)]).summarize(nodeid="t.py::t")[1]
    assert problems == [
        ("unfired_fault", f"memstore: fail_next('trash', exception=KeyError, match=metric "
                          f"{ref.dataId}): fired 0 of 1 time(s) was armed but never fired"),
    ]


@pytest.mark.parametrize(
    ("arguments", "error", "words"),
    [
        (("remove",), ValueError, ["remove", "put, get, exists"]),
        (("get", "boom"), TypeError, ["exception", "str"]),
        (("get", None), None, []),
        (("get", KeyError("x"), 5), TypeError, []),  # match is keyword-only
    ],
)
def test_bad_arguments_are_rejected_and_arm_nothing(
    arguments: tuple[Any, ...], error: type[Exception] | None, words: list[str]
) -> None:
    store = InMemoryDatastore()
    if error is None:
        store.fail_next(*arguments)
        assert len(store.armed_faults()) == 1
        return
    with pytest.raises(error) as info:
        store.fail_next(*arguments)
    for word in words:
        assert word in str(info.value)
    assert store.armed_faults() == []
    assert type(store) is InMemoryDatastore


@pytest.mark.parametrize(
    ("options", "error", "word"),
    [
        ({"times": 0}, ValueError, "times"),
        ({"times": True}, TypeError, "times"),
        ({"match": 42}, TypeError, "match"),
        ({"match": ""}, ValueError, "match"),
    ],
)
def test_bad_options_are_rejected(
    options: dict[str, Any], error: type[Exception], word: str
) -> None:
    store = InMemoryDatastore()
    with pytest.raises(error, match=word):
        store.fail_next("get", **options)
    assert store.armed_faults() == []


# -- an injected failure leaves the store exactly as it was -----------------------

_N = 5


def _refs() -> list[DatasetRef]:
    factory = default_storage_classes()
    types = [
        DatasetType(name, ["instrument", "visit"], factory.getStorageClass("StructuredDataDict"))
        for name in ("metric", "calexp")
    ]
    return [
        DatasetRef(types[index % 2], {"instrument": "DummyCam", "visit": index})
        for index in range(_N)
    ]


_CALLS: dict[str, Callable[[InMemoryDatastore, InMemoryDatastore, DatasetRef, list[DatasetRef]],
                           Any]] = {
    "put": lambda store, source, ref, refs: store.put({"new": 1}, ref),
    "get": lambda store, source, ref, refs: store.get(ref),
    "exists": lambda store, source, ref, refs: store.exists(ref),
    "trash": lambda store, source, ref, refs: store.trash(refs),
    "emptyTrash": lambda store, source, ref, refs: store.emptyTrash(),
    "forget": lambda store, source, ref, refs: store.forget(refs),
    "transfer": lambda store, source, ref, refs: store.transfer(source, ref),
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    states=st.lists(st.sampled_from(["absent", "stored", "trashed", "emptied"]),
                    min_size=_N, max_size=_N),
    operation=st.sampled_from(FAULT_OPERATIONS),
    target=st.integers(0, _N - 1),
    how=st.sampled_from(["any", "name", "ref", "callable"]),
    mode=st.sampled_from(["plain", "commit", "rollback"]),
    tools=st.fixed_dictionaries(
        {"log_size": st.sampled_from([0, 3]), "detect_mutation": st.booleans(),
         "count_gets": st.booleans()}
    ),
)
def test_an_injected_failure_changes_nothing(
    states: list[str], operation: str, target: int, how: str, mode: str, tools: dict[str, Any]
) -> None:
    refs = _refs()
    store = InMemoryDatastore(**tools)
    source = InMemoryDatastore("source")
    for ref, state in zip(refs, states, strict=True):
        source.put({"source": ref.dataId["visit"]}, ref)
        if state != "absent":
            store.put({"v": ref.dataId["visit"]}, ref)
        if state in ("trashed", "emptied"):
            store.trash(ref)
        if state == "emptied":
            store.emptyTrash(refs=[ref])
    ref = refs[target]
    if operation == "emptyTrash" and how != "any":
        # emptyTrash fails only when a matching ref would be emptied.
        store.trash([ref])
    match = {
        "any": None,
        "name": ref.datasetType.name,
        "ref": ref,
        "callable": lambda candidate: candidate.id == ref.id,
    }[how]
    fault = store.fail_next(operation, match=match)
    before = StoreSnapshot.of(store)
    counts = store.counts.as_dict()
    call = _CALLS[operation]
    if mode == "plain":
        with pytest.raises(OSError, match="injected failure"):
            call(store, source, ref, refs)
    elif mode == "commit":
        with store.transaction(), pytest.raises(OSError, match="injected failure"):
            call(store, source, ref, refs)
        counts["commit"] += 1
    else:
        with pytest.raises(Boom), store.transaction():
            with pytest.raises(OSError, match="injected failure"):
                call(store, source, ref, refs)
            raise Boom
        counts["rollback"] += 1
    assert_unchanged(store, before)
    assert store.counts.as_dict() == counts
    assert fault.fired == 1
    assert store.armed_faults() == []
