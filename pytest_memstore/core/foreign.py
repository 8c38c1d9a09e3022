"""Objects from daf_butler, or any look-alike: taken by what they offer.

A daf_butler ``DatasetRef`` has the ``id``, ``datasetType``, ``dataId`` and
``run`` ours has; its data ID is a ``DataCoordinate`` (``.mapping``, no
``.items()``); its storage classes and delegates have the methods ours have.
The datastore accepts them as they are: `RefLike` says what it takes, and
`is_ref` checks it at run time. Nothing here imports daf_butler: its
exception classes are looked up in ``sys.modules``, where they are when the
caller's objects come from it.
"""

from __future__ import annotations

__all__ = [
    "DataCoordinateLike",
    "DatasetTypeLike",
    "RefLike",
    "RefT",
    "data_id_mapping",
    "error_for",
    "is_ref",
    "missing_ref_parts",
    "ref_list",
    "require_ref",
]

import sys
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, NoReturn, Protocol, TypeGuard, TypeVar

from .model import DatasetRef


class DatasetTypeLike(Protocol):
    """The dataset type of a `RefLike`: ours, daf_butler's, or a look-alike.

    `is_ref` checks ``name`` and ``nameAndComponent``; the others are read
    only where said, and a dataset type that lacks one fails there.
    """

    @property
    def name(self) -> str:
        """``name``, or ``parent.component`` for a component."""
        ...

    def nameAndComponent(self) -> tuple[str, str | None]:
        """Return the parent name and the component name (or `None`)."""
        ...

    @property
    def storageClass(self) -> Any:
        """The storage class, used as ours is (``pytype``, ``delegate()``, ...).

        Read only from a dataset type that is not ours.
        """
        ...

    @property
    def storageClass_name(self) -> str:
        """The storage class name; read only by a datastore with constraints."""
        ...


class DataCoordinateLike(Protocol):
    """A data ID that is not a mapping itself, as daf_butler's ``DataCoordinate``."""

    @property
    def mapping(self) -> Mapping[str, Any]:
        """The data ID's dimension names and values."""
        ...


class RefLike(Protocol):
    """What the datastore takes as a resolved dataset ref.

    Our `DatasetRef` is one; so is daf_butler's ``DatasetRef``, or any
    object with these attributes. `is_ref` checks them at run time.
    """

    @property
    def id(self) -> uuid.UUID:
        """The dataset ID: the key under which the datastore stores the dataset."""
        ...

    @property
    def datasetType(self) -> DatasetTypeLike:
        """The dataset type."""
        ...

    @property
    def dataId(self) -> Mapping[str, Any] | DataCoordinateLike:
        """The data ID: a mapping, or an object whose ``.mapping`` is one."""
        ...

    @property
    def run(self) -> str:
        """The run collection."""
        ...


RefT = TypeVar("RefT", bound=RefLike)
"""A `RefLike` type, where a function returns the refs it was given."""

# Classes whose instances have passed the check: later ones pass on a set lookup.
_ref_types: set[type] = {DatasetRef}


def missing_ref_parts(obj: object) -> list[str]:
    """Return what ``obj`` lacks to be used as a resolved dataset ref."""
    missing = []
    if not isinstance(getattr(obj, "id", None), uuid.UUID):
        missing.append("id (a uuid.UUID)")
    datasetType = getattr(obj, "datasetType", None)
    if not isinstance(getattr(datasetType, "name", None), str) or not callable(
        getattr(datasetType, "nameAndComponent", None)
    ):
        missing.append("datasetType (with name and nameAndComponent())")
    dataId = getattr(obj, "dataId", None)
    if not isinstance(dataId, Mapping) and not isinstance(
        getattr(dataId, "mapping", None), Mapping
    ):
        missing.append("dataId (a mapping, or an object with .mapping)")
    if not hasattr(obj, "run"):
        missing.append("run")
    return missing


