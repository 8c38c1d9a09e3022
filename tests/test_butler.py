"""InMemoryButler on its own: what has no daf_butler counterpart to compare with.

Construction, storage class names, data IDs without a dimension universe,
where we deliberately differ from daf_butler (errors that change nothing),
threads, and the exported classes. The behaviour shared with daf_butler is
tested against both in test_butler_differential.py.
"""

from __future__ import annotations

import logging
import threading
import uuid
from typing import Any

import pytest

from pytest_memstore import (
    CollectionCycleError,
    CollectionType,
    CollectionTypeError,
    ConflictingDefinitionError,
    DatasetExistence,
    DatasetNotFoundError,
    DatasetType,
    DatasetTypeNotSupportedError,
    DimensionNameError,
    EmptyQueryResultError,
    ExampleMetrics,
    InMemoryButler,
    InMemoryDatastore,
    InvalidQueryError,
    MissingCollectionError,
    MissingDatasetTypeError,
    NoDefaultCollectionError,
    StorageClass,
    StorageClassFactory,
    TransactionOrderError,
    default_storage_classes,
)

DID = {"instrument": "DummyCam", "visit": 42}


@pytest.fixture
def butler() -> InMemoryButler:
    butler = InMemoryButler(run="run")
    butler.registry.registerDatasetType(
        DatasetType("calexp", {"instrument", "visit"}, "StructuredDataDict")  # type: ignore[arg-type]
    )
    return butler


def snapshot(butler: InMemoryButler) -> dict[str, Any]:
    registry = butler.registry
    collections = {
        name: (registry.getCollectionType(name), registry.getCollectionChain(name)
               if registry.getCollectionType(name) is CollectionType.CHAINED else ())
        for name in registry.queryCollections()
    }
    refs = {
        (ref.run, ref.datasetType.name, ref.dataId, ref.id, butler.stored(ref))
        for dt in registry.queryDatasetTypes()
        for ref in registry.queryDatasets(dt, collections=...)
    }
    return {
        "collections": collections,
        "types": [dt for dt in registry.queryDatasetTypes()],
        "refs": refs,
        "store": butler.datastore.consistency_problems(),
        "records": dict(butler.datastore.records),
    }


# -- construction -----------------------------------------------------------


def test_defaults_follow_the_run() -> None:
    butler = InMemoryButler(run="run")
    assert (butler.run, butler.collections.defaults) == ("run", ("run",))
    assert butler.registry.getCollectionType("run") is CollectionType.RUN
    assert InMemoryButler(run="run", collections="a").collections.defaults == ("a",)
    assert InMemoryButler(collections=["a", "b"]).collections.defaults == ("a", "b")
    bare = InMemoryButler()
    assert (bare.run, bare.collections.defaults) == (None, ())
    assert bare.registry.queryCollections() == []
    assert repr(InMemoryButler(run="r")) == "InMemoryButler(run='r', collections=['r'])"


def test_default_collections_are_readable_on_the_butler_and_its_clones() -> None:
    butler = InMemoryButler(run="run")
    assert butler.default_collections == butler.collections.defaults == ("run",)
    clone = butler.clone(collections=["a", "b"])
    assert clone.default_collections == clone.collections.defaults == ("a", "b")
    assert butler.default_collections == ("run",)


def test_default_collections_need_not_exist_yet() -> None:
    butler = InMemoryButler(collections=["later"])
    sc = butler.storageClasses.getStorageClass("StructuredDataDict")
    butler.registry.registerDatasetType(DatasetType("x", set(), sc))
    with pytest.raises(MissingCollectionError, match="later"):
        butler.find_dataset("x")
    butler.registry.registerRun("later")
    assert butler.find_dataset("x") is None


def test_storage_classes_and_datastore_wiring() -> None:
    butler = InMemoryButler()
    assert "StructuredDataDict" in butler.storageClasses
    assert butler.datastore.storageClasses is butler.storageClasses
    factory = default_storage_classes()
    store = InMemoryDatastore(storageClasses=factory)
    assert InMemoryButler(datastore=store).storageClasses is factory
    own = StorageClassFactory()
    with_own = InMemoryButler(datastore=store, storageClasses=own)
    assert with_own.storageClasses is own
    assert with_own.datastore is store


