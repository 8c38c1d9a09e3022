"""Assertion helpers for datastore round-trips, with messages made to be read.

Each helper hides its own frame from pytest tracebacks and builds its message
by hand, so it reads the same with and without assertion rewriting.
"""

from __future__ import annotations

__all__ = [
    "MISSING",
    "Difference",
    "assert_consistent",
    "assert_not_stored",
    "assert_ops",
    "assert_roundtrip",
    "assert_stored",
    "assert_trash_empty",
    "assert_trash_roundtrip",
    "expect_ops",
    "first_difference",
]

from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import Any

from .core.difference import MISSING, Difference, cut_to_width, first_difference, safe_repr
from .core.foreign import RefLike
from .core.model import DatasetRef
from .datastore.counts import NAMES
from .datastore.store import InMemoryDatastore
from .tools.store_tools import format_operation_log

_SHOWN = 10



def _storage_class_name(datasetType: Any) -> str:
    """Name the storage class of a dataset type without resolving a name it was given."""
    name = getattr(datasetType, "storageClass_name", None)
    return name if isinstance(name, str) else str(datasetType.storageClass.name)


def _describe(ref: RefLike) -> str:
    datasetType = ref.datasetType
    return (
        f"{datasetType.name} {ref.dataId} (id {ref.id}, storage class "
        f"{_storage_class_name(datasetType)}, run {ref.run!r})"
    )


_verbosity = 0
"""pytest's assertion verbosity (``-v`` counts); set by the plugin for its run."""

_WIDTH = 300  # each value in a mismatch message, below -vv
_DIFFERENCE_WIDTH = 80  # each value in its "first difference" line, below -vv


def follow_verbosity(config: Any) -> Callable[[], None]:
    """Make the messages follow the assertion verbosity of a pytest ``config``.

    Called by the plugin's ``pytest_configure``; the verbosity is
    ``verbosity_assertions`` if set (pytest 8 and later), else the number of
    ``-v``. Returns what restores the verbosity before, for
    ``config.add_cleanup``: an in-process inner run (pytester's
    ``runpytest``) shares this module with the run around it.
    """
    global _verbosity
    get_verbosity = getattr(config, "get_verbosity", None)
    level = get_verbosity("assertions") if get_verbosity else config.getoption("verbose")
    previous, _verbosity = _verbosity, int(level or 0)

    def restore() -> None:
        global _verbosity
        _verbosity = previous

    return restore


def _compared(got_label: str, got: Any, expected_label: str, expected: Any) -> str:
    """Show two unequal values and where they first differ.

    Below ``-vv`` the values are cut to a readable width, and a last line
    says so; at ``-vv`` and above they are shown whole, as pytest shows its
    own comparisons.
    """
    whole = _verbosity >= 2
    got_text, expected_text = safe_repr(got), safe_repr(expected)
    lines = [
        got_label,
        "  " + (got_text if whole else cut_to_width(got_text, _WIDTH)),
        expected_label,
        "  " + (expected_text if whole else cut_to_width(expected_text, _WIDTH)),
    ]
    cut = not whole and max(len(got_text), len(expected_text)) > _WIDTH
    try:
        difference = first_difference(got, expected)
    except Exception:  # a value that breaks the search must not hide the failure
        difference = None
    # At the top level, two values of one type differ just as shown above.
    if difference is not None and (
        difference.path or difference.kind != "value" or type(got) is not type(expected)
    ):
        said = difference.describe(None if whole else _DIFFERENCE_WIDTH)
        lines.append(f"first difference at {difference.where}: {said}")
        cut = cut or (not whole and said != difference.describe())
    if cut:
        lines.append("(values shortened; -vv shows them whole)")
    return "\n".join(lines)


def _near_matches(store: InMemoryDatastore, ref: DatasetRef) -> list[str]:
    """Describe stored refs that share the dataset type or the data ID of ``ref``."""
    lines = []
    for stored in store.stored_refs():
        if stored.id == ref.id:
            lines.append(f"same id stored as {_describe(stored)}")
        elif stored.datasetType.name == ref.datasetType.name and stored.dataId != ref.dataId:
            lines.append(f"same dataset type, other dataId: {stored.dataId} (id {stored.id})")
        elif stored.dataId == ref.dataId and stored.datasetType.name != ref.datasetType.name:
            lines.append(f"same dataId, other dataset type: {stored.datasetType.name} "
                         f"(id {stored.id})")
    if len(lines) > _SHOWN:
        lines[_SHOWN:] = [f"... and {len(lines) - _SHOWN} more"]
    return lines


