"""`InMemoryDatastore`: datasets held in a dict, with daf_butler's semantics.

The operations live in one module per concern, as parts of the class:
`WritingMixin` (``put``), `ReadingMixin` (``get``, ``exists``, URIs),
`RemovalMixin` (``trash``, ``emptyTrash``, ``forget``), `InapplicableMixin`
(daf_butler's file-based methods, refused or ignored); this module builds the
store from them and adds transactions, transfers, inspection and the test
tools' API.
"""

from __future__ import annotations

__all__ = ["InMemoryDatastore"]

import itertools
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar

from ..core.errors import DatasetMutatedError, TransactionOrderError
from ..core.foreign import RefLike, require_ref
from ..core.model import DatasetRef
from ..core.storage_factory import StorageClassFactory
from ..tools import DEFAULT_LOG_SIZE
from .bridge import BridgeManager, EphemeralBridge
from .constraints import Constraints
from .counts import TICKS, StoreCounts
from .inapplicable import InapplicableMixin
from .reading import ReadingMixin
from .removal import RemovalMixin
from .tables import LOCK_FREE_READS, MISSING
from .transaction import DatastoreTransaction
from .writing import WritingMixin

# The test tools are imported when a store first turns one on.
if TYPE_CHECKING:
    from ..tools.store_tools import Fault, LoggedOperation, StoreTools

_NO_CONSTRAINTS = Constraints()
_store_numbers = itertools.count(1)
_new_tuple = tuple.__new__


