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
    "assert_roundtrip",
    "assert_stored",
    "assert_trash_empty",
    "assert_trash_roundtrip",
    "first_difference",
]

from collections.abc import Callable, Mapping
from typing import Any

from .datastore import InMemoryDatastore
from .difference import MISSING, Difference, _cut, _repr, first_difference
from .model import DatasetRef

_SHOWN = 10



def _describe(ref: DatasetRef) -> str:
    datasetType = ref.datasetType
    return (
        f"{datasetType.name} {ref.dataId} (id {ref.id}, storage class "
        f"{datasetType.storageClass.name}, run {ref.run!r})"
    )


_verbosity = 0
"""pytest's assertion verbosity (``-v`` counts); set by the plugin for its run."""

_WIDTH = 300  # each value in a mismatch message, below -vv
_DIFFERENCE_WIDTH = 80  # each value in its "first difference" line, below -vv


def _follow_verbosity(config: Any) -> Callable[[], None]:
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
    got_text, expected_text = _repr(got), _repr(expected)
    lines = [
        got_label,
        "  " + (got_text if whole else _cut(got_text, _WIDTH)),
        expected_label,
        "  " + (expected_text if whole else _cut(expected_text, _WIDTH)),
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
    storageClass = ref.datasetType.storageClass
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
