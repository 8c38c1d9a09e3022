"""The names of the dimensions in daf_butler's default dimension universe.

InMemoryButler has no dimension universe: a dataset type's dimensions are
the keys its data IDs must have. A query may still name a dimension the
dataset type lacks, and daf_butler then joins that dimension's records; a
name is taken as such a dimension when it is one of these, or a dimension of
a registered dataset type.
"""

from __future__ import annotations

__all__ = ["DEFAULT_UNIVERSE_DIMENSIONS"]

DEFAULT_UNIVERSE_DIMENSIONS: frozenset[str] = frozenset(
    {
        "band",
        "day_obs",
        "detector",
        "exposure",
        "group",
        "instrument",
        "patch",
        "physical_filter",
        "skymap",
        "ssp_balanced_index",
        "ssp_hypothesis_bundle",
        "ssp_hypothesis_table",
        "subfilter",
        "tract",
        "visit",
        "visit_system",
        *(f"htm{level}" for level in range(1, 25)),
        *(f"healpix{level}" for level in range(1, 18)),
    }
)
"""The dimensions of daf_butler's default universe (namespace ``daf_butler``,
version 8, as in lsst-daf-butler 30.2026.4300)."""
