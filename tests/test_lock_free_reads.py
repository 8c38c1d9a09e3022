"""``get`` and ``exists`` read without the store's lock, and stay exact.

On a CPython with a GIL they look up ``records`` and ``datasets`` without
taking the lock, and count with ``next()`` of tick counters. What must still
hold: a read never pairs a record with an object another put stored (a
dataset put again with another storage class, or emptied and put again);
a dataset stored the whole time is never reported missing; every get and
exists is counted exactly once. The first tests stop a read between its two
lookups, at a chosen point, with a dataset ID whose ``__hash__`` runs
another operation there; the last ones race threads.
"""

from __future__ import annotations

import random
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from pytest_memstore import (
    DatasetRef,
    DatasetType,
    InMemoryDatastore,
    StorageClassFactory,
    default_storage_classes,
)
from pytest_memstore.datastore import store as store_module
from pytest_memstore.datastore import tables
from tests._helpers import run_threads

DIMENSIONS = ["instrument", "visit"]
JOIN = 10.0  # a deadlock guard; nothing here waits for it unless something hangs


class _HookedId(uuid.UUID):
    """A dataset ID that runs an action the next time it is hashed, once."""

    def arm(self, action: Callable[[], None]) -> None:
        object.__setattr__(self, "action", action)

    def __hash__(self) -> int:
        action = self.__dict__.pop("action", None)
        if action is not None:
            action()
        return super().__hash__()


def _hooked(value: uuid.UUID) -> _HookedId:
    """Return another object equal to ``value``, so that a dict lookup hashes it alone."""
    return _HookedId(int=value.int)


@pytest.fixture
def factory() -> StorageClassFactory:
    return default_storage_classes()


def _type(factory: StorageClassFactory, storage_class: str) -> DatasetType:
    return DatasetType("metric", DIMENSIONS, factory.getStorageClass(storage_class))


def _ref_pair(factory: StorageClassFactory, visit: int = 1) -> tuple[DatasetRef, DatasetRef]:
    """Return a dict ref and a list ref of one dataset ID, each holding its own ID object."""
    data_id = {"instrument": "DummyCam", "visit": visit}
    dict_ref = DatasetRef(_type(factory, "StructuredDataDict"), data_id)
    list_ref = DatasetRef(
        _type(factory, "StructuredDataList"), data_id, id=_hooked(dict_ref.id)
    )
    return dict_ref, list_ref


def _put_with_hooked_id(store: InMemoryDatastore, obj: Any, ref: DatasetRef) -> _HookedId:
    """Put ``obj`` under a copy of ``ref`` whose ID is hooked; return that ID (the record's)."""
    parent = _hooked(ref.id)
    store.put(obj, DatasetRef(ref.datasetType, ref.dataId, id=parent))
    return parent


def _get_or_error(store: InMemoryDatastore, ref: DatasetRef) -> Any:
    try:
        return store.get(ref)
    except (TypeError, FileNotFoundError) as err:
        return type(err)


def test_a_get_never_pairs_a_record_with_an_object_put_after_it(
    factory: StorageClassFactory,
) -> None:
    """Between the record and the object lookups: emptied, then put again as a list."""
    store = InMemoryDatastore(storageClasses=factory)
    dict_ref, list_ref = _ref_pair(factory)
    parent = _put_with_hooked_id(store, {"a": 1}, dict_ref)
    store.trash(dict_ref)

    def empty_and_put_a_list() -> None:
        store.emptyTrash()
        store.put([1, 2], list_ref)

    parent.arm(empty_and_put_a_list)  # the object lookup hashes the record's parentID
    got = _get_or_error(store, dict_ref)
    assert "action" not in parent.__dict__, "the get did not look the object up"
    # Read before: the dict; after: a list with a dict's storage class, which
    # does not convert. Never the list itself.
    assert got in ({"a": 1}, TypeError)
    assert store.counts.get == (got is not TypeError)
    assert store.get(list_ref) == [1, 2]


