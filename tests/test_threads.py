"""One `InMemoryDatastore` used by several threads at once.

"Concurrent calls from several threads on one store lose nothing and never
leave ``datasets``, ``records``, ``related`` and the bridge disagreeing", and
a transaction belongs to the thread that opened it.

Each worker thread owns a set of private dataset IDs that only it touches,
and models them exactly (a plain dict of what is stored and a set of what is
trashed); all workers also put, overwrite, trash and forget a few shared IDs,
whose final state depends on the interleaving and is only checked for
plausibility. The GIL switch interval is made tiny so that threads interleave
inside datastore calls.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any, ClassVar

import pytest

from pytest_memstore import (
    DatasetRef,
    DatasetType,
    InMemoryDatastore,
    StorageClassFactory,
    default_storage_classes,
)
from tests._helpers import run_threads

N_THREADS = 8
OPS_PER_THREAD = 1500
N_PRIVATE = 10
N_SHARED = 5
TIMEOUT = 60.0


def _metric_type(factory: StorageClassFactory) -> DatasetType:
    return DatasetType(
        "metric", ["instrument", "visit"], factory.getStorageClass("StructuredDataDict")
    )


class _Rollback(Exception):
    """Raised inside a worker's transaction to roll it back."""


class Worker:
    """One thread's share of the work, and its model of its private IDs."""

    def __init__(
        self,
        number: int,
        store: InMemoryDatastore,
        datasetType: DatasetType,
        shared: list[DatasetRef],
        barrier: threading.Barrier,
    ) -> None:
        self.number = number
        self.store = store
        self.rng = random.Random(7919 * number + 1)
        self.private = [
            DatasetRef(datasetType, {"instrument": f"Cam{number}", "visit": i})
            for i in range(N_PRIVATE)
        ]
        self.shared = shared
        self.barrier = barrier
        self.stored: dict[int, dict[str, Any]] = {}  # private index -> object last put
        self.trash: set[int] = set()  # private indexes in the trash
        self.tally: Counter[str] = Counter()  # what the store must have counted
        self.shared_puts: list[tuple[DatasetRef, dict[str, Any]]] = []
        self.shared_gets: list[tuple[DatasetRef, dict[str, Any]]] = []
        self.serial = 0
        self.depth = 0

    # -- building blocks --------------------------------------------------------

    def new_object(self, what: str) -> dict[str, Any]:
        self.serial += 1
        return {"thread": self.number, "serial": self.serial, "what": what}

    def pick_private(self) -> int:
        return self.rng.randrange(N_PRIVATE)

    def pick_shared(self) -> DatasetRef:
        return self.rng.choice(self.shared)

    def put_private(self, index: int) -> None:
        obj = self.new_object(f"private {index}")
        self.store.put(obj, self.private[index])
        self.tally["put"] += 1
        if index in self.stored:
            self.tally["overwrite"] += 1
        self.stored[index] = obj
        self.trash.discard(index)

    def put_shared(self) -> None:
        ref = self.pick_shared()
        obj = self.new_object(f"shared {ref.dataId['visit']}")
        self.store.put(obj, ref)
        self.tally["put"] += 1
        self.shared_puts.append((ref, obj))

    def get_private(self, index: int) -> None:
        ref = self.private[index]
        if index in self.stored:
            got = self.store.get(ref)
            assert got is self.stored[index], f"thread {self.number}: {ref} lost its object"
            self.tally["get"] += 1
        else:
            with pytest.raises(FileNotFoundError):
                self.store.get(ref)
            self.tally["get_missing"] += 1
        assert self.store.exists(ref) == (index in self.stored)
        self.tally["exists"] += 1

    def get_shared(self) -> None:
        ref = self.pick_shared()
        try:
            got = self.store.get(ref)
        except FileNotFoundError:
            self.tally["get_missing"] += 1
        else:
            self.tally["get"] += 1
            self.shared_gets.append((ref, got))

    def trash_private(self, index: int) -> None:
        ref = self.private[index]
        if index in self.stored:
            self.store.trash(ref)
            if index not in self.trash:
                self.tally["trash"] += 1
            self.trash.add(index)
        elif self.rng.random() < 0.5:
            self.store.trash(ref, ignore_errors=True)
        else:
            with pytest.raises(FileNotFoundError):
                self.store.trash(ref)

    def trash_shared(self) -> None:
        # Another thread may have just removed it: with ignore_errors that is fine.
        self.store.trash(self.pick_shared(), ignore_errors=True)

    def trash_bulk(self) -> None:
        indexes = self.rng.sample(range(N_PRIVATE), self.rng.randint(1, 4))
        shared = self.rng.sample(self.shared, min(len(self.shared), self.rng.randint(0, 2)))
        refs = [self.private[i] for i in indexes] + shared
        self.rng.shuffle(refs)
        self.store.trash(refs)  # unknown private IDs are trashed too
        self.tally["trash"] += len(set(indexes) - self.trash)
        self.trash.update(indexes)

    def empty_selected(self) -> None:
        indexes = self.rng.sample(range(N_PRIVATE), self.rng.randint(0, 5))
        shared = self.rng.sample(self.shared, min(len(self.shared), self.rng.randint(0, 2)))
        dry_run = self.rng.random() < 0.2
        self.store.emptyTrash(refs=[self.private[i] for i in indexes] + shared, dry_run=dry_run)
        if dry_run:
            return
        for index in set(indexes) & self.trash:
            self.tally["emptied"] += 1
            self.stored.pop(index, None)
            self.trash.discard(index)

    def forget(self) -> None:
        indexes = self.rng.sample(range(N_PRIVATE), self.rng.randint(1, 3))
        shared = self.rng.sample(self.shared, min(len(self.shared), self.rng.randint(0, 1)))
        self.store.forget([self.private[i] for i in indexes] + shared)
        for index in indexes:
            if index in self.stored or index in self.trash:
                self.tally["forget"] += 1
            self.stored.pop(index, None)
            self.trash.discard(index)

    def remove_private(self, index: int) -> None:
        ref = self.private[index]
        if index in self.stored:
            self.store.remove(ref)
            if index not in self.trash:
                self.tally["trash"] += 1
            self.tally["emptied"] += 1
            self.stored.pop(index)
            self.trash.discard(index)
        else:
            with pytest.raises(FileNotFoundError):
                self.store.remove(ref)

    def remove_shared(self) -> None:
        with contextlib.suppress(FileNotFoundError):  # another thread was quicker
            self.store.remove(self.pick_shared())

    # -- transactions -------------------------------------------------------------

    def transaction(self) -> None:
        """A transaction, maybe holding a nested one, that commits or rolls back.

        Inside, private IDs are only put and trashed (no deletions that would
        stand), so a rollback restores the private model exactly; shared IDs
        get anything.
        """
        snapshot = dict(self.stored), set(self.trash)
        rollback = self.rng.random() < 0.4
        self.depth += 1
        try:
            with self.store.transaction():
                for _ in range(self.rng.randint(1, 6)):
                    self.transactional_step()
                if rollback:
                    raise _Rollback
        except _Rollback:
            self.tally["rollback"] += 1
            self.stored, self.trash = snapshot
        else:
            self.tally["commit"] += 1
        finally:
            self.depth -= 1

    def transactional_step(self) -> None:
        if self.depth < 3 and self.rng.random() < 0.1:
            self.transaction()  # nested; a rollback there is caught here
        else:
            self.pick_operation(self.in_transaction)()

    def empty_shared(self) -> None:
        self.store.emptyTrash(refs=self.rng.sample(self.shared, 2))

    def pick_operation(
        self, table: list[tuple[float, Callable[[Worker], None], bool]]
    ) -> Callable[[], None]:
        """Pick an operation by weight, leaving out shared ones if there are none."""
        usable = [(weight, op) for weight, op, shared in table if self.shared or not shared]
        op = self.rng.choices([op for _, op in usable], [weight for weight, _ in usable])[0]
        return lambda: op(self)

    # (weight, operation, uses shared IDs)
    in_transaction: ClassVar[list[tuple[float, Callable[[Worker], None], bool]]] = [
        (35, lambda w: w.put_private(w.pick_private()), False),
        (15, lambda w: w.trash_private(w.pick_private()), False),
        (10, lambda w: w.trash_bulk(), False),
        (10, lambda w: w.get_private(w.pick_private()), False),
        (10, lambda w: w.put_shared(), True),
        (5, lambda w: w.trash_shared(), True),
        (5, lambda w: w.empty_shared(), True),
        (5, lambda w: w.get_shared(), True),
    ]
    anywhere: ClassVar[list[tuple[float, Callable[[Worker], None], bool]]] = [
        (22, lambda w: w.put_private(w.pick_private()), False),
        (8, lambda w: w.put_shared(), True),
        (10, lambda w: w.get_private(w.pick_private()), False),
        (5, lambda w: w.get_shared(), True),
        (7, lambda w: w.trash_private(w.pick_private()), False),
        (3, lambda w: w.trash_shared(), True),
        (5, lambda w: w.trash_bulk(), False),
        (6, lambda w: w.empty_selected(), False),
        (4, lambda w: w.forget(), False),
        (4, lambda w: w.remove_private(w.pick_private()), False),
        (2, lambda w: w.remove_shared(), True),
        (24, lambda w: w.transaction(), False),
    ]

    # -- the thread --------------------------------------------------------------

    def run(self) -> None:
        self.barrier.wait(TIMEOUT)
        for _ in range(OPS_PER_THREAD):
            self.pick_operation(self.anywhere)()
        assert self.depth == 0


