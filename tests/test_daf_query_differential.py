"""Queries over dimension records in daf_butler mode, against a real daf_butler Butler.

Each test takes ``daf_side`` (see ``conftest.py``) and runs twice: on
``InMemoryButler(universe=...)`` and on a real Butler, over the same
records: the template repository's (``DummyCam``, visits 42-44, detectors
1-2) and the ``observations`` a test adds with the registry (visits 100-105
with day_obs, physical filters, regions and timespans; detectors 10-11 with
names). Results are compared as plain values; unordered results sorted.
Skipped without lsst-daf-butler.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests._butler_sides import INSTRUMENT, RUN, Side

daf_butler = pytest.importorskip("lsst.daf.butler", reason="needs the butler extra")
sphgeom = pytest.importorskip("lsst.sphgeom")
astropy_time = pytest.importorskip("astropy.time")
astropy_units = pytest.importorskip("astropy.units")

CAM = f"instrument = '{INSTRUMENT}'"
VISITS = range(100, 106)
"""Visits with known records: 100-102 in g on day 20240101 and 20240102 by turns, 103-105 in r."""


def region(visit: int) -> Any:
    """A circle of 1 degree around (10 * (visit - 100), 0)."""
    center = sphgeom.UnitVector3d(sphgeom.LonLat.fromDegrees(10.0 * (visit - 100), 0.0))
    return sphgeom.Circle(center, sphgeom.Angle.fromDegrees(1.0))


def timespan(visit: int) -> Any:
    """Thirty seconds from ``visit - 100`` minutes past midnight TAI, 2024-01-01."""
    midnight = astropy_time.Time("2024-01-01T00:00:00", scale="tai")
    start = midnight + (visit - 100) * astropy_units.min
    return daf_butler.Timespan(start, start + 30 * astropy_units.s)


@pytest.fixture
def observations(daf_side: Side) -> Side:
    """The template's records plus visits 100-105 and detectors 10-11 (see the module)."""
    registry = daf_side.butler.registry
    registry.insertDimensionData(
        "physical_filter",
        {"instrument": INSTRUMENT, "name": "cam_g", "band": "g"},
        {"instrument": INSTRUMENT, "name": "cam_r", "band": "r"},
    )
    registry.insertDimensionData(
        "day_obs", *({"instrument": INSTRUMENT, "id": day} for day in (20240101, 20240102))
    )
    registry.insertDimensionData(
        "visit",
        *(
            {
                "instrument": INSTRUMENT,
                "id": visit,
                "name": f"v{visit}",
                "physical_filter": "cam_g" if visit < 103 else "cam_r",
                "day_obs": 20240101 + visit % 2,
                "region": region(visit),
                "timespan": timespan(visit),
            }
            for visit in VISITS
        ),
    )
    registry.insertDimensionData(
        "detector",
        {"instrument": INSTRUMENT, "id": 10, "full_name": "S10", "purpose": "SCIENCE"},
        {"instrument": INSTRUMENT, "id": 11, "full_name": "S11", "purpose": "WAVEFRONT"},
    )
    return daf_side


def required(data_ids: Any) -> list[dict[str, Any]]:
    """Return data IDs as dicts of their required values, in order."""
    return [dict(data_id.required) for data_id in data_ids]


def values(data_ids: Any, name: str) -> list[Any]:
    """Return one value of each data ID, in order."""
    return [data_id[name] for data_id in data_ids]