class _PausingPut:
    """A put in another thread that stops, holding the store's lock, once ``when()`` is true.

    ``when`` is checked each time the ref's dataset ID (hooked) is hashed.
    """

    def __init__(
        self, store: InMemoryDatastore, obj: Any, ref: DatasetRef, when: Callable[[], bool]
    ) -> None:
        self.paused, self.resume = threading.Event(), threading.Event()
        hooked: _HookedId = ref.id  # type: ignore[assignment]

        def pause_when_ready() -> None:
            if when():
                self.paused.set()
                self.resume.wait(JOIN)
            else:
                hooked.arm(pause_when_ready)

        def put() -> None:
            hooked.arm(pause_when_ready)
            store.put(obj, ref)

        self.thread = threading.Thread(target=put, daemon=True)

    def start_and_wait_for_the_pause(self) -> None:
        self.thread.start()
        assert self.paused.wait(JOIN), "the put never reached its pause"


def _read_while_paused(writer: _PausingPut, read: Callable[[], Any]) -> Any:
    """Run ``read`` in another thread while ``writer`` is paused; return what it read."""
    result: list[Any] = []
    reader = threading.Thread(target=lambda: result.append(read()), daemon=True)
    reader.start()
    assert writer.paused.wait(JOIN), "the put never reached its pause"
    # A read that must wait for the store's lock, which the paused put holds,
    # waits here: give it the time to get there, then let the put go on.
    reader.join(0.2)
    writer.resume.set()
    reader.join(JOIN)
    writer.thread.join(JOIN)
    assert len(result) == 1, "the read did not end"
    return result[0]


_NEEDS_LOCK_FREE_READS = pytest.mark.skipif(
    not tables.LOCK_FREE_READS,
    reason="reads take the lock here (free-threaded build): the put could not stop halfway",
)


@_NEEDS_LOCK_FREE_READS
def test_a_get_never_pairs_a_record_with_the_object_of_a_put_half_done(
    factory: StorageClassFactory,
) -> None:
    """Another thread's put of a list stops after storing the object, before its
    record: the get that read the dict's record must not return that list."""
    store = InMemoryDatastore(storageClasses=factory)
    dict_ref, list_ref = _ref_pair(factory)
    parent = _put_with_hooked_id(store, {"a": 1}, dict_ref)
    new_list = [1, 2]
    writer = _PausingPut(
        store, new_list, list_ref,
        when=lambda: any(obj is new_list for obj in store.datasets.values()),
    )
    parent.arm(writer.start_and_wait_for_the_pause)  # between the get's two lookups
    got = _read_while_paused(writer, lambda: _get_or_error(store, dict_ref))
    assert got in ({"a": 1}, TypeError)
    assert store.get(list_ref) is new_list
    assert store.consistency_problems() == []


@_NEEDS_LOCK_FREE_READS
def test_exists_never_misses_a_dataset_a_put_is_replacing(
    factory: StorageClassFactory,
) -> None:
    """Once exists has begun, another thread's put over the dataset stops after
    taking the old record out, before putting its own in: exists is still true."""
    store = InMemoryDatastore(storageClasses=factory)
    dict_ref, list_ref = _ref_pair(factory)
    store.put({"a": 1}, dict_ref)
    writer = _PausingPut(store, [1, 2], list_ref, when=lambda: not store.records)
    asked = DatasetRef(dict_ref.datasetType, dict_ref.dataId, id=_hooked(dict_ref.id))
    asked.id.arm(writer.start_and_wait_for_the_pause)  # type: ignore[attr-defined]
    assert _read_while_paused(writer, lambda: store.exists(asked)) is True
    assert store.counts.exists == 1
    assert store.get(list_ref) == [1, 2]


