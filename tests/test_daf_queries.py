"""Queries in daf_butler mode where a real Butler has no counterpart to compare with.

What InMemoryButler says when a query finds nothing, what it does not
support (and says so), that its results follow the records as they change,
``validateConfiguration``'s failures (a real repository cannot lose a
storage class it uses), and the refs queries hand back: those ``put``
returned, and refs built without daf_butler's constructor (it costs more
than the rest of a query), pinned to what the constructor makes, so that a
daf_butler release that changes its refs fails here. Skipped without
lsst-daf-butler.
"""

from __future__ import annotations

import logging
import pickle
import uuid

import pytest

daf_butler = pytest.importorskip("lsst.daf.butler", reason="needs the butler extra")

from pytest_memstore.daf import codec  # noqa: E402
from pytest_memstore.testrepo import (  # noqa: E402
    addDataIdValue,
    addDatasetType,
    makeTestCollection,
    makeTestRepo,
)

CAM = "instrument = 'Cam'"


@pytest.fixture
def butler() -> daf_butler.Butler:
    """A test collection over visits 1-3 and detectors 1-2 of ``Cam``, with ``calexp`` 1 and 2."""
    repo = makeTestRepo("unused")
    addDataIdValue(repo, "instrument", "Cam")
    for visit in (1, 2, 3):
        addDataIdValue(repo, "visit", visit)
    for detector in (1, 2):
        addDataIdValue(repo, "detector", detector)
    addDatasetType(repo, "calexp", {"instrument", "visit"}, "StructuredDataDict")
    butler = makeTestCollection(repo, "queries")
    for visit in (1, 2):
        butler.put({"visit": visit}, "calexp", instrument="Cam", visit=visit)
    return butler


def test_an_empty_result_says_why(butler: daf_butler.Butler) -> None:
    addDatasetType(butler, "raw", {"instrument", "visit"}, "StructuredDataDict")
    with pytest.raises(daf_butler.EmptyQueryResultError) as caught:
        butler.query_datasets("raw")
    assert caught.value.reasons == ["No datasets of type 'raw' in collections ['test_queries']."]
    with pytest.raises(daf_butler.EmptyQueryResultError) as caught:
        butler.query_data_ids(["visit"], where=f"{CAM} AND visit.name = 'nope'")
    (reason,) = caught.value.reasons
    assert "where" in reason
    with butler.query() as query:
        assert list(query.data_ids(["visit"]).where(instrument="Cam").explain_no_results()) == []


def test_a_skypix_dimension_needs_a_value(butler: daf_butler.Butler) -> None:
    with pytest.raises(NotImplementedError, match=r"skypix dimension 'htm7'.*htm7 = "):
        butler.query_data_ids(["htm7"])
    assert [d["htm7"] for d in butler.query_data_ids(["htm7"], htm7=12345)] == [12345]


@pytest.mark.parametrize(
    ("where", "named"),
    [
        ("ingest_date > T'2020-01-01'", "dataset field 'ingest_date'"),
        ("calexp.ingest_date > T'2020-01-01'", "dataset field 'ingest_date'"),
    ],
)
def test_what_daf_butler_mode_does_not_support(
    butler: daf_butler.Butler, where: str, named: str
) -> None:
    with pytest.raises(NotImplementedError, match=named):
        butler.query_datasets("calexp", where=f"{CAM} AND {where}")


def test_results_follow_the_records_as_they_change(butler: daf_butler.Butler) -> None:
    (before,) = butler.query_datasets("calexp", where=f"{CAM} AND visit = 1",
                                      with_dimension_records=True)
    assert butler.query_datasets("calexp", where=f"{CAM} AND visit = 1") == [before]
    record = before.dataId.records["visit"].toDict()
    butler.registry.syncDimensionData("visit", {**record, "name": "renamed"}, update=True)
    (after,) = butler.query_datasets("calexp", where=f"{CAM} AND visit.name = 'renamed'")
    assert after == before
    assert after.dataId.records["visit"].name == "renamed"
    records = butler.query_dimension_records("visit", where=f"{CAM} AND visit = 1")
    assert [r.name for r in records] == ["renamed"]


