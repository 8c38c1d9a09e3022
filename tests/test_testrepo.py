"""`pytest_memstore.testrepo` against ``lsst.daf.butler.tests``: the same test on both.

Each test takes ``helpers``, the module whose ``makeTestRepo``,
``makeTestCollection``, ``addDataIdValue``, ``addDatasetType``,
``registerMetricsExample`` and ``expandUniqueId`` it calls: ours, then
daf_butler's. Skipped without lsst-daf-butler.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

daf_butler = pytest.importorskip("lsst.daf.butler", reason="needs the butler extra")


class Helpers:
    """One module's helpers, closing the butlers they made (daf_butler's hold a database)."""

    def __init__(self, module: ModuleType, root: Path) -> None:
        self.module = module
        self.root = root
        self.made: list[Any] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.module, name)

    def repo(self, dataIds: dict[str, list[Any]] | None = None, **kwargs: Any) -> Any:
        butler = self.module.makeTestRepo(str(self.root), dataIds, **kwargs)
        self.made.append(butler)
        return butler

    def collection(self, repo: Any, uniqueId: str | None = None) -> Any:
        butler = self.module.makeTestCollection(repo, uniqueId)
        self.made.append(butler)
        return butler


@pytest.fixture(params=["memstore", "daf_butler"])
def helpers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Helpers]:
    if request.param == "memstore":
        import pytest_memstore.testrepo as module
    else:
        import lsst.daf.butler.tests as module
    made = Helpers(module, tmp_path)
    yield made
    for butler in made.made:
        butler.close()


def test_make_test_repo_makes_records_for_the_data_ids_and_what_they_need(
    helpers: Helpers,
) -> None:
    repo = helpers.repo({"instrument": ["Cam"], "visit": [1, 2, 3]})
    visits = list(repo.registry.queryDimensionRecords("visit"))
    assert sorted(record.id for record in visits) == [1, 2, 3]
    filters = {record.physical_filter for record in visits}
    assert len(filters) == 1  # each links to the first invented physical_filter
    (instrument,) = repo.registry.queryDimensionRecords("instrument")
    assert instrument.name == "Cam"
    assert isinstance(repo, daf_butler.Butler)


def test_make_test_repo_writes_the_config_to_outfile(helpers: Helpers, tmp_path: Path) -> None:
    path = tmp_path / "elsewhere" / "config.json"
    path.parent.mkdir()
    helpers.repo({}, outfile=str(path))
    assert path.is_file()


def test_make_test_collection_writes_to_its_own_run_over_the_shared_repo(
    helpers: Helpers,
) -> None:
    repo = helpers.repo({"instrument": ["Cam"]})
    helpers.addDatasetType(repo, "cfg", {"instrument"}, "StructuredDataDict")
    first = helpers.collection(repo, "one")
    assert first.run == "test_one"
    assert list(first.collections.defaults) == ["test_one"]
    ref = first.put({"a": 1}, "cfg", instrument="Cam")
    second = helpers.collection(repo)
    assert second.run.startswith("test_") and second.run != "test_one"
    assert not second.exists("cfg", instrument="Cam")
    assert second.exists(ref)
    assert second.get(ref) == {"a": 1}


def test_add_data_id_value_fills_in_related_values(helpers: Helpers) -> None:
    repo = helpers.repo()
    helpers.addDataIdValue(repo, "instrument", "Cam")
    helpers.addDataIdValue(repo, "visit", 7)
    expanded = repo.registry.expandDataId(instrument="Cam", visit=7)
    assert expanded.records["visit"].physical_filter == expanded["physical_filter"]
    assert expanded.records["physical_filter"].band == expanded["band"]
    helpers.addDataIdValue(repo, "visit", 9)  # reuses the band and physical filter made for 7
    assert len(list(repo.registry.queryDimensionRecords("physical_filter"))) == 1
    helpers.addDataIdValue(repo, "physical_filter", "k2020", band="k")
    helpers.addDataIdValue(repo, "visit", 8, physical_filter="k2020")
    assert repo.registry.expandDataId(instrument="Cam", visit=8)["band"] == "k"


@pytest.mark.parametrize(
    ("dimension", "value", "related", "error"),
    [
        ("NotADimension", 42, {}, ValueError),
        ("detector", "nonNumeric", {}, ValueError),
        ("detector", 101, {"nonsenseField": "string"}, ValueError),
        ("tract", 42, {}, RuntimeError),
        ("visit", 3, {"physical_filter": "nowhere"}, RuntimeError),
    ],
)
def test_add_data_id_value_refuses_what_cannot_be_made(
    helpers: Helpers, dimension: str, value: Any, related: dict[str, Any], error: type
) -> None:
    repo = helpers.repo()
    helpers.addDataIdValue(repo, "instrument", "Cam")
    with pytest.raises(error):
        helpers.addDataIdValue(repo, dimension, value, **related)


def test_add_dataset_type_returns_it_and_refuses_unknown_names(helpers: Helpers) -> None:
    repo = helpers.repo()
    made = helpers.addDatasetType(repo, "cfg", {"instrument"}, "StructuredDataDict")
    assert made == repo.get_dataset_type("cfg")
    with pytest.raises(ValueError):
        helpers.addDatasetType(repo, "bad", {"4thDimension"}, "StructuredDataDict")
    with pytest.raises(ValueError):
        helpers.addDatasetType(repo, "bad", {"instrument"}, "UnstorableType")


def test_register_metrics_example_lets_a_metrics_example_round_trip(helpers: Helpers) -> None:
    repo = helpers.repo({"instrument": ["Cam"]})
    helpers.registerMetricsExample(repo)
    helpers.addDatasetType(repo, "metrics", {"instrument"}, "StructuredData")
    butler = helpers.collection(repo, "m")
    from lsst.daf.butler.tests import MetricsExample

    data = MetricsExample(summary={"answer": 42}, data=[1, 2])
    butler.put(data, "metrics", instrument="Cam")
    assert butler.get("metrics", instrument="Cam") == data
    assert butler.get("metrics.summary", instrument="Cam") == {"answer": 42}


def test_expand_unique_id(helpers: Helpers) -> None:
    repo = helpers.repo()
    helpers.addDataIdValue(repo, "instrument", "Cam")
    helpers.addDataIdValue(repo, "instrument", "Other")
    helpers.addDataIdValue(repo, "visit", 101, instrument="Cam")
    helpers.addDataIdValue(repo, "detector", 5, instrument="Other")
    found = helpers.expandUniqueId(repo, {"visit": 101})
    assert isinstance(found, daf_butler.DataCoordinate)
    assert found.required == {"instrument": "Cam", "visit": 101}
    assert helpers.expandUniqueId(repo, {"detector": 5}).required == {
        "instrument": "Other", "detector": 5
    }
    with pytest.raises(ValueError):
        helpers.expandUniqueId(repo, {"visit": 999})
    with pytest.raises(ValueError):
        helpers.expandUniqueId(repo, {"tract": 42})
