"""Shared helpers for the example-based tests (not fixtures: import them)."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from pytest_memstore import DatasetRef, InMemoryDatastore


class _Uncopyable:
    """Stands for the value of an object that cannot be deep-copied."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Uncopyable)

    __hash__ = None  # type: ignore[assignment]


def _deep_copy(value: Any) -> Any:
    try:
        return copy.deepcopy(value)
    except Exception:
        # Only the identity of such an object can be checked.
        return _Uncopyable()


@attrs.frozen
class StoreSnapshot:
    """A deep, structural copy of everything a store's state consists of.

    ``datasets`` keeps, per artifact, the stored object itself (to check that
    the very same object is still stored) and a deep copy of it (to check
    that it was not changed in place).
    """

    datasets: Mapping[Any, tuple[Any, Any]]
    records: Mapping[Any, Any]
    related: Mapping[Any, frozenset[Any]]
    known_ids: frozenset[Any]
    trashed_ids: frozenset[Any]

    @classmethod
    def of(cls, store: InMemoryDatastore) -> StoreSnapshot:
        return cls(
            datasets={k: (v, _deep_copy(v)) for k, v in store.datasets.items()},
            records=dict(store.records),
            related={k: frozenset(v) for k, v in store.related.items()},
            known_ids=store.bridge.known_ids,
            trashed_ids=store.bridge.trashed_ids,
        )

    def differences(self, other: StoreSnapshot) -> list[str]:
        """Return what differs between two snapshots; empty when nothing does."""
        found = []
        if self.datasets.keys() != other.datasets.keys():
            found.append(f"datasets keys {set(self.datasets)} != {set(other.datasets)}")
        else:
            for key, (obj, value) in self.datasets.items():
                other_obj, other_value = other.datasets[key]
                if obj is not other_obj:
                    found.append(f"datasets[{key}] is another object: {obj!r} -> {other_obj!r}")
                elif value != other_value:
                    found.append(f"datasets[{key}] changed in place: {value!r} -> {other_value!r}")
        for name in ("records", "related", "known_ids", "trashed_ids"):
            before, after = getattr(self, name), getattr(other, name)
            if before != after:
                found.append(f"{name}: {before!r} -> {after!r}")
        # Records are frozen values: identity shows whether one was replaced.
        for key, record in self.records.items():
            if other.records.get(key) is not record and key in other.records:
                found.append(f"records[{key}] was replaced by an equal record")
        return found


def assert_unchanged(store: InMemoryDatastore, before: StoreSnapshot) -> None:
    """Fail unless ``store`` is exactly as ``before`` and consistent."""
    __tracebackhide__ = True
    differences = before.differences(StoreSnapshot.of(store))
    assert not differences, "store changed:\n" + "\n".join(differences)
    assert store.consistency_problems() == []


MakeRef = Callable[..., DatasetRef]
"""The type of the ``make_ref`` fixture."""


THREAD_TIMEOUT = 60.0
"""How long `run_threads` waits for a thread before calling it stuck (a deadlock guard)."""


def run_threads(targets: list[Callable[[], None]]) -> None:
    """Run each target in its own thread; re-raise the first failure."""
    errors: list[BaseException] = []

    def wrap(target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                target()
            except BaseException as err:
                errors.append(err)

        return run

    threads = [threading.Thread(target=wrap(t), daemon=True) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(THREAD_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a worker thread is stuck"
    if errors:
        raise errors[0]