def _fail(message: str) -> None:
    __tracebackhide__ = True
    raise AssertionError(message)


def _missing_message(store: InMemoryDatastore, ref: DatasetRef, what: str) -> str:
    message = f"{what}: {_describe(ref)} is not stored in {store.name}"
    near = _near_matches(store, ref)
    if near:
        message += "\nstored refs that nearly match:\n  " + "\n  ".join(near)
    else:
        message += f"\n{store.name} holds {len(store.records)} dataset(s); none nearly match"
    return message


def assert_stored(store: InMemoryDatastore, ref: DatasetRef) -> None:
    """Fail unless ``ref`` is stored (trashed but not emptied counts as stored).

    The message lists stored refs with the same dataset type or data ID.
    """
    __tracebackhide__ = True
    if not store.exists(ref):
        _fail(_missing_message(store, ref, "assert_stored"))


def assert_not_stored(store: InMemoryDatastore, ref: DatasetRef) -> None:
    """Fail if ``ref`` is stored; the message says whether it sits in the trash."""
    __tracebackhide__ = True
    if store.exists(ref):
        how = (
            "in its trash (call emptyTrash to delete it)"
            if ref.id in store.bridge.trashed_ids
            else "not trashed"
        )
        _fail(f"assert_not_stored: {_describe(ref)} is stored in {store.name}, {how}")


def assert_trash_empty(store: InMemoryDatastore) -> None:
    """Fail if anything is in the trash; the message lists what."""
    __tracebackhide__ = True
    trashed = store.bridge.trashed_refs()
    if trashed:
        listed = [_describe(ref) for ref in trashed[:_SHOWN]]
        if len(trashed) > _SHOWN:
            listed.append(f"... and {len(trashed) - _SHOWN} more")
        _fail(
            f"assert_trash_empty: {store.name} has {len(trashed)} dataset(s) in the trash:\n  "
            + "\n  ".join(listed)
        )


def assert_consistent(store: InMemoryDatastore) -> None:
    """Fail if the store's datasets, records, related sets and bridge disagree."""
    __tracebackhide__ = True
    problems = store.consistency_problems()
    if problems:
        message = f"assert_consistent: {store.name} is inconsistent:\n  " + "\n  ".join(problems)
        involved = {
            ref.id: ref
            for ref in (*store.stored_refs(), *store.bridge.trashed_refs())
            if any(str(ref.id) in problem for problem in problems)
        }
        if involved:
            message += "\nrefs involved:\n  " + "\n  ".join(
                _describe(ref) for ref in list(involved.values())[:_SHOWN]
            )
        _fail(message)


def assert_roundtrip(
    store: InMemoryDatastore,
    obj: Any,
    ref: DatasetRef,
    *,
    parameters: Mapping[str, Any] | None = None,
    expected: Any = None,
    components: bool = True,
) -> Any:
    """Put ``obj``, then check that it exists, reads back and has a ``mem`` URI.

    Parameters
    ----------
    store : `InMemoryDatastore`
        The store to use.
    obj : `object`
        What to put.
    ref : `DatasetRef`
        Where to put it.
    parameters : mapping, optional
        Read parameters for the ``get``.
    expected : `object`, optional
        What ``get`` must return; by default ``obj`` (after the storage
        class's conversion, with ``parameters`` applied by its delegate).
    components : `bool`, optional
        Also read every component and derived component and compare it with
        what the storage class's delegate takes from ``obj``.

    Returns
    -------
    got : `object`
        What ``get`` returned.

    Raises
    ------
    AssertionError
        If a check fails. When a value read back differs from what was
        expected, the message shows both and where they first differ (see
        `first_difference`); below pytest's ``-vv`` each value is cut to a
        readable width, at ``-vv`` it is shown whole.
    """
    __tracebackhide__ = True
    storageClass = store.storage_class_of(ref)
    store.put(obj, ref)
    if not store.exists(ref):
        _fail(f"assert_roundtrip: after put, {_describe(ref)} does not exist in {store.name}")
    stored = storageClass.coerce_type(obj)
    if expected is None:
        expected = storageClass.delegate().handleParameters(stored, parameters)
    got = store.get(ref, parameters=parameters)
    if got != expected:
        with_parameters = f" with parameters {dict(parameters)}" if parameters else ""
        _fail(
            _compared(
                f"assert_roundtrip: get{with_parameters} of {_describe(ref)} returned",
                got,
                "expected",
                expected,
            )
        )
    if components:
        delegate = storageClass.delegate()
        for name in sorted(storageClass.allComponents()):
            want = delegate.getComponent(stored, name)
            have = store.get(ref.makeComponentRef(name))
            if have != want:
                _fail(
                    _compared(
                        f"assert_roundtrip: component {name!r} of {_describe(ref)} read back as",
                        have,
                        f"but the delegate of {storageClass.name!r} gives",
                        want,
                    )
                )
    uris = store.getURIs(ref)
    every_uri = [uris.primaryURI, *uris.componentURIs.values()]
    for uri in every_uri:
        if uri is None or uri.scheme != "mem":
            _fail(f"assert_roundtrip: {_describe(ref)} has URI {uri!r}; expected a mem:// URI")
    return got


