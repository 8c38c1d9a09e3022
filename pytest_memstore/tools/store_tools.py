"""Test tools a datastore can turn on: operation log, injected faults, mutation detection.

The datastore keeps their state in one `StoreTools` object, which exists only
once a tool is on; `pytest_memstore.tools.runner` runs the tools around the
datastore's operations. Nothing here imports pytest.
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_LOG_SIZE",
    "FAULT_OPERATIONS",
    "Fault",
    "LoggedOperation",
    "StoreTools",
    "format_operation_log",
    "format_operation_logs",
]

import itertools
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import attrs

from ..core.difference import first_difference
from ..core.errors import DatasetMutatedError
from ..core.foreign import is_ref
from . import DEFAULT_LOG_SIZE

if TYPE_CHECKING:
    from ..core.foreign import RefLike
    from ..core.model import DatasetId
    from ..datastore.store import InMemoryDatastore


FAULT_OPERATIONS = ("put", "get", "exists", "trash", "emptyTrash", "forget", "transfer")
"""The operations `InMemoryDatastore.fail_next` can make fail."""

_SHORT_ID = 8  # characters of a dataset ID shown in the log


def describe_ref(ref: object, with_id: bool = True) -> str:
    """Return ``<dataset type> <data ID> [<short id>]``, or a note for a non-ref.

    Without the ID (``with_id=False``) the text is the same in every run,
    as the report's problems must be: dataset IDs are random.
    """
    if not is_ref(ref):
        return f"<not a ref: {type(ref).__name__}>"
    if not with_id:
        return f"{ref.datasetType.name} {ref.dataId}"
    return f"{ref.datasetType.name} {ref.dataId} [{str(ref.id)[:_SHORT_ID]}]"


class LoggedOperation(NamedTuple):
    """One entry of a datastore's operation log.

    Attributes
    ----------
    number : `int`
        Its position among every operation the store logged, from 1.
    verb : `str`
        ``put``, ``get``, ``exists``, ``trash``, ``emptyTrash``, ``forget``,
        ``transfer``, or ``begin``, ``commit``, ``rollback`` for transactions.
    ref : `DatasetRef` or `None`
        The ref; the first one for a call given several; `None` for a
        transaction or an ``emptyTrash``.
    outcome : `str`
        ``ok``, or the name of the exception it raised, followed by
        `` (injected)`` when `InMemoryDatastore.fail_next` raised it.
    depth : `int`
        How many transactions the calling thread had open; for ``begin``,
        ``commit`` and ``rollback``, the depth of that transaction.
    detail : `str`
        More about it: how many refs a call was given, how many datasets an
        ``emptyTrash`` removed, the exception that rolled a transaction back.
    """

    number: int
    verb: str
    ref: Any
    outcome: str
    depth: int
    detail: str = ""

    def describe(self, number_width: int = 0) -> str:
        """Return the entry as one line, indented two spaces per transaction depth.

        ``#4     get metric {instrument: 'DummyCam', visit: 2} [9b1d0c44]: OSError (injected)``

        Parameters
        ----------
        number_width : `int`, optional
            Pad the number to this many digits, to line entries up.
        """
        number = f"#{self.number:<{number_width}}"
        if self.verb in ("begin", "commit", "rollback"):
            indent = "  " * (self.depth - 1)
            detail = f", {self.detail}" if self.detail else ""
            return f"{number} {indent}{self.verb} transaction (depth {self.depth}{detail})"
        indent = "  " * self.depth
        target = "" if self.ref is None else " " + describe_ref(self.ref)
        detail = f" ({self.detail})" if self.detail else ""
        return f"{number} {indent}{self.verb}{target}: {self.outcome}{detail}"


def _operation_count(entries: Sequence[LoggedOperation]) -> int:
    return entries[-1].number if entries else 0


def format_operation_log(
    store: InMemoryDatastore, last: int | None = None, label: str | None = None
) -> str:
    """Return the operation log of ``store`` as text; empty when nothing is logged.

    Parameters
    ----------
    store : `InMemoryDatastore`
        The store.
    last : `int`, optional
        Show only this many of the newest entries.
    label : `str`, optional
        What to call the store in the header; its name by default.

    Returns
    -------
    text : `str`
        A header naming the store and how many operations are shown of how
        many it did, then one line per operation, oldest first (see
        `LoggedOperation.describe`).
    """
    entries = store.operation_log()
    if not entries:
        return ""
    shown = entries if last is None or last >= len(entries) else entries[len(entries) - last:]
    total = _operation_count(entries)
    name = store.name if label is None else label
    if len(shown) == total:
        header = f"{name}: {total} operation(s), oldest first"
    else:
        header = f"{name}: the last {len(shown)} of {total} operations, oldest first"
    width = len(str(shown[-1].number))
    return "\n".join([header, *("  " + entry.describe(width) for entry in shown)])


def format_operation_logs(stores: Iterable[tuple[str, InMemoryDatastore]]) -> str:
    """Return the operation logs of several ``(label, store)`` pairs, separated by blank lines.

    Stores without a log, or with nothing logged, are left out; the result
    is empty when none has anything logged.
    """
    texts = (format_operation_log(store, label=label) for label, store in stores)
    return "\n\n".join(text for text in texts if text)


# -- faults -----------------------------------------------------------------------


def _matcher(match: Any) -> Callable[[RefLike], bool]:
    """Return the predicate ``fail_next(match=...)`` stands for."""
    if match is None:
        return lambda ref: True
    if isinstance(match, str):
        if not match:
            raise ValueError("fail_next: match must not be an empty dataset type name")

        def by_name(ref: RefLike) -> bool:
            name = ref.datasetType.name
            return bool(name == match or name.partition(".")[0] == match)

        return by_name
    if is_ref(match):
        wanted = match.id
        return lambda ref: bool(ref.id == wanted)
    if callable(match):
        return lambda ref: bool(match(ref))
    raise TypeError(
        "fail_next: match must be a dataset type name, a DatasetRef, a callable taking a "
        f"ref, or None; got {type(match).__name__}: {match!r:.80}"
    )


@attrs.define(eq=False)
class Fault:
    """A failure armed by `InMemoryDatastore.fail_next`.

    Attributes
    ----------
    operation : `str`
        The operation it makes fail.
    exception : `BaseException`, exception class, or `None`
        What it raises: this instance, an instance of this class made with
        the default message, or (`None`) an `OSError` with that message.
    match : `object`
        As given to ``fail_next``.
    times : `int`
        How many calls it makes fail.
    fired : `int`
        How many it has made fail so far.
    """

    operation: str
    exception: BaseException | type[BaseException] | None
    match: Any
    times: int
    fired: int = 0
    _matches: Callable[[RefLike], bool] = attrs.field(
        default=attrs.Factory(lambda self: _matcher(self.match), takes_self=True), repr=False
    )

    @property
    def remaining(self) -> int:
        """How many more calls it will make fail."""
        return self.times - self.fired

    def applies_to(self, refs: Sequence[RefLike]) -> bool:
        """Return whether a call on ``refs`` is one this fault makes fail.

        With no ``match``, every call is; otherwise a call with at least one
        matching ref.
        """
        if self.match is None:
            return True
        return any(self._matches(ref) for ref in refs)

    def error(self, refs: Sequence[RefLike], datastore: str) -> BaseException:
        """Return the exception to raise for a call on ``refs``."""
        if isinstance(self.exception, BaseException):
            return self.exception
        matched = [ref for ref in refs if self._matches(ref)]
        if matched:
            target = describe_ref(matched[0])
            if len(matched) > 1:
                target += f" and {len(matched) - 1} more"
            message = f"injected failure: {self.operation} of {target} in {datastore}"
        else:
            message = f"injected failure: {self.operation} in {datastore}"
        message += " (armed by fail_next)"
        return (OSError if self.exception is None else self.exception)(message)

    def describe(self, with_id: bool = True) -> str:
        """Return how it was armed and how much of it fired, as one line.

        ``with_id=False`` leaves out the short dataset ID of a ref it matches,
        so that the line is the same in every run (the report's problems).
        """
        options = [repr(self.operation)]
        if self.exception is not None:
            shown = (
                self.exception.__name__
                if isinstance(self.exception, type)
                else repr(self.exception)
            )
            options.append(f"exception={shown}")
        if self.match is not None:
            match = self.match
            shown = describe_ref(match, with_id) if is_ref(match) else (
                repr(match) if isinstance(match, str) else getattr(match, "__name__", repr(match))
            )
            options.append(f"match={shown}")
        if self.times != 1:
            options.append(f"times={self.times}")
        return f"fail_next({', '.join(options)}): fired {self.fired} of {self.times} time(s)"


def make_fault(
    operation: str, exception: Any, match: Any, times: Any
) -> Fault:
    """Check the arguments of ``fail_next`` and return the fault they describe.

    Raises
    ------
    ValueError
        ``operation`` is not one of `FAULT_OPERATIONS`, or ``times`` is not
        positive.
    TypeError
        ``exception``, ``match`` or ``times`` has the wrong type.
    """
    if operation not in FAULT_OPERATIONS:
        raise ValueError(
            f"fail_next: cannot make {operation!r} fail; operations: {', '.join(FAULT_OPERATIONS)}"
        )
    if not (
        exception is None
        or isinstance(exception, BaseException)
        or (isinstance(exception, type) and issubclass(exception, BaseException))
    ):
        raise TypeError(
            "fail_next: exception must be an exception, an exception class or None; "
            f"got {type(exception).__name__}: {exception!r:.80}"
        )
    if type(times) is not int:
        raise TypeError(f"fail_next: times must be an int; got {type(times).__name__}")
    if times < 1:
        raise ValueError(f"fail_next: times must be at least 1; got {times}")
    return Fault(operation, exception, match, times)


# -- mutation detection -------------------------------------------------------------


class Snapshot:
    """The copy of one stored object taken when it was put."""

    __slots__ = ("copy", "handed_out", "original", "raised", "ref")

    def __init__(self, ref: RefLike, original: Any, copy: Any) -> None:
        self.ref = ref
        self.original = original
        self.copy = copy
        self.handed_out = False
        self.raised = False


def same_value(current: Any, snapshot: Any) -> bool | None:
    """Return whether ``current`` still equals ``snapshot``; `None` if ``==`` cannot say.

    An ``==`` that returns something other than a `bool` (an array) is
    reduced with its ``all()`` when it has one.
    """
    if current is snapshot:
        return True
    try:
        result = current == snapshot
        if result is True or result is False:
            return result
        reduce = getattr(result, "all", None)
        return bool(reduce() if callable(reduce) else result)
    except Exception:
        return None


def mutation_error(snapshot: Snapshot, current: Any, datastore: str) -> DatasetMutatedError:
    """Build the error for a stored object that no longer equals its snapshot."""
    try:
        difference = first_difference(current, snapshot.copy)
    except Exception:  # a value that breaks the search must not hide the change
        difference = None
    if difference is None:  # equal by first_difference but not by ==: say so at the top
        from ..core.difference import Difference

        difference = Difference("", current, snapshot.copy)
    return DatasetMutatedError.for_dataset(
        snapshot.ref, datastore, difference, "get" if snapshot.handed_out else "put"
    )


# -- the state --------------------------------------------------------------------


class StoreTools:
    """The state of a datastore's tools.

    Parameters
    ----------
    log_size : `int`
        How many operations to keep; 0 keeps no log.
    detect_mutation : `bool`
        Keep a copy of each stored object to compare against.
    count_gets : `bool`
        Count the gets of each dataset.
    """

    __slots__ = ("faults", "log", "numbers", "reads", "snapshots")

    def __init__(self, log_size: int, detect_mutation: bool, count_gets: bool) -> None:
        # Plain tuples, made LoggedOperations when read: half the cost to log.
        self.log: deque[tuple[int, str, Any, str, int, str]] | None = (
            deque(maxlen=log_size) if log_size else None
        )
        self.numbers = itertools.count(1)
        """Numbers the log entries."""
        self.faults: list[Fault] = []
        self.snapshots: dict[DatasetId, Snapshot] | None = {} if detect_mutation else None
        self.reads: dict[DatasetId, list[Any]] | None = {} if count_gets else None
        """Per dataset ID, ``[gets, the first ref read]``."""

    @classmethod
    def checked(cls, log_size: Any, detect_mutation: Any, count_gets: Any) -> StoreTools:
        """Return the state for these datastore options, checking ``log_size``.

        Raises
        ------
        TypeError
            ``log_size`` is not an `int`.
        ValueError
            ``log_size`` is negative.
        """
        if type(log_size) is not int:
            raise TypeError(f"log_size must be an int; got {type(log_size).__name__}")
        if log_size < 0:
            raise ValueError(f"log_size must be 0 (no log) or more; got {log_size}")
        return cls(log_size, bool(detect_mutation), bool(count_gets))

    def record(
        self,
        verb: str,
        ref: object,
        error: BaseException | None,
        depth: int,
        detail: str = "",
        injected: bool = False,
    ) -> None:
        """Add one entry to the log, if there is one."""
        log = self.log
        if log is None:
            return
        if error is None:
            outcome = "ok"
        else:
            outcome = type(error).__name__ + (" (injected)" if injected else "")
        log.append((next(self.numbers), verb, ref, outcome, depth, detail))

    def fault_for(
        self, operation: str, refs: Sequence[RefLike], datastore: str
    ) -> BaseException | None:
        """Fire the first armed fault for this call, if any; return what to raise."""
        for fault in self.faults:
            if fault.operation == operation and fault.applies_to(refs):
                fault.fired += 1
                if not fault.remaining:
                    self.faults.remove(fault)
                return fault.error(refs, datastore)
        return None