def test_answers_from_records_follow_them(butler: daf_butler.Butler) -> None:
    # Queries of records alone are answered again only when the records change.
    query = {"dimensions": ["visit"], "where": f"{CAM} AND visit > 1"}
    assert [d["visit"] for d in butler.query_data_ids(**query, order_by="visit")] == [2, 3]
    first = butler.query_data_ids(**query, order_by="visit")
    assert butler.query_data_ids(**query, order_by="visit") == first
    addDataIdValue(butler, "visit", 4)
    assert [d["visit"] for d in butler.query_data_ids(**query, order_by="visit")] == [2, 3, 4]
    (record,) = butler.query_dimension_records("visit", where=f"{CAM} AND visit = 4")
    butler.registry.syncDimensionData("visit", {**record.toDict(), "name": "four"}, update=True)
    (record,) = butler.query_dimension_records("visit", where=f"{CAM} AND visit = 4")
    assert record.name == "four"


def test_a_query_context_closes(butler: daf_butler.Butler) -> None:
    with butler.query() as query:
        results = query.data_ids(["visit"]).where(instrument="Cam")
    with pytest.raises(RuntimeError, match="context must be entered"):
        list(results)


def test_validate_configuration_checks_storage_classes(
    butler: daf_butler.Butler, caplog: pytest.LogCaptureFixture
) -> None:
    factory = daf_butler.StorageClassFactory()
    factory.registerStorageClass(daf_butler.StorageClass("Ephemeral", pytype=dict))
    addDatasetType(butler, "ephemeral", {"instrument"}, "Ephemeral")
    butler.validateConfiguration()
    factory._unregisterStorageClass("Ephemeral")
    with pytest.raises(daf_butler.ValidationError, match=r"'ephemeral'.*'Ephemeral'"):
        butler.validateConfiguration()
    with caplog.at_level(logging.CRITICAL), pytest.raises(daf_butler.ValidationError):
        butler.validateConfiguration(logFailures=True, datasetTypeNames=["ephemeral"])
    assert "storage class 'Ephemeral'" in caplog.text
    butler.validateConfiguration(ignore=["ephemeral"])
    butler.validateConfiguration(datasetTypeNames=["calexp"])
    with pytest.raises(daf_butler.MissingDatasetTypeError):
        butler.validateConfiguration(datasetTypeNames=["nope"])


@pytest.mark.parametrize(
    ("dimensions", "where"),
    [
        (["visit", "detector"], CAM),
        (["detector", "visit"], f"{CAM} AND visit > 1"),
        (["visit"], f"{CAM} AND visit IN (1, 3)"),
        (["detector"], f"{CAM} AND detector.full_name = 'nope'"),
        (["visit", "detector"], f"{CAM} AND detector.id = 2 AND visit.day_obs > 0"),
        (["band"], ""),
        (["band"], "band = 'nope'"),
        (["physical_filter", "detector"], CAM),
        (["visit", "band"], CAM),
        (["instrument"], ""),
        (["visit", "exposure"], CAM),
    ],
)
def test_data_ids_of_records_alone_are_those_the_rows_give(
    butler: daf_butler.Butler, monkeypatch: pytest.MonkeyPatch, dimensions: list[str], where: str
) -> None:
    # Data IDs of records alone are joined as tuples, not rows: the same
    # data IDs, in the same order, as the rows give.
    from pytest_memstore.daf.query_rows import QueryRows
    from pytest_memstore.daf.records import DimensionRecords

    fast = butler.query_data_ids(dimensions, where=where, explain=False)
    monkeypatch.setattr(QueryRows, "data_id_values", lambda *args: None)
    monkeypatch.setattr(DimensionRecords, "remembered", lambda self, key, compute: compute())
    rows = butler.query_data_ids(dimensions, where=where, explain=False)
    assert [d.mapping for d in fast] == [d.mapping for d in rows]
    assert all(d.hasFull() and not d.hasRecords() for d in fast)


# -- the refs queries hand back ----------------------------------------------------


@pytest.fixture
def raws(butler: daf_butler.Butler) -> daf_butler.Butler:
    """The test collection with dataset type ``raw`` (instrument, visit), none put."""
    addDatasetType(butler, "raw", {"instrument", "visit"}, "StructuredDataDict")
    return butler


def assert_same_ref(found: daf_butler.DatasetRef, expected: daf_butler.DatasetRef) -> None:
    """Assert two refs agree in every slot, expanded data IDs and records included."""
    assert type(found) is type(expected)
    for name in daf_butler.DatasetRef.__slots__:
        assert getattr(found, name) == getattr(expected, name), name
    assert found.dataId.hasFull() == expected.dataId.hasFull()
    assert found.dataId.hasRecords() == expected.dataId.hasRecords()
    if expected.dataId.hasRecords():
        for element in expected.dataId.dimensions.elements:
            assert found.dataId.records[element] == expected.dataId.records[element], element
    assert found == expected
    assert hash(found) == hash(expected)
    assert repr(found) == repr(expected)


