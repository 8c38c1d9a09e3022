"""daf_butler's own refs, dataset types, storage classes and delegates, as they are.

Each behaviour we copy from daf_butler runs the same test body on daf_butler's
``InMemoryDatastore`` and on ours (the ``store`` fixture is parametrized over
both). Everything here needs the ``butler`` extra and skips without it.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import uuid
from collections.abc import Callable
from typing import Any

import pytest

butler = pytest.importorskip("lsst.daf.butler", reason="needs the butler extra (lsst-daf-butler)")
butler_tests = pytest.importorskip("lsst.daf.butler.tests")

import pytest_memstore  # noqa: E402
from pytest_memstore import InMemoryDatastore, assert_roundtrip  # noqa: E402

MetricsExample = butler_tests.MetricsExample
UNIVERSE = butler.DimensionUniverse()


def _storage_classes() -> dict[str, Any]:
    """daf_butler storage classes with daf_butler's test delegates, in its factory."""
    dict_sc = butler.StorageClass("MemstoreInteropDict", pytype=dict)
    list_sc = butler.StorageClass(
        "MemstoreInteropList",
        pytype=list,
        parameters={"slice"},
        delegate="lsst.daf.butler.tests.ListDelegate",
    )
    metrics_sc = butler.StorageClass(
        "MemstoreInteropMetrics",
        pytype=MetricsExample,
        components={"summary": dict_sc, "output": dict_sc, "data": list_sc},
        derivedComponents={"counter": butler.StorageClass("MemstoreInteropInt", pytype=int)},
        parameters={"slice"},
        delegate="lsst.daf.butler.tests.MetricsDelegate",
    )
    tuple_sc = butler.StorageClass(
        "MemstoreInteropTuple", pytype=tuple, converters={"builtins.list": "builtins.tuple"}
    )
    factory = butler.StorageClassFactory()
    every = (dict_sc, list_sc, metrics_sc, tuple_sc)
    for storageClass in every:
        if storageClass.name not in factory:
            factory.registerStorageClass(storageClass)
    return {sc.name: factory.getStorageClass(sc.name) for sc in every}


SC = _storage_classes()


def make_ref(name: str = "metric", detector: int = 1, sc: str = "MemstoreInteropMetrics") -> Any:
    datasetType = butler.DatasetType(name, UNIVERSE.conform(["instrument", "detector"]), SC[sc])
    return butler.DatasetRef(datasetType, {"instrument": "DummyCam", "detector": detector},
                             run="interop")


def metrics() -> Any:
    return MetricsExample({"AM1": 5.2}, {"a": [1, 2]}, [563, 234, 456.7, 105])


def _theirs(constraints: dict[str, Any] | None = None) -> Any:
    from lsst.daf.butler.datastore import DatastoreConfig
    from lsst.daf.butler.datastores.inMemoryDatastore import InMemoryDatastore as Theirs

    config: dict[str, Any] = {"cls": f"{Theirs.__module__}.{Theirs.__qualname__}"}
    if constraints is not None:
        config["constraints"] = constraints
    bridgeManager = butler_tests.DummyRegistry().getDatastoreBridgeManager()
    return Theirs(DatastoreConfig(config), bridgeManager)


def _ours(constraints: dict[str, Any] | None = None) -> InMemoryDatastore:
    return InMemoryDatastore(constraints=constraints)


MakeStore = Callable[..., Any]


@pytest.fixture(params=["daf_butler", "memstore"])
def make_store(request: pytest.FixtureRequest) -> MakeStore:
    return _theirs if request.param == "daf_butler" else _ours


# -- the same behaviour on both ------------------------------------------------------


def test_put_get_exists_and_uris(make_store: MakeStore) -> None:
    store = make_store()
    ref, other = make_ref(detector=1), make_ref(detector=2)
    store.put(metrics(), ref)
    assert store.exists(ref) and store.knows(ref)
    assert store.mexists([ref, other]) == {ref: True, other: False}
    assert store.get(ref) == metrics()
    assert store.getURI(ref).scheme == "mem"
    assert "#predicted" in store.getURI(other, predict=True).geturl()
    with pytest.raises(FileNotFoundError):
        store.get(other)
    with pytest.raises(FileNotFoundError):
        store.getURI(other)


