"""The refs daf_butler-mode queries hand back: daf_butler's own, equal in every field.

Queries hand back the refs a ``put`` returned, and refs built without
daf_butler's constructor (it costs more than the rest of a query): these
tests pin both to what daf_butler's constructor makes, so that a
daf_butler release that changes its refs fails here. Skipped without
lsst-daf-butler.
"""

from __future__ import annotations

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
    """A test collection over visits 1 and 2 of ``Cam``, ``calexp`` registered."""
    repo = makeTestRepo("unused")
    addDataIdValue(repo, "instrument", "Cam")
    for visit in (1, 2):
        addDataIdValue(repo, "visit", visit)
    addDatasetType(repo, "calexp", {"instrument", "visit"}, "StructuredDataDict")
    return makeTestCollection(repo, "refs")


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
    butler: daf_butler.Butler,
) -> None:
    # The slots daf_butler's ref has are those new_daf_ref sets: else it
    # falls back to the constructor, and this fails.
    assert tuple(daf_butler.DatasetRef.__slots__) == codec.REF_SLOTS
    assert codec.FAST_REFS
    datasetType = butler.get_dataset_type("calexp")
    dataId = butler.registry.expandDataId(instrument="Cam", visit=1)
    id = uuid.uuid4()
    built = codec.new_daf_ref(datasetType, dataId, "test_refs", id)
    expected = daf_butler.DatasetRef(datasetType, dataId, "test_refs", id=id, conform=False)
    assert_same_ref(built, expected)
    assert_same_ref(built, daf_butler.DatasetRef(datasetType, dataId, "test_refs", id=id))
    assert built.id == id
    assert_same_ref(pickle.loads(pickle.dumps(built)), expected)
    with pytest.raises(AttributeError, match="immutable"):
        built.run = "other"  # type: ignore[misc]


def test_a_query_hands_back_refs_equal_to_those_put_returned(butler: daf_butler.Butler) -> None:
    put = [butler.put({"visit": v}, "calexp", instrument="Cam", visit=v) for v in (1, 2)]
    for found in (
        butler.query_datasets("calexp"),
        butler.query_datasets("calexp", with_dimension_records=True),
        list(butler.registry.queryDatasets("calexp", collections=butler.run)),
    ):
        assert len(found) == 2
        for ref, expected in zip(found, put, strict=True):
            assert_same_ref(ref, expected)
    (one,) = butler.query_datasets("calexp", where=f"{CAM} AND visit = 2")
    assert_same_ref(one, put[1])


def test_refs_follow_the_records_after_a_put(butler: daf_butler.Butler) -> None:
    ref = butler.put({}, "calexp", instrument="Cam", visit=1)
    record = ref.dataId.records["visit"].toDict()
    butler.registry.syncDimensionData("visit", {**record, "name": "renamed"}, update=True)
    (found,) = butler.query_datasets("calexp")
    assert found == ref
    assert found.dataId.records["visit"].name == "renamed"
    assert ref.dataId.records["visit"].name != "renamed"  # what put returned is as it was


def test_a_dataset_put_again_with_its_id_is_found_as_it_is_now(
    butler: daf_butler.Butler,
) -> None:
    ref = butler.put({}, "calexp", instrument="Cam", visit=1)
    assert butler.query_datasets("calexp") == [ref]
    butler.pruneDatasets([ref], purge=True, unstore=True, disassociate=True)
    butler.registry.registerRun("elsewhere")
    again = daf_butler.DatasetRef(ref.datasetType, ref.dataId, "elsewhere", id=ref.id)
    butler.put({}, again)
    (found,) = butler.query_datasets("calexp", "elsewhere")
    assert found.run == "elsewhere"
    assert found.id == ref.id


def test_a_put_rolled_back_is_not_found(butler: daf_butler.Butler) -> None:
    kept = butler.put({}, "calexp", instrument="Cam", visit=1)
    with pytest.raises(RuntimeError, match="undo"), butler.transaction():
        butler.put({}, "calexp", instrument="Cam", visit=2)
        raise RuntimeError("undo")
    assert butler.query_datasets("calexp") == [kept]


def test_a_storage_class_override_does_not_stick(butler: daf_butler.Butler) -> None:
    ref = butler.put({}, "calexp", instrument="Cam", visit=1)
    factory = daf_butler.StorageClassFactory()
    factory.registerStorageClass(daf_butler.StorageClass("PlainDict", pytype=dict))
    try:
        overridden = daf_butler.DatasetType(
            "calexp", ref.datasetType.dimensions, "PlainDict", universe=butler.dimensions
        )
        (found,) = butler.query_datasets(overridden)
        assert found.datasetType.storageClass_name == "PlainDict"
        assert_same_ref(found, ref.overrideStorageClass("PlainDict"))
        (again,) = butler.query_datasets("calexp")
        assert_same_ref(again, ref)
    finally:
        factory._unregisterStorageClass("PlainDict")
