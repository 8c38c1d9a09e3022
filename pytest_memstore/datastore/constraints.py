"""Accept and reject rules that decide which datasets a datastore takes."""

from __future__ import annotations

__all__ = ["Constraints"]

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..core.foreign import data_id_mapping

if TYPE_CHECKING:
    from ..core.foreign import DatasetTypeLike, RefLike

MATCH_ALL = "all"
_DIMENSION_KEY = re.compile(r"^(\w+)<([^<>]+)>$")

# A rule: a name (dataset type, storage class, or "all") and, when the rule
# was written under a "dim<value>" key, that one dimension and its value.
_Rule = tuple[str, tuple[str, str] | None]


def _parse(entries: Any, which: str) -> frozenset[_Rule]:
    if entries is None:
        return frozenset()
    if isinstance(entries, (str, Mapping)):
        entries = [entries]
    rules: set[_Rule] = set()
    for entry in entries:
        if isinstance(entry, str):
            rules.add((entry, None))
            continue
        if isinstance(entry, Mapping) and len(entry) == 1:
            ((key, names),) = entry.items()
            match = _DIMENSION_KEY.match(key) if isinstance(key, str) else None
            if match is not None:
                if isinstance(names, str):
                    names = [names]
                if isinstance(names, Iterable) and all(isinstance(n, str) for n in names):
                    scope = (match.group(1), match.group(2))
                    rules.update((name, scope) for name in names)
                    continue
        raise ValueError(
            f"Constraint {which} entry {entry!r} is not valid: give a dataset type or "
            "storage class name, 'all', or a one-key mapping like "
            "{'instrument<DummyCam>': ['metric33']}"
        )
    return frozenset(rules)


class Constraints:
    """Decides, as daf_butler's ``Constraints.isAcceptable`` does, what to take.

    Parameters
    ----------
    config : mapping, optional
        ``{"accept": [...], "reject": [...]}``; entries are names, ``all``,
        or one-key mappings ``{"dimension<value>": [names]}``.

    Raises
    ------
    ValueError
        An entry is malformed, a key is not ``accept``/``reject``, or ``all``
        is both accepted and rejected.

    Notes
    -----
    The order of the decision: an explicit accept, an explicit reject, a
    wildcard reject; otherwise accept when the accept list is empty or
    accepts ``all``.
    """

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        config = config or {}
        if not isinstance(config, Mapping):
            raise ValueError(f"constraints must be a mapping; got {type(config).__name__}")
        unknown = set(config) - {"accept", "reject"}
        if unknown:
            raise ValueError(f"constraints: unknown key(s) {sorted(unknown)}; use accept/reject")
        self.accept = _parse(config.get("accept"), "accept")
        self.reject = _parse(config.get("reject"), "reject")
        if (MATCH_ALL, None) in self.accept and (MATCH_ALL, None) in self.reject:
            raise ValueError("constraints cannot both accept and reject 'all'")
        self.is_empty = not self.accept and not self.reject
        self.uses_data_id = any(scope is not None for _, scope in self.accept | self.reject)

    def isAcceptable(self, ref: RefLike) -> bool:
        """Return whether a dataset with this ref may be stored."""
        if self.is_empty:
            return True
        if not self.uses_data_id:
            return self._decide(ref.datasetType, ())
        return self._decide(ref.datasetType, data_id_mapping(ref.dataId).items())

    def isAcceptableType(self, datasetType: DatasetTypeLike) -> bool:
        """Return the decision for a dataset type, ignoring data IDs."""
        return self.is_empty or self._decide(datasetType, ())

    def _decide(self, datasetType: DatasetTypeLike, dataIdItems: Iterable[tuple[str, Any]]) -> bool:
        names = {datasetType.name, datasetType.storageClass_name}
        parent, component = datasetType.nameAndComponent()
        if component is not None:
            names.add(parent)
        scopes: list[tuple[str, str] | None] = [None]
        scopes.extend((dim, str(value)) for dim, value in dataIdItems)
        keys = {(name, scope) for name in names for scope in scopes}
        if keys & self.accept:
            return True
        if keys & self.reject:
            return False
        wildcards = {(MATCH_ALL, scope) for scope in scopes}
        if wildcards & self.reject:
            return False
        return bool(wildcards & self.accept) or not self.accept

    def getLookupKeys(self) -> set[str]:
        """Return the names the rules mention, without ``all``."""
        return {name for name, _ in self.accept | self.reject if name != MATCH_ALL}
