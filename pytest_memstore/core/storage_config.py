"""Storage classes from a daf_butler-style config: a mapping, or a JSON or YAML file.

A config maps storage class names to definitions with the keys of
daf_butler's ``storageClasses.yaml``: ``pytype``, ``delegate``,
``parameters``, ``components``, ``derivedComponents``, ``converters`` and
``inheritsFrom``. `StorageClassFactory.addFromConfig` reads configs through
this module, imported on its first call.
"""

from __future__ import annotations

__all__ = ["load_config_file", "storage_classes_from_config"]

import json
import os
from collections.abc import Iterable, Mapping
from typing import Any

from .storage import StorageClass, as_config_entry


def storage_classes_from_config(
    config: Mapping[str, Any] | str | os.PathLike[str], known: Mapping[str, StorageClass]
) -> dict[str, StorageClass]:
    """Build the storage classes a config defines, by name; register none of them.

    Parameters
    ----------
    config : mapping, `str` or path
        A mapping shaped like daf_butler's ``storageClasses.yaml`` (with or
        without the top-level ``storageClasses`` key), or the path of a
        ``.json`` file, or of a ``.yaml``/``.yml`` file when PyYAML is
        installed.
    known : mapping of `str` to `StorageClass`
        Storage classes already registered, by name: what ``inheritsFrom``
        and component names may refer to besides the config's own entries.

    Raises
    ------
    ValueError
        The configuration is malformed, refers to an unknown storage class,
        or has an ``inheritsFrom`` or component cycle.
    ImportError
        A YAML file was given and PyYAML is not installed.
    """
    if isinstance(config, (str, os.PathLike)):
        config = load_config_file(os.fspath(config))
    if not isinstance(config, Mapping):
        raise ValueError(
            f"A storage class config must be a mapping; got {type(config).__name__}"
        )
    entries = config.get("storageClasses", config)
    if not isinstance(entries, Mapping):
        raise ValueError("'storageClasses' must map storage class names to definitions")
    return _ConfigBuilder(entries, known).build_all()


def _as_names(value: Any, owner: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        names = tuple(value)
        if all(isinstance(n, str) for n in names):
            return names
    raise ValueError(f"Storage class {owner!r}: {key} must be a list of names; got {value!r}")


_CONFIG_KEYS = frozenset(
    {"pytype", "delegate", "parameters", "components", "derivedComponents", "converters",
     "inheritsFrom"}
)


class _ConfigBuilder:
    """Turns the entries of a storage class config into `StorageClass` objects."""

    def __init__(self, entries: Mapping[str, Any], known: Mapping[str, StorageClass]) -> None:
        self.entries = entries
        self.known = known
        self.built: dict[str, StorageClass] = {}
        self.merged: dict[str, dict[str, Any]] = {}
        self.in_progress: list[str] = []

    def build_all(self) -> dict[str, StorageClass]:
        for name in self.entries:
            self.build(name)
        return self.built

    def entry(self, name: str) -> dict[str, Any]:
        """Return the entry of ``name`` with its ``inheritsFrom`` chain merged in."""
        if name in self.merged:
            return self.merged[name]
        raw = self.entries[name]
        if isinstance(raw, str):
            raw = {"pytype": raw}
        if raw is None:
            raw = {}
        if not isinstance(raw, Mapping):
            raise ValueError(f"Storage class {name!r}: definition must be a mapping; got {raw!r}")
        unknown = set(raw) - _CONFIG_KEYS
        if unknown:
            raise ValueError(
                f"Storage class {name!r}: unknown key(s) {sorted(unknown)}; "
                f"allowed: {sorted(_CONFIG_KEYS)}"
            )
        entry = dict(raw)
        parent_name = entry.pop("inheritsFrom", None)
        if parent_name is not None:
            if name in self.in_progress:
                raise ValueError(f"Storage class {name!r}: inheritsFrom cycle {self.in_progress}")
            self.in_progress.append(name)
            try:
                parent = self.parent_entry(name, parent_name)
            finally:
                self.in_progress.pop()
            entry = _inherit(parent, entry)
        self.merged[name] = entry
        return entry

    def parent_entry(self, child: str, parent_name: Any) -> dict[str, Any]:
        if not isinstance(parent_name, str):
            raise ValueError(f"Storage class {child!r}: inheritsFrom must be a name")
        if parent_name in self.entries:
            return self.entry(parent_name)
        if parent_name in self.known:
            return as_config_entry(self.known[parent_name])
        raise ValueError(
            f"Storage class {child!r} inherits from unknown storage class {parent_name!r}"
        )

    def lookup(self, owner: str, name: Any) -> StorageClass:
        if not isinstance(name, str):
            raise ValueError(f"Storage class {owner!r}: component storage classes must be names")
        if name in self.entries:
            return self.build(name)
        if name in self.known:
            return self.known[name]
        raise ValueError(f"Storage class {owner!r} refers to unknown storage class {name!r}")

    def build(self, name: str) -> StorageClass:
        if name in self.built:
            return self.built[name]
        if name in self.in_progress:
            raise ValueError(f"Storage class {name!r}: component cycle {self.in_progress}")
        entry = self.entry(name)
        self.in_progress.append(name)
        try:
            components = {
                k: v if isinstance(v, StorageClass) else self.lookup(name, v)
                for k, v in _as_mapping(entry.get("components"), name, "components").items()
            }
            derived = {
                k: v if isinstance(v, StorageClass) else self.lookup(name, v)
                for k, v in _as_mapping(
                    entry.get("derivedComponents"), name, "derivedComponents"
                ).items()
            }
        finally:
            self.in_progress.pop()
        storageClass = StorageClass(
            name,
            entry.get("pytype"),
            components=components,
            derivedComponents=derived,
            parameters=_as_names(entry.get("parameters"), name, "parameters"),
            delegate=entry.get("delegate"),
            converters=_as_mapping(entry.get("converters"), name, "converters"),
        )
        self.built[name] = storageClass
        return storageClass


def _as_mapping(value: Any, owner: str, key: str) -> dict[Any, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(f"Storage class {owner!r}: {key} must be a mapping; got {value!r}")
    return dict(value)


def _inherit(parent: Mapping[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for key in ("pytype", "delegate"):
        value = child.get(key, parent.get(key))
        if value is not None:
            merged[key] = value
    parameters = _as_names(parent.get("parameters"), "parent", "parameters")
    parameters += _as_names(child.get("parameters"), "child", "parameters")
    if parameters:
        merged["parameters"] = tuple(dict.fromkeys(parameters))
    for key in ("components", "derivedComponents", "converters"):
        union = {**(parent.get(key) or {}), **(child.get(key) or {})}
        if union:
            merged[key] = union
    return merged


def load_config_file(path: str) -> Any:
    """Return what a ``.json``, ``.yaml`` or ``.yml`` config file holds.

    Raises
    ------
    ImportError
        A YAML file was given and PyYAML is not installed.
    ValueError
        The file name has another extension.
    """
    lowered = path.lower()
    if lowered.endswith(".json"):
        with open(path, encoding="utf-8") as stream:
            return json.load(stream)
    if lowered.endswith((".yaml", ".yml")):
        try:
            import yaml
        except ImportError:
            raise ImportError(
                f"Reading the storage class config {path!r} needs PyYAML, which is not "
                "installed: pip install PyYAML, or give a .json file or a mapping"
            ) from None
        with open(path, encoding="utf-8") as stream:
            return yaml.safe_load(stream)
    raise ValueError(
        f"Storage class config {path!r}: give a .json or .yaml file, or a mapping"
    )