class InMemoryDatastore(WritingMixin, ReadingMixin, RemovalMixin, InapplicableMixin):
    """A datastore that keeps datasets as Python objects, by dataset ID.

    Parameters
    ----------
    name : `str`, optional
        Defaults to a unique ``InMemoryDatastore@<n>``.
    bridgeManager : `BridgeManager`, optional
        Where the registry bridge comes from; without one the store makes
        a bridge of its own.
    constraints : mapping, optional
        ``{"accept": [...], "reject": [...]}``, see `Constraints`.
    copy_on_put : `bool`, optional
        Store a copy, so changing the object after ``put`` changes nothing.
    copy_on_get : `bool`, optional
        Return a copy, so changing what ``get`` returned changes nothing.
    storageClasses : `StorageClassFactory`, optional
        Resolves storage class names given to ``get(storageClass=...)``.
    detect_mutation : `bool`, optional
        Keep a copy of each object put (the storage class delegate's copy)
        and raise `DatasetMutatedError` when a stored object no longer
        equals it: on ``get`` of that dataset, and from `check_mutations`.
    log_size : `int`, optional
        Keep a log of the last ``log_size`` operations (`operation_log`);
        0, the default (`tools.DEFAULT_LOG_SIZE`), keeps none.
    count_gets : `bool`, optional
        Count the gets of each dataset (`get_counts`, `repeated_gets`).

    Notes
    -----
    Every method is safe to call from several threads. A transaction
    belongs to the thread that opened it. On a CPython with a GIL, ``get``
    and ``exists`` of a stored dataset read the tables without taking the
    store's lock, and answer as a locked read would (see
    `StoreTables._read_stamp`); everything else takes it.

    A store with a test tool on (any of the last three options, or a fault
    armed by `fail_next`) is an instance of a subclass that runs the tools
    around each operation; a store without one runs the operations with no
    check for them at all.

    ``datasets`` maps artifact IDs to objects, ``records`` dataset IDs to
    `StoredMemoryItemInfo`, and ``related`` artifact IDs to the IDs of the
    records that refer to them; ``bridge`` holds the registry records and the
    trash. They are public for inspection only.
    """

    isEphemeral: ClassVar[bool] = True
    _tools: StoreTools | None = None
    """The test tools' state; a store gets its own once a tool is on."""

    def __init__(
        self,
        name: str | None = None,
        *,
        bridgeManager: BridgeManager | None = None,
        constraints: Mapping[str, Any] | None = None,
        copy_on_put: bool = False,
        copy_on_get: bool = False,
        storageClasses: StorageClassFactory | None = None,
        detect_mutation: bool = False,
        log_size: int = DEFAULT_LOG_SIZE,
        count_gets: bool = False,
    ) -> None:
        tools = None
        if detect_mutation or log_size or count_gets:
            from ..tools.store_tools import StoreTools

            tools = StoreTools.checked(log_size, detect_mutation, count_gets)
        if name is None:
            name = f"InMemoryDatastore@{next(_store_numbers)}"
        elif not isinstance(name, str) or not name:
            raise ValueError(f"A datastore name must be a non-empty str; got {name!r}")
        self.name = name
        self.constraints = _NO_CONSTRAINTS if constraints is None else Constraints(constraints)
        self.copy_on_put = bool(copy_on_put)
        self._copy_on_get = bool(copy_on_get)
        self.storageClasses = storageClasses
        self.datasets = {}
        self.records = {}
        self.related = {}
        if bridgeManager is None:
            self.bridge = EphemeralBridge(name)
        else:
            self.bridge = bridgeManager.register(name, ephemeral=True)
        self._bridge_known, self._bridge_trash = self.bridge.tables()
        self._get_ticks = iter(TICKS)
        self._exists_ticks = iter(TICKS)
        self.counts = StoreCounts(self._get_ticks, self._exists_ticks)
        self._constrained = self.constraints is not _NO_CONSTRAINTS
        self._accepted = {}
        self._lock = threading.RLock()
        # See StoreTables._read_stamp; _new_read_stamp, written out.
        self._read_stamp = object() if LOCK_FREE_READS and not copy_on_get else None
        # Transactions open in any thread; while none is, put skips the
        # thread-local lookup.
        self._open_transactions = 0
        if tools is not None:
            from ..tools.runner import with_tools

            self._tools = tools
            self.__class__ = with_tools(type(self))

    def __repr__(self) -> str:
        return f"<InMemoryDatastore {self.name!r}: {len(self.records)} records>"

    @property
    def names(self) -> tuple[str, ...]:
        """The names of this datastore: its own, as for any datastore that chains none."""
        return (self.name,)

    # -- transfers -------------------------------------------------------

    def transfer(self, inputDatastore: Any, ref: RefLike) -> None:
        """Copy one dataset from another datastore into this one."""
        if type(ref) is not DatasetRef:
            require_ref(ref, "transfer")
        self.put(inputDatastore.get(ref), ref)

    # -- transactions ------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[DatastoreTransaction]:
        """Open a (possibly nested) transaction for this thread.

        An exception leaving the block undoes the block's ``put`` and
        ``trash`` calls (inner blocks included) and propagates. `emptyTrash`
        and `forget` are never undone.

        Raises
        ------
        TransactionOrderError
            The block was left while a transaction opened inside it was still
            open (possible only by calling ``__enter__``/``__exit__`` by hand
            or from a suspended generator). Both are rolled back first. Also
            raised when such an inner transaction is left afterwards.
        """
        state = self._thread
        parent = state.transaction
        transaction = DatastoreTransaction(parent)
        with self._lock:
            self._open_transactions += 1
        state.transaction = transaction
        try:
            yield transaction
        except BaseException as err:
            if state.transaction is not transaction:
                if transaction.closed and isinstance(err, GeneratorExit):
                    raise  # collected after the transaction enclosing it ended it
                raise self._end_out_of_order(transaction) from err
            if isinstance(err, GeneratorExit):  # closed where it waited: its block never ended
                with self._lock:
                    self.abandoned_transactions += 1
            with self._lock:
                self._begin_change()
                try:
                    transaction.rollback()
                finally:
                    self._end_change()
                self.counts.rollback += 1
                self._open_transactions -= 1
            state.transaction = parent
            raise
        if state.transaction is not transaction:
            raise self._end_out_of_order(transaction)
        with self._lock:
            transaction.commit()
            self.counts.commit += 1
            self._open_transactions -= 1
        state.transaction = parent

    @property
    def open_transactions(self) -> int:
        """How many transactions are open now, in any thread."""
        return self._open_transactions

    def _end_out_of_order(self, transaction: DatastoreTransaction) -> TransactionOrderError:
        """Roll back a transaction left out of order; return the error that says so."""
        if transaction.closed:
            return TransactionOrderError(
                f"{self!r}: this transaction was already rolled back, when a transaction "
                "enclosing it was left while it was still open"
            )
        inside = transaction.open_inside(self._thread.transaction)
        with self._lock:
            self._begin_change()
            try:
                for ended in (*inside, transaction):
                    ended.rollback()
                    self.counts.rollback += 1
                    self._open_transactions -= 1
            finally:
                self._end_change()
        self._thread.transaction = transaction.parent
        return TransactionOrderError(
            f"{self!r}: a transaction was left while {len(inside)} transaction(s) opened "
            "inside it were still open; transactions must end innermost first. It and "
            "they were rolled back"
        )

    # -- inspection --------------------------------------------------------

    def stored_refs(self) -> list[RefLike]:
        """Return the refs of every stored dataset (trashed ones included)."""
        with self._lock:
            lookup = self.bridge.lookup
            found = (lookup(dataset_id) for dataset_id in self.records)
            return [ref for ref in found if ref is not None]

    def consistency_problems(self) -> list[str]:
        """Return what, if anything, is inconsistent between the tables.

        Checked: every record's artifact is stored and lists it in
        ``related``; every ``related`` entry lists records that refer to it;
        every artifact has a record; records and bridge agree.
        """
        problems = []
        with self._lock:
            known = self.bridge.known_ids
            for dataset_id, record in self.records.items():
                if record.dataset_id != dataset_id:
                    problems.append(f"record {dataset_id} describes {record.dataset_id}")
                if record.parentID not in self.datasets:
                    problems.append(f"record {dataset_id}: artifact {record.parentID} is missing")
                if dataset_id not in self.related.get(record.parentID, ()):
                    problems.append(f"record {dataset_id} is not listed under {record.parentID}")
                if dataset_id not in known:
                    problems.append(f"record {dataset_id} is not in the bridge")
            for parent_id, members in self.related.items():
                if not members:
                    problems.append(f"artifact {parent_id} has an empty related set")
                for member in members:
                    member_record = self.records.get(member)
                    if member_record is None or member_record.parentID != parent_id:
                        problems.append(f"related[{parent_id}] lists {member}, which is not its")
            for parent_id in self.datasets:
                if not self.related.get(parent_id):
                    problems.append(f"artifact {parent_id} has no record")
            for dataset_id in known:
                if dataset_id not in self.records:
                    problems.append(f"bridge lists {dataset_id}, which has no record")
        return problems

    # -- test tools --------------------------------------------------------

    @property
    def detect_mutation(self) -> bool:
        """Whether this store checks stored objects against copies taken at ``put``."""
        return self._tools is not None and self._tools.snapshots is not None

    @property
    def log_size(self) -> int:
        """How many operations the log keeps; 0 when there is no log."""
        log = None if self._tools is None else self._tools.log
        return 0 if log is None else log.maxlen or 0

    @property
    def count_gets(self) -> bool:
        """Whether this store counts the gets of each dataset."""
        return self._tools is not None and self._tools.reads is not None

    def _use_tools(self) -> StoreTools:
        """Return the tools' state, turning this store into one that runs them."""
        from ..tools.runner import with_tools
        from ..tools.store_tools import StoreTools

        with self._lock:
            tools = self._tools
            if tools is None:
                tools = self._tools = StoreTools(0, False, False)
                self.__class__ = with_tools(type(self))
            return tools

    def fail_next(
        self,
        operation: str,
        exception: BaseException | type[BaseException] | None = None,
        *,
        match: Any = None,
        times: int = 1,
    ) -> Fault:
        """Make the next calls of an operation raise, before they change anything.

        Parameters
        ----------
        operation : `str`
            ``"put"``, ``"get"``, ``"exists"``, ``"trash"``, ``"emptyTrash"``,
            ``"forget"`` or ``"transfer"``.
        exception : `BaseException` or exception class, optional
            What to raise: this exception, or this class made with the default
            message. By default an `OSError` whose message names the
            operation, the ref and the store.
        match : `str`, `DatasetRef` or callable, optional
            Which calls fail: those on a ref of this dataset type (a
            component's ref matches the name of its composite too), on this
            ref (by dataset ID), or on a ref for which ``match(ref)`` is
            true. A call given several refs (``trash``, ``forget``) or
            emptying several (``emptyTrash``) fails when any of them matches.
            `None` (the default): every call.
        times : `int`, optional
            How many matching calls fail.

        Returns
        -------
        fault : `Fault`
            The armed fault; its ``fired`` count says how often it has fired.

        Raises
        ------
        ValueError
            ``operation`` is not one of those, or ``times`` is less than 1.
        TypeError
            ``exception`` or ``match`` is of the wrong kind.

        Notes
        -----
        Faults fire in the order they were armed. A call that fails this way
        leaves the store, its counts included, exactly as it was; the
        operation log shows it with the exception's name and ``(injected)``.
        Other methods that use these operations (``remove`` calls ``trash``
        and ``emptyTrash``, ``transfer`` calls ``put``) fail with them.
        """
        from ..tools.store_tools import make_fault

        fault = make_fault(operation, exception, match, times)
        tools = self._use_tools()
        with self._lock:
            tools.faults.append(fault)
        return fault

    def armed_faults(self) -> list[Fault]:
        """Return the faults armed by `fail_next` that have not fired all their times."""
        if self._tools is None:
            return []
        with self._lock:
            return list(self._tools.faults)

    def operation_log(self) -> list[LoggedOperation]:
        """Return the logged operations, oldest first; empty when ``log_size`` is 0."""
        log = None if self._tools is None else self._tools.log
        if log is None:
            return []
        with self._lock:
            entries = list(log)
        from ..tools.store_tools import LoggedOperation

        return [_new_tuple(LoggedOperation, entry) for entry in entries]

    def mutations(self) -> list[DatasetMutatedError]:
        """Return an error for each stored object that no longer equals its copy.

        Empty unless ``detect_mutation`` is on. Objects whose ``==`` cannot
        say whether they are equal are not reported. Each error's
        ``already_raised`` says whether a ``get`` has raised it before.
        """
        snapshots = None if self._tools is None else self._tools.snapshots
        if not snapshots:
            return []
        from ..tools.store_tools import mutation_error, same_value

        found = []
        with self._lock:
            datasets = self.datasets
            for parent_id, snapshot in list(snapshots.items()):
                current = datasets.get(parent_id, MISSING)
                if current is not snapshot.original:  # removed or replaced without a put
                    del snapshots[parent_id]
                    continue
                if same_value(current, snapshot.copy) is False:
                    error = mutation_error(snapshot, current, self.name)
                    error.already_raised = snapshot.raised
                    found.append(error)
        return found

    def check_mutations(self) -> None:
        """Raise the first of `mutations`, if any; its message counts the others.

        Raises
        ------
        DatasetMutatedError
            A stored object no longer equals the copy taken when it was put.
        """
        found = self.mutations()
        if found:
            first = found[0]
            if len(found) > 1:
                first.args = (f"{first.args[0]}\n({len(found) - 1} other dataset(s) in "
                              f"{self.name} changed too)",)
            raise first

    def get_counts(self) -> list[tuple[RefLike, int]]:
        """Return how often each dataset was read, most read first.

        Empty unless ``count_gets`` is on. Only gets that returned count; a
        component's get counts for its dataset, under the first ref read.
        """
        reads = None if self._tools is None else self._tools.reads
        if not reads:
            return []
        with self._lock:
            found = [(ref, count) for count, ref in reads.values()]
        found.sort(key=lambda item: -item[1])
        return found

    def repeated_gets(self, threshold: int) -> list[tuple[RefLike, int]]:
        """Return the datasets read more than ``threshold`` times, most read first."""
        return [(ref, count) for ref, count in self.get_counts() if count > threshold]