# -- registry.queryDataIds ---------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("visit.day_obs = 20240102", [101, 103, 105]),
        ("visit.day_obs > 20240101 AND visit < 104", [101, 103]),
        ("physical_filter = 'cam_r'", [103, 104, 105]),
        ("band = 'g' AND visit IN (100..104:2)", [100, 102]),
        ("visit.name = 'v104' OR visit.name = 'v100'", [100, 104]),
        ("visit.region OVERLAPS POINT(20.5, 0.5)", [102]),
        ("visit.region OVERLAPS CIRCLE(15, 0, 6)", [101, 102]),
        # Time literals are UTC, 37 s behind the TAI of the timespans.
        ("visit.timespan OVERLAPS T'2024-01-01T00:01:35'", [102]),
        ("visit.timespan OVERLAPS (T'2024-01-01T00:01:50', T'2024-01-01T00:03:10')", [102, 103]),
        ("visit.timespan.begin > T'2024-01-01T00:03:30'", [105]),
        ("glob(visit.name, 'v10[45]')", []),
        ("glob(visit.name, '*4') OR glob(visit.name, 'v?05')", [104, 105]),
        ("NOT (visit.day_obs = 20240101)", [101, 103, 105]),
        ("visit.target_name = NULL AND visit > 104", [105]),
        ("visit.zenith_angle > 1.0", []),
        ("visit * 2 = 206 OR visit % 50 = 1 OR visit / 2 = 50", [100, 101, 103]),
        ("visit IN (v) AND visit.day_obs != day", [101, 103, 105]),
    ],
)
def test_query_data_ids_with_record_fields(
    observations: Side, where: str, expected: list[int]
) -> None:
    registry = observations.butler.registry
    bind = {"v": list(VISITS), "day": 20240101}
    where = f"{CAM} AND visit > 99 AND ({where})"
    found = registry.queryDataIds(["visit"], where=where, bind=bind)
    assert sorted(values(found, "visit")) == expected
    found = observations.butler.query_data_ids(["visit"], where=where, bind=bind, explain=False)
    assert sorted(values(found, "visit")) == expected


def test_query_data_ids_joins_the_records_of_every_required_dimension(observations: Side) -> None:
    registry = observations.butler.registry
    found = registry.queryDataIds(["visit", "detector"], instrument=INSTRUMENT)
    pairs = sorted((d["visit"], d["detector"]) for d in found)
    assert pairs == [(v, d) for v in (42, 43, 44, *VISITS) for d in (1, 2, 10, 11)]
    assert found.count() == 36
    assert found.any()
    full = next(iter(found))
    assert full.hasFull() and not full.hasRecords()
    assert set(full.mapping) == {
        "instrument", "visit", "detector", "band", "day_obs", "physical_filter"
    }
    # With their records, visit and detector data IDs need visit_detector_region
    # records too (daf_butler joins every element's table), and there are none.
    assert list(found.expanded()) == []
    expanded = list(registry.queryDataIds(["detector"], instrument=INSTRUMENT).expanded())
    assert all(data_id.hasRecords() for data_id in expanded)
    assert sorted(d.records["detector"].full_name for d in expanded) == ["1", "2", "S10", "S11"]


def test_query_data_ids_subset_limit_order_and_find_datasets(observations: Side) -> None:
    butler = observations.butler
    registry = butler.registry
    found = registry.queryDataIds(["visit"], where=f"{CAM} AND visit > 99").order_by("-visit")
    assert values(found, "visit") == [105, 104, 103, 102, 101, 100]
    assert values(found.limit(2), "visit") == [105, 104]
    limited = list(registry.queryDimensionRecords("visit", dataId={"instrument": INSTRUMENT,
                                                                   "visit": 103}).limit(1))
    assert [record.name for record in limited] == ["v103"]
    days = registry.queryDataIds(["visit"], where=f"{CAM} AND visit > 99").subset(["day_obs"])
    assert sorted(values(days, "day_obs")) == [20240101, 20240102]
    observations.register("calexp", ["instrument", "visit"], "StructuredDataDict")
    for visit in (101, 104):
        butler.put({"v": visit}, "calexp", instrument=INSTRUMENT, visit=visit)
    refs = registry.queryDataIds(["visit"], where=f"{CAM} AND physical_filter = 'cam_r'")
    assert [ref.dataId["visit"] for ref in refs.findDatasets("calexp", RUN)] == [104]
    with_datasets = registry.queryDataIds(["visit"], datasets="calexp", collections=RUN)
    assert sorted(values(with_datasets, "visit")) == [101, 104]