def test_components_and_parameters_go_through_daf_butlers_delegates(
    make_store: MakeStore,
) -> None:
    store = make_store()
    ref = make_ref()
    store.put(metrics(), ref)
    assert store.get(ref.makeComponentRef("summary")) == {"AM1": 5.2}
    assert store.get(ref.makeComponentRef("data")) == [563, 234, 456.7, 105]
    assert store.get(ref.makeComponentRef("counter")) == 4
    assert store.get(ref, parameters={"slice": slice(2)}).data == [563, 234]
    assert store.get(ref.makeComponentRef("data"), parameters={"slice": slice(1)}) == [563]
    with pytest.raises(KeyError):
        store.get(ref, parameters={"missing": 1})


def test_trash_empty_trash_remove_and_forget(make_store: MakeStore) -> None:
    store = make_store()
    refs = [make_ref(detector=d) for d in (1, 2, 3)]
    for ref in refs:
        store.put(metrics(), ref)
    store.trash(refs[0])
    assert store.exists(refs[0])
    store.emptyTrash()
    assert not store.exists(refs[0])
    store.remove(refs[1])
    assert not store.exists(refs[1])
    with pytest.raises(FileNotFoundError):
        store.remove(refs[1])
    store.forget([refs[2]])
    assert not store.exists(refs[2])
    store.forget([refs[2]])


def test_a_rolled_back_transaction_undoes_its_puts(make_store: MakeStore) -> None:
    store = make_store()
    kept, undone = make_ref(detector=1), make_ref(detector=2)
    store.put(metrics(), kept)
    with pytest.raises(RuntimeError, match="step failed"), store.transaction():
        store.put(metrics(), undone)
        raise RuntimeError("step failed")
    assert store.exists(kept)
    assert not store.exists(undone)


def test_transfer_between_stores(make_store: MakeStore) -> None:
    source, target = make_store(), make_store()
    ref = make_ref()
    source.put(metrics(), ref)
    target.transfer(source, ref)
    assert target.get(ref) == metrics()


def test_constraints_reject_with_daf_butlers_error(make_store: MakeStore) -> None:
    store = make_store({"accept": ["metric", {"instrument<DummyCam>": ["metric33"]}]})
    store.put(metrics(), make_ref("metric"))
    store.put(metrics(), make_ref("metric33"))
    rejected = make_ref("metric5")
    with pytest.raises(butler.DatasetTypeNotSupportedError):
        store.put(metrics(), rejected)
    assert not store.exists(rejected)


def test_get_with_a_storage_class_name_resolves_through_daf_butlers_factory(
    make_store: MakeStore,
) -> None:
    store = make_store()
    ref = make_ref("listed", sc="MemstoreInteropList")
    store.put([1, 2, 3], ref)
    assert store.get(ref, storageClass="MemstoreInteropList") == [1, 2, 3]


def test_a_ref_with_another_storage_class_reads_the_converted_object(
    make_store: MakeStore,
) -> None:
    store = make_store()
    ref = make_ref("listed", sc="MemstoreInteropList")
    store.put([1, 2, 3], ref)
    as_tuple = ref.overrideStorageClass("MemstoreInteropTuple")
    for read in (store.get(as_tuple), store.get(ref, storageClass="MemstoreInteropTuple")):
        assert read == (1, 2, 3) and type(read) is tuple
    assert type(store.get(ref)) is list


# -- ours: errors both sides catch, what a non-ref lacks, the helpers ------------------


def test_our_rejection_is_caught_as_ours_and_as_daf_butlers() -> None:
    store = _ours({"reject": ["metric"]})
    with pytest.raises(pytest_memstore.DatasetTypeNotSupportedError) as caught:
        store.put(metrics(), make_ref("metric"))
    assert isinstance(caught.value, butler.DatasetTypeNotSupportedError)
    assert "metric" in str(caught.value) and "DummyCam" in str(caught.value)