def _check_tables_agree(store: InMemoryDatastore) -> None:
    assert store.consistency_problems() == []
    ids = set(store.records)
    assert set(store.datasets) == ids
    assert store.bridge.known_ids == ids
    assert store.related == {i: {i} for i in ids}
    assert all(store.records[i].dataset_id == i == store.records[i].parentID for i in ids)
    assert {ref.id for ref in store.stored_refs()} == ids


class _Checker:
    """A thread that checks the store's consistency again and again meanwhile.

    Every datastore call changes the tables under the store's lock, and
    `consistency_problems` takes that lock: it must never see a call half done.
    """

    def __init__(self, store: InMemoryDatastore, pause: float = 0.0005) -> None:
        self.store = store
        self.pause = pause
        self.stop = threading.Event()
        self.checks = 0
        self.problems: list[str] = []

    def run(self) -> None:
        while not self.stop.is_set():
            self.problems.extend(self.store.consistency_problems())
            self.checks += 1
            time.sleep(self.pause)  # let the workers work


@pytest.mark.parametrize("n_shared", [N_SHARED, 0], ids=["with-shared-ids", "private-ids-only"])
def test_threads_lose_nothing(interleave: None, n_shared: int) -> None:
    factory = default_storage_classes()
    datasetType = _metric_type(factory)
    store = InMemoryDatastore(storageClasses=factory)
    shared = [
        DatasetRef(datasetType, {"instrument": "Shared", "visit": i}) for i in range(n_shared)
    ]
    barrier = threading.Barrier(N_THREADS)
    workers = [Worker(n, store, datasetType, shared, barrier) for n in range(N_THREADS)]
    checker = _Checker(store)

    def run_workers_then_stop_checker() -> None:
        try:
            run_threads([w.run for w in workers])
        finally:
            checker.stop.set()

    run_threads([run_workers_then_stop_checker, checker.run])
    assert checker.problems == [], f"seen while threads ran ({checker.checks} checks)"
    assert checker.checks > 0

    # The operation counters add up, none lost to a race.
    tally: Counter[str] = sum((w.tally for w in workers), Counter())
    counts = store.counts.as_dict()
    for name in ("put", "get", "get_missing", "exists", "commit", "rollback"):
        assert counts[name] == tally[name], f"counts.{name}"
    for name in ("trash", "emptied", "forget", "overwrite"):
        # Only private IDs are tallied: what shared IDs add depends on the timing.
        if shared:
            assert counts[name] >= tally[name], f"counts.{name}"
        else:
            assert counts[name] == tally[name], f"counts.{name}"
    assert tally["put"] > N_THREADS * OPS_PER_THREAD // 5  # the workers did work
    assert tally["rollback"] > 0 and tally["commit"] > 0

    _check_tables_agree(store)

    # Every private dataset is exactly as its thread left it.
    trashed = store.bridge.trashed_ids
    for worker in workers:
        for index, ref in enumerate(worker.private):
            where = f"thread {worker.number}, {ref}"
            if index in worker.stored:
                assert store.exists(ref), f"{where} was lost"
                assert store.datasets[ref.id] is worker.stored[index], f"{where} was replaced"
            else:
                assert not store.exists(ref), f"{where} came back"
            assert (ref.id in trashed) == (index in worker.trash), f"{where}: trash disagrees"

    # Shared datasets hold something a thread put under that very ID.
    put_under = {
        (ref.id, obj["thread"], obj["serial"]) for w in workers for ref, obj in w.shared_puts
    }
    for ref in shared:
        obj = store.datasets.get(ref.id)
        if obj is not None:
            assert (ref.id, obj["thread"], obj["serial"]) in put_under
    for worker in workers:
        for ref, obj in worker.shared_gets:
            assert (ref.id, obj["thread"], obj["serial"]) in put_under
    known = {ref.id for w in workers for ref in w.private} | {ref.id for ref in shared}
    assert trashed <= known

    # And everything can still be cleaned up.
    store.emptyTrash()
    store.forget([ref for w in workers for ref in w.private] + shared)
    assert not store.datasets and not store.records and not store.related
    assert not store.bridge.known_ids and not store.bridge.trashed_ids