def test_the_governor_rule_and_check(observations: Side) -> None:
    registry = observations.butler.registry
    with pytest.raises(daf_butler.InvalidQueryError, match="instrument"):
        list(registry.queryDataIds(["visit"], where="visit = 101"))
    found = registry.queryDataIds(["visit"], where="visit = 101", check=False)
    assert required(found) == [{"instrument": INSTRUMENT, "visit": 101}]
    found = registry.queryDataIds(["visit"], dataId={"instrument": INSTRUMENT}, where="visit = 101")
    assert required(found) == [{"instrument": INSTRUMENT, "visit": 101}]
    assert required(registry.queryDataIds(["visit"], instrument="NoCam")) == []
    assert list(registry.queryDataIds(["instrument"], where="instrument = 'NoCam'")) == []


def test_a_data_id_constraint_and_bind(observations: Side) -> None:
    butler = observations.butler
    found = butler.query_data_ids(
        ["visit", "detector"],
        data_id={"instrument": INSTRUMENT, "visit": 102},
        where="detector.purpose = purpose",
        bind={"purpose": "WAVEFRONT"},
    )
    assert required(found) == [{"instrument": INSTRUMENT, "detector": 11, "visit": 102}]
    found = butler.query_data_ids(["detector"], instrument=INSTRUMENT, detector=2)
    assert required(found) == [{"instrument": INSTRUMENT, "detector": 2}]


# -- butler.query_data_ids and query_dimension_records -------------------------------


def test_query_data_ids_order_limit_explain(observations: Side, caplog: Any) -> None:
    butler = observations.butler
    found = butler.query_data_ids(
        ["visit", "detector"],
        where=f"{CAM} AND visit > 102 AND detector > 9",
        order_by=["-visit", "detector"],
    )
    assert [(d["visit"], d["detector"]) for d in found] == [
        (105, 10), (105, 11), (104, 10), (104, 11), (103, 10), (103, 11)
    ]
    found = butler.query_data_ids(
        "visit", where=f"{CAM} AND visit > 99", order_by=["visit.day_obs", "visit"], limit=3
    )
    assert values(found, "visit") == [100, 102, 104]
    with caplog.at_level("WARNING"):
        found = butler.query_data_ids("visit", where=f"{CAM} AND visit > 99", limit=-2)
    assert len(found) == 2
    assert "More data IDs are available than the requested limit of 2" in caplog.text
    found = butler.query_data_ids("visit", where=f"{CAM} AND visit > 99",
                                  with_dimension_records=True, order_by="visit")
    assert [d.records["visit"].name for d in found] == [f"v{v}" for v in VISITS]
    with pytest.raises(daf_butler.EmptyQueryResultError):
        butler.query_data_ids("visit", where=f"{CAM} AND visit > 1000")
    assert butler.query_data_ids("visit", where=f"{CAM} AND visit > 1000", explain=False) == []
    assert butler.query_data_ids("visit", where=f"{CAM}", limit=0) == []