def assert_trash_roundtrip(store: InMemoryDatastore, ref: DatasetRef) -> None:
    """Trash a stored ref and empty it; check every step.

    Checked: the dataset stays readable while trashed; after ``emptyTrash``
    it is gone and out of the trash; other records sharing its artifact are
    kept and still readable.
    """
    __tracebackhide__ = True
    if not store.exists(ref):
        _fail(_missing_message(store, ref, "assert_trash_roundtrip"))
    record = store.records[ref.id]
    siblings = [
        other
        for other in store.stored_refs()
        if other.id != ref.id and store.records[other.id].parentID == record.parentID
    ]
    trashed_before = store.bridge.trashed_ids
    store.trash(ref)
    if not store.exists(ref):
        _fail(f"assert_trash_roundtrip: {_describe(ref)} stopped existing when trashed, "
              "before emptyTrash")
    try:
        store.get(ref)
    except FileNotFoundError:
        _fail(f"assert_trash_roundtrip: {_describe(ref)} cannot be read while in the trash")
    if ref.id not in store.bridge.trashed_ids:
        _fail(f"assert_trash_roundtrip: {_describe(ref)} is not in the trash after trash()")
    store.emptyTrash(refs=[ref])
    if store.exists(ref):
        _fail(f"assert_trash_roundtrip: {_describe(ref)} still exists after emptyTrash")
    left = store.bridge.trashed_ids - (trashed_before - {ref.id})
    if left:
        listed = [_describe(other) for other in store.bridge.trashed_refs() if other.id in left]
        _fail(
            f"assert_trash_roundtrip: after emptyTrash of {_describe(ref)}, the trash of "
            f"{store.name} still holds:\n  " + "\n  ".join(listed)
        )
    for sibling in siblings:
        if not store.exists(sibling):
            _fail(
                f"assert_trash_roundtrip: emptying {_describe(ref)} also removed "
                f"{_describe(sibling)}, which shares its artifact"
            )
        store.get(sibling)


# -- operation counts ---------------------------------------------------------------

COUNT_NAMES = (
    "stores",
    *NAMES,
    "left_datasets",
    "left_trash",
)
"""The count names `assert_ops` and `expect_ops` take: the report's columns."""

_RECENT = 10  # operations shown after a count mismatch


def _store_list(stores: InMemoryDatastore | Iterable[InMemoryDatastore], where: str) -> (
    list[InMemoryDatastore]
):
    if isinstance(stores, InMemoryDatastore):
        return [stores]
    listed = list(stores) if isinstance(stores, Iterable) else [stores]
    for store in listed:
        if not isinstance(store, InMemoryDatastore):
            raise TypeError(
                f"{where} expects an InMemoryDatastore or an iterable of them; got "
                f"{type(store).__name__}: {store!r:.80}"
            )
    return listed


def _check_expected(expected: Mapping[str, Any], where: str) -> None:
    if not expected:
        raise TypeError(
            f"{where} needs at least one count to check, as name=value; count names: "
            + ", ".join(COUNT_NAMES)
        )
    unknown = sorted(set(expected) - set(COUNT_NAMES))
    if unknown:
        raise TypeError(
            f"{where}: unknown count name(s) {', '.join(unknown)}; count names: "
            + ", ".join(COUNT_NAMES)
        )
    for name, value in expected.items():
        if type(value) is not int:
            raise TypeError(f"{where}: {name} must be an int; got {type(value).__name__}")