def test_rollback_in_one_thread_keeps_another_threads_puts(interleave: None) -> None:
    factory = default_storage_classes()
    datasetType = _metric_type(factory)
    store = InMemoryDatastore(storageClasses=factory)

    def ref(name: str) -> DatasetRef:
        return DatasetRef(datasetType, {"instrument": name, "visit": 1})

    a_only, b_plain, b_committed, both, overwritten = (
        ref("a_only"),
        ref("b_plain"),
        ref("b_committed"),
        ref("both"),
        ref("overwritten"),
    )
    original = {"v": "original"}
    store.put(original, overwritten)
    a_has_put = threading.Event()
    b_is_done = threading.Event()

    def thread_a() -> None:
        with pytest.raises(_Rollback), store.transaction():
            store.put({"v": "a"}, a_only)
            store.put({"v": "a"}, both)
            store.put({"v": "a"}, overwritten)
            a_has_put.set()
            assert b_is_done.wait(TIMEOUT)
            raise _Rollback

    b_objects = {name: {"v": "b", "name": name} for name in ("plain", "committed", "both", "ow")}

    def thread_b() -> None:
        assert a_has_put.wait(TIMEOUT)
        store.put(b_objects["plain"], b_plain)  # no transaction of its own
        with store.transaction():
            store.put(b_objects["committed"], b_committed)
        store.put(b_objects["both"], both)  # over thread A's uncommitted put
        store.put(b_objects["ow"], overwritten)  # ditto
        b_is_done.set()

    run_threads([thread_a, thread_b])

    assert not store.exists(a_only)
    assert store.get(b_plain) is b_objects["plain"]
    assert store.get(b_committed) is b_objects["committed"]
    # A's rollback undoes A's work only: B's later puts stand.
    assert store.get(both) is b_objects["both"]
    assert store.get(overwritten) is b_objects["ow"]
    assert store.counts.rollback == 1 and store.counts.commit == 1
    _check_tables_agree(store)