def test_query_dimension_records(observations: Side) -> None:
    butler = observations.butler
    records = butler.query_dimension_records(
        "visit", where=f"{CAM} AND visit.day_obs = 20240101 AND visit > 99", order_by="-visit"
    )
    assert [record.id for record in records] == [104, 102, 100]
    assert records[0].physical_filter == "cam_r"
    assert records[0].region == region(104)
    assert records[0].timespan == timespan(104)
    detectors = butler.query_dimension_records("detector", data_id={"instrument": INSTRUMENT})
    assert sorted(record.id for record in detectors) == [1, 2, 10, 11]
    bands = butler.query_dimension_records("band", where=f"{CAM} AND physical_filter = 'cam_g'")
    assert [record.name for record in bands] == ["g"]
    filters = butler.query_dimension_records("physical_filter", band="r", instrument=INSTRUMENT)
    assert [record.name for record in filters] == ["cam_r"]
    instruments = butler.query_dimension_records("instrument")
    assert [record.name for record in instruments] == [INSTRUMENT]
    registry = butler.registry
    found = registry.queryDimensionRecords("detector", where="detector.full_name = 'S11'",
                                           instrument=INSTRUMENT)
    assert [record.id for record in found] == [11]
    assert registry.queryDimensionRecords("visit", instrument=INSTRUMENT).count() == 9


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda b: b.query_dimension_records("nope"), "DimensionNameError"),
        (lambda b: b.query_data_ids(["nope"]), "KeyError"),
        (lambda b: b.query_data_ids("visit", where=f"{CAM} AND visit.nope = 1"),
         "InvalidQueryError"),
        (lambda b: b.query_data_ids("visit", where=f"{CAM} AND visit ="), "InvalidQueryError"),
        (lambda b: b.query_data_ids("visit", where=f"{CAM} AND visit.name = 1"),
         "InvalidQueryError"),
        (lambda b: b.query_data_ids("visit", where=f"{CAM}", order_by="detector"),
         "InvalidQueryError"),
        (lambda b: b.query_data_ids("visit", where="visit = 101"), "InvalidQueryError"),
        (lambda b: b.query_data_ids(["visit", "detector"], where=f"{CAM} AND foo = 1"),
         "InvalidQueryError"),
    ],
)
def test_query_errors_are_daf_butlers(observations: Side, call: Any, error: str) -> None:
    with pytest.raises(getattr(daf_butler, error, KeyError)):
        call(observations.butler)


# -- butler.query() ----------------------------------------------------------------------


def test_the_query_context_manager(observations: Side) -> None:
    butler = observations.butler
    observations.register("calexp", ["instrument", "visit"], "StructuredDataDict")
    for visit in (100, 103, 104):
        butler.put({"v": visit}, "calexp", instrument=INSTRUMENT, visit=visit)
    with butler.query() as query:
        assert isinstance(query, daf_butler.queries.Query)
        data_ids = query.data_ids(["visit"]).where(
            f"{CAM} AND visit > 99 AND visit.day_obs = day", bind={"day": 20240101}
        )
        assert values(data_ids.order_by("visit"), "visit") == [100, 102, 104]
        assert values(data_ids.where(visit=104), "visit") == [104]
        assert data_ids.count() == len(list(data_ids))
        refs = query.datasets("calexp").where(instrument=INSTRUMENT).order_by("-visit").limit(2)
        assert [ref.dataId["visit"] for ref in refs] == [104, 103]
        assert all(ref.dataId.hasRecords() for ref in refs.with_dimension_records())
        records = query.dimension_records("visit").where(f"{CAM} AND visit > 103")
        assert sorted(record.id for record in records) == [104, 105]
        x = query.expression_factory
        narrowed = query.where(
            x.instrument == INSTRUMENT, x.visit > 99, x.visit.day_obs > 20240101
        )
        assert sorted(values(narrowed.data_ids(["visit"]), "visit")) == [101, 103, 105]
        in_r = narrowed.where(x.physical_filter == "cam_r").datasets("calexp")
        assert [ref.dataId["visit"] for ref in in_r] == [103]
        assert not narrowed.where(x.visit == 100).any()
        joined = query.join_dimensions(["visit", "detector"]).where(CAM, detector=10)
        assert joined.data_ids(["visit", "detector"]).count() == 9


def test_a_materialized_query(observations: Side) -> None:
    butler = observations.butler
    with butler.query() as query:
        kept = query.join_dimensions(["visit"]).where(f"{CAM} AND visit.day_obs = 20240102")
        kept = kept.materialize()
        found = kept.data_ids(["visit", "detector"]).where(instrument=INSTRUMENT, detector=10)
        assert sorted(values(found, "visit")) == [101, 103, 105]
        assert sorted(values(kept.data_ids(["visit"]).where("band = 'r'"), "visit")) == [103, 105]


