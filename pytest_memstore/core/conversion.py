"""A dataset's object converted or copied through its storage class, as a datastore does it.

A failure raises the same exception type with a message that names the ref,
so a test sees which dataset could not be stored or copied.
"""

from __future__ import annotations

__all__ = ["converted_for_put", "delegate_copy", "stored_form"]

from typing import TYPE_CHECKING, Any

from .storage import StorageClass

if TYPE_CHECKING:
    from .foreign import RefLike


def stored_form(ref: RefLike, storageClass: StorageClass, obj: Any) -> Any:
    """Return ``obj`` as ``put`` stores it: as is when it has the storage class's type.

    Otherwise converted by the storage class (see `converted_for_put`).
    """
    if type(storageClass) is StorageClass:
        pytype = storageClass.resolved_pytype
    else:
        pytype = storageClass.pytype
    if pytype is not None and isinstance(obj, pytype):
        return obj
    return converted_for_put(ref, storageClass, obj)


def converted_for_put(ref: RefLike, storageClass: StorageClass, obj: Any) -> Any:
    """Return ``obj`` converted by the storage class to its Python type.

    Raises
    ------
    TypeError, ImportError
        The storage class cannot convert it (or cannot import its type);
        the message names the ref.
    """
    try:
        return storageClass.coerce_type(obj)
    except (TypeError, ImportError) as err:
        raise type(err)(f"Cannot put {ref}: {err}") from err


def delegate_copy(ref: RefLike, storageClass: StorageClass, obj: Any, option: str) -> Any:
    """Return the storage class delegate's copy of ``obj``.

    Parameters
    ----------
    ref : `RefLike`
        The ref ``obj`` is stored under, named in the message of a failure.
    storageClass : `StorageClass`
        Its storage class, whose delegate copies it.
    obj : `object`
        What to copy.
    option : `str`
        The datastore option that asked for the copy, named in the message.

    Raises
    ------
    TypeError
        The delegate cannot copy it.
    """
    try:
        return storageClass.delegate().copy(obj)
    except Exception as err:
        raise TypeError(
            f"{option} cannot copy the {type(obj).__name__} of {ref}: {err}"
        ) from err
