"""Range literals, dimensions a dataset type lacks, collection information and
chain edits: the same tests against InMemoryButler and a real daf_butler Butler.

As in ``test_butler_differential.py``, every test takes ``side`` (see
``_butler_sides.py``) and runs once per implementation; the daf_butler runs
skip without lsst-daf-butler.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests._butler_sides import INSTRUMENT, RUN, Side
from tests.test_butler_differential import CALEXP, calexp

IN_CAM = f"instrument = '{INSTRUMENT}' AND "


@pytest.fixture
def queried(side: Side) -> Side:
    """Visits 42, 43 and 44 of ``calexp`` in the test run."""
    calexp(side)
    for visit in (42, 43, 44):
        side.butler.put({"v": visit}, "calexp", instrument=INSTRUMENT, visit=visit)
    return side


def visits(side: Side, refs: Any) -> list[int]:
    return sorted(side.required(ref)["visit"] for ref in refs)


# -- range literals --------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("visit IN (42..43)", [42, 43]),
        ("visit IN (42..44:2)", [42, 44]),
        ("visit IN ( 42 .. 44 : 2 )", [42, 44]),
        ("visit IN (41..44:2)", [43]),
        ("visit IN (43..44:5)", [43]),
        ("visit IN (42..42)", [42]),
        ("visit IN (-3..43)", [42, 43]),
        ("visit IN (-3..44:2)", [43]),
        ("visit IN (40, 43..50)", [43, 44]),
        ("visit IN (42..42, 44)", [42, 44]),
        ("visit IN (v, 44..44)", [42, 44]),
        ("visit IN(42..44:2,43)", [42, 43, 44]),
        ("visit NOT IN (43..44)", [42]),
        ("NOT visit IN (42..43)", [44]),
        ("visit IN (42..43) OR visit IN (44..44)", [42, 43, 44]),
        ("visit IN (1..2, 45..100:5)", []),
    ],
)
def test_range_literals(queried: Side, where: str, expected: list[int]) -> None:
    butler = queried.butler
    refs = butler.query_datasets("calexp", where=IN_CAM + where, bind={"v": 42}, explain=False)
    assert visits(queried, refs) == expected
    refs = butler.registry.queryDatasets(
        "calexp", collections=RUN, where=IN_CAM + where, bind={"v": 42}
    )
    assert visits(queried, refs) == expected


@pytest.mark.parametrize(
    "where",
    [
        "visit IN (44..42)",
        "visit IN (42..44:0)",
        "visit IN (42..44:-1)",
        "visit IN (1..10:02)",
        "visit = 42..44",
        "visit > 42..43",
        "visit IN (+42..43)",
        "visit IN (42..+43)",
        "visit IN (42...43)",
        "visit IN (42..)",
        "visit IN (42.0..43)",
        "visit IN ((42..43))",
    ],
)
def test_bad_range_literals(queried: Side, where: str) -> None:
    with pytest.raises(queried.InvalidQueryError):
        queried.butler.query_datasets("calexp", where=IN_CAM + where)


# -- dimensions the dataset type lacks (no records of them) ------------------------


@pytest.mark.parametrize(
    "where",
    [
        "exposure = 1",
        "exposure != 1",
        "NOT exposure = 1",
        "exposure IN (1..3)",
        "exposure = visit",
        "(exposure = 1 OR visit = 42)",
        "visit = 42 AND group = 'g'",
    ],
)
def test_a_where_on_a_dimension_without_records_finds_nothing(queried: Side, where: str) -> None:
    butler = queried.butler
    with pytest.raises(queried.EmptyQueryResultError):
        butler.query_datasets("calexp", where=IN_CAM + where)
    assert butler.query_datasets("calexp", where=IN_CAM + where, explain=False) == []
    assert butler.query_datasets("calexp", where=IN_CAM + where, limit=0) == []
    assert list(butler.registry.queryDatasets("calexp", collections=RUN, where=IN_CAM + where)) \
        == []


def test_a_data_id_on_a_dimension_without_records_finds_nothing(queried: Side) -> None:
    butler = queried.butler
    with pytest.raises(queried.EmptyQueryResultError):
        butler.query_datasets("calexp", data_id={"instrument": INSTRUMENT, "exposure": 1})
    with pytest.raises(queried.EmptyQueryResultError):
        butler.query_datasets("calexp", instrument=INSTRUMENT, exposure=1)
    refs = butler.registry.queryDatasets("calexp", collections=RUN, instrument=INSTRUMENT,
                                         exposure=1)
    assert list(refs) == []


def test_a_dimension_without_records_still_needs_the_collections(queried: Side) -> None:
    with pytest.raises(queried.MissingCollectionError):
        queried.butler.query_datasets("calexp", "nowhere", where=IN_CAM + "exposure = 1")
    with pytest.raises(queried.InvalidQueryError):
        queried.butler.query_datasets("calexp", where=IN_CAM + "exposure = 1",
                                      order_by="exposure")


@pytest.mark.parametrize("where", ["foo = 1", "Exposure = 1", "visit = 42 OR nope IN (1..2)"])
def test_a_name_that_is_no_dimension_is_an_invalid_query(queried: Side, where: str) -> None:
    with pytest.raises(queried.InvalidQueryError):
        queried.butler.query_datasets("calexp", where=IN_CAM + where)


# -- collection information ------------------------------------------------------


def describe(info: Any) -> tuple[Any, ...]:
    """Return a `CollectionInfo` as plain values (the sides' enums differ)."""
    return (info.name, info.type.name, info.doc, info.children, info.parents, info.dataset_types)


@pytest.fixture
def collections(side: Side) -> Side:
    """Runs, a tag, a calibration collection and two chains, with docs.

    ``chain`` searches ``r2`` then the test run; ``outer`` searches
    ``chain`` then ``r1``. The test run holds a ``calexp``, tagged in ``tag``.
    """
    calexp(side)
    side.register("other", ["instrument"], "StructuredDataDict")
    ref = side.butler.put({"v": 42}, "calexp", CALEXP)
    CollectionType, collections = side.CollectionType, side.butler.collections
    collections.register("r1")
    collections.register("r2", doc="second run")
    collections.register("tag", CollectionType.TAGGED, doc="a tag")
    collections.register("cal", CollectionType.CALIBRATION)
    collections.register("chain", CollectionType.CHAINED, doc="the chain")
    collections.register("outer", CollectionType.CHAINED)
    collections.redefine_chain("chain", ["r2", RUN])
    collections.redefine_chain("outer", ["chain", "r1"])
    side.butler.registry.associate("tag", [ref])
    return side


def test_get_info(collections: Side) -> None:
    get_info = collections.butler.collections.get_info
    assert describe(get_info(RUN)) == (RUN, "RUN", "", (), None, None)
    assert describe(get_info("r2")) == ("r2", "RUN", "second run", (), None, None)
    assert describe(get_info("chain")) == (
        "chain", "CHAINED", "the chain", ("r2", RUN), None, None
    )
    assert describe(get_info("chain", include_parents=True, include_summary=True)) == (
        "chain", "CHAINED", "the chain", ("r2", RUN), {"outer"}, {"calexp"}
    )
    assert describe(get_info("outer", include_parents=True, include_summary=True)) == (
        "outer", "CHAINED", "", ("chain", "r1"), frozenset(), {"calexp"}
    )
    assert get_info(RUN, include_parents=True).parents == {"chain"}
    assert get_info(RUN, include_summary=True).dataset_types == {"calexp"}
    assert get_info("r1", include_summary=True).dataset_types == frozenset()
    assert describe(get_info("tag", include_summary=True)) == (
        "tag", "TAGGED", "a tag", (), None, {"calexp"}
    )
    assert describe(get_info("cal", include_summary=True)) == (
        "cal", "CALIBRATION", "", (), None, frozenset()
    )
    info = get_info("chain", include_parents=True)
    assert isinstance(info.children, tuple)
    assert isinstance(info.parents, frozenset)
    assert info.type == collections.CollectionType.CHAINED
    assert get_info(RUN) == get_info(RUN)
    for name in ("nope", "r*"):
        with pytest.raises(collections.MissingCollectionError):
            get_info(name)


def test_query_info(collections: Side) -> None:
    butler_collections = collections.butler.collections
    query_info = butler_collections.query_info
    everything = [RUN, "r1", "r2", "tag", "cal", "chain", "outer"]
    infos = query_info("*")
    assert [info.name for info in infos] == everything
    assert [describe(info) for info in infos][-2:] == [
        ("chain", "CHAINED", "", ("r2", RUN), None, None),
        ("outer", "CHAINED", "", ("chain", "r1"), None, None),
    ]
    assert [info.doc for info in query_info("*", include_doc=True)] == [
        "", "", "second run", "a tag", "", "the chain", ""
    ]
    assert [info.parents for info in query_info("*", include_parents=True)] == [
        {"chain"}, {"outer"}, {"chain"}, frozenset(), frozenset(), {"outer"}, frozenset()
    ]
    summaries = [info.dataset_types for info in query_info("*", include_summary=True)]
    calexp_only = {"calexp"}
    assert summaries == [calexp_only, set(), set(), calexp_only, set(), calexp_only, calexp_only]
    for wanted in (["calexp"], [collections.butler.get_dataset_type("calexp")]):
        infos = query_info("*", include_summary=True, summary_datasets=wanted)
        assert [info.dataset_types for info in infos] == summaries
    for wanted in (["other"], ["nope"]):
        infos = query_info("*", include_summary=True, summary_datasets=wanted)
        assert all(info.dataset_types == frozenset() for info in infos)
    assert [info.name for info in sorted(query_info("*"))] == sorted(everything)
    assert [info.name for info in query_info(...)] == everything
    assert query_info([]) == []
    assert query_info("nope*") == []
    with pytest.raises(collections.MissingCollectionError):
        query_info("nope")


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"expression": "outer", "flatten_chains": True}, ["r2", RUN, "r1"]),
        ({"expression": "outer", "flatten_chains": True, "include_chains": True},
         ["outer", "chain", "r2", RUN, "r1"]),
        ({"expression": ["r1", "chain"]}, ["r1", "chain"]),
        ({"expression": "*", "collection_types": {"RUN", "TAGGED"}}, [RUN, "r1", "r2", "tag"]),
        ({"expression": "*", "collection_types": "CHAINED"}, ["chain", "outer"]),
        ({"expression": "r*"}, ["r1", "r2"]),
        ({"expression": ["r2", "r*"]}, ["r1", "r2"]),  # what patterns match comes first
        ({"expression": ["outer", "tag"], "flatten_chains": True}, ["r2", RUN, "r1", "tag"]),
        ({"expression": "o*", "flatten_chains": True}, ["r2", RUN, "r1"]),
        ({"expression": "o*", "flatten_chains": True, "include_chains": True},
         ["outer", "chain", "r2", RUN, "r1"]),
        ({"expression": ..., "flatten_chains": True}, [RUN, "r1", "r2", "tag", "cal"]),
        ({"expression": ..., "include_chains": True}, [RUN, "r1", "r2", "tag", "cal", "chain",
                                                      "outer"]),
    ],
)
def test_query_info_selects_as_query_does(
    collections: Side, arguments: dict[str, Any], expected: list[str]
) -> None:
    CollectionType = collections.CollectionType
    arguments = dict(arguments)  # shared by both sides' runs
    kinds = arguments.get("collection_types")
    if isinstance(kinds, str):
        arguments["collection_types"] = getattr(CollectionType, kinds)
    elif kinds is not None:
        arguments["collection_types"] = {getattr(CollectionType, kind) for kind in kinds}
    butler_collections = collections.butler.collections
    assert [info.name for info in butler_collections.query_info(**arguments)] == expected
    assert list(butler_collections.query(**arguments)) == expected