def test_data_ids_of_a_query_joined_with_datasets(observations: Side) -> None:
    butler = observations.butler
    observations.register("calexp", ["instrument", "visit"], "StructuredDataDict")
    for visit in (100, 103):
        butler.put({"v": visit}, "calexp", instrument=INSTRUMENT, visit=visit)
    with butler.query() as query:
        joined = query.join_dataset_search("calexp", [RUN])
        pairs = joined.data_ids(["visit", "detector"]).where(detector=10, instrument=INSTRUMENT)
        assert sorted((d["visit"], d["detector"]) for d in pairs) == [(100, 10), (103, 10)]
        bands = joined.data_ids(["band"]).where(instrument=INSTRUMENT)
        assert sorted(values(bands, "band")) == ["g", "r"]
        uploaded = query.join_data_coordinates(
            [daf_butler.DataCoordinate.standardize(instrument=INSTRUMENT, visit=v,
                                                   universe=butler.dimensions)
             for v in (101, 103)]
        )
        found = uploaded.datasets("calexp")
        assert [ref.dataId["visit"] for ref in found] == [103]


# -- datasets ------------------------------------------------------------------------------


def test_query_datasets_joins_the_records_the_type_lacks(observations: Side) -> None:
    butler = observations.butler
    observations.register("calexp", ["instrument", "visit"], "StructuredDataDict")
    for visit in VISITS:
        butler.put({"v": visit}, "calexp", instrument=INSTRUMENT, visit=visit)
    refs = butler.query_datasets(
        "calexp", where=f"{CAM} AND detector.full_name = 'S10' AND visit.day_obs = 20240101"
    )
    assert sorted(ref.dataId["visit"] for ref in refs) == [100, 102, 104]
    refs = butler.query_datasets("calexp", where=f"{CAM} AND band = 'r'", order_by="-visit")
    assert [ref.dataId["visit"] for ref in refs] == [105, 104, 103]
    refs = butler.registry.queryDatasets(
        "calexp", collections=RUN, where=f"{CAM} AND detector = 11 AND visit < 102"
    )
    assert sorted(ref.dataId["visit"] for ref in refs) == [100, 101]
    assert all(ref.dataId.hasRecords() for ref in refs.expanded())
    refs = butler.query_datasets("calexp", where=f"{CAM} AND visit.region OVERLAPS POINT(30, 0)")
    assert [ref.dataId["visit"] for ref in refs] == [103]
    with pytest.raises(daf_butler.EmptyQueryResultError):
        butler.query_datasets("calexp", where=f"{CAM} AND detector = 99")


def test_query_datasets_dataset_fields_and_find_first(observations: Side) -> None:
    butler = observations.butler
    observations.register("calexp", ["instrument", "visit"], "StructuredDataDict")
    butler.registry.registerRun("other")
    other = butler.clone(run="other")
    for visit in (100, 101):
        butler.put({"v": visit}, "calexp", instrument=INSTRUMENT, visit=visit)
    for visit in (101, 102):
        other.put({"v": visit}, "calexp", instrument=INSTRUMENT, visit=visit)
    found = butler.query_datasets("calexp", [RUN, "other"], instrument=INSTRUMENT)
    assert sorted((r.dataId["visit"], r.run) for r in found) == [
        (100, RUN), (101, RUN), (102, "other")
    ]
    found = butler.query_datasets("calexp", ["other", RUN], instrument=INSTRUMENT)
    assert sorted((r.dataId["visit"], r.run) for r in found) == [
        (100, RUN), (101, "other"), (102, "other")
    ]
    found = butler.query_datasets("calexp", [RUN, "other"], find_first=False,
                                  where=f"{CAM} AND calexp.run = 'other'")
    assert sorted((r.dataId["visit"], r.run) for r in found) == [(101, "other"), (102, "other")]
    found = butler.query_datasets("calexp", [RUN, "other"], where=f"{CAM} AND run = 'other'")
    assert sorted((r.dataId["visit"], r.run) for r in found) == [(101, "other"), (102, "other")]
    (ref,) = butler.query_datasets("calexp", RUN, where=f"{CAM} AND visit = 100")
    (again,) = butler.query_datasets("calexp", RUN, where="dataset_id = id", bind={"id": ref.id})
    assert again == ref
    with butler.query() as query:
        rows = list(
            query.join_dataset_search("calexp", [RUN, "other"])
            .general(["visit"], dataset_fields={"calexp": {"dataset_id", "run", "collection"}},
                     find_first=False)
            .where(instrument=INSTRUMENT)
        )
    assert sorted((row["visit"], row["calexp.run"], row["calexp.collection"]) for row in rows) == [
        (100, RUN, RUN), (101, "other", "other"), (101, RUN, RUN), (102, "other", "other")
    ]