def test_a_dropped_butler_is_freed_at_once_with_its_store() -> None:
    """No reference cycle keeps a test's butler, and the data it holds, for the collector."""
    import gc
    import weakref

    butler = InMemoryButler(run="r")
    butler.registry.registerDatasetType(
        DatasetType("metric", {"instrument", "visit"}, "StructuredDataDict")
    )
    butler.put({"v": 1}, "metric", instrument="Cam", visit=1)
    _ = butler.collections.defaults
    freed = [weakref.ref(butler), weakref.ref(butler.datastore)]
    gc.disable()
    try:
        del butler
        assert [ref() for ref in freed] == [None, None]
    finally:
        gc.enable()


def test_the_registry_and_collections_views_outlive_their_butler() -> None:
    butler = InMemoryButler(run="r", collections=["r", "other"])
    registry, collections = butler.registry, butler.collections
    assert butler.registry is registry and butler.collections is collections
    registry.registerDatasetType(
        DatasetType("metric", {"instrument", "visit"}, "StructuredDataDict")
    )
    ref = butler.put({"v": 1}, "metric", instrument="Cam", visit=1)
    del butler
    assert collections.defaults == ("r", "other")
    assert "r" in collections.query("*")
    assert registry.findDataset("metric", instrument="Cam", visit=1) == ref


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"run": 3}, "run must be a non-empty str"),
        ({"run": ""}, "run must be a non-empty str"),
        ({"collections": 3}, "collections must be a collection name"),
        ({"collections": [1]}, "collections must be names"),
        ({"datastore": object()}, "datastore must be an InMemoryDatastore"),
        ({"storageClasses": {}}, "storageClasses must be a StorageClassFactory"),
    ],
)
def test_bad_constructor_arguments(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        InMemoryButler(**kwargs)


def test_clone_shares_registry_and_datastore(butler: InMemoryButler) -> None:
    clone = butler.clone()
    assert clone.registry_state is butler.registry_state
    assert clone.datastore is butler.datastore
    assert (clone.run, clone.collections.defaults) == ("run", ("run",))
    moved = butler.clone(run="other")
    assert moved.collections.defaults == ("other",)
    fixed = InMemoryButler(run="a", collections=["x"]).clone(run="b")
    assert fixed.collections.defaults == ("x",)


# -- dataset types and storage classes -----------------------------------------


def test_dataset_type_storage_class_names_resolve_through_the_butler() -> None:
    factory = default_storage_classes()
    factory.registerStorageClass(StorageClass("Celsius", float, converters={int: float}))
    butler = InMemoryButler(run="run", storageClasses=factory)
    named = DatasetType("temp", {"instrument"}, "Celsius")  # type: ignore[arg-type]
    assert butler.registry.registerDatasetType(named) is True
    registered = butler.get_dataset_type("temp")
    assert registered.storageClass is factory.getStorageClass("Celsius")
    assert butler.registry.registerDatasetType(named) is False
    butler.put(3, "temp", instrument="DummyCam")
    assert butler.get("temp", instrument="DummyCam") == 3.0


def test_unknown_storage_class_name_changes_nothing(butler: InMemoryButler) -> None:
    before = snapshot(butler)
    with pytest.raises(KeyError, match="Nope"):
        butler.registry.registerDatasetType(
            DatasetType("x", {"instrument"}, "Nope")  # type: ignore[arg-type]
        )
    assert snapshot(butler) == before


def test_read_storage_class_by_name_uses_the_butlers_factory() -> None:
    factory = default_storage_classes()
    factory.registerStorageClass(StorageClass("Tuple", tuple, converters={list: tuple}))
    store = InMemoryDatastore(storageClasses=default_storage_classes())
    butler = InMemoryButler(run="run", datastore=store, storageClasses=factory)
    butler.registry.registerDatasetType(
        DatasetType("pixels", {"visit"}, factory.getStorageClass("StructuredDataList"))
    )
    ref = butler.put([3, 1, 4], "pixels", visit=1)
    assert butler.get("pixels", visit=1, storageClass="Tuple") == (3, 1, 4)
    assert butler.get(ref, storageClass=factory.getStorageClass("Tuple")) == (3, 1, 4)
    handle = butler.getDeferred("pixels", visit=1, storageClass="Tuple")
    assert handle.get() == (3, 1, 4)
    found = butler.find_dataset("pixels", visit=1, storage_class="Tuple")
    assert found is not None and found.datasetType.storageClass.name == "Tuple"
    assert butler.get_dataset(ref.id, storage_class="Tuple") == found
    with pytest.raises(KeyError, match="Nope"):
        butler.get("pixels", visit=1, storageClass="Nope")


def test_caller_dataset_type_with_a_convertible_storage_class(butler: InMemoryButler) -> None:
    sc = butler.storageClasses
    butler.registry.registerDatasetType(
        DatasetType("count", {"visit"}, sc.getStorageClass("Integer"))
    )
    as_float = DatasetType("count", {"visit"}, sc.getStorageClass("Float"))
    butler.put(3, "count", visit=1)
    assert butler.get(as_float, visit=1) == 3.0
    ref = butler.find_dataset(as_float, visit=1)
    assert ref is not None and ref.datasetType.storageClass.name == "Float"
    assert [r.datasetType.storageClass.name for r in butler.query_datasets(as_float)] == ["Float"]
    # A put converts the caller's type to the registered one, so the other way round.
    with pytest.raises(ValueError, match="inconsistent"):
        butler.put(4.0, as_float, visit=2)
    butler.registry.registerDatasetType(
        DatasetType("ratio", {"visit"}, sc.getStorageClass("Float"))
    )
    as_int = DatasetType("ratio", {"visit"}, sc.getStorageClass("Integer"))
    stored = butler.put(4, as_int, visit=2)
    assert stored.datasetType.storageClass.name == "Float"
    assert butler.get(stored) == 4.0


def test_caller_dataset_type_that_does_not_match(butler: InMemoryButler) -> None:
    sc = butler.storageClasses
    before = snapshot(butler)
    wrong_dims = DatasetType("calexp", {"instrument"}, sc.getStorageClass("StructuredDataDict"))
    with pytest.raises(ValueError, match="inconsistent with the registered definition"):
        butler.put({"a": 1}, wrong_dims, instrument="DummyCam")
    wrong_class = DatasetType("calexp", {"instrument", "visit"}, sc.getStorageClass("Bytes"))
    with pytest.raises(ValueError, match="inconsistent"):
        butler.get(wrong_class, DID)
    assert snapshot(butler) == before


def test_component_dataset_types_are_not_registered(butler: InMemoryButler) -> None:
    sc = butler.storageClasses.getStorageClass("ExampleComposite")
    component = DatasetType("metrics", {"visit"}, sc).makeComponentDatasetType("data")
    with pytest.raises(ValueError, match="component"):
        butler.registry.registerDatasetType(component)
    with pytest.raises(TypeError, match="Expected a DatasetType"):
        butler.registry.registerDatasetType("calexp")  # type: ignore[arg-type]


def test_component_of_a_ref_cannot_be_put(butler: InMemoryButler) -> None:
    sc = butler.storageClasses.getStorageClass("ExampleComposite")
    butler.registry.registerDatasetType(DatasetType("metrics", {"visit"}, sc))
    ref = butler.put(ExampleMetrics({"a": 1}, {}, [1]), "metrics", visit=1)
    with pytest.raises(DatasetTypeNotSupportedError, match=r"metrics\.summary"):
        butler.put({"a": 2}, ref.makeComponentRef("summary"))


# -- data IDs without a dimension universe -------------------------------------


def test_extra_data_id_keys_are_kept_but_do_not_identify(butler: InMemoryButler) -> None:
    ref = butler.put({"a": 1}, "calexp", DID, band="r")
    assert dict(ref.dataId) == {**DID, "band": "r"}
    assert butler.get("calexp", DID) == {"a": 1}
    assert butler.get("calexp", DID, band="g") == {"a": 1}  # no implied-value checks
    with pytest.raises(ConflictingDefinitionError):
        butler.put({"a": 2}, "calexp", DID, band="g")
    found = butler.find_dataset("calexp", DID)
    assert found is not None and found.dataId["band"] == "r"


def test_data_id_values_are_not_converted(butler: InMemoryButler) -> None:
    butler.put({"a": 1}, "calexp", DID)
    with pytest.raises(DatasetNotFoundError):
        butler.get("calexp", instrument="DummyCam", visit="42")


def test_missing_dimensions_are_all_named(butler: InMemoryButler) -> None:
    with pytest.raises(DimensionNameError) as caught:
        butler.put({"a": 1}, "calexp", {"band": "r"})
    assert str(caught.value) == (
        "Data ID {band: 'r'} for dataset type 'calexp' lacks the dimension(s) "
        "['instrument', 'visit']; its dimensions are ['instrument', 'visit']"
    )


@pytest.mark.parametrize(
    ("data_id", "message"),
    [
        (42, "A data ID must be a mapping of dimension names to values; got int: 42"),
        ([("visit", 1)], "got list"),
        ({1: "x"}, "DataId keys must be str"),
        ({"instrument": "DummyCam", "visit": []}, "must be hashable"),
    ],
)
def test_bad_data_ids_are_clear_errors_that_change_nothing(
    butler: InMemoryButler, data_id: Any, message: str
) -> None:
    before = snapshot(butler)
    with pytest.raises(TypeError, match=message) as caught:
        butler.put({"a": 1}, "calexp", data_id)
    assert "calexp" in str(caught.value)
    with pytest.raises(TypeError, match=message):
        butler.get("calexp", data_id)
    assert snapshot(butler) == before


def test_exists_with_a_bad_data_id_is_unrecognized(butler: InMemoryButler) -> None:
    assert butler.exists("calexp", 42) is DatasetExistence.UNRECOGNIZED  # type: ignore[arg-type]


# -- where we deliberately differ from daf_butler ------------------------------


def test_remove_runs_in_a_chain_changes_nothing(butler: InMemoryButler) -> None:
    butler.registry.registerRun("other")
    butler.clone(run="other").put({"a": 1}, "calexp", DID)
    butler.collections.register("chain", CollectionType.CHAINED)
    butler.collections.redefine_chain("chain", ["other"])
    before = snapshot(butler)
    with pytest.raises(ValueError, match=r"'other' is in \['chain'\].*unlink_from_chains=True"):
        butler.removeRuns(["other"])
    assert snapshot(butler) == before


def test_remove_runs_accepts_one_name_and_ignores_unstore(butler: InMemoryButler) -> None:
    butler.registry.registerRun("other")
    ref = butler.clone(run="other").put({"a": 1}, "calexp", DID)
    butler.removeRuns("other", unstore=False)
    assert butler.get_dataset(ref.id) is None
    assert not butler.stored(ref)
    assert butler.datastore.bridge.trashed_ids == frozenset()


def test_remove_runs_also_untags_their_datasets(butler: InMemoryButler) -> None:
    ref = butler.put({"a": 1}, "calexp", DID)
    butler.registry.registerCollection("tag")
    butler.registry.associate("tag", [ref])
    butler.registry.registerRun("empty")
    butler.removeRuns(["run", "empty"])
    with pytest.raises(EmptyQueryResultError):
        butler.query_datasets("calexp", "tag")


def test_timespan_is_not_supported(butler: InMemoryButler) -> None:
    for call in (butler.get, butler.getDeferred, butler.find_dataset):
        with pytest.raises(NotImplementedError, match="timespan"):
            call("calexp", DID, timespan=object())


def test_dimension_queries_are_not_supported(butler: InMemoryButler) -> None:
    with pytest.raises(NotImplementedError, match="dimensions"):
        butler.registry.queryDatasets("calexp", collections="run", dimensions=["visit"])


# -- queries -------------------------------------------------------------------


@pytest.fixture
def queried(butler: InMemoryButler) -> InMemoryButler:
    for visit in (44, 42, 43):
        butler.put({"v": visit}, "calexp", instrument="DummyCam", visit=visit)
    return butler


def test_query_order_is_search_path_then_insertion(queried: InMemoryButler) -> None:
    visits = [ref.dataId["visit"] for ref in queried.query_datasets("calexp")]
    assert visits == [44, 42, 43]


def test_the_search_path_expands_chains_in_order_and_lists_each_run_once(
    butler: InMemoryButler,
) -> None:
    registry = butler.registry
    for name in ("a", "b", "c"):
        registry.registerRun(name)
    registry.registerCollection("inner", CollectionType.CHAINED)
    registry.setCollectionChain("inner", ["b", "a"])
    registry.registerCollection("outer", CollectionType.CHAINED)
    registry.setCollectionChain("outer", ["c", "inner", "a", "run"])
    state = butler.registry_state
    assert state.search_path(["outer"]) == ["c", "b", "a", "run"]
    assert state.search_path(["a", "outer"]) == ["a", "c", "b", "run"]
    assert state.search_path([]) == []
    with pytest.raises(MissingCollectionError, match="nowhere"):
        state.search_path(["a", "nowhere"])


def test_query_order_by(queried: InMemoryButler) -> None:
    visits = [r.dataId["visit"] for r in queried.query_datasets("calexp", order_by="visit")]
    assert visits == [42, 43, 44]
    visits = [
        r.dataId["visit"] for r in queried.query_datasets("calexp", order_by=["-visit"])
    ]
    assert visits == [44, 43, 42]
    with pytest.raises(InvalidQueryError, match="'band' is not a dimension"):
        queried.query_datasets("calexp", order_by="band")


def test_query_unsupported_where_names_the_part(queried: InMemoryButler) -> None:
    with pytest.raises(NotImplementedError, match=r"qualified name 'visit\.day_obs'"):
        queried.query_datasets("calexp", where="visit.day_obs = 20240101")


def test_query_constraint_on_a_non_dimension(queried: InMemoryButler) -> None:
    with pytest.raises(InvalidQueryError, match=r"\['colour'\] are not dimensions"):
        queried.query_datasets("calexp", colour="r")
    with pytest.raises(TypeError, match="data_id must be a mapping"):
        queried.query_datasets("calexp", data_id=42)  # type: ignore[arg-type]


def test_empty_result_explains(queried: InMemoryButler) -> None:
    with pytest.raises(EmptyQueryResultError) as caught:
        queried.query_datasets("calexp", where="visit > v", bind={"v": 50}, visit=42)
    assert caught.value.reasons == [
        "3 dataset(s) of type 'calexp' in collections ['run'], none matching the constraints:",
        "data ID {'visit': 42}",
        "where 'visit > v' with bind {'v': 50}",
    ]
    assert str(caught.value).startswith("Possible reasons for empty result:\n3 dataset(s)")
    queried.registry.registerRun("empty")
    with pytest.raises(EmptyQueryResultError) as caught:
        queried.query_datasets("calexp", "empty")
    assert caught.value.reasons == ["No datasets of type 'calexp' in collections ['empty']."]


def test_negative_limit_logs_when_capped(
    queried: InMemoryButler, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="pytest_memstore.butler"):
        assert len(queried.query_datasets("calexp", limit=-2)) == 2
        assert len(queried.query_datasets("calexp", limit=-3)) == 3
    assert [r.getMessage() for r in caplog.records] == [
        "More datasets are available than the requested limit of 2."
    ]


def test_registry_query_datasets_over_types(queried: InMemoryButler) -> None:
    sc = queried.storageClasses.getStorageClass("StructuredDataDict")
    queried.registry.registerDatasetType(DatasetType("calib", {"instrument"}, sc))
    queried.put({"c": 1}, "calib", instrument="DummyCam")
    names = sorted(r.datasetType.name for r in queried.registry.queryDatasets(..., collections=...))
    assert names == ["calexp", "calexp", "calexp", "calib"]
    names = [r.datasetType.name for r in queried.registry.queryDatasets("cal?b", collections="run")]
    assert names == ["calib"]
    missing: list[str] = []
    found = queried.registry.queryDatasetTypes(["calib", "nope*"], missing=missing)
    assert [dt.name for dt in found] == ["calib"]
    assert missing == ["nope*"]


# -- registry and collections API ----------------------------------------------


def test_chain_helpers(butler: InMemoryButler) -> None:
    collections = butler.collections
    for name in ("a", "b", "c"):
        collections.register(name)
    collections.register("chain", CollectionType.CHAINED)
    collections.redefine_chain("chain", ["a", "b", "a"])
    assert butler.registry.getCollectionChain("chain") == ("a", "b")
    collections.extend_chain("chain", ["c", "a"])
    assert butler.registry.getCollectionChain("chain") == ("b", "c", "a")
    collections.prepend_chain("chain", "a")
    assert butler.registry.getCollectionChain("chain") == ("a", "b", "c")
    collections.remove_from_chain("chain", ["b"])
    assert butler.registry.getCollectionChain("chain") == ("a", "c")
    with pytest.raises(MissingCollectionError):
        collections.remove_from_chain("chain", ["nope"])
    assert butler.registry.getCollectionParentChains("a") == {"chain"}
    collections.register("outer", CollectionType.CHAINED)
    butler.registry.setCollectionChain("outer", ["chain", "run"], flatten=True)
    assert butler.registry.getCollectionChain("outer") == ("a", "c", "run")
    butler.registry.setCollectionChain("outer", ["chain"])
    with pytest.raises(CollectionCycleError, match="Cycle"):
        butler.registry.setCollectionChain("chain", ["outer"])
    assert butler.registry.getCollectionChain("chain") == ("a", "c")
    assert str(collections) == "ButlerCollections(defaults=('run',))"


def test_query_collections_by_dataset_type(butler: InMemoryButler) -> None:
    butler.put({"a": 1}, "calexp", DID)
    butler.registry.registerRun("empty")
    butler.registry.registerCollection("chain", CollectionType.CHAINED)
    butler.registry.setCollectionChain("chain", ["empty", "run"])
    found = butler.registry.queryCollections(datasetType="calexp")
    assert found == ["run", "chain"]
    assert butler.registry.queryCollections(
        ..., collectionTypes=CollectionType.RUN, flattenChains=True
    ) == ["run", "empty"]


def test_registered_collection_keeps_its_first_type(butler: InMemoryButler) -> None:
    assert butler.registry.registerCollection("run", CollectionType.TAGGED) is False
    assert butler.registry.getCollectionType("run") is CollectionType.RUN
    assert butler.registry.registerRun("doc", doc="the docs") is True
    assert butler.registry.getCollectionDocumentation("doc") == "the docs"
    with pytest.raises(TypeError, match="CollectionType"):
        butler.registry.registerCollection("x", 2)  # type: ignore[arg-type]


def test_associate_and_disassociate(butler: InMemoryButler) -> None:
    ref = butler.put({"a": 1}, "calexp", DID)
    other = butler.clone(run="other").put({"a": 2}, "calexp", DID)
    butler.registry.registerCollection("tag")
    butler.registry.associate("tag", [ref, ref])
    before = snapshot(butler)
    with pytest.raises(ConflictingDefinitionError, match="already has"):
        butler.registry.associate("tag", [other])
    with pytest.raises(CollectionTypeError, match="not TAGGED"):
        butler.registry.associate("run", [ref])
    assert snapshot(butler) == before
    butler.registry.disassociate("tag", [other])
    assert butler.get("calexp", DID, collections="tag") == {"a": 1}
    butler.registry.disassociate("tag", [ref])
    with pytest.raises(DatasetNotFoundError):
        butler.get("calexp", DID, collections="tag")


def test_recording_a_taken_dataset_id_adds_nothing(butler: InMemoryButler) -> None:
    ref = butler.put({"a": 1}, "calexp", DID)
    before = snapshot(butler)
    same_id = type(ref)(ref.datasetType, {**DID, "visit": 43}, "run", id=ref.id)
    with pytest.raises(ConflictingDefinitionError, match="already registered"):
        butler.registry_state.insert(same_id)
    same_key = type(ref)(ref.datasetType, DID, "run")
    with pytest.raises(ConflictingDefinitionError, match="already has"):
        butler.registry_state.insert(same_key)
    assert snapshot(butler) == before
    assert butler.registry_state.find("calexp", same_id.dataId, ["run"]) is None
    assert butler.registry_state.get_dataset(same_key.id) is None


def test_error_classes_have_daf_butlers_bases() -> None:
    assert issubclass(DatasetNotFoundError, LookupError)
    assert issubclass(MissingDatasetTypeError, KeyError)
    assert issubclass(DimensionNameError, KeyError)
    assert issubclass(CollectionCycleError, ValueError)
    for cls in (ConflictingDefinitionError, MissingCollectionError, CollectionTypeError,
                NoDefaultCollectionError, InvalidQueryError, EmptyQueryResultError):
        assert not issubclass(cls, (LookupError, ValueError, RuntimeError))
    assert str(MissingDatasetTypeError("Dataset type 'x' does not exist")) == (
        "Dataset type 'x' does not exist"
    )
    assert [t.value for t in CollectionType] == [1, 2, 3, 4]
    assert CollectionType.all() == frozenset(CollectionType)


# -- exists, URIs, warnings ---------------------------------------------------------


def test_exists_with_a_ref_that_clashes_with_the_registry(butler: InMemoryButler) -> None:
    ref = butler.put({"a": 1}, "calexp", DID)
    clash = type(ref)(ref.datasetType, {**DID, "visit": 43}, "run", id=ref.id)
    with pytest.raises(ValueError, match="same dataset ID"):
        butler.exists(clash)
    unknown = type(ref)(ref.datasetType, DID, "run", id=uuid.uuid4())
    assert butler.exists(unknown) is DatasetExistence.UNRECOGNIZED


def test_uris(butler: InMemoryButler) -> None:
    ref = butler.put({"a": 1}, "calexp", DID)
    assert str(butler.getURI(ref)) == f"mem://calexp/{ref.id}?instrument=DummyCam&visit=42"
    predicted = butler.getURI("calexp", instrument="DummyCam", visit=7, predict=True, run="x")
    assert str(predicted).endswith("?instrument=DummyCam&visit=7#predicted")
    with pytest.raises(TypeError, match="run=None"):
        butler.clone(run=None).getURI("calexp", instrument="x", visit=7, predict=True,
                                      collections="run")


def test_ref_calls_warn_about_ignored_arguments(butler: InMemoryButler) -> None:
    ref = butler.put({"a": 1}, "calexp", DID)
    with pytest.warns(UserWarning, match="Collections should not be specified"):
        assert butler.get(ref, collections="run") == {"a": 1}
    with pytest.warns(UserWarning, match="Run collection is not used"):
        butler.pruneDatasets([ref], unstore=True, purge=True)
        butler.put({"a": 2}, ref, run="other")
    with pytest.warns(UserWarning, match="DataID should not be specified"):
        butler.exists(ref, DID)
    butler.pruneDatasets([ref], unstore=True, purge=True)
    with pytest.raises(LookupError, match="does not exist"):
        butler.getDeferred(ref)


def test_ignored_argument_warnings_point_at_the_callers_line(butler: InMemoryButler) -> None:
    ref = butler.put({"a": 1}, "calexp", DID)
    calls = {
        "get": lambda: butler.get(ref, collections="run"),
        "getDeferred": lambda: butler.getDeferred(ref, collections="run"),
        "getURIs": lambda: butler.getURIs(ref, collections="run"),
        "getURI": lambda: butler.getURI(ref, collections="run"),
        "exists": lambda: butler.exists(ref, collections="run"),
        "put": lambda: butler.put({"a": 2}, ref, run="other"),
    }
    for name, call in calls.items():
        if name == "put":  # put the ref again, into another run than it names
            butler.pruneDatasets([ref], unstore=True, purge=True)
        with pytest.warns(UserWarning) as record:
            call()
        assert [(w.filename, w.lineno) for w in record] == [
            (__file__, call.__code__.co_firstlineno)
        ], name


# -- transactions ----------------------------------------------------------------


def test_rollback_restores_dataset_types_runs_and_purged_records(butler: InMemoryButler) -> None:
    ref = butler.put({"a": 1}, "calexp", DID)
    butler.registry.registerRun("other")
    before = snapshot(butler)
    sc = butler.storageClasses.getStorageClass("StructuredDataDict")
    with pytest.raises(RuntimeError), butler.transaction():
        butler.registry.registerDatasetType(DatasetType("new", {"visit"}, sc))
        butler.pruneDatasets([ref], disassociate=False, unstore=False, purge=False)
        butler.registry.registerCollection("chain", CollectionType.CHAINED)
        butler.registry.setCollectionChain("chain", ["run"])
        butler.removeRuns(["other"])
        raise RuntimeError
    assert snapshot(butler) == before
    with pytest.raises(MissingDatasetTypeError):
        butler.get_dataset_type("new")


def test_rollback_restores_a_purged_record_but_not_the_object(butler: InMemoryButler) -> None:
    ref = butler.put({"a": 1}, "calexp", DID)
    with pytest.raises(RuntimeError), butler.transaction():
        butler.pruneDatasets([ref], unstore=True, purge=True)
        raise RuntimeError
    assert butler.get_dataset(ref.id) == ref
    assert butler.exists(ref) is DatasetExistence.RECORDED
    assert butler.datastore.consistency_problems() == []


def test_a_failed_datastore_put_records_nothing() -> None:
    store = InMemoryDatastore(constraints={"reject": ["calexp"]})
    butler = InMemoryButler(run="run", datastore=store)
    sc = butler.storageClasses.getStorageClass("StructuredDataDict")
    butler.registry.registerDatasetType(DatasetType("calexp", {"visit"}, sc))
    with butler.transaction():
        with pytest.raises(DatasetTypeNotSupportedError):
            butler.put({"a": 1}, "calexp", visit=1)
        assert butler.registry_state.count() == 0
    assert butler.registry_state.count() == 0


def test_a_transaction_belongs_to_its_thread(butler: InMemoryButler) -> None:
    started, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def other_thread() -> None:
        try:
            started.wait(5)
            butler.registry.registerRun("from-thread")
            butler.put({"t": 1}, "calexp", instrument="DummyCam", visit=99)
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)
        finally:
            release.set()

    thread = threading.Thread(target=other_thread)
    thread.start()
    with pytest.raises(RuntimeError), butler.transaction():
        butler.put({"a": 1}, "calexp", DID)
        started.set()
        release.wait(5)
        raise RuntimeError
    thread.join(5)
    assert errors == []
    assert "from-thread" in butler.registry.queryCollections()
    assert butler.get("calexp", instrument="DummyCam", visit=99) == {"t": 1}
    assert not butler.exists("calexp", DID)


