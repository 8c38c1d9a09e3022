"""Import an object by its dotted name, as configs and ini entries write it."""

from __future__ import annotations

__all__ = ["import_dotted"]

import builtins
import importlib
from typing import Any


def import_dotted(name: str) -> Any:
    """Return the object ``name`` names: ``package.module.attribute[.attribute...]``.

    The longest prefix of ``name`` that is a module is imported (so a
    submodule nobody imported yet is found) and the rest is looked up with
    `getattr`; a name without a dot is a builtin (``dict``).

    Raises
    ------
    ImportError
        Nothing is importable under that name. The message names the module
        that failed and why: a module that does not exist, an attribute that
        is missing, or an import error raised while the module itself ran
        (a dependency it imports is missing, say), which is not taken for a
        missing module.
    Exception
        Whatever else importing the module raised, unchanged.
    """
    parts = name.split(".")
    if len(parts) == 1:
        try:
            return getattr(builtins, name)
        except AttributeError:
            raise ImportError(
                f"{name!r} is not a builtin; give a dotted name such as 'package.module.{name}'"
            ) from None
    if not all(parts):
        raise ImportError(f"{name!r} is not a dotted name")
    found: Any = None
    missing: ModuleNotFoundError | None = None
    imported = 0
    for count in range(1, len(parts) + 1):
        module_name = ".".join(parts[:count])
        try:
            found = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            if err.name != module_name:  # a module it imports is missing, not this one
                raise ImportError(
                    f"importing module {module_name!r} failed: {type(err).__name__}: {err}",
                    name=err.name,
                ) from err
            missing = err
            break
        except ImportError as err:
            raise ImportError(
                f"importing module {module_name!r} failed: {type(err).__name__}: {err}",
                name=err.name,
            ) from err
        imported = count
    if missing is not None and imported == 0:
        raise ImportError(str(missing), name=missing.name)
    for index in range(imported, len(parts)):
        owner = ".".join(parts[:index])
        try:
            found = getattr(found, parts[index])
        except AttributeError:
            if index == imported and index + 1 < len(parts) and missing is not None:
                # "package.nosuchmodule.Class": say which module is missing.
                raise ImportError(str(missing), name=missing.name) from None
            kind = "module" if index == imported else "object"
            raise ImportError(f"{kind} {owner!r} has no attribute {parts[index]!r}") from None
    return found