def is_ref(obj: object) -> TypeGuard[RefLike]:
    """Return whether ``obj`` can be used as a resolved dataset ref."""
    cls = type(obj)
    if cls in _ref_types:
        return True
    if missing_ref_parts(obj):
        return False
    _ref_types.add(cls)
    return True


def require_ref(value: object, where: str) -> None:
    """Raise unless ``value`` can be used as a resolved dataset ref.

    The datastore's operations call it for any ref that is not exactly our
    `DatasetRef` (which they check inline, on their fast path).

    Parameters
    ----------
    value : `object`
        What the caller passed as a ref.
    where : `str`
        The operation, named in the message.

    Raises
    ------
    TypeError
        ``value`` is not a ref; the message says what it lacks.
    """
    if type(value) in _ref_types or is_ref(value):
        return
    _reject_non_ref(value, where)


def ref_list(refs: RefT | Iterable[RefT], where: str) -> list[RefT]:
    """Return one ref or an iterable of refs as a list, checking every element first.

    Parameters
    ----------
    refs : `RefLike` or iterable of `RefLike`
        What the caller passed.
    where : `str`
        The operation, named in the message.

    Raises
    ------
    TypeError
        ``refs`` is neither a ref nor an iterable of refs (a string or a
        mapping is not taken for one), or an element is not a ref.
    """
    if is_ref(refs):
        return [refs]  # type: ignore[list-item]
    if isinstance(refs, (str, bytes, Mapping)) or not isinstance(refs, Iterable):
        raise TypeError(
            f"{where} expects a DatasetRef or an iterable of DatasetRef; "
            f"got {type(refs).__name__}: {refs!r:.120}"
        )
    listed = list(refs)
    if _ref_types.issuperset(map(type, listed)):
        return listed  # every one of a class already checked: one C loop
    for position, ref in enumerate(listed):
        if not is_ref(ref):
            raise TypeError(
                f"{where} expects DatasetRefs; item {position} is a {_type_name(ref)}, which "
                f"lacks {', '.join(missing_ref_parts(ref))}: {ref!r:.120}"
            )
    return listed


def _reject_non_ref(value: object, where: str) -> NoReturn:
    raise TypeError(
        f"{where} expects a DatasetRef; got {_type_name(value)}, which lacks "
        f"{', '.join(missing_ref_parts(value))}: {value!r:.120}"
    )


def _type_name(value: object) -> str:
    cls = type(value)
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


def data_id_mapping(dataId: Mapping[str, Any] | DataCoordinateLike) -> Mapping[str, Any]:
    """Return a data ID as a mapping: ours is one, daf_butler's has ``.mapping``."""
    if isinstance(dataId, Mapping):
        return dataId
    return dataId.mapping


# Our error class -> (the daf_butler class it stands for, by module and name).
_COUNTERPARTS = {
    "DatasetTypeNotSupportedError": ("lsst.daf.butler", "DatasetTypeNotSupportedError"),
    "DatastoreValidationError": ("lsst.daf.butler.datastore", "DatastoreValidationError"),
}
_joint_classes: dict[tuple[type, type], type] = {}


def error_for(ours: type[Exception], ref: object, message: str) -> Exception:
    """Return an ``ours`` error; for a daf_butler ref, one daf_butler's class catches too.

    The returned exception is an instance of ``ours`` in every case; when
    ``ref`` comes from daf_butler it is also an instance of daf_butler's
    exception of the same name, so code written for daf_butler catches it.
    """
    counterpart = _COUNTERPARTS.get(ours.__name__)
    module = type(ref).__module__
    if counterpart is None or not module.startswith("lsst.daf.butler"):
        return ours(message)
    theirs = getattr(sys.modules.get(counterpart[0]), counterpart[1], None)
    if not isinstance(theirs, type) or not issubclass(theirs, Exception):
        return ours(message)
    joint = _joint_classes.get((ours, theirs))
    if joint is None:
        joint = _joint_classes[(ours, theirs)] = type(
            ours.__name__, (ours, theirs), {"__module__": ours.__module__}
        )
    error: Exception = joint(message)
    return error