def test_concurrent_puts_of_distinct_data_ids(butler: InMemoryButler) -> None:
    def put_many(offset: int) -> None:
        for visit in range(offset, offset + 200):
            butler.put({"v": visit}, "calexp", instrument="DummyCam", visit=visit)

    threads = [threading.Thread(target=put_many, args=(i * 1000,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(butler.query_datasets("calexp", limit=None)) == 800
    assert butler.datastore.consistency_problems() == []


def test_existence_from_checks_gives_known_and_verified() -> None:
    Existence = DatasetExistence
    assert Existence.from_checks(True, True, full_check=False) is Existence.KNOWN
    assert Existence.from_checks(True, True, full_check=True) is Existence.VERIFIED
    assert Existence.from_checks(False, False, full_check=False) is Existence.UNRECOGNIZED
    assert Existence.from_checks(False, False, full_check=True) is Existence.UNRECOGNIZED
    assert Existence.from_checks(True, False, full_check=True) is Existence.RECORDED
    assert not Existence.from_checks(False, True, full_check=True)
    assert "from_checks" not in Existence.__members__


def test_exists_combines_registry_and_datastore(butler: InMemoryButler) -> None:
    Existence = DatasetExistence
    ref = butler.put({"a": 1}, "calexp", DID)
    loose = type(ref)(ref.datasetType, {**DID, "visit": 7}, "run")
    butler.datastore.put({"b": 2}, loose)  # stored, but never recorded
    assert butler.exists(loose) == Existence.DATASTORE | Existence._ARTIFACT
    assert butler.exists(loose, full_check=False) == Existence.DATASTORE | Existence._ASSUMED
    butler.pruneDatasets([ref], disassociate=False, unstore=True)
    assert butler.exists(ref) == Existence.RECORDED
    assert butler.exists(ref, full_check=False) == Existence.RECORDED | Existence._ASSUMED
    assert butler.exists("calexp", DID, full_check=False) == Existence.RECORDED | Existence._ASSUMED
    assert butler.exists("calexp", visit=3, instrument="x", full_check=False) == (
        Existence.UNRECOGNIZED
    )


def test_butler_transactions_left_out_of_order_roll_back_registry_and_store(
    butler: InMemoryButler,
) -> None:
    outer, inner = butler.transaction(), butler.transaction()
    outer.__enter__()
    butler.put({"a": 1}, "calexp", instrument="DummyCam", visit=1)
    inner.__enter__()
    butler.collections.register("tagged", CollectionType.TAGGED)
    butler.put({"a": 2}, "calexp", instrument="DummyCam", visit=2)
    with pytest.raises(TransactionOrderError, match="still open"):
        outer.__exit__(None, None, None)
    with pytest.raises(TransactionOrderError, match="already rolled back"):
        inner.__exit__(None, None, None)
    assert butler.query_datasets("calexp", explain=False) == []
    assert "tagged" not in butler.collections.query("*")
    # Afterwards, work outside a transaction is kept, and a new rollback undoes only its own.
    butler.put({"a": 3}, "calexp", instrument="DummyCam", visit=3)
    with pytest.raises(ZeroDivisionError), butler.transaction():
        butler.put({"a": 4}, "calexp", instrument="DummyCam", visit=4)
        1 / 0  # noqa: B018
    assert [ref.dataId["visit"] for ref in butler.query_datasets("calexp")] == [3]
