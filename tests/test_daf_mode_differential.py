"""daf_butler mode against a real daf_butler Butler: the same test, both butlers.

Each test takes ``daf_side`` (see ``conftest.py``) and runs twice: on
``InMemoryButler(universe=...)`` built with `pytest_memstore.testrepo`, and
on a real Butler built with ``lsst.daf.butler.tests``, over the same
dimension records (``DummyCam``, visits 42-44, detectors 1-2). The objects
passed in are daf_butler's, and so must be what comes back and what is
raised. Skipped without lsst-daf-butler.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests._butler_sides import INSTRUMENT, RUN, MemstoreDafSide, Side

daf_butler = pytest.importorskip("lsst.daf.butler", reason="needs the butler extra")

VISIT = {"instrument": INSTRUMENT, "visit": 42}


def calexp(side: Side) -> Any:
    return side.register("calexp", ["instrument", "visit"], "StructuredDataDict")


def test_it_is_a_butler_and_a_limited_butler(daf_side: Side) -> None:
    butler = daf_side.butler
    assert isinstance(butler, daf_butler.Butler)
    assert isinstance(butler, daf_butler.LimitedButler)
    assert isinstance(butler.dimensions, daf_butler.DimensionUniverse)
    assert butler.isWriteable()
    with butler as entered:
        assert entered is butler


def test_put_returns_daf_butler_refs_with_expanded_data_ids(daf_side: Side) -> None:
    calexp(daf_side)
    ref = daf_side.butler.put({"a": 1}, "calexp", VISIT)
    assert type(ref) is daf_butler.DatasetRef
    assert isinstance(ref.dataId, daf_butler.DataCoordinate)
    assert ref.dataId.hasFull() and ref.dataId.hasRecords()
    assert set(ref.dataId.mapping) == {"instrument", "visit", "band", "day_obs", "physical_filter"}
    assert ref.dataId.records["visit"].id == 42
    # pipe_base serializes refs and builds quanta and provenance from them.
    simple = ref.to_simple()
    assert daf_butler.DatasetRef.from_simple(simple, universe=daf_side.butler.dimensions) == ref
    provenance = daf_butler.DatasetProvenance()
    provenance.add_input(ref)
    assert [simple.id for simple in provenance.inputs] == [ref.id]


def test_returned_dataset_types_are_daf_butlers(daf_side: Side) -> None:
    registered = calexp(daf_side)
    butler = daf_side.butler
    assert butler.get_dataset_type("calexp") == registered
    assert butler.registry.getDatasetType("calexp") == registered
    assert [dt.name for dt in butler.registry.queryDatasetTypes("calexp")] == ["calexp"]
    assert type(butler.get_dataset_type("calexp")) is daf_butler.DatasetType


def test_data_ids_as_data_coordinates_and_empty_sets(daf_side: Side) -> None:
    calexp(daf_side)
    daf_side.register("config", [], "StructuredDataDict")
    butler = daf_side.butler
    coordinate = daf_butler.DataCoordinate.standardize(VISIT, universe=butler.dimensions)
    butler.put({"a": 1}, "calexp", coordinate)
    assert butler.get("calexp", coordinate) == {"a": 1}
    butler.put({"c": 2}, "config", set())
    assert butler.get("config", {}) == {"c": 2}
    assert butler.get("config") == {"c": 2}


def test_a_value_with_no_record_is_data_id_value_error_on_put(daf_side: Side) -> None:
    calexp(daf_side)
    butler = daf_side.butler
    with pytest.raises(daf_butler.DataIdValueError, match="visit"):
        butler.put({"a": 1}, "calexp", instrument=INSTRUMENT, visit=99)
    assert butler.registry.queryDatasets("calexp", collections=RUN) == [] or not list(
        butler.registry.queryDatasets("calexp", collections=RUN)
    )


def test_a_value_with_no_record_finds_nothing(daf_side: Side) -> None:
    calexp(daf_side)
    butler = daf_side.butler
    missing = {"instrument": INSTRUMENT, "visit": 99}
    with pytest.raises(daf_butler.DatasetNotFoundError):
        butler.get("calexp", missing)
    assert butler.find_dataset("calexp", missing) is None
    assert butler.exists("calexp", missing) == daf_butler.DatasetExistence.UNRECOGNIZED


def test_a_key_that_is_no_dimension_is_a_value_error(daf_side: Side) -> None:
    calexp(daf_side)
    with pytest.raises(ValueError, match="foo"):
        daf_side.butler.put({"a": 1}, "calexp", VISIT, foo=3)


def test_a_missing_required_dimension_is_dimension_name_error(daf_side: Side) -> None:
    calexp(daf_side)
    with pytest.raises(daf_butler.DimensionNameError):
        daf_side.butler.put({"a": 1}, "calexp", instrument=INSTRUMENT)


def test_daf_butler_exception_classes_catch_our_errors(daf_side: Side) -> None:
    calexp(daf_side)
    butler = daf_side.butler
    with pytest.raises(daf_butler.MissingDatasetTypeError):
        butler.get_dataset_type("nope")
    with pytest.raises(daf_butler.DatasetNotFoundError):
        butler.get("calexp", VISIT)
    butler.put({"a": 1}, "calexp", VISIT)
    with pytest.raises(daf_butler.registry.ConflictingDefinitionError):
        butler.put({"a": 2}, "calexp", VISIT)
    with pytest.raises(daf_butler.MissingCollectionError):
        butler.get("calexp", VISIT, collections="nowhere")
    with pytest.raises(daf_butler.CollectionTypeError):
        butler.registry.registerCollection("tagged", daf_butler.CollectionType.TAGGED)
        butler.put({"a": 1}, "calexp", VISIT, run="tagged")


def test_collection_types_in_and_out(daf_side: Side) -> None:
    butler = daf_side.butler
    assert butler.collections.register("tags", daf_butler.CollectionType.TAGGED)
    assert butler.registry.getCollectionType("tags") is daf_butler.CollectionType.TAGGED
    assert butler.registry.getCollectionType(RUN) is daf_butler.CollectionType.RUN
    found = butler.collections.query("*", collection_types={daf_butler.CollectionType.TAGGED})
    assert list(found) == ["tags"]


def test_put_a_resolved_ref_with_provenance(daf_side: Side) -> None:
    datasetType = calexp(daf_side)
    butler = daf_side.butler
    coordinate = butler.registry.expandDataId(VISIT)
    ref = daf_butler.DatasetRef(datasetType, coordinate, run=RUN)
    provenance = daf_butler.DatasetProvenance(quantum_id=uuid.uuid4())
    assert butler.put({"a": 1}, ref, provenance=provenance) == ref
    assert butler.get(ref) == {"a": 1}
    assert butler.stored(ref)
    assert butler.stored_many([ref]) == {ref: True}


def test_get_deferred_returns_daf_butlers_handle(daf_side: Side) -> None:
    calexp(daf_side)
    butler = daf_side.butler
    ref = butler.put({"a": 1, "b": 2}, "calexp", VISIT)
    handle = butler.getDeferred(ref)
    assert isinstance(handle, daf_butler.DeferredDatasetHandle)
    assert handle.ref == ref
    assert handle.get() == {"a": 1, "b": 2}
    by_name = butler.getDeferred("calexp", VISIT)
    assert by_name.ref == ref
    assert by_name.get() == {"a": 1, "b": 2}


def test_record_metrics_counts_gets_and_puts(daf_side: Side) -> None:
    calexp(daf_side)
    butler = daf_side.butler
    with butler.record_metrics() as metrics:
        ref = butler.put({"a": 1}, "calexp", VISIT)
        butler.get(ref)
        butler.get("calexp", VISIT)
    assert isinstance(metrics, daf_butler.ButlerMetrics)
    assert (metrics.n_put, metrics.n_get) == (1, 2)
    butler.get(ref)
    assert metrics.n_get == 2


def test_mark_input_unused_and_get_many_uris(daf_side: Side) -> None:
    calexp(daf_side)
    butler = daf_side.butler
    ref = butler.put({"a": 1}, "calexp", VISIT)
    butler.markInputUnused(ref)
    uris = butler.get_many_uris([ref])
    assert list(uris) == [ref]


def test_import_datasets_records_without_storing(daf_side: Side) -> None:
    datasetType = calexp(daf_side)
    butler = daf_side.butler
    coordinate = daf_butler.DataCoordinate.standardize(VISIT, universe=butler.dimensions)
    ref = daf_butler.DatasetRef(datasetType, coordinate, run=RUN)
    (imported,) = butler.registry._importDatasets([ref])
    assert imported.id == ref.id
    found = butler.find_dataset("calexp", VISIT, collections=[RUN])
    assert found is not None and found.id == ref.id
    assert not butler.stored(ref)
    butler.put({"a": 1}, ref)
    assert butler.get("calexp", VISIT) == {"a": 1}


def test_expand_data_id_fills_implied_values_and_records(daf_side: Side) -> None:
    expanded = daf_side.butler.registry.expandDataId(VISIT)
    assert expanded.hasRecords()
    record = expanded.records["visit"]
    assert expanded["physical_filter"] == record.physical_filter
    assert expanded["day_obs"] == record.day_obs
    assert expanded.records["physical_filter"].band == expanded["band"]
    with pytest.raises(daf_butler.DataIdValueError):
        daf_side.butler.registry.expandDataId(instrument=INSTRUMENT, visit=99)


def test_insert_and_sync_dimension_data(daf_side: Side) -> None:
    registry = daf_side.butler.registry
    registry.insertDimensionData(
        "detector", {"instrument": INSTRUMENT, "id": 7, "full_name": "seven"}
    )
    assert registry.expandDataId(instrument=INSTRUMENT, detector=7).records[
        "detector"
    ].full_name == "seven"
    row = {"instrument": INSTRUMENT, "id": 8, "full_name": "eight"}
    assert registry.syncDimensionData("detector", row) is True
    assert registry.syncDimensionData("detector", row) is False
    changed = {**row, "full_name": "VIII"}
    with pytest.raises(daf_butler.registry.ConflictingDefinitionError):
        registry.syncDimensionData("detector", changed)
    assert registry.syncDimensionData("detector", changed, update=True) == {"full_name": "eight"}


def test_a_component_is_read_through_daf_butlers_storage_class(daf_side: Side) -> None:
    daf_side.register("metrics", ["instrument", "visit"], "ExampleComposite")
    butler = daf_side.butler
    composite = daf_side.metrics({"s": 1}, {"o": 2}, [1, 2, 3])
    butler.put(composite, "metrics", VISIT)
    assert butler.get("metrics.data", VISIT) == [1, 2, 3]
    assert butler.get("metrics", VISIT, parameters={"slice": slice(1)}).data == [1]


def test_transactions_roll_back_puts(daf_side: Side) -> None:
    calexp(daf_side)
    butler = daf_side.butler
    with pytest.raises(RuntimeError, match="undo"), butler.transaction():
        butler.put({"a": 1}, "calexp", VISIT)
        raise RuntimeError("undo")
    assert butler.find_dataset("calexp", VISIT) is None


def test_validate_configuration(daf_side: Side) -> None:
    calexp(daf_side)
    daf_side.register("metrics", ["instrument", "visit"], "ExampleComposite")
    butler = daf_side.butler
    butler.validateConfiguration()
    butler.validateConfiguration(logFailures=True, datasetTypeNames=["calexp"], ignore=["x"])
    butler.validateConfiguration(ignore=["metrics", "calexp"])
    with pytest.raises(daf_butler.MissingDatasetTypeError):
        butler.validateConfiguration(datasetTypeNames=["nope"])


# -- where we differ on purpose ---------------------------------------------


def test_put_of_a_ref_makes_its_run_as_a_limited_butler_does() -> None:
    """A direct Butler refuses a ref whose run does not exist; a LimitedButler
    (what a quantum is run with) writes into it. Ours is both: it writes."""
    side = MemstoreDafSide()
    datasetType = calexp(side)
    ref = daf_butler.DatasetRef(
        datasetType, side.butler.registry.expandDataId(VISIT), run="brand/new/run"
    )
    assert side.butler.put({"a": 1}, ref) == ref
    registry = side.butler.registry
    assert registry.getCollectionType("brand/new/run") is daf_butler.CollectionType.RUN
    assert side.butler.get(ref) == {"a": 1}
