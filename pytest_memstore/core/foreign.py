"""Objects from daf_butler, or any look-alike: taken by what they offer.

A daf_butler ``DatasetRef`` has the ``id``, ``datasetType``, ``dataId`` and
``run`` ours has; its data ID is a ``DataCoordinate`` (``.mapping``, no
``.items()``); its storage classes and delegates have the methods ours have.
The datastore accepts them as they are. Nothing here imports daf_butler: its
exception classes are looked up in ``sys.modules``, where they are when the
caller's objects come from it.
"""

from __future__ import annotations

__all__ = ["data_id_mapping", "error_for", "is_ref", "missing_ref_parts"]

import sys
import uuid
from collections.abc import Mapping
from typing import Any

from .model import DatasetRef

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


def is_ref(obj: object) -> bool:
    """Return whether ``obj`` can be used as a resolved dataset ref."""
    cls = type(obj)
    if cls in _ref_types:
        return True
    if missing_ref_parts(obj):
        return False
    _ref_types.add(cls)
    return True


def data_id_mapping(dataId: Any) -> Mapping[str, Any]:
    """Return a data ID as a mapping: ours is one, daf_butler's has ``.mapping``."""
    if isinstance(dataId, Mapping):
        return dataId
    mapping: Mapping[str, Any] = dataId.mapping
    return mapping


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