# -- chain edits -------------------------------------------------------------------


def chain(side: Side) -> tuple[str, ...]:
    return tuple(side.butler.registry.getCollectionChain("chain"))


def test_chain_edits_move_children_and_ignore_repeats(collections: Side) -> None:
    edit = collections.butler.collections
    edit.extend_chain("chain", ["r1", "r1"])
    assert chain(collections) == ("r2", RUN, "r1")
    edit.extend_chain("chain", "r2")
    assert chain(collections) == (RUN, "r1", "r2")
    edit.prepend_chain("chain", [RUN, "tag"])
    assert chain(collections) == (RUN, "tag", "r1", "r2")
    edit.prepend_chain("chain", ["r2", "r2"])
    assert chain(collections) == ("r2", RUN, "tag", "r1")
    edit.remove_from_chain("chain", ["cal"])  # not in the chain: no error
    assert chain(collections) == ("r2", RUN, "tag", "r1")
    edit.remove_from_chain("chain", "tag")
    edit.remove_from_chain("chain", ["r1", "r1"])
    assert chain(collections) == ("r2", RUN)
    edit.extend_chain("chain", [])
    assert chain(collections) == ("r2", RUN)


@pytest.mark.parametrize(
    ("edit", "parent", "children", "error"),
    [
        ("extend_chain", "chain", ["nope"], "MissingCollectionError"),
        ("extend_chain", "chain", ["r*"], "MissingCollectionError"),
        ("prepend_chain", "chain", ["r1", "nope"], "MissingCollectionError"),
        ("remove_from_chain", "chain", ["nope"], "MissingCollectionError"),
        ("extend_chain", "nope", ["r1"], "MissingCollectionError"),
        ("remove_from_chain", "nope", ["r1"], "MissingCollectionError"),
        ("extend_chain", RUN, ["r1"], "CollectionTypeError"),
        ("remove_from_chain", RUN, ["r1"], "CollectionTypeError"),
        ("extend_chain", "chain", ["outer"], "CollectionCycleError"),
        ("prepend_chain", "chain", ["outer"], "CollectionCycleError"),
        ("extend_chain", "chain", "chain", "CollectionCycleError"),
    ],
)
def test_chain_edit_errors_change_nothing(
    collections: Side, edit: str, parent: str, children: Any, error: str
) -> None:
    before = collections.snapshot()
    expected: type[Exception] = (
        ValueError if error == "CollectionCycleError" else getattr(collections, error)
    )
    with pytest.raises(expected):
        getattr(collections.butler.collections, edit)(parent, children)
    assert collections.snapshot() == before