def test_a_dataset_stored_throughout_is_never_reported_missing(
    factory: StorageClassFactory,
) -> None:
    """Between the record and the object lookups of get and exists, another put
    replaces the dataset (taking the record out and putting its own in)."""
    store = InMemoryDatastore(storageClasses=factory)
    dict_ref, _ = _ref_pair(factory)
    first = _put_with_hooked_id(store, {"a": 1}, dict_ref)
    seconds: list[_HookedId] = []
    first.arm(lambda: seconds.append(_put_with_hooked_id(store, {"a": 2}, dict_ref)))
    assert store.get(dict_ref) in ({"a": 1}, {"a": 2})
    assert len(seconds) == 1, "the get did not look the object up"
    seconds[0].arm(lambda: store.put({"a": 3}, dict_ref))
    assert store.exists(dict_ref)
    assert "action" not in seconds[0].__dict__, "exists did not look the object up"
    assert store.get(dict_ref) == {"a": 3}
    assert (store.counts.get, store.counts.get_missing, store.counts.exists) == (2, 0, 1)
    assert store.consistency_problems() == []


def test_reads_take_the_lock_where_they_cannot_skip_it(
    factory: StorageClassFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As on a free-threaded build: every read takes the lock, counts stay exact."""
    monkeypatch.setattr(tables, "LOCK_FREE_READS", False)
    monkeypatch.setattr(store_module, "LOCK_FREE_READS", False)
    store = InMemoryDatastore(storageClasses=factory)
    assert store._read_stamp is None
    dict_ref, _ = _ref_pair(factory)
    store.put({"a": 1}, dict_ref)
    store.put({"a": 2}, dict_ref)
    assert store._read_stamp is None  # never lock-free, even after a change ends
    lock_taken: list[str] = []
    real_lock = store._lock

    class SpyLock:
        def acquire(self) -> bool:
            lock_taken.append("acquire")
            return real_lock.acquire()

        def release(self) -> None:
            real_lock.release()

        def __enter__(self) -> None:
            self.acquire()

        def __exit__(self, *exc: object) -> None:
            self.release()

    store._lock = SpyLock()  # type: ignore[assignment]
    assert store.get(dict_ref) == {"a": 2}
    after_get = len(lock_taken)
    assert store.exists(dict_ref)
    assert after_get >= 1 and len(lock_taken) > after_get
    assert (store.counts.get, store.counts.exists) == (1, 1)


def test_copy_on_get_turned_on_later_makes_gets_copy(factory: StorageClassFactory) -> None:
    store = InMemoryDatastore(storageClasses=factory)
    dict_ref, _ = _ref_pair(factory)
    stored = {"a": 1}
    store.put(stored, dict_ref)
    assert store.get(dict_ref) is stored
    store.copy_on_get = True
    copied = store.get(dict_ref)
    assert copied == stored and copied is not stored
    store.copy_on_get = False
    assert store.get(dict_ref) is stored
    assert store.counts.get == 3


# -- threads --------------------------------------------------------------------------

N_READERS = 4
N_WRITERS = 3
ROUNDS = 400


class _Rollback(Exception):
    pass


def test_lock_free_reads_race_every_writer_and_stay_exact(
    interleave: None, factory: StorageClassFactory
) -> None:
    """Readers get and test datasets that writers overwrite (as dicts and as lists
    under one ID), trash, empty, forget and put again in transactions rolled
    back. Every answer must be one a locked read could give, and every call
    counted once."""
    store = InMemoryDatastore(storageClasses=factory)
    # Always stored: only ever overwritten, as a dict or as a list.
    kept = [_ref_pair(factory, visit) for visit in range(3)]
    # Come and go.
    transient = [_ref_pair(factory, visit)[0] for visit in range(10, 14)]
    for dict_ref, _ in kept:
        store.put({"serial": -1}, dict_ref)
    put_objects: dict[uuid.UUID, set[int]] = {}  # id -> id() of every object put there
    for dict_ref, _ in kept:
        put_objects[dict_ref.id] = {id(store.datasets[dict_ref.id])}
    for ref in transient:
        put_objects[ref.id] = set()
    keep_alive: list[Any] = []  # so that the id() of a replaced object is not reused
    lock = threading.Lock()
    puts = Counter[str]()
    start = threading.Barrier(N_READERS + N_WRITERS)

    def record_put(ref: DatasetRef, obj: Any) -> None:
        with lock:
            put_objects[ref.id].add(id(obj))
            keep_alive.append(obj)

    def writer(number: int) -> None:
        rng = random.Random(number)
        start.wait(60.0)
        done = 0
        for serial in range(ROUNDS):
            dict_ref, list_ref = rng.choice(kept)
            if rng.random() < 0.5:
                obj: Any = {"serial": serial}
                record_put(dict_ref, obj)
                store.put(obj, dict_ref)
            else:
                obj = [serial]
                record_put(list_ref, obj)
                store.put(obj, list_ref)
            ref = rng.choice(transient)
            obj = {"serial": serial, "writer": number}
            record_put(ref, obj)
            store.put(obj, ref)
            done += 2
            choice = rng.random()
            if choice < 0.3:
                store.trash([ref])
                store.emptyTrash(refs=[ref])
            elif choice < 0.5:
                store.forget([ref])
            elif choice < 0.7:
                try:
                    with store.transaction():
                        again: Any = {"serial": serial, "rolled back": True}
                        record_put(ref, again)
                        store.put(again, ref)
                        done += 1
                        raise _Rollback
                except _Rollback:
                    pass
        with lock:
            puts["put"] += done

    def reader(number: int) -> None:
        rng = random.Random(100 + number)
        tally: Counter[str] = Counter()
        start.wait(60.0)
        for _ in range(ROUNDS * 2):
            pair = rng.choice(kept)
            which = rng.randrange(2)
            ref = pair[which]
            try:
                got = store.get(ref)
            except TypeError:  # stored as the other kind: no converter
                tally["type_error"] += 1
            else:
                tally["get"] += 1
                assert isinstance(got, (dict, list)[which]), f"{ref} read {got!r}"
                assert id(got) in put_objects[ref.id]
            assert store.exists(ref), f"{ref} is stored throughout"
            tally["exists"] += 1
            ref = rng.choice(transient)
            try:
                got = store.get(ref)
            except FileNotFoundError:
                tally["get_missing"] += 1
            else:
                tally["get"] += 1
                assert isinstance(got, dict) and id(got) in put_objects[ref.id]
            store.exists(ref)
            tally["exists"] += 1
        with lock:
            puts.update(tally)

    run_threads([lambda n=n: writer(n) for n in range(N_WRITERS)]
         + [lambda n=n: reader(n) for n in range(N_READERS)])

    counts = store.counts.as_dict()
    for name in ("get", "get_missing", "exists"):
        assert counts[name] == puts[name], name
    assert counts["put"] == puts["put"] + len(kept)
    assert puts["exists"] == N_READERS * ROUNDS * 4  # every reader did all its work
    assert store.consistency_problems() == []
    for dict_ref, _ in kept:
        assert id(store.datasets[dict_ref.id]) in put_objects[dict_ref.id]


def test_gets_and_exists_from_many_threads_are_each_counted_once(
    interleave: None, factory: StorageClassFactory
) -> None:
    store = InMemoryDatastore(storageClasses=factory)
    dict_ref, _ = _ref_pair(factory)
    stored = {"a": 1}
    store.put(stored, dict_ref)
    missing = _ref_pair(factory, visit=2)[0]
    n_threads, calls = 8, 3000
    start = threading.Barrier(n_threads)

    def read() -> None:
        start.wait(60.0)
        get, exists = store.get, store.exists
        for _ in range(calls):
            get(dict_ref)
            get(dict_ref)
            exists(dict_ref)
            exists(dict_ref)
        for _ in range(calls):
            with pytest.raises(FileNotFoundError):
                get(missing)
            assert not exists(missing)

    run_threads([read] * n_threads)
    total = n_threads * calls
    assert store.counts.as_dict() == {
        **dict.fromkeys(store.counts.as_dict(), 0),
        "put": 1, "get": 2 * total, "get_missing": total, "exists": 3 * total,
    }