def test_spatial_joins_with_a_skypix_value(observations: Side) -> None:
    butler = observations.butler
    pixelization = butler.dimensions["htm7"].pixelization
    pixel = pixelization.index(sphgeom.UnitVector3d(sphgeom.LonLat.fromDegrees(20.2, 0.3)))
    found = butler.query_data_ids(["visit", "htm7"], where=f"{CAM} AND htm7 = {pixel}")
    assert [(d["visit"], d["htm7"]) for d in found] == [(102, pixel)]
    records = butler.query_dimension_records("visit", where=f"{CAM} AND htm7 = {pixel}")
    assert [record.id for record in records] == [102]


def test_an_automatic_spatial_join(observations: Side) -> None:
    # Tracts 0 to 3 of a skymap, 6 degrees around longitudes 0, 15, 30 and 45:
    # each visit's region (1 degree around 10 * (visit - 100)) overlaps one.
    registry = observations.butler.registry
    registry.insertDimensionData("skymap", {"name": "sky", "hash": b"sky", "tract_max": 4})
    registry.insertDimensionData(
        "tract",
        *(
            {
                "skymap": "sky",
                "id": tract,
                "region": sphgeom.Circle(
                    sphgeom.UnitVector3d(sphgeom.LonLat.fromDegrees(15.0 * tract, 0.0)),
                    sphgeom.Angle.fromDegrees(6.0),
                ),
            }
            for tract in range(4)
        ),
    )
    found = observations.butler.query_data_ids(
        ["visit", "tract"], where=f"{CAM} AND skymap = 'sky' AND visit > 99"
    )
    assert sorted((d["visit"], d["tract"]) for d in found) == [
        (100, 0), (101, 1), (102, 1), (103, 2), (104, 3), (105, 3)
    ]


def test_a_relationship_that_is_always_joined(observations: Side) -> None:
    # Exposures 1-3 and visits 100-102: visit_definition says which go together.
    registry = observations.butler.registry
    registry.insertDimensionData("group", {"instrument": INSTRUMENT, "name": "g1"})
    registry.insertDimensionData(
        "exposure",
        *(
            {
                "instrument": INSTRUMENT,
                "id": exposure,
                "obs_id": f"e{exposure}",
                "physical_filter": "cam_g",
                "day_obs": 20240101,
                "group": "g1",
            }
            for exposure in (1, 2, 3)
        ),
    )
    registry.insertDimensionData(
        "visit_definition",
        {"instrument": INSTRUMENT, "exposure": 1, "visit": 100},
        {"instrument": INSTRUMENT, "exposure": 2, "visit": 100},
        {"instrument": INSTRUMENT, "exposure": 3, "visit": 102},
    )
    found = observations.butler.query_data_ids(["exposure", "visit"], instrument=INSTRUMENT)
    assert sorted((d["exposure"], d["visit"]) for d in found) == [(1, 100), (2, 100), (3, 102)]
    found = observations.butler.query_data_ids(
        ["exposure"], where=f"{CAM} AND visit = 100", order_by="exposure"
    )
    assert values(found, "exposure") == [1, 2]
