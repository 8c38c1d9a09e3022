"""Operation counters every datastore keeps, and how the report shows them.

`OperationCounts` is the one definition of the counters: the report's JSON
keys, its totals line, its table columns and its "busiest tests" ordering
all follow its fields, in order. To add a counter, add one field made with
`counter` here, and increment it in the datastore.
"""

from __future__ import annotations

__all__ = ["BUSY", "HEADER", "LEGEND", "PHRASE", "OperationCounts", "counter"]

from typing import Any

import attrs

HEADER = "memstore_header"
"""Metadata key: the column header in the report's table (the field name if absent)."""
PHRASE = "memstore_phrase"
"""Metadata key: the counter in the report's totals line, ``{}`` standing for the count."""
BUSY = "memstore_busy"
"""Metadata key: whether the counter counts toward a test's "busiest" ranking."""
LEGEND = "memstore_legend"
"""Metadata key: what the column header means, when the header alone does not say."""


def counter(
    *, phrase: str, busy: bool, header: str | None = None, legend: str | None = None
) -> Any:
    """Return an `OperationCounts` field: an `int` starting at 0, described for the report.

    Parameters
    ----------
    phrase : `str`
        How the totals line says it, ``{}`` standing for the count
        (``"{} trashed"``).
    busy : `bool`
        Whether it counts toward the "busiest tests" ranking.
    header : `str`, optional
        The table's column header, when not the field name.
    legend : `str`, optional
        What the header means, for the line under the table.
    """
    metadata = {HEADER: header, PHRASE: phrase, BUSY: busy, LEGEND: legend}
    return attrs.field(default=0, metadata=metadata)


@attrs.define
class OperationCounts:
    """How often a datastore did each thing; plain integers, always on.

    ``get`` counts gets that returned and ``get_missing`` those that raised
    `FileNotFoundError`; ``trash`` counts refs moved to the trash and
    ``emptied`` refs removed from it; ``overwrite`` counts puts that
    replaced a stored dataset.
    """

    put: int = counter(phrase="{} put", busy=True)
    get: int = counter(phrase="{} get", busy=True)
    get_missing: int = counter(
        phrase="{} missing get", busy=True, header="missing",
        legend="gets of datasets not stored",
    )
    exists: int = counter(phrase="{} exists", busy=True)
    trash: int = counter(phrase="{} trashed", busy=True)
    emptied: int = counter(phrase="{} emptied", busy=True)
    forget: int = counter(phrase="{} forgotten", busy=True)
    overwrite: int = counter(phrase="{} overwrite", busy=False)
    commit: int = counter(phrase="{} commit", busy=False)
    rollback: int = counter(phrase="{} rollback", busy=False)

    def as_dict(self) -> dict[str, int]:
        """Return the counts as a plain dict, in field order."""
        return {name: getattr(self, name) for name in _NAMES}


_NAMES = tuple(field.name for field in attrs.fields(OperationCounts))