def operation_totals(stores: InMemoryDatastore | Iterable[InMemoryDatastore]) -> dict[str, int]:
    """Return every count `assert_ops` knows, summed over ``stores``.

    ``stores`` is how many stores were given, ``left_datasets`` the datasets
    they hold now and ``left_trash`` those of them in the trash; the others
    are the stores' `OperationCounts`.
    """
    listed = _store_list(stores, "operation_totals")
    totals = dict.fromkeys(COUNT_NAMES, 0)
    totals["stores"] = len(listed)
    for store in listed:
        for name, value in store.counts.as_dict().items():
            totals[name] += value
        totals["left_datasets"] += len(store.records)
        totals["left_trash"] += len(store.bridge.trashed_ids)
    return totals


def _names(stores: list[InMemoryDatastore]) -> str:
    return ", ".join(store.name for store in stores) or "no stores"


def _recent_operations(stores: list[InMemoryDatastore]) -> str:
    logs = [format_operation_log(store, last=_RECENT) for store in stores]
    shown = [text for text in logs if text]
    if shown:
        return "recent operations:\n" + "\n".join(shown)
    if any(store.log_size for store in stores):
        return "recent operations: none"
    return (
        "(no operation log to show: build the store with log_size=N, or set the "
        "memstore_log_size ini option, to see its recent operations here)"
    )


def assert_ops(
    store: InMemoryDatastore | Iterable[InMemoryDatastore], /, **expected: int
) -> None:
    """Fail unless each given count equals the store's total.

    Parameters
    ----------
    store : `InMemoryDatastore` or iterable of them
        The store, or stores whose counts are summed (positional only, so
        that ``stores=`` is the count of stores).
    **expected : `int`
        Counts by name: any of `COUNT_NAMES`, the report's columns (``put``,
        ``get``, ``get_missing``, ``exists``, ``trash``, ``emptied``,
        ``overwrite``, ``left_datasets``...). Counts not given are not checked.

    Raises
    ------
    AssertionError
        A count differs. The message lists every mismatch as expected
        against actual, then the store's recent operations when it keeps an
        operation log.
    TypeError
        No count is given, a name is not a count name, or a value is not
        an int.
    """
    __tracebackhide__ = True
    listed = _store_list(store, "assert_ops")
    _check_expected(expected, "assert_ops")
    totals = operation_totals(listed)
    mismatches = [
        f"  {name}: expected {want}, got {totals[name]}"
        for name, want in expected.items()
        if totals[name] != want
    ]
    if mismatches:
        _fail(
            f"assert_ops: {_names(listed)}: {len(mismatches)} count(s) differ:\n"
            + "\n".join(mismatches)
            + "\n"
            + _recent_operations(listed)
        )


class _ExpectOps:
    """The context manager `expect_ops` returns."""

    def __init__(self, stores: list[InMemoryDatastore], expected: dict[str, int]) -> None:
        self.stores = stores
        self.expected = expected
        self.before: dict[str, int] = {}

    def __enter__(self) -> None:
        self.before = operation_totals(self.stores)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        __tracebackhide__ = True
        if kind is not None:
            return
        after = operation_totals(self.stores)
        mismatches = []
        for name, want in self.expected.items():
            before, now = self.before[name], after[name]
            if now - before != want:
                mismatches.append(
                    f"  {name}: expected {want:+d}, got {now - before:+d} ({before} -> {now})"
                )
        if mismatches:
            _fail(
                f"expect_ops: inside the block, {_names(self.stores)}: {len(mismatches)} "
                "count(s) changed by other than expected:\n"
                + "\n".join(mismatches)
                + "\n"
                + _recent_operations(self.stores)
            )


def expect_ops(
    store: InMemoryDatastore | Iterable[InMemoryDatastore], /, **expected: int
) -> _ExpectOps:
    """Return a context manager that checks how much the counts change inside it.

    On leaving the block normally, each given count must have changed by
    exactly its value (``put=2``: two more puts; ``left_datasets=-1``: one
    dataset fewer); counts not given are not checked. An exception leaving
    the block propagates unchecked.

    Parameters
    ----------
    store : `InMemoryDatastore` or iterable of them
        The store, or stores whose counts are summed (positional only).
    **expected : `int`
        Changes by count name (see `assert_ops`).

    Raises
    ------
    AssertionError
        When the block exits: a count changed by another amount. The message
        lists every mismatch with the counts before and after, then the
        recent operations.
    TypeError
        At the call: no count is given, a name is not a count name, or a
        value is not an int.
    """
    listed = _store_list(store, "expect_ops")
    _check_expected(expected, "expect_ops")
    return _ExpectOps(listed, dict(expected))
