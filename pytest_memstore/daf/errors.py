"""daf_butler's exception classes for the errors our butler raises.

In daf_butler mode every error leaves the butler as an instance of both our
class and daf_butler's class of the same name, so ``except
lsst.daf.butler.DatasetNotFoundError`` and ``except
pytest_memstore.DatasetNotFoundError`` both catch it.
"""

from __future__ import annotations

__all__ = ["as_daf_error", "daf_errors"]

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import lsst.daf.butler as daf_butler
import lsst.daf.butler.registry as daf_registry

_F = TypeVar("_F", bound=Callable[..., Any])

# Our class name -> daf_butler's class with that meaning.
_THEIRS: dict[str, type[Exception]] = {
    name: getattr(daf_butler, name, None) or getattr(daf_registry, name)
    for name in (
        "CollectionCycleError",
        "CollectionTypeError",
        "ConflictingDefinitionError",
        "DatasetNotFoundError",
        "DatasetTypeNotSupportedError",
        "DimensionNameError",
        "EmptyQueryResultError",
        "InvalidQueryError",
        "MissingCollectionError",
        "MissingDatasetTypeError",
        "NoDefaultCollectionError",
    )
}
_joint: dict[type[Exception], type[Exception] | None] = {}


def _joint_class(ours: type[Exception]) -> type[Exception] | None:
    """Return the class deriving from ``ours`` and daf_butler's namesake, or `None`."""
    try:
        return _joint[ours]
    except KeyError:
        pass
    joint: type[Exception] | None = None
    for cls in ours.__mro__:
        theirs = _THEIRS.get(cls.__name__)
        if theirs is not None and cls.__module__.startswith("pytest_memstore"):
            if issubclass(ours, theirs):
                joint = None
            else:
                joint = type(ours.__name__, (ours, theirs), {"__module__": ours.__module__})
            break
    _joint[ours] = joint
    return joint


def as_daf_error(error: Exception) -> Exception:
    """Return ``error`` as an instance of daf_butler's class too (``error`` when there is none)."""
    joint = _joint_class(type(error))
    if joint is None:
        return error
    translated = joint.__new__(joint)
    translated.args = error.args
    translated.__dict__.update(error.__dict__)
    translated.__cause__ = error.__cause__
    translated.__suppress_context__ = error.__suppress_context__
    translated.__traceback__ = error.__traceback__
    return translated


def daf_errors(method: _F) -> _F:
    """Wrap ``method`` so that the errors it raises are daf_butler's classes too."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except Exception as error:
            translated = as_daf_error(error)
            if translated is error:
                raise
            raise translated from error.__cause__

    return wrapper  # type: ignore[return-value]
