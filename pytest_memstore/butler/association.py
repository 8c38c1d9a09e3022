"""`DatasetAssociation`: one dataset in one collection, as ``queryDatasetAssociations`` says."""

from __future__ import annotations

__all__ = ["DatasetAssociation"]

import attrs

from ..core.model import DatasetRef


@attrs.frozen
class DatasetAssociation:
    """A dataset's membership of one collection, as daf_butler's ``DatasetAssociation``.

    Parameters
    ----------
    ref : `DatasetRef`
        The dataset.
    collection : `str`
        A run or tagged collection that holds it.
    timespan : `None`, optional
        Its validity range in a calibration collection; always `None` here
        (calibration collections hold no datasets).
    """

    ref: DatasetRef
    collection: str
    timespan: None = None