def test_chain_edits_roll_back(collections: Side) -> None:
    edit = collections.butler.collections
    with pytest.raises(RuntimeError, match="boom"), collections.butler.transaction():
        edit.extend_chain("chain", ["r1"])
        edit.prepend_chain("chain", ["tag"])
        edit.remove_from_chain("chain", [RUN])
        raise RuntimeError("boom")
    assert chain(collections) == ("r2", RUN)


# -- where InMemoryButler differs on purpose: each side's outcome pinned -----------


def test_a_dimension_the_dataset_type_lacks_joins_its_records(queried: Side) -> None:
    # The template repository has records of detectors 1 and 2: daf_butler,
    # and InMemoryButler in daf_butler mode, join them; the standalone
    # InMemoryButler has no dimension records, so finds nothing.
    where = IN_CAM + "detector = 1"
    refs = queried.butler.query_datasets("calexp", where=where, explain=False)
    assert visits(queried, refs) == ([] if queried.name == "memstore" else [42, 43, 44])
    refs = queried.butler.query_datasets("calexp", where=IN_CAM + "detector = 3", explain=False)
    assert visits(queried, refs) == []


def test_no_governor_rule_for_a_dimension_without_records(queried: Side) -> None:
    standalone = queried.name == "memstore"
    expected = queried.EmptyQueryResultError if standalone else queried.InvalidQueryError
    with pytest.raises(expected):
        queried.butler.query_datasets("calexp", where="exposure = 1")