def test_rollback_in_one_thread_leaves_another_threads_transaction(interleave: None) -> None:
    factory = default_storage_classes()
    datasetType = _metric_type(factory)
    store = InMemoryDatastore(storageClasses=factory)
    a_refs = [DatasetRef(datasetType, {"instrument": "A", "visit": i}) for i in range(3)]
    b_refs = [DatasetRef(datasetType, {"instrument": "B", "visit": i}) for i in range(3)]
    a_open = threading.Event()
    b_rolled_back = threading.Event()
    a_objects = [{"a": i} for i in range(3)]

    def thread_a() -> None:
        with store.transaction():
            for obj, ref in zip(a_objects, a_refs, strict=True):
                store.put(obj, ref)
            store.trash(a_refs[0])
            a_open.set()
            assert b_rolled_back.wait(TIMEOUT)
            # Thread B's rollback happened while this transaction was open.
            assert all(store.exists(ref) for ref in a_refs)
            assert a_refs[0].id in store.bridge.trashed_ids

    def thread_b() -> None:
        assert a_open.wait(TIMEOUT)
        with pytest.raises(_Rollback), store.transaction():
            for i, ref in enumerate(b_refs):
                store.put({"b": i}, ref)
            store.trash(b_refs)
            store.trash(a_refs[1:])  # thread B's trash of thread A's datasets
            raise _Rollback
        b_rolled_back.set()

    run_threads([thread_a, thread_b])

    for obj, ref in zip(a_objects, a_refs, strict=True):
        assert store.get(ref) is obj
    assert not any(store.exists(ref) for ref in b_refs)
    assert store.bridge.trashed_ids == {a_refs[0].id}
    assert store.counts.rollback == 1 and store.counts.commit == 1
    _check_tables_agree(store)


