"""Storage class entries, as the ``memstore_storage_classes`` ini option lists them.

An entry is a config file (a path ending in ``.json``, ``.yaml`` or
``.yml``, or containing a ``/``) or the dotted name of a mapping, a
`StorageClass`, or a callable taking the factory.
"""

from __future__ import annotations

__all__ = ["EntryError", "add_entry", "storage_classes_from_entries"]

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from .defaults import default_storage_classes
from .dotted import import_dotted
from .storage import StorageClass
from .storage_factory import StorageClassFactory


class EntryError(ValueError):
    """A storage class entry could not be loaded; the message names the entry.

    Parameters
    ----------
    entry : `str`
        The entry as written.
    reason : `str`
        What went wrong.
    """

    def __init__(self, entry: str, reason: str) -> None:
        super().__init__(f"entry {entry!r}: {reason}")
        self.entry = entry


def is_config_file(entry: str) -> bool:
    """Return whether ``entry`` names a config file rather than a Python object."""
    return entry.lower().endswith((".json", ".yaml", ".yml")) or "/" in entry or os.sep in entry


def add_entry(factory: StorageClassFactory, entry: str, base: Path) -> None:
    """Add what one entry holds to ``factory``.

    Parameters
    ----------
    factory : `StorageClassFactory`
        Where the storage classes go.
    entry : `str`
        A config file path (relative paths are taken from ``base``) or a
        dotted name.
    base : `pathlib.Path`
        The directory relative paths start from (the ini file's).

    Raises
    ------
    EntryError
        The file is missing, the name cannot be imported, or what it names
        is not a mapping, a `StorageClass` or a callable. Errors the config
        itself raises (a bad ``inheritsFrom``, say) propagate unchanged.
    """
    if is_config_file(entry):
        path = Path(entry) if Path(entry).is_absolute() else base / entry
        if not path.is_file():
            raise EntryError(entry, f"no config file at {path}")
        factory.addFromConfig(path)
        return
    try:
        found = import_dotted(entry)
    except ImportError as err:
        raise EntryError(entry, f"cannot import it: {err}") from err
    if isinstance(found, StorageClass):
        factory.registerStorageClass(found)
    elif isinstance(found, Mapping):
        factory.addFromConfig(found)
    elif callable(found):
        result = found(factory)
        if isinstance(result, Mapping):
            factory.addFromConfig(result)
        elif result is not None:
            for storageClass in result:
                factory.registerStorageClass(storageClass)
    else:
        raise EntryError(
            entry, f"{type(found).__name__} is not a mapping, a StorageClass or a callable"
        )


def storage_classes_from_entries(entries: Iterable[str], base: Path) -> StorageClassFactory:
    """Return the default storage classes plus those of every entry, in order.

    Raises
    ------
    EntryError
        An entry could not be loaded, whatever the reason; the message
        names the entry and the reason.
    """
    factory = default_storage_classes()
    for entry in entries:
        try:
            add_entry(factory, entry, base)
        except EntryError:
            raise
        except Exception as err:
            raise EntryError(entry, str(err)) from err
    return factory