def test_our_rejection_of_our_own_refs_is_not_daf_butlers() -> None:
    from pytest_memstore import DatasetRef, DatasetType

    store = _ours({"reject": ["metric"]})
    ref = DatasetRef(DatasetType("metric", {"visit"}, "StructuredDataDict"), {"visit": 1})
    with pytest.raises(pytest_memstore.DatasetTypeNotSupportedError) as caught:
        store.put({}, ref)
    assert not isinstance(caught.value, butler.DatasetTypeNotSupportedError)


class NotQuiteARef:
    id = uuid.uuid4()
    run = "r"


def test_something_that_is_not_a_ref_is_a_type_error_naming_what_it_lacks() -> None:
    store = _ours()
    with pytest.raises(TypeError, match=r"put expects a DatasetRef; got .*NotQuiteARef, which "
                                        r"lacks datasetType .*, dataId"):
        store.put({}, NotQuiteARef())
    with pytest.raises(TypeError, match=r"item 1 is a .*NotQuiteARef, which lacks datasetType"):
        store.trash([make_ref(), NotQuiteARef()])


def test_a_data_coordinate_is_taken_as_a_data_id_of_our_refs() -> None:
    from pytest_memstore import DataId

    coordinate = make_ref().dataId
    assert DataId(coordinate) == {"instrument": "DummyCam", "detector": 1}


def test_assert_roundtrip_on_daf_butlers_storage_class_and_delegate() -> None:
    store = _ours(None)
    got = assert_roundtrip(store, metrics(), make_ref(), parameters={"slice": slice(1)})
    assert got.data == [563]


def test_copy_on_get_uses_daf_butlers_delegate() -> None:
    store = InMemoryDatastore(copy_on_put=True, copy_on_get=True)
    ref = make_ref()
    original = metrics()
    store.put(original, ref)
    original.data.append(0)
    first = store.get(ref)
    first.data.clear()
    assert store.get(ref) == metrics()


def test_the_plugin_reports_and_checks_daf_butler_refs(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_interop=textwrap.dedent(
            """
            import lsst.daf.butler as butler
            from lsst.daf.butler.tests import MetricsExample

            UNIVERSE = butler.DimensionUniverse()

            def make_ref(detector):
                sc = butler.StorageClass("PluginInteropMetrics", pytype=MetricsExample,
                                         delegate="lsst.daf.butler.tests.MetricsDelegate")
                dt = butler.DatasetType("metric", UNIVERSE.conform(["instrument", "detector"]),
                                        sc)
                return butler.DatasetRef(dt, {"instrument": "Cam", "detector": detector},
                                         run="r")

            def test_puts_and_gets(memstore):
                ref = make_ref(1)
                memstore.put(MetricsExample({}, {}, [1]), ref)
                assert memstore.get(ref).data == [1]

            def test_leaves_trash(memstore):
                ref = make_ref(2)
                memstore.put(MetricsExample({}, {}, [1]), ref)
                memstore.trash(ref)
            """
        )
    )
    result = pytester.runpytest("--memstore-report=term", "--memstore-strict", "-p",
                                "no:randomly")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        ["*test_leaves_trash*", "*memstore was left with 1 dataset(s) in the trash*"]
    )


def test_our_own_objects_never_import_daf_butler() -> None:
    script = textwrap.dedent(
        """
        import sys
        from pytest_memstore import DatasetRef, DatasetType, InMemoryDatastore
        store = InMemoryDatastore()
        ref = DatasetRef(DatasetType("m", {"visit"}, "StructuredDataDict"), {"visit": 1})
        store.put({"a": 1}, ref)
        store.get(ref)
        store.trash(ref)
        store.emptyTrash()
        print(sorted(name for name in sys.modules if name.startswith("lsst")))
        """
    )
    output = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True,
                            text=True).stdout
    assert output.strip() == "[]"