def test_a_summary_lists_what_a_collection_holds_now(collections: Side) -> None:
    # daf_butler's summaries keep a dataset type once its datasets are gone.
    butler = collections.butler
    (ref,) = butler.query_datasets("calexp")
    butler.registry.disassociate("tag", [ref])
    butler.pruneDatasets([ref], purge=True, unstore=True)
    kept = frozenset() if collections.name.startswith("memstore") else {"calexp"}
    for name in (RUN, "tag", "chain"):
        assert butler.collections.get_info(name, include_summary=True).dataset_types == kept


@pytest.mark.parametrize(
    ("where", "named", "in_daf_mode", "found"),
    [
        ("visit.region OVERLAPS POINT(1, 2)", "OVERLAPS operator", True, []),
        ("visit.timespan OVERLAPS (T'2020-01-01', T'2020-01-02')", "OVERLAPS operator", True, []),
        ("ingest_date > T'2020-01-01'", "time literal T'2020-01-01'", False, [42, 43, 44]),
        ("run = 'test_run'", "dataset field 'run'", True, [42, 43, 44]),
        ("visit = NULL", "NULL constant", True, []),
        ("glob(instrument, 'D*')", "function call glob(...)", True, [42, 43, 44]),
        ("glob(instrument, 'd*')", "function call glob(...)", True, []),
    ],
)
def test_what_only_daf_butler_supports(
    queried: Side, where: str, named: str, in_daf_mode: bool, found: list[int]
) -> None:
    # The standalone butler supports none of these; daf_butler mode all but
    # the ingest date, which it does not record.
    butler = queried.butler
    if queried.name == "memstore":
        with pytest.raises(NotImplementedError, match=re.escape(named)):
            butler.query_datasets("calexp", where=IN_CAM + where, explain=False)
    elif queried.name == "memstore_daf" and not in_daf_mode:
        with pytest.raises(NotImplementedError, match="ingest_date"):
            butler.query_datasets("calexp", where=IN_CAM + where, explain=False)
    else:
        refs = butler.query_datasets("calexp", where=IN_CAM + where, explain=False)
        assert visits(queried, refs) == found


