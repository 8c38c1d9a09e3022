"""Fixtures shared by the test suite.

Add fixtures here; do not rename existing ones (several test modules use them).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from pytest_memstore import (
    DatasetId,
    DatasetRef,
    DatasetType,
    InMemoryDatastore,
    StorageClass,
    StorageClassFactory,
    default_storage_classes,
)
from tests._butler_sides import (
    DafButlerSide,
    MemstoreDafSide,
    MemstoreSide,
    Side,
    make_daf_butler_template,
)
from tests._helpers import MakeRef

# Other projects' test files, copied unchanged: they run only in pytest runs of their own
# (tests/upstream/README.md), never in this suite's.
collect_ignore = ["upstream"]


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """Pytester whose inner runs leave out hypothesis's plugin.

    An in-process run forgets the modules it imported, so with that plugin
    each run would import (and assert-rewrite) hypothesis again: seconds a run.
    """
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:hypothesispytest")
    return pytester


@pytest.fixture
def interleave() -> Iterator[None]:
    """Make the interpreter switch threads as often as it can."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


@pytest.fixture
def storage_classes() -> StorageClassFactory:
    """The default storage classes, in a factory of this test's own."""
    return default_storage_classes()


@pytest.fixture
def store(storage_classes: StorageClassFactory) -> Iterator[InMemoryDatastore]:
    """A fresh store; the test errors at teardown if it was left inconsistent."""
    datastore = InMemoryDatastore(storageClasses=storage_classes)
    yield datastore
    assert datastore.consistency_problems() == []


@pytest.fixture
def make_ref(storage_classes: StorageClassFactory) -> MakeRef:
    """Build a resolved `DatasetRef`; storage classes may be given by name.

    ``make_ref(name="metric", dataId=None, storageClass="StructuredDataDict",
    *, dimensions=None, run="memstore", id=None)``; the dimensions default to
    the data ID's keys, the data ID to ``{"instrument": "DummyCam", "visit": 1}``.
    """

    def make(
        name: str = "metric",
        dataId: Mapping[str, Any] | None = None,
        storageClass: StorageClass | str = "StructuredDataDict",
        *,
        dimensions: Iterable[str] | None = None,
        run: str = "memstore",
        id: DatasetId | None = None,
    ) -> DatasetRef:
        if dataId is None:
            dataId = {"instrument": "DummyCam", "visit": 1}
        if isinstance(storageClass, str):
            storageClass = storage_classes.getStorageClass(storageClass)
        datasetType = DatasetType(
            name, dataId if dimensions is None else dimensions, storageClass
        )
        if id is None:
            return DatasetRef(datasetType, dataId, run)
        return DatasetRef(datasetType, dataId, run, id=id)

    return make


@pytest.fixture(scope="session")
def daf_butler_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A daf_butler repository with the differential tests' dimension records.

    Skips the test when lsst-daf-butler (the ``butler`` extra) is missing.
    """
    pytest.importorskip("lsst.daf.butler")
    return make_daf_butler_template(tmp_path_factory.mktemp("daf_butler_template"))


@pytest.fixture(params=["memstore", "memstore_daf", "daf_butler"])
def side(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Side]:
    """The butler of a differential test: ours, ours in daf_butler mode, daf_butler's."""
    if request.param == "memstore":
        yield MemstoreSide()
        return
    if request.param == "memstore_daf":
        pytest.importorskip("lsst.daf.butler")
        yield MemstoreDafSide()
        return
    template = request.getfixturevalue("daf_butler_template")
    daf_side = DafButlerSide(template, tmp_path / "repo")
    yield daf_side
    daf_side.close()


@pytest.fixture(params=["memstore_daf", "daf_butler"])
def daf_side(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Side]:
    """Our butler in daf_butler mode, then daf_butler's own (both need lsst-daf-butler)."""
    pytest.importorskip("lsst.daf.butler", reason="needs the butler extra")
    if request.param == "memstore_daf":
        yield MemstoreDafSide()
        return
    side = DafButlerSide(request.getfixturevalue("daf_butler_template"), tmp_path / "repo")
    yield side
    side.close()