def test_refs_built_without_the_constructor_are_the_constructors(
    raws: daf_butler.Butler,
) -> None:
    # The slots daf_butler's ref has are those new_daf_ref sets: else it
    # falls back to the constructor, and this fails.
    assert tuple(daf_butler.DatasetRef.__slots__) == codec.REF_SLOTS
    assert codec.FAST_REFS
    datasetType = raws.get_dataset_type("raw")
    dataId = raws.registry.expandDataId(instrument="Cam", visit=1)
    id = uuid.uuid4()
    built = codec.new_daf_ref(datasetType, dataId, "test_refs", id)
    expected = daf_butler.DatasetRef(datasetType, dataId, "test_refs", id=id, conform=False)
    assert_same_ref(built, expected)
    assert_same_ref(built, daf_butler.DatasetRef(datasetType, dataId, "test_refs", id=id))
    assert built.id == id
    assert_same_ref(pickle.loads(pickle.dumps(built)), expected)
    with pytest.raises(AttributeError, match="immutable"):
        built.run = "other"  # type: ignore[misc]


def test_another_daf_butlers_refs_come_from_its_constructor(
    raws: daf_butler.Butler, monkeypatch: pytest.MonkeyPatch
) -> None:
    put = raws.put({}, "raw", instrument="Cam", visit=1)
    monkeypatch.setattr(codec, "FAST_REFS", False)  # as when the slots differ
    raws.registry.insertDimensionData("instrument", {"name": "Other"})  # no ref kept
    (found,) = raws.query_datasets("raw")
    assert found is not put
    assert_same_ref(found, put)


def test_a_query_hands_back_refs_equal_to_those_put_returned(raws: daf_butler.Butler) -> None:
    put = [raws.put({"visit": v}, "raw", instrument="Cam", visit=v) for v in (1, 2)]
    for found in (
        raws.query_datasets("raw"),
        raws.query_datasets("raw", with_dimension_records=True),
        list(raws.registry.queryDatasets("raw", collections=raws.run)),
    ):
        assert len(found) == 2
        for ref, expected in zip(found, put, strict=True):
            assert_same_ref(ref, expected)
    (one,) = raws.query_datasets("raw", where=f"{CAM} AND visit = 2")
    assert_same_ref(one, put[1])


def test_refs_follow_the_records_after_a_put(raws: daf_butler.Butler) -> None:
    ref = raws.put({}, "raw", instrument="Cam", visit=1)
    record = ref.dataId.records["visit"].toDict()
    raws.registry.syncDimensionData("visit", {**record, "name": "renamed"}, update=True)
    (found,) = raws.query_datasets("raw")
    assert found == ref
    assert found.dataId.records["visit"].name == "renamed"
    assert ref.dataId.records["visit"].name != "renamed"  # what put returned is as it was


def test_a_dataset_put_again_with_its_id_is_found_as_it_is_now(
    raws: daf_butler.Butler,
) -> None:
    ref = raws.put({}, "raw", instrument="Cam", visit=1)
    assert raws.query_datasets("raw") == [ref]
    raws.pruneDatasets([ref], purge=True, unstore=True, disassociate=True)
    raws.registry.registerRun("elsewhere")
    again = daf_butler.DatasetRef(ref.datasetType, ref.dataId, "elsewhere", id=ref.id)
    raws.put({}, again)
    (found,) = raws.query_datasets("raw", "elsewhere")
    assert found.run == "elsewhere"
    assert found.id == ref.id


def test_a_put_rolled_back_is_not_found(raws: daf_butler.Butler) -> None:
    kept = raws.put({}, "raw", instrument="Cam", visit=1)
    with pytest.raises(RuntimeError, match="undo"), raws.transaction():
        raws.put({}, "raw", instrument="Cam", visit=2)
        raise RuntimeError("undo")
    assert raws.query_datasets("raw") == [kept]


def test_a_storage_class_override_does_not_stick(raws: daf_butler.Butler) -> None:
    ref = raws.put({}, "raw", instrument="Cam", visit=1)
    factory = daf_butler.StorageClassFactory()
    factory.registerStorageClass(daf_butler.StorageClass("PlainDict", pytype=dict))
    try:
        overridden = daf_butler.DatasetType(
            "raw", ref.datasetType.dimensions, "PlainDict", universe=raws.dimensions
        )
        (found,) = raws.query_datasets(overridden)
        assert found.datasetType.storageClass_name == "PlainDict"
        assert_same_ref(found, ref.overrideStorageClass("PlainDict"))
        (again,) = raws.query_datasets("raw")
        assert_same_ref(again, ref)
    finally:
        factory._unregisterStorageClass("PlainDict")
