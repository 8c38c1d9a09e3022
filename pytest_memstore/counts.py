"""Operation counters every datastore keeps."""

from __future__ import annotations

__all__ = ["OperationCounts"]

import attrs


@attrs.define
class OperationCounts:
    """How often a datastore did each thing; plain integers, always on.

    ``get`` counts gets that returned and ``get_missing`` those that raised
    `FileNotFoundError`; ``trash`` counts refs moved to the trash and
    ``emptied`` refs removed from it; ``overwrite`` counts puts that
    replaced a stored dataset.
    """

    put: int = 0
    get: int = 0
    get_missing: int = 0
    exists: int = 0
    trash: int = 0
    emptied: int = 0
    forget: int = 0
    overwrite: int = 0
    commit: int = 0
    rollback: int = 0

    def as_dict(self) -> dict[str, int]:
        """Return the counts as a plain dict."""
        return {
            "put": self.put,
            "get": self.get,
            "get_missing": self.get_missing,
            "exists": self.exists,
            "trash": self.trash,
            "emptied": self.emptied,
            "forget": self.forget,
            "overwrite": self.overwrite,
            "commit": self.commit,
            "rollback": self.rollback,
        }
