"""Collection arguments: one name or several, and wildcards among them.

Butler and registry calls take a collection as a name or as an iterable of
names; these functions turn either into a tuple of names, refusing what
daf_butler refuses, and tell wildcard expressions from plain names.
"""

from __future__ import annotations

__all__ = ["collection_names", "is_glob", "optional_collection_names"]

from collections.abc import Iterable, Mapping

_GLOB_CHARACTERS = frozenset("*?[")


def is_glob(expression: str) -> bool:
    """Return whether a collection or dataset type expression is a wildcard."""
    return not _GLOB_CHARACTERS.isdisjoint(expression)


def collection_names(value: str | Iterable[str], what: str) -> tuple[str, ...]:
    """Return a collection name, or an iterable of them, as a tuple of names.

    Parameters
    ----------
    value : `str` or iterable of `str`
        One name (a `str` is never taken as an iterable of characters), or
        several.
    what : `str`
        What the names are, for the error message.

    Raises
    ------
    TypeError
        ``value`` is neither a `str` nor an iterable (`bytes` and mappings
        count as neither), or holds something that is not a `str`.
    """
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (bytes, Mapping)) or not isinstance(value, Iterable):
        raise TypeError(
            f"{what} must be a collection name or an iterable of names; got "
            f"{type(value).__name__}: {value!r:.80}"
        )
    names = tuple(value)
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"{what} must be names (str); got {type(name).__name__}: {name!r:.80}")
    return names


def optional_collection_names(value: str | Iterable[str] | None, what: str) -> tuple[str, ...]:
    """Return `collection_names` of ``value``; `None` is no names."""
    return () if value is None else collection_names(value, what)
