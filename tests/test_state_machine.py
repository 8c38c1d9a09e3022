"""A Hypothesis state machine driving one `InMemoryDatastore` against a model.

The model is two plain containers: ``stored`` (pool index -> the object last
put) and ``trash`` (pool indexes in the trash). Every operation is applied to
the store and to the model, and after every operation (inside transactions
too) the store must agree with the model.

Transactions cannot span rules, so one rule runs a generated *block*: a list
of operations, possibly holding nested blocks, inside ``with
store.transaction():``. A block ends by committing or by raising; a raised
block is either caught right outside its ``with`` (the enclosing block goes
on) or let through (the enclosing block rolls back too).

Rollback, as the docs describe it: the block's ``put`` and ``trash`` calls are
undone (so the model returns to its state when the block opened), but
``emptyTrash``, ``forget`` and ``remove`` are deliberate deletions that stand.
The model therefore restores its snapshot and then re-applies every deletion
made inside the block (nested blocks included).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

import attrs
import pytest
from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from pytest_memstore import DatasetRef, DatasetType, InMemoryDatastore, default_storage_classes

N_IDS = 6
"""Size of the pool of dataset IDs; small, so that operations collide."""

_LIST_IDS = frozenset({4, 5})
"""Pool indexes whose dataset type uses ``SliceableList`` (others: dicts)."""


# -- operations, as plain data ----------------------------------------------


@attrs.frozen
class Put:
    index: int
    fresh_ref: bool  # an equal but distinct DatasetRef object with the same id


@attrs.frozen
class Get:
    index: int


@attrs.frozen
class Exists:
    index: int


@attrs.frozen
class TrashOne:
    index: int
    ignore_errors: bool


@attrs.frozen
class TrashMany:
    indexes: tuple[int, ...]
    container: str  # "list", "tuple" or "generator"


@attrs.frozen
class EmptyTrash:
    selected: tuple[int, ...] | None  # None: the whole trash; (): nothing
    dry_run: bool


@attrs.frozen
class Forget:
    indexes: tuple[int, ...]


@attrs.frozen
class Remove:
    index: int


@attrs.frozen
class Block:
    """Operations run inside ``with store.transaction():``."""

    ops: tuple[Any, ...]
    rollback: bool  # end by raising (else commit)
    caught: bool  # when raising: caught right outside the block (else let through)
    base_exception: bool  # raise a BaseException subclass rather than an Exception


class _Rollback(Exception):
    """Raised to make a transaction block roll back."""


class _RollbackBase(BaseException):
    """Same, as a BaseException: the datastore must roll back for those too."""


indexes = st.integers(0, N_IDS - 1)
index_tuples = st.lists(indexes, max_size=N_IDS + 1).map(tuple)

leaf_ops = st.one_of(
    st.builds(Put, indexes, st.booleans()),
    st.builds(Get, indexes),
    st.builds(Exists, indexes),
    st.builds(TrashOne, indexes, st.booleans()),
    st.builds(TrashMany, index_tuples, st.sampled_from(["list", "tuple", "generator"])),
    st.builds(EmptyTrash, st.none() | index_tuples, st.booleans()),
    st.builds(Forget, index_tuples),
    st.builds(Remove, indexes),
)


def _ops(depth: int) -> st.SearchStrategy[Any]:
    """Operations, with blocks nested at most ``depth`` deep."""
    if depth == 0:
        return leaf_ops
    blocks = st.builds(
        Block,
        st.lists(_ops(depth - 1), max_size=5).map(tuple),
        rollback=st.booleans(),
        caught=st.booleans(),
        base_exception=st.booleans(),
    )
    # Leaves are listed first so that Hypothesis shrinks towards them.
    return st.one_of(leaf_ops, blocks)


top_blocks = st.builds(
    Block,
    st.lists(_ops(2), max_size=6).map(tuple),  # up to 3 transactions deep
    rollback=st.booleans(),
    caught=st.just(True),
    base_exception=st.booleans(),
)


# -- the model -----------------------------------------------------------------


@attrs.define
class Model:
    """What the store should hold: objects by pool index, and the trash."""

    stored: dict[int, Any] = attrs.field(factory=dict)
    trash: set[int] = attrs.field(factory=set)

    def copy(self) -> Model:
        return Model(dict(self.stored), set(self.trash))

    def delete(self, index: int) -> None:
        self.stored.pop(index, None)
        self.trash.discard(index)


# -- the machine ---------------------------------------------------------------


class DatastoreMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        factory = default_storage_classes()
        self.store = InMemoryDatastore(storageClasses=factory)
        dict_type = DatasetType(
            "metric", ["instrument", "visit"], factory.getStorageClass("StructuredDataDict")
        )
        list_type = DatasetType(
            "catalog", ["instrument", "visit"], factory.getStorageClass("SliceableList")
        )
        self.refs = [
            DatasetRef(
                list_type if i in _LIST_IDS else dict_type,
                {"instrument": "DummyCam", "visit": i},
            )
            for i in range(N_IDS)
        ]
        self.ids = [ref.id for ref in self.refs]
        self.model = Model()
        # One set per open block: the indexes deleted (by emptyTrash, forget
        # or remove) while it was open; a rollback does not bring them back.
        self.deletions: list[set[int]] = []
        self.serial = itertools.count()
        self.expected_counts = dict.fromkeys(self.store.counts.as_dict(), 0)
        self.depth = 0

    # -- helpers ----------------------------------------------------------------

    def ref(self, index: int, fresh: bool = False) -> DatasetRef:
        ref = self.refs[index]
        if fresh:
            return DatasetRef(ref.datasetType, ref.dataId, ref.run, id=ref.id)
        return ref

    def new_object(self, index: int) -> Any:
        serial = next(self.serial)
        if index in _LIST_IDS:
            return [serial, index]
        return {"serial": serial, "index": index}

    def count(self, name: str, n: int = 1) -> None:
        self.expected_counts[name] += n

    def delete(self, index: int) -> None:
        """A deletion that stands: remembered by every open block."""
        self.model.delete(index)
        if self.deletions:
            self.deletions[-1].add(index)

    def refs_of(self, indexes: Iterable[int]) -> list[DatasetRef]:
        return [self.refs[i] for i in indexes]

    # -- applying operations ----------------------------------------------------

    def apply(self, op: Any) -> None:
        store, model = self.store, self.model
        if isinstance(op, Put):
            obj = self.new_object(op.index)
            store.put(obj, self.ref(op.index, op.fresh_ref))
            self.count("put")
            if op.index in model.stored:
                self.count("overwrite")
            model.stored[op.index] = obj
            model.trash.discard(op.index)
        elif isinstance(op, Get):
            self.check_get(op.index)
        elif isinstance(op, Exists):
            assert store.exists(self.ref(op.index)) == (op.index in model.stored)
            self.count("exists")
        elif isinstance(op, TrashOne):
            ref = self.ref(op.index)
            if op.index in model.stored:
                store.trash(ref, ignore_errors=op.ignore_errors)
                if op.index not in model.trash:
                    self.count("trash")
                    model.trash.add(op.index)
            elif op.ignore_errors:
                store.trash(ref, ignore_errors=True)  # logged, nothing trashed
            else:
                with pytest.raises(FileNotFoundError, match=ref.datasetType.name):
                    store.trash(ref)
        elif isinstance(op, TrashMany):
            refs: Iterable[DatasetRef] = self.refs_of(op.indexes)
            if op.container == "tuple":
                refs = tuple(refs)
            elif op.container == "generator":
                refs = iter(list(refs))
            store.trash(refs)
            added = set(op.indexes) - model.trash
            self.count("trash", len(added))
            model.trash |= added  # unknown ids too: bulk trash does not check
        elif isinstance(op, EmptyTrash):
            selected = None if op.selected is None else self.refs_of(op.selected)
            result = store.emptyTrash(refs=selected, dry_run=op.dry_run)
            assert result == set()
            everything = op.selected is None
            emptied = set(model.trash) if everything else model.trash & set(op.selected)
            if not op.dry_run:
                self.count("emptied", len(emptied))
                for index in emptied:
                    self.delete(index)
        elif isinstance(op, Forget):
            store.forget(self.refs_of(op.indexes))
            for index in op.indexes:
                if index in model.stored or index in model.trash:
                    self.count("forget")
                    self.delete(index)
        elif isinstance(op, Remove):
            ref = self.ref(op.index)
            if op.index in model.stored:
                store.remove(ref)
                if op.index not in model.trash:
                    self.count("trash")
                self.count("emptied")
                self.delete(op.index)
            else:
                with pytest.raises(FileNotFoundError, match=ref.datasetType.name):
                    store.remove(ref)
        elif isinstance(op, Block):
            self.run_block(op)
        else:  # pragma: no cover - a bug in this test module
            raise AssertionError(f"unknown operation {op!r}")
        if not isinstance(op, Block):
            self.check()

    def run_block(self, block: Block) -> None:
        """Run a block in a transaction; raise through unless it is caught."""
        snapshot = self.model.copy()
        self.deletions.append(set())
        self.depth += 1
        try:
            with self.store.transaction():
                for op in block.ops:
                    self.apply(op)
                if block.rollback:
                    raise (_RollbackBase if block.base_exception else _Rollback)(block)
        except (_Rollback, _RollbackBase):
            # This block's work is undone, whether the exception came from its
            # own end or from an inner block that let it through.
            self.count("rollback")
            deleted = self.close_block()
            self.model = snapshot
            for index in deleted:
                self.model.delete(index)
            self.check()
            if not block.caught:
                raise
        else:
            self.count("commit")
            self.close_block()
            self.check()

    def close_block(self) -> set[int]:
        self.depth -= 1
        deleted = self.deletions.pop()
        if self.deletions:
            self.deletions[-1] |= deleted
        return deleted

    # -- checking -----------------------------------------------------------------

    def check_get(self, index: int) -> None:
        ref = self.ref(index)
        if index in self.model.stored:
            assert self.store.get(ref) == self.model.stored[index], f"index {index}"
            self.count("get")
        else:
            with pytest.raises(FileNotFoundError, match=ref.datasetType.name):
                self.store.get(ref)
            self.count("get_missing")

    def check(self) -> None:
        store, model = self.store, self.model
        exists = {i for i, ref in enumerate(self.refs) if store.exists(ref)}
        self.count("exists", N_IDS)
        assert exists == set(model.stored), "exists() disagrees with the model"
        for index in range(N_IDS):
            self.check_get(index)
        stored_ids = {self.ids[i] for i in model.stored}
        assert store.bridge.trashed_ids == {self.ids[i] for i in model.trash}
        assert set(store.records) == stored_ids
        assert set(store.datasets) == stored_ids
        assert store.bridge.known_ids == stored_ids
        assert store.related == {i: {i} for i in stored_ids}
        assert store.consistency_problems() == []
        assert store.counts.as_dict() == self.expected_counts

    # -- rules --------------------------------------------------------------------

    @rule(op=leaf_ops)
    def single_operation(self, op: Any) -> None:
        self.apply(op)

    @rule(index=indexes, fresh_ref=st.booleans())
    def put(self, index: int, fresh_ref: bool) -> None:
        self.apply(Put(index, fresh_ref))

    @precondition(lambda self: bool(self.model.trash))
    @rule(data=st.data())
    def put_over_a_trashed_id(self, data: st.DataObject) -> None:
        index = data.draw(st.sampled_from(sorted(self.model.trash)))
        self.apply(Put(index, fresh_ref=False))

    @precondition(lambda self: bool(self.model.stored))
    @rule(data=st.data(), ignore_errors=st.booleans())
    def trash_a_stored_id(self, data: st.DataObject, ignore_errors: bool) -> None:
        index = data.draw(st.sampled_from(sorted(self.model.stored)))
        self.apply(TrashOne(index, ignore_errors))

    @precondition(lambda self: bool(self.model.trash))
    @rule(selected=st.none() | index_tuples, dry_run=st.booleans())
    def empty_a_full_trash(self, selected: tuple[int, ...] | None, dry_run: bool) -> None:
        self.apply(EmptyTrash(selected, dry_run))

    @rule(block=top_blocks)
    def transaction(self, block: Block) -> None:
        self.apply(block)
        assert self.depth == 0

    @rule(block=top_blocks)
    def transaction_after_filling(self, block: Block) -> None:
        """Put and trash a few ids first, so that the block has work to undo."""
        for index in range(0, N_IDS, 2):
            self.apply(Put(index, fresh_ref=False))
        self.apply(TrashMany((0,), "list"))
        self.apply(block)
        assert self.depth == 0

    @invariant()
    def agrees_with_the_model(self) -> None:
        self.check()


TestDatastoreMachine = DatastoreMachine.TestCase
TestDatastoreMachine.settings = settings(
    max_examples=150,
    stateful_step_count=40,
    deadline=None,
    # The explain phase re-runs long stateful examples for minutes; leave it out.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
)