# -- dataset associations -----------------------------------------------------------


def test_query_dataset_associations(collections: Side) -> None:
    butler, CollectionType = collections.butler, collections.CollectionType
    (ref,) = butler.query_datasets("calexp", RUN)
    second = butler.clone(run="r2").put({"v": 43}, "calexp", instrument=INSTRUMENT, visit=43)

    def associations(*args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        found = list(butler.registry.queryDatasetAssociations(*args, **kwargs))
        assert {type(each).__name__ for each in found} <= {"DatasetAssociation"}
        assert all(each.ref in (ref, second) for each in found)
        return sorted(
            (each.collection, each.ref.run, collections.required(each.ref)["visit"], each.timespan)
            for each in found
        )

    run, r2, tag = (RUN, RUN, 42, None), ("r2", "r2", 43, None), ("tag", RUN, 42, None)
    assert associations("calexp") == sorted([run, r2, tag])
    assert associations(butler.get_dataset_type("calexp"), ...) == sorted([run, r2, tag])
    assert associations("calexp", "chain") == sorted([run, r2])
    assert associations("calexp", ["outer"], flattenChains=True) == sorted([run, r2])
    if collections.name == "memstore":
        # The default collections, as daf_butler documents; its own code
        # fails an assertion on None (lsst-daf-butler 30.2026.4300).
        assert associations("calexp", None) == [run]
    assert associations("calexp", "r*") == [r2]
    assert associations("calexp", collectionTypes={CollectionType.TAGGED}) == [tag]
    assert associations("calexp", [RUN, "tag"], collectionTypes=[CollectionType.RUN]) == [run]
    assert associations("calexp", "cal") == []
    assert associations("other") == []
    with pytest.raises(collections.MissingDatasetTypeError):
        associations("nope")
    with pytest.raises(collections.MissingCollectionError):
        associations("calexp", "nope")
