"""The same tests against InMemoryButler and a real daf_butler Butler.

Every test takes ``side`` (see ``_butler_sides.py``), runs once per
implementation, and asserts one outcome for both: what each call returns or
raises, and what the butler holds afterwards. The daf_butler runs skip
without lsst-daf-butler.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests._butler_sides import INSTRUMENT, RUN, Side

CALEXP = {"instrument": INSTRUMENT, "visit": 42}


def calexp(side: Side) -> Any:
    return side.register("calexp", ["instrument", "visit"], "StructuredDataDict")


def metrics(side: Side) -> Any:
    return side.register("metrics", ["instrument", "visit"], "ExampleComposite")


def add_run(side: Side, name: str) -> Any:
    side.butler.registry.registerRun(name)
    return side.butler.clone(run=name)


# -- dataset types ---------------------------------------------------------


def test_register_dataset_type_once_then_false(side: Side) -> None:
    datasetType = side.dataset_type("calexp", ["instrument", "visit"], "StructuredDataDict")
    assert side.butler.registry.registerDatasetType(datasetType) is True
    again = side.dataset_type("calexp", ["instrument", "visit"], "StructuredDataDict")
    assert side.butler.registry.registerDatasetType(again) is False
    assert side.butler.get_dataset_type("calexp").name == "calexp"


@pytest.mark.parametrize(
    ("dimensions", "storageClass"),
    [(["instrument"], "StructuredDataDict"), (["instrument", "visit"], "StructuredDataList")],
    ids=["dimensions", "storage-class"],
)
def test_conflicting_dataset_type_is_an_error(
    side: Side, dimensions: list[str], storageClass: str
) -> None:
    calexp(side)
    before = side.snapshot()
    other = side.dataset_type("calexp", dimensions, storageClass)
    with pytest.raises(side.ConflictingDefinitionError):
        side.butler.registry.registerDatasetType(other)
    assert side.snapshot() == before
    assert side.butler.get_dataset_type("calexp").storageClass.name == "StructuredDataDict"


def test_put_needs_a_registered_dataset_type(side: Side) -> None:
    before = side.snapshot()
    with pytest.raises(side.MissingDatasetTypeError) as caught:
        side.butler.put({"a": 1}, "calexp", CALEXP)
    assert isinstance(caught.value, KeyError)
    assert "calexp" in str(caught.value)
    with pytest.raises(side.MissingDatasetTypeError):
        side.butler.get_dataset_type("calexp")
    assert side.snapshot() == before


# -- put and get -----------------------------------------------------------


def test_put_then_get_by_name_data_id_and_keywords(side: Side) -> None:
    calexp(side)
    ref = side.butler.put({"zeropoint": 27.1}, "calexp", {"instrument": INSTRUMENT}, visit=42)
    assert ref.run == RUN
    assert side.required(ref) == CALEXP
    assert side.butler.get("calexp", CALEXP) == {"zeropoint": 27.1}
    assert side.butler.get("calexp", instrument=INSTRUMENT, visit=42) == {"zeropoint": 27.1}
    assert side.butler.get(ref) == {"zeropoint": 27.1}


def test_put_with_a_dataset_type_object(side: Side) -> None:
    datasetType = calexp(side)
    ref = side.butler.put({"a": 1}, datasetType, CALEXP)
    assert ref.datasetType.name == "calexp"
    assert side.butler.get(datasetType, CALEXP) == {"a": 1}


def test_put_a_resolved_ref_keeps_its_id(side: Side) -> None:
    calexp(side)
    ref = side.butler.put({"a": 1}, "calexp", CALEXP)
    side.butler.pruneDatasets([ref], unstore=True, purge=True)
    again = side.butler.put({"a": 2}, ref)
    assert again.id == ref.id
    assert side.butler.get("calexp", CALEXP) == {"a": 2}


def test_get_a_ref_with_a_data_id_is_an_error(side: Side) -> None:
    calexp(side)
    ref = side.butler.put({"a": 1}, "calexp", CALEXP)
    with pytest.raises(ValueError, match="cannot use dataId"):
        side.butler.get(ref, CALEXP)


def test_put_needs_an_existing_run(side: Side) -> None:
    calexp(side)
    before = side.snapshot()
    with pytest.raises(side.MissingCollectionError):
        side.butler.put({"a": 1}, "calexp", CALEXP, run="elsewhere")
    assert side.snapshot() == before


@pytest.mark.parametrize("kind", ["CHAINED", "TAGGED"])
def test_put_into_a_collection_that_is_not_a_run(side: Side, kind: str) -> None:
    calexp(side)
    side.butler.registry.registerCollection("other", getattr(side.CollectionType, kind))
    before = side.snapshot()
    with pytest.raises(side.CollectionTypeError):
        side.butler.put({"a": 1}, "calexp", CALEXP, run="other")
    assert side.snapshot() == before


def test_put_without_a_run(side: Side) -> None:
    calexp(side)
    butler = side.butler.clone(run=None, collections=None)
    assert butler.run is None
    before = side.snapshot()
    with pytest.raises(side.NoDefaultCollectionError):
        butler.put({"a": 1}, "calexp", CALEXP)
    assert side.snapshot() == before


def test_second_put_of_same_type_and_data_id_conflicts_and_keeps_the_first(side: Side) -> None:
    calexp(side)
    first = side.butler.put({"a": 1}, "calexp", CALEXP)
    before = side.snapshot()
    with pytest.raises(side.ConflictingDefinitionError):
        side.butler.put({"a": 2}, "calexp", CALEXP)
    assert side.snapshot() == before
    assert side.butler.get("calexp", CALEXP) == {"a": 1}
    assert side.butler.find_dataset("calexp", CALEXP).id == first.id


def test_same_data_id_in_two_runs(side: Side) -> None:
    calexp(side)
    other = add_run(side, "other")
    side.butler.put({"a": 1}, "calexp", CALEXP)
    other.put({"a": 2}, "calexp", CALEXP)
    assert side.butler.get("calexp", CALEXP) == {"a": 1}
    assert other.get("calexp", CALEXP) == {"a": 2}


def test_missing_dimension_is_named_and_changes_nothing(side: Side) -> None:
    calexp(side)
    before = side.snapshot()
    with pytest.raises(LookupError) as caught:
        side.butler.put({"a": 1}, "calexp", instrument=INSTRUMENT)
    assert isinstance(caught.value, KeyError)
    assert "visit" in str(caught.value)
    assert side.snapshot() == before
    with pytest.raises(LookupError, match="visit"):
        side.butler.get("calexp", instrument=INSTRUMENT)


def test_a_data_id_that_is_not_a_mapping_changes_nothing(side: Side) -> None:
    calexp(side)
    before = side.snapshot()
    with pytest.raises((TypeError, AttributeError)):
        side.butler.put({"a": 1}, "calexp", 42)
    assert side.snapshot() == before


def test_an_object_of_the_wrong_type_is_not_recorded(side: Side) -> None:
    calexp(side)
    before = side.snapshot()
    with pytest.raises(TypeError):
        side.butler.put([1, 2], "calexp", CALEXP)
    assert side.snapshot() == before
    assert not side.butler.exists("calexp", CALEXP)


def test_put_of_a_component_is_refused(side: Side) -> None:
    metrics(side)
    before = side.snapshot()
    with pytest.raises(RuntimeError, match=r"metrics\.summary"):
        side.butler.put({"a": 1}, "metrics.summary", CALEXP)
    assert side.snapshot() == before


def test_get_missing_dataset_is_dataset_not_found(side: Side) -> None:
    calexp(side)
    with pytest.raises(side.DatasetNotFoundError) as caught:
        side.butler.get("calexp", CALEXP)
    assert isinstance(caught.value, LookupError)
    assert "calexp" in str(caught.value)


def test_get_unknown_dataset_type(side: Side) -> None:
    with pytest.raises(side.MissingDatasetTypeError):
        side.butler.get("nope", CALEXP)


def test_get_from_a_missing_collection(side: Side) -> None:
    calexp(side)
    side.butler.put({"a": 1}, "calexp", CALEXP)
    with pytest.raises(side.MissingCollectionError):
        side.butler.get("calexp", CALEXP, collections=["nowhere"])


def test_get_without_collections(side: Side) -> None:
    calexp(side)
    side.butler.put({"a": 1}, "calexp", CALEXP)
    butler = side.butler.clone(run=None, collections=None)
    with pytest.raises(side.NoDefaultCollectionError):
        butler.get("calexp", CALEXP)
    assert butler.get("calexp", CALEXP, collections=RUN) == {"a": 1}


# -- components, parameters, deferred reads -------------------------------


def test_components_and_derived_components(side: Side) -> None:
    metrics(side)
    ref = side.butler.put(side.metrics({"s": 1}, {"o": 2}, [1, 2, 3, 4]), "metrics", CALEXP)
    assert side.butler.get("metrics.summary", CALEXP) == {"s": 1}
    assert side.butler.get("metrics.data", CALEXP) == [1, 2, 3, 4]
    assert side.butler.get("metrics.counter", CALEXP) == 4
    assert side.butler.get(ref.makeComponentRef("output")) == {"o": 2}
    component = side.butler.find_dataset("metrics.data", CALEXP)
    assert component.datasetType.name == "metrics.data"
    assert component.id == ref.id


def test_unknown_component_is_a_key_error(side: Side) -> None:
    metrics(side)
    side.butler.put(side.metrics({"s": 1}, {}, [1]), "metrics", CALEXP)
    with pytest.raises(KeyError, match="nope"):
        side.butler.get("metrics.nope", CALEXP)


def test_read_parameters(side: Side) -> None:
    metrics(side)
    side.butler.put(side.metrics({"s": 1}, {}, [1, 2, 3, 4]), "metrics", CALEXP)
    got = side.butler.get("metrics", CALEXP, parameters={"slice": slice(1, 3)})
    assert got.data == [2, 3]
    with pytest.raises(KeyError, match="nope"):
        side.butler.get("metrics", CALEXP, parameters={"nope": 1})


def test_read_storage_class_override(side: Side) -> None:
    side.register("pixels", ["instrument", "visit"], "StructuredDataList")
    ref = side.butler.put([1, 2, 3], "pixels", CALEXP)
    assert side.butler.get("pixels", CALEXP, storageClass="TupleList") == (1, 2, 3)
    assert side.butler.get(ref, storageClass="TupleList") == (1, 2, 3)
    assert side.butler.getDeferred(ref, storageClass="TupleList").get() == (1, 2, 3)
    found = side.butler.find_dataset("pixels", CALEXP, storage_class="TupleList")
    assert found.datasetType.storageClass.name == "TupleList"
    as_tuple = side.dataset_type("pixels", ["instrument", "visit"], "TupleList")
    assert side.butler.get(as_tuple, CALEXP) == (1, 2, 3)
    with pytest.raises(ValueError, match="not compatible"):
        side.butler.get("pixels", CALEXP, storageClass="StructuredDataDict")


def test_get_deferred(side: Side) -> None:
    metrics(side)
    ref = side.butler.put(side.metrics({"s": 1}, {"o": 2}, [1, 2, 3]), "metrics", CALEXP)
    handle = side.butler.getDeferred("metrics", CALEXP, parameters={"slice": slice(0, 1)})
    assert handle.ref.id == ref.id
    assert {key: handle.dataId[key] for key in CALEXP} == CALEXP
    assert handle.get().data == [1]
    assert handle.get(parameters={"slice": slice(0, 2)}).data == [1, 2]
    with pytest.raises(KeyError, match="slice"):
        handle.get(component="output")  # the handle's parameters apply to the component
    assert side.butler.getDeferred("metrics", CALEXP).get(component="output") == {"o": 2}
    assert side.butler.getDeferred(ref).get().summary == {"s": 1}
    with pytest.raises(side.DatasetNotFoundError):
        side.butler.getDeferred("metrics", instrument=INSTRUMENT, visit=43)


# -- exists, stored ----------------------------------------------------------


def test_exists_and_stored(side: Side) -> None:
    calexp(side)
    Existence = side.DatasetExistence
    ref = side.butler.put({"a": 1}, "calexp", CALEXP)
    assert side.butler.exists("calexp", CALEXP) == Existence.VERIFIED
    assert side.butler.exists(ref) == Existence.VERIFIED
    assert side.butler.exists(ref, full_check=False) == Existence.KNOWN
    assert side.butler.exists("calexp", CALEXP, full_check=False)
    assert side.butler.stored(ref) is True
    assert side.butler.stored_many([ref]) == {ref: True}
    missing = side.butler.exists("calexp", instrument=INSTRUMENT, visit=43)
    assert missing == Existence.UNRECOGNIZED
    assert not missing
    assert side.butler.exists("nope", CALEXP) == Existence.UNRECOGNIZED
    assert side.butler.exists("calexp", instrument=INSTRUMENT) == Existence.UNRECOGNIZED


def test_existence_flags_and_truth(side: Side) -> None:
    Existence = side.DatasetExistence
    assert [m.name for m in (Existence.RECORDED, Existence.DATASTORE)] == [
        "RECORDED", "DATASTORE"
    ]
    values = {
        name: getattr(Existence, name).value
        for name in ("UNRECOGNIZED", "RECORDED", "DATASTORE", "KNOWN", "VERIFIED")
    }
    assert values == {"UNRECOGNIZED": 0, "RECORDED": 1, "DATASTORE": 2, "KNOWN": 11,
                      "VERIFIED": 7}
    truth = {
        name: bool(getattr(Existence, name))
        for name in ("UNRECOGNIZED", "RECORDED", "DATASTORE", "KNOWN", "VERIFIED")
    }
    assert truth == {"UNRECOGNIZED": False, "RECORDED": False, "DATASTORE": False,
                     "KNOWN": True, "VERIFIED": True}
    assert not (Existence.RECORDED | Existence.DATASTORE)


# -- pruneDatasets ---------------------------------------------------------


def test_prune_argument_checks_change_nothing(side: Side) -> None:
    calexp(side)
    metrics(side)
    ref = side.butler.put({"a": 1}, "calexp", CALEXP)
    composite = side.butler.put(side.metrics({"s": 1}, {}, [1]), "metrics", CALEXP)
    before = side.snapshot()
    with pytest.raises(TypeError, match="tags"):
        side.butler.pruneDatasets([ref], unstore=True)
    with pytest.raises(TypeError, match="unstore"):
        side.butler.pruneDatasets([ref], purge=True)
    with pytest.raises(TypeError, match="disassociate"):
        side.butler.pruneDatasets([ref], disassociate=False, unstore=True, purge=True)
    with pytest.raises(TypeError, match="TAGGED"):
        side.butler.pruneDatasets([ref], tags=[RUN])
    with pytest.raises(ValueError, match="component"):
        side.butler.pruneDatasets(
            [composite.makeComponentRef("summary")], disassociate=False, unstore=True
        )
    assert side.snapshot() == before


def test_prune_unstore_keeps_the_record(side: Side) -> None:
    calexp(side)
    ref = side.butler.put({"a": 1}, "calexp", CALEXP)
    side.butler.pruneDatasets([ref], disassociate=False, unstore=True)
    assert side.butler.exists(ref) == side.DatasetExistence.RECORDED
    assert side.butler.exists("calexp", CALEXP) == side.DatasetExistence.RECORDED
    assert side.butler.get_dataset(ref.id).id == ref.id
    assert side.butler.stored(ref) is False
    with pytest.raises(FileNotFoundError):
        side.butler.get(ref)
    with pytest.raises(FileNotFoundError):
        side.butler.get("calexp", CALEXP)
    with pytest.raises(side.ConflictingDefinitionError):
        side.butler.put({"a": 2}, "calexp", CALEXP)


def test_prune_purge_drops_the_record(side: Side) -> None:
    calexp(side)
    ref = side.butler.put({"a": 1}, "calexp", CALEXP)
    side.butler.pruneDatasets([ref], unstore=True, purge=True)
    assert side.butler.get_dataset(ref.id) is None
    assert side.butler.exists(ref) == side.DatasetExistence.UNRECOGNIZED
    with pytest.raises(FileNotFoundError):
        side.butler.get(ref)
    with pytest.raises(side.DatasetNotFoundError):
        side.butler.get("calexp", CALEXP)
    side.butler.put({"a": 3}, "calexp", CALEXP)
    assert side.butler.get("calexp", CALEXP) == {"a": 3}


def test_prune_from_tags(side: Side) -> None:
    calexp(side)
    ref = side.butler.put({"a": 1}, "calexp", CALEXP)
    registry = side.butler.registry
    registry.registerCollection("tag", side.CollectionType.TAGGED)
    registry.associate("tag", [ref])
    assert side.butler.get("calexp", CALEXP, collections="tag") == {"a": 1}
    side.butler.pruneDatasets([ref], tags=["tag"])
    with pytest.raises(side.DatasetNotFoundError):
        side.butler.get("calexp", CALEXP, collections="tag")
    assert side.butler.get("calexp", CALEXP) == {"a": 1}


# -- removeRuns ------------------------------------------------------------


def test_remove_runs_removes_run_datasets_and_objects(side: Side) -> None:
    calexp(side)
    other = add_run(side, "other")
    kept = side.butler.put({"a": 1}, "calexp", CALEXP)
    gone = other.put({"a": 2}, "calexp", CALEXP)
    side.butler.removeRuns(["other"])
    assert "other" not in side.butler.registry.queryCollections()
    assert side.butler.get_dataset(gone.id) is None
    assert side.butler.stored(gone) is False
    assert side.butler.exists(gone) == side.DatasetExistence.UNRECOGNIZED
    with pytest.raises(FileNotFoundError):
        side.butler.get(gone)
    assert side.butler.get(kept) == {"a": 1}
    with pytest.raises(side.MissingCollectionError):
        side.butler.get("calexp", CALEXP, collections="other")


def test_remove_runs_refuses_what_is_not_a_run(side: Side) -> None:
    side.butler.registry.registerCollection("chain", side.CollectionType.CHAINED)
    before = side.snapshot()
    with pytest.raises(TypeError, match="CHAINED"):
        side.butler.removeRuns(["chain"])
    with pytest.raises(side.MissingCollectionError):
        side.butler.removeRuns(["nope"])
    assert side.snapshot() == before


def test_remove_runs_in_a_chain(side: Side) -> None:
    calexp(side)
    other = add_run(side, "other")
    other.put({"a": 2}, "calexp", CALEXP)
    side.butler.registry.registerCollection("chain", side.CollectionType.CHAINED)
    side.butler.collections.redefine_chain("chain", ["other", RUN])
    # daf_butler removes the datasets, then fails on a database constraint;
    # InMemoryButler raises first and changes nothing. Both raise.
    with pytest.raises(Exception):  # noqa: B017
        side.butler.removeRuns(["other"])
    side.butler.removeRuns(["other"], unlink_from_chains=True)
    assert tuple(side.butler.registry.getCollectionChain("chain")) == (RUN,)
    assert "other" not in side.butler.registry.queryCollections()


# -- collections ----------------------------------------------------------


def test_search_order_first_match_wins_and_chains_expand(side: Side) -> None:
    calexp(side)
    first, second = add_run(side, "first"), add_run(side, "second")
    first.put({"v": 1}, "calexp", CALEXP)
    second.put({"v": 2}, "calexp", CALEXP)
    second.put({"v": 22}, "calexp", instrument=INSTRUMENT, visit=43)
    butler = side.butler
    assert butler.get("calexp", CALEXP, collections=["first", "second"]) == {"v": 1}
    assert butler.get("calexp", CALEXP, collections=["second", "first"]) == {"v": 2}
    butler.registry.registerCollection("chain", side.CollectionType.CHAINED)
    butler.collections.redefine_chain("chain", ["second", "first"])
    assert butler.get("calexp", CALEXP, collections="chain") == {"v": 2}
    assert butler.get("calexp", instrument=INSTRUMENT, visit=43, collections=["first", "chain"]) \
        == {"v": 22}
    butler.registry.registerCollection("outer", side.CollectionType.CHAINED)
    butler.registry.setCollectionChain("outer", ["first", "chain"])
    assert butler.get("calexp", CALEXP, collections="outer") == {"v": 1}
    reader = butler.clone(collections=["chain"], run=None)
    assert reader.get("calexp", CALEXP) == {"v": 2}


def test_collections_register_and_query(side: Side) -> None:
    collections = side.butler.collections
    CollectionType = side.CollectionType
    assert tuple(collections.defaults) == (RUN,)
    assert collections.register(RUN) is False
    assert collections.register("r1") is True
    assert collections.register("r2") is True
    assert collections.register("chain", CollectionType.CHAINED) is True
    assert collections.register("chain") is False
    collections.redefine_chain("chain", ["r2", "r1"])
    assert list(collections.query("*")) == [RUN, "r1", "r2", "chain"]
    assert list(collections.query("r*")) == ["r1", "r2"]
    assert list(collections.query("chain", flatten_chains=True)) == ["r2", "r1"]
    assert list(collections.query("*", CollectionType.CHAINED)) == ["chain"]
    registry = side.butler.registry
    assert list(registry.queryCollections()) == [RUN, "r1", "r2", "chain"]
    assert list(registry.queryCollections("chain", flattenChains=True)) == ["r2", "r1"]
    assert registry.getCollectionType("chain") == CollectionType.CHAINED
    assert tuple(registry.getCollectionChain("chain")) == ("r2", "r1")
    with pytest.raises(side.MissingCollectionError):
        collections.query("nope")


def test_chain_errors_change_nothing(side: Side) -> None:
    collections = side.butler.collections
    collections.register("chain", side.CollectionType.CHAINED)
    collections.redefine_chain("chain", [RUN])
    before = side.snapshot()
    with pytest.raises(side.MissingCollectionError):
        collections.redefine_chain("chain", ["nope"])
    with pytest.raises(side.CollectionTypeError):
        collections.redefine_chain(RUN, ["chain"])
    with pytest.raises(ValueError, match="chain"):
        collections.redefine_chain("chain", ["chain"])
    with pytest.raises(side.CollectionTypeError):
        side.butler.registry.getCollectionChain(RUN)
    with pytest.raises(side.MissingCollectionError):
        side.butler.registry.getCollectionChain("nope")
    assert side.snapshot() == before


def test_clone_shares_data_and_registers_its_run(side: Side) -> None:
    calexp(side)
    clone = side.butler.clone(run="newrun")
    assert clone.run == "newrun"
    assert tuple(clone.collections.defaults) == ("newrun",)
    assert "newrun" in side.butler.registry.queryCollections()
    clone.put({"a": 1}, "calexp", CALEXP)
    assert side.butler.get("calexp", CALEXP, collections="newrun") == {"a": 1}
    kept = side.butler.clone(collections=["x"])
    assert (kept.run, tuple(kept.collections.defaults)) == (RUN, ("x",))
    bare = side.butler.clone(run=None)
    assert (bare.run, tuple(bare.collections.defaults)) == (None, ())


# -- find_dataset, get_dataset, URIs ---------------------------------------


def test_find_dataset_and_get_dataset(side: Side) -> None:
    calexp(side)
    ref = side.butler.put({"a": 1}, "calexp", CALEXP)
    found = side.butler.find_dataset("calexp", CALEXP)
    assert (found.id, found.run) == (ref.id, RUN)
    assert side.butler.find_dataset("calexp", instrument=INSTRUMENT, visit=43) is None
    with pytest.raises(side.MissingCollectionError):
        side.butler.find_dataset("calexp", CALEXP, collections=["nowhere"])
    with pytest.raises(side.MissingDatasetTypeError):
        side.butler.find_dataset("nope", CALEXP)
    assert side.butler.get_dataset(ref.id).id == ref.id
    assert side.butler.get_dataset(str(ref.id)).id == ref.id
    with pytest.raises(ValueError):
        side.butler.get_dataset("not-a-uuid")


def test_uris(side: Side) -> None:
    calexp(side)
    ref = side.butler.put({"a": 1}, "calexp", CALEXP)
    uri = side.butler.getURI("calexp", CALEXP)
    assert uri.scheme == "mem"
    primary, components = side.butler.getURIs(ref)
    assert primary.scheme == "mem"
    assert dict(components) == {}
    with pytest.raises(side.DatasetNotFoundError):
        side.butler.getURI("calexp", instrument=INSTRUMENT, visit=43)
    predicted = side.butler.getURI("calexp", instrument=INSTRUMENT, visit=43, predict=True)
    assert predicted.fragment == "predicted"


# -- transactions ------------------------------------------------------------


def test_rollback_undoes_registry_and_datastore_together(side: Side) -> None:
    calexp(side)
    kept = side.butler.put({"a": 1}, "calexp", CALEXP)
    before = side.snapshot()
    with pytest.raises(RuntimeError, match="boom"), side.butler.transaction():
        side.butler.put({"a": 2}, "calexp", instrument=INSTRUMENT, visit=43)
        side.butler.registry.registerRun("inner")
        side.butler.registry.registerCollection("chain", side.CollectionType.CHAINED)
        side.butler.collections.redefine_chain("chain", [RUN])
        side.butler.registry.registerCollection("tag", side.CollectionType.TAGGED)
        side.butler.registry.associate("tag", [kept])
        raise RuntimeError("boom")
    assert side.snapshot() == before
    assert not side.butler.exists("calexp", instrument=INSTRUMENT, visit=43)
    assert side.butler.get(kept) == {"a": 1}


def test_nested_transaction_rolls_back_inner_only(side: Side) -> None:
    calexp(side)
    with side.butler.transaction():
        side.butler.put({"a": 1}, "calexp", CALEXP)
        with pytest.raises(RuntimeError), side.butler.transaction():
            side.butler.put({"a": 2}, "calexp", instrument=INSTRUMENT, visit=43)
            raise RuntimeError("inner")
    assert side.butler.get("calexp", CALEXP) == {"a": 1}
    assert not side.butler.exists("calexp", instrument=INSTRUMENT, visit=43)


def test_commit_keeps_everything(side: Side) -> None:
    calexp(side)
    with side.butler.transaction():
        ref = side.butler.put({"a": 1}, "calexp", CALEXP)
        side.butler.registry.registerRun("inner")
    assert side.butler.get(ref) == {"a": 1}
    assert "inner" in side.butler.registry.queryCollections()


# -- queries -----------------------------------------------------------------


def _visits(side: Side, refs: Any) -> list[tuple[str, int]]:
    return sorted((ref.run, side.required(ref)["visit"]) for ref in refs)


@pytest.fixture
def queried(side: Side) -> Side:
    """Visits 42, 43, 44 in the test run; visit 42 again in run ``r1``."""
    calexp(side)
    for visit in (42, 43, 44):
        side.butler.put({"v": visit}, "calexp", instrument=INSTRUMENT, visit=visit)
    add_run(side, "r1").put({"v": 1}, "calexp", CALEXP)
    return side


def test_query_datasets_find_first(queried: Side) -> None:
    side, butler = queried, queried.butler
    assert _visits(side, butler.query_datasets("calexp")) == [
        (RUN, 42), (RUN, 43), (RUN, 44)
    ]
    assert _visits(side, butler.query_datasets("calexp", ["r1", RUN])) == [
        ("r1", 42), (RUN, 43), (RUN, 44)
    ]
    assert _visits(side, butler.query_datasets("calexp", ["r1", RUN], find_first=False)) == [
        ("r1", 42), (RUN, 42), (RUN, 43), (RUN, 44)
    ]
    assert _visits(side, butler.query_datasets("calexp", "*", find_first=False)) == [
        ("r1", 42), (RUN, 42), (RUN, 43), (RUN, 44)
    ]
    with pytest.raises(side.InvalidQueryError):
        butler.query_datasets("calexp", "r*")


@pytest.mark.parametrize(
    ("where", "bind", "visits"),
    [
        ("instrument = 'DummyCam' AND visit > 42", None, [43, 44]),
        ("instrument = 'DummyCam' AND visit IN (42, 44)", None, [42, 44]),
        ("instrument = 'DummyCam' AND visit NOT IN (42, 44)", None, [43]),
        ("instrument = 'DummyCam' AND visit = v", {"v": 43}, [43]),
        ("instrument = :i AND visit IN (v)", {"i": "DummyCam", "v": [42, 43]}, [42, 43]),
        ("instrument = 'DummyCam' AND NOT visit = 43", None, [42, 44]),
        ("instrument = 'DummyCam' AND (visit = 42 OR visit >= 44)", None, [42, 44]),
        ("instrument = 'DummyCam' and (visit <= 42 or visit != 43) and visit < 44", None, [42]),
        ("instrument = 'DummyCam' AND visit > -1 AND visit < 43.5", None, [42, 43]),
    ],
)
def test_query_datasets_where(
    queried: Side, where: str, bind: dict[str, Any] | None, visits: list[int]
) -> None:
    refs = queried.butler.query_datasets("calexp", where=where, bind=bind)
    assert _visits(queried, refs) == [(RUN, v) for v in visits]


def test_query_datasets_data_id_and_keywords(queried: Side) -> None:
    butler = queried.butler
    refs = butler.query_datasets("calexp", data_id={"instrument": INSTRUMENT, "visit": 43})
    assert _visits(queried, refs) == [(RUN, 43)]
    refs = butler.query_datasets("calexp", instrument=INSTRUMENT, visit=44)
    assert _visits(queried, refs) == [(RUN, 44)]


def test_query_datasets_empty_result(queried: Side) -> None:
    butler = queried.butler
    where = "instrument = 'DummyCam' AND visit = 99"
    with pytest.raises(queried.EmptyQueryResultError) as caught:
        butler.query_datasets("calexp", where=where)
    assert isinstance(caught.value.reasons, list)  # daf_butler's may be empty
    assert butler.query_datasets("calexp", where=where, explain=False) == []
    assert butler.query_datasets("calexp", limit=0) == []


def test_query_datasets_limit(queried: Side) -> None:
    butler = queried.butler
    assert len(butler.query_datasets("calexp", limit=2)) == 2
    assert len(butler.query_datasets("calexp", limit=-2)) == 2
    assert len(butler.query_datasets("calexp", limit=None)) == 3


def test_query_datasets_errors(queried: Side) -> None:
    side, butler = queried, queried.butler
    with pytest.raises(side.MissingDatasetTypeError):
        butler.query_datasets("nope")
    with pytest.raises(side.MissingDatasetTypeError):
        butler.query_datasets("calexp.nope")
    with pytest.raises(side.MissingCollectionError):
        butler.query_datasets("calexp", "nowhere")
    with pytest.raises(side.InvalidQueryError):
        butler.query_datasets("calexp", where="visit = = 1")
    with pytest.raises(side.InvalidQueryError):
        butler.query_datasets("calexp", where="instrument = 'DummyCam' AND visit = zz")
    with pytest.raises(side.InvalidQueryError):
        butler.query_datasets("calexp", where='instrument = "DummyCam"')
    with pytest.raises(side.InvalidQueryError):
        butler.query_datasets("calexp", where="instrument = 'DummyCam' AND visit > 'a'")
    clone = butler.clone(run=None, collections=None)
    with pytest.raises(side.NoDefaultCollectionError):
        clone.query_datasets("calexp")


def test_registry_queries(queried: Side) -> None:
    side, registry = queried, queried.butler.registry
    refs = registry.queryDatasets("calexp", collections=["r1", RUN])
    assert _visits(side, refs) == [("r1", 42), (RUN, 42), (RUN, 43), (RUN, 44)]
    refs = registry.queryDatasets("calexp", collections=["r1", RUN], findFirst=True)
    assert _visits(side, refs) == [("r1", 42), (RUN, 43), (RUN, 44)]
    refs = registry.queryDatasets(
        "calexp", collections=..., where="instrument = 'DummyCam' AND visit != 42"
    )
    assert _visits(side, refs) == [(RUN, 43), (RUN, 44)]
    metrics(side)
    assert sorted(dt.name for dt in registry.queryDatasetTypes()) == ["calexp", "metrics"]
    assert [dt.name for dt in registry.queryDatasetTypes("cal*")] == ["calexp"]
    assert registry.getDatasetType("metrics.data").name == "metrics.data"
    assert registry.findDataset("calexp", CALEXP, collections="r1").run == "r1"