def test_many_threads_each_rolling_back_their_own_transactions(interleave: None) -> None:
    """Rollbacks racing with other threads' plain puts, on disjoint IDs."""
    factory = default_storage_classes()
    datasetType = _metric_type(factory)
    store = InMemoryDatastore(storageClasses=factory)
    barrier = threading.Barrier(N_THREADS)
    rounds = 400
    kept: dict[int, dict[DatasetRef, dict[str, int]]] = {}

    def work(number: int) -> None:
        refs = [DatasetRef(datasetType, {"instrument": f"T{number}", "visit": i}) for i in range(4)]
        mine: dict[DatasetRef, dict[str, int]] = {}
        barrier.wait(TIMEOUT)
        for r in range(rounds):
            ref = refs[r % 4]
            if number % 2:
                # Odd threads: put outside any transaction, always kept.
                obj = {"thread": number, "round": r}
                store.put(obj, ref)
                mine[ref] = obj
            else:
                # Even threads: overwrite inside a transaction, then roll back.
                with pytest.raises(_Rollback), store.transaction():
                    store.put({"thread": number, "round": r, "undone": 1}, ref)
                    store.trash(ref)
                    raise _Rollback
                if ref not in mine:
                    obj = {"thread": number, "round": r}
                    store.put(obj, ref)
                    mine[ref] = obj
        kept[number] = mine

    run_threads([lambda n=n: work(n) for n in range(N_THREADS)])

    for mine in kept.values():
        for ref, obj in mine.items():
            assert store.get(ref) is obj
    assert store.bridge.trashed_ids == frozenset()
    assert store.counts.rollback == rounds * (N_THREADS // 2)
    _check_tables_agree(store)


def test_concurrent_puts_on_the_same_ids_count_every_overwrite(interleave: None) -> None:
    """Many threads overwriting a few IDs: every put after the first is an overwrite."""
    factory = default_storage_classes()
    datasetType = _metric_type(factory)
    store = InMemoryDatastore(storageClasses=factory)
    refs = [DatasetRef(datasetType, {"instrument": "Hot", "visit": i}) for i in range(2)]
    barrier = threading.Barrier(N_THREADS)
    puts_per_thread = 1500
    put_objects: list[list[dict[str, int]]] = [[] for _ in range(N_THREADS)]

    def work(number: int) -> None:
        barrier.wait(TIMEOUT)
        for i in range(puts_per_thread):
            obj = {"thread": number, "i": i}
            ref = refs[(i + number) % len(refs)]
            if i % 5 == 0:
                with store.transaction():  # committed: its overwrites count too
                    store.put(obj, ref)
            else:
                store.put(obj, ref)
            put_objects[number].append(obj)

    run_threads([lambda n=n: work(n) for n in range(N_THREADS)])

    total = N_THREADS * puts_per_thread
    assert store.counts.put == total
    assert store.counts.overwrite == total - len(refs)
    everything = {id(obj) for objects in put_objects for obj in objects}
    for ref in refs:
        assert id(store.get(ref)) in everything
    _check_tables_agree(store)


def test_counters_are_exact_under_contention(interleave: None) -> None:
    """Short fixed cycles of every operation, many threads, a checker thread."""
    factory = default_storage_classes()
    datasetType = _metric_type(factory)
    store = InMemoryDatastore(storageClasses=factory)
    barrier = threading.Barrier(N_THREADS)
    cycles = 800
    checker = _Checker(store, pause=0)  # the store stays small: checks are quick

    def work(number: int) -> None:
        r0, r1, r2 = (
            DatasetRef(datasetType, {"instrument": f"C{number}", "visit": i}) for i in range(3)
        )
        barrier.wait(TIMEOUT)
        for i in range(cycles):
            store.put({"i": i}, r0)
            store.put({"i": i, "again": True}, r0)  # an overwrite
            store.trash(r0)
            store.emptyTrash(refs=[r0])
            store.put({"i": i}, r1)
            store.trash([r1, r2])  # r2 is unknown: trashed all the same
            store.emptyTrash(refs=[r2, r1])
            store.put({"i": i}, r1)
            store.forget([r1, r2])  # r2 is no longer known: not counted
            assert not store.exists(r0)
            with pytest.raises(FileNotFoundError):
                store.get(r1)
            with pytest.raises(_Rollback), store.transaction():
                store.put({"i": i}, r2)
                store.trash(r2)
                raise _Rollback
            with store.transaction():
                store.put({"i": i}, r2)
            store.remove(r2)

    def run_workers_then_stop_checker() -> None:
        try:
            run_threads([lambda n=n: work(n) for n in range(N_THREADS)])
        finally:
            checker.stop.set()

    run_threads([run_workers_then_stop_checker, checker.run])
    assert checker.problems == [], f"seen while threads ran ({checker.checks} checks)"

    per_cycle = {
        "put": 6,
        "overwrite": 1,
        "trash": 5,  # r0, r1, r2, r2 in the rolled back transaction, r2 by remove
        "emptied": 4,  # r0, r1, r2, r2 by remove
        "forget": 1,
        "exists": 1,
        "get": 0,
        "get_missing": 1,
        "commit": 1,
        "rollback": 1,
    }
    assert store.counts.as_dict() == {k: v * cycles * N_THREADS for k, v in per_cycle.items()}
    assert not store.records and not store.datasets and not store.bridge.trashed_ids
    _check_tables_agree(store)


def test_rolling_back_a_put_that_another_thread_trashed_leaves_no_stray_trash() -> None:
    factory = default_storage_classes()
    store = InMemoryDatastore(storageClasses=factory)
    ref = DatasetRef(_metric_type(factory), {"instrument": "DummyCam", "visit": 1})
    with pytest.raises(RuntimeError), store.transaction():
        store.put({"v": 1}, ref)
        other = threading.Thread(target=store.trash, args=(ref,))
        other.start()
        other.join()
        assert ref.id in store.bridge.trashed_ids
        raise RuntimeError("roll back")
    assert not store.exists(ref)
    assert store.bridge.trashed_ids == frozenset()
    assert store.consistency_problems() == []


def test_a_rollback_keeps_a_trash_another_thread_made_since() -> None:
    factory = default_storage_classes()
    store = InMemoryDatastore(storageClasses=factory)
    ref = DatasetRef(_metric_type(factory), {"instrument": "DummyCam", "visit": 1})
    store.put({"v": 1}, ref)
    with pytest.raises(RuntimeError), store.transaction():
        store.trash(ref)
        other = threading.Thread(target=store.trash, args=([ref],))
        other.start()
        other.join()
        raise RuntimeError("roll back")
    # The other thread's trash was outside this transaction: it stands.
    assert store.bridge.trashed_ids == {ref.id}
    assert store.exists(ref)
    assert store.consistency_problems() == []


def test_threads_opening_a_new_stores_first_transactions_at_once_each_keep_theirs(
    interleave: None,
) -> None:
    """A store makes its per-thread transaction state on first use: threads racing
    to open the first transactions each roll back only their own puts."""
    factory = default_storage_classes()
    metric = _metric_type(factory)
    for _ in range(20):
        store = InMemoryDatastore(storageClasses=factory)
        refs = [DatasetRef(metric, {"instrument": "DummyCam", "visit": i}) for i in range(4)]
        start = threading.Barrier(len(refs))

        def work(index: int, store: InMemoryDatastore = store,
                 refs: list[DatasetRef] = refs, start: threading.Barrier = start) -> None:
            start.wait()
            with contextlib.suppress(RuntimeError), store.transaction():
                store.put({"v": index}, refs[index])
                if index % 2:
                    raise RuntimeError("roll back")

        threads = [threading.Thread(target=work, args=(i,)) for i in range(len(refs))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [store.exists(ref) for ref in refs] == [True, False, True, False]
        assert store.consistency_problems() == []
