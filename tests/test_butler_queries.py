"""InMemoryButler's side of range literals, dimensions a dataset type lacks and
collection information: what the differential tests cannot show."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_memstore import (
    CollectionInfo,
    CollectionType,
    DatasetType,
    EmptyQueryResultError,
    InMemoryButler,
    InvalidQueryError,
)
from pytest_memstore.butler.universe import DEFAULT_UNIVERSE_DIMENSIONS


@pytest.fixture
def butler() -> InMemoryButler:
    """Visits 1 to 5 of ``calexp`` (``instrument``, ``visit``) in run ``run``."""
    butler = InMemoryButler(run="run")
    butler.registry.registerDatasetType(DatasetType("calexp", {"instrument", "visit"}, "Integer"))
    for visit in range(1, 6):
        butler.put(visit, "calexp", instrument="Cam", visit=visit)
    return butler


def test_a_range_literal_in_a_query(butler: InMemoryButler) -> None:
    refs = butler.query_datasets("calexp", where="visit IN (2..5:2, 5)", order_by="visit")
    assert [ref.dataId["visit"] for ref in refs] == [2, 4, 5]


def test_an_empty_result_names_the_dimension_the_type_lacks(butler: InMemoryButler) -> None:
    with pytest.raises(EmptyQueryResultError) as caught:
        butler.query_datasets("calexp", where="detector = 1", band="r")
    assert caught.value.reasons == [
        "The query names dimension(s) ['band', 'detector'] that dataset type 'calexp' lacks "
        "(['instrument', 'visit']); InMemoryButler has no dimension records to join, so "
        "nothing matches."
    ]


def test_a_dimension_of_a_registered_type_counts_as_a_dimension(butler: InMemoryButler) -> None:
    with pytest.raises(InvalidQueryError, match="unrecognized identifier 'camera_row'"):
        butler.query_datasets("calexp", where="camera_row = 1")
    with pytest.raises(InvalidQueryError, match=r"\['camera_row'\] are not dimensions"):
        butler.query_datasets("calexp", camera_row=1)
    cell = DatasetType("cell", {"instrument", "camera_row"}, "Integer")
    butler.registry.registerDatasetType(cell)
    assert butler.query_datasets("calexp", where="camera_row = 1", explain=False) == []
    assert butler.query_datasets("calexp", camera_row=1, explain=False) == []


def test_a_query_on_a_dimension_the_type_lacks_reads_no_dataset(
    butler: InMemoryButler, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_scan(*args: object, **kwargs: object) -> None:
        raise AssertionError("the query read the datasets")

    monkeypatch.setattr(butler.registry_state, "query", no_scan)
    assert butler.query_datasets("calexp", where="visit = 1 OR exposure = 1", explain=False) == []


@pytest.mark.parametrize(
    ("where", "data_id"),
    [
        ("instrument = 'Cam' AND visit = 3", {}),
        ("visit = 3 AND visit > 2", {"instrument": "Cam"}),
        ("", {"instrument": "Cam", "visit": 3}),
    ],
)
def test_a_query_that_gives_every_dimension_looks_the_dataset_up(
    butler: InMemoryButler, monkeypatch: pytest.MonkeyPatch, where: str, data_id: dict[str, Any]
) -> None:
    def no_scan(*args: object, **kwargs: object) -> None:
        raise AssertionError("the query read every dataset of the type")

    monkeypatch.setattr(butler.registry_state, "query", no_scan)
    for find_first in (True, False):
        refs = butler.query_datasets("calexp", where=where, find_first=find_first, **data_id)
        assert [ref.dataId["visit"] for ref in refs] == [3]


def test_an_equality_of_another_type_is_still_an_invalid_query(butler: InMemoryButler) -> None:
    with pytest.raises(InvalidQueryError, match="do not agree"):
        butler.query_datasets("calexp", where="instrument = 'Cam' AND visit = 'three'")
    with pytest.raises(InvalidQueryError, match="do not agree"):
        butler.query_datasets("calexp", where="visit = 'three'")
    assert butler.query_datasets("calexp", where="visit = 3 AND visit = 4", explain=False) == []


def test_the_default_universe_names_are_daf_butlers() -> None:
    daf_butler = pytest.importorskip("lsst.daf.butler")
    universe = daf_butler.DimensionUniverse()
    assert universe.namespace == "daf_butler"
    assert set(universe.getStaticDimensions().names) == DEFAULT_UNIVERSE_DIMENSIONS


def test_collection_info_is_a_frozen_value_that_sorts_by_name(butler: InMemoryButler) -> None:
    butler.collections.register("a", CollectionType.TAGGED, doc="tags")
    info = butler.collections.get_info("a")
    assert info == CollectionInfo("a", CollectionType.TAGGED, "tags")
    assert hash(info) == hash(CollectionInfo("a", CollectionType.TAGGED, "tags"))
    with pytest.raises(AttributeError):
        info.name = "b"  # type: ignore[misc]
    infos = butler.collections.query_info("*", include_doc=True)
    assert sorted(infos) == [info, butler.collections.get_info("run")]
    assert info.__lt__(42) is NotImplemented
