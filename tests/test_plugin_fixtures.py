"""The plugin's fixtures and hooks, used as a downstream test suite uses them.

Behaviour inside one test is checked by using the fixtures here directly (the
plugin is installed, so this suite gets them like any other); what spans
tests, conftests or the entry point runs an inner pytest with ``pytester``.
"""

from __future__ import annotations

import uuid

import pytest

from pytest_memstore import (
    DatasetType,
    DatasetTypeNotSupportedError,
    DimensionNameError,
    ExampleMetrics,
    InMemoryButler,
    InMemoryDatastore,
    RefFactory,
    StorageClass,
    StorageClassFactory,
    StoreFactory,
    default_storage_classes,
)

DUMMY = {"instrument": "DummyCam", "visit": 1}


# -- the fixtures, used directly --------------------------------------------------


def test_fixtures_give_the_documented_types(
    memstore: InMemoryDatastore,
    memstore_factory: StoreFactory,
    memstore_ref: RefFactory,
    memstore_storage_classes: StorageClassFactory,
) -> None:
    assert type(memstore) is InMemoryDatastore
    assert memstore.records == {}
    assert memstore.bridge.known_ids == frozenset()
    assert isinstance(memstore_factory, StoreFactory)
    assert isinstance(memstore_ref, RefFactory)
    assert isinstance(memstore_storage_classes, StorageClassFactory)


def test_memstore_storage_classes_hold_the_defaults(
    memstore_storage_classes: StorageClassFactory,
) -> None:
    assert set(default_storage_classes()) <= set(memstore_storage_classes)
    for name in ("Integer", "StructuredDataDict", "SliceableList", "ExampleComposite"):
        assert (
            memstore_storage_classes.getStorageClass(name)
            == default_storage_classes().getStorageClass(name)
        )


def test_memstore_without_a_marker_has_the_default_options(memstore: InMemoryDatastore) -> None:
    assert memstore.name.startswith("InMemoryDatastore@")
    assert memstore.copy_on_put is False
    assert memstore.copy_on_get is False


def test_memstore_factory_builds_new_stores_for_the_same_test(
    memstore: InMemoryDatastore, memstore_factory: StoreFactory, memstore_ref: RefFactory
) -> None:
    first = memstore_factory()
    second = memstore_factory(name="second", copy_on_get=True)
    assert len({id(memstore), id(first), id(second)}) == 3
    assert len({memstore.name, first.name, second.name}) == 3
    assert second.name == "second"
    assert second.copy_on_get is True
    assert first.copy_on_get is False
    ref = memstore_ref("metric", DUMMY)
    first.put({"a": 1}, ref)
    assert not memstore.exists(ref)
    assert not second.exists(ref)


def test_memstore_factory_passes_constraints(
    memstore_factory: StoreFactory, memstore_ref: RefFactory
) -> None:
    store = memstore_factory(constraints={"reject": ["calexp"]})
    store.put({"a": 1}, memstore_ref("metric", DUMMY))
    with pytest.raises(DatasetTypeNotSupportedError):
        store.put({"a": 1}, memstore_ref("calexp", DUMMY))


def test_memstore_factory_rejects_an_unknown_option_by_name(
    memstore_factory: StoreFactory,
) -> None:
    with pytest.raises(TypeError, match=r"unknown option\(s\) \['copy_on_gets'\]"):
        memstore_factory(copy_on_gets=True)
    with pytest.raises(TypeError, match="storageClasses"):
        memstore_factory(storageClasses=default_storage_classes())


BAD_VALUES = [
    ({"name": 5}, TypeError, "option name=5 must be a non-empty str, or None for a name of its "
                             "own (got int)"),
    ({"name": ""}, TypeError, "option name='' must be a non-empty str"),
    ({"constraints": "x"}, TypeError, "option constraints='x' must be a mapping like "),
    ({"constraints": {"acept": ["raw"]}}, ValueError,
     "option constraints={'acept': ['raw']} is not valid: constraints: unknown key(s) ['acept']"),
    ({"constraints": {"accept": [5]}}, ValueError,
     "option constraints={'accept': [5]} is not valid: Constraint accept entry 5 is not valid"),
    ({"copy_on_put": "yes"}, TypeError, "option copy_on_put='yes' must be True or False (got str)"),
    ({"copy_on_get": 1}, TypeError, "option copy_on_get=1 must be True or False (got int)"),
]


@pytest.mark.parametrize(("options", "error", "says"), BAD_VALUES)
def test_memstore_factory_rejects_a_bad_value_naming_the_option(
    memstore_factory: StoreFactory, options: dict[str, object], error: type[Exception], says: str
) -> None:
    with pytest.raises(error) as info:
        memstore_factory(**options)
    assert str(info.value).startswith("memstore_factory: " + says)


def test_memstore_ref_defaults(memstore_ref: RefFactory) -> None:
    ref = memstore_ref("metric", DUMMY)
    assert ref.datasetType.name == "metric"
    assert ref.datasetType.storageClass.name == "StructuredDataDict"
    assert ref.datasetType.dimensions == frozenset({"instrument", "visit"})
    assert ref.dataId == DUMMY
    assert ref.run == "memstore"
    assert isinstance(ref.id, uuid.UUID)
    assert memstore_ref("metric", DUMMY).id != ref.id


def test_memstore_ref_without_a_data_id_has_no_dimensions(memstore_ref: RefFactory) -> None:
    ref = memstore_ref("camera")
    assert ref.dataId == {}
    assert ref.datasetType.dimensions == frozenset()


def test_memstore_ref_honours_dimensions_run_and_id(memstore_ref: RefFactory) -> None:
    dataset_id = uuid.uuid4()
    ref = memstore_ref(
        "metric", DUMMY, "Integer", dimensions=["instrument"], run="my/run", id=dataset_id
    )
    assert ref.datasetType.dimensions == frozenset({"instrument"})
    assert ref.dataId == DUMMY  # extra keys are kept
    assert ref.datasetType.storageClass.name == "Integer"
    assert ref.run == "my/run"
    assert ref.id == dataset_id
    assert memstore_ref("metric", DUMMY, run="other/run").run == "other/run"


def test_memstore_ref_with_a_dimension_missing_from_the_data_id(
    memstore_ref: RefFactory,
) -> None:
    with pytest.raises(DimensionNameError, match="exposure"):
        memstore_ref("metric", DUMMY, dimensions=["instrument", "exposure"])


def test_a_missing_dimension_is_one_error_class_for_refs_and_the_butler(
    memstore_ref: RefFactory, memstore_butler: InMemoryButler
) -> None:
    with pytest.raises(DimensionNameError) as from_ref:
        memstore_ref("metric", DUMMY, dimensions=["instrument", "exposure"])
    memstore_butler.registry.registerDatasetType(
        DatasetType("metric", ["instrument", "exposure"], "StructuredDataDict")
    )
    with pytest.raises(DimensionNameError) as from_butler:
        memstore_butler.put({"a": 1}, "metric", DUMMY)
    assert type(from_ref.value) is type(from_butler.value)


def test_memstore_ref_resolves_names_through_this_tests_storage_classes(
    memstore_ref: RefFactory, memstore_storage_classes: StorageClassFactory
) -> None:
    with pytest.raises(KeyError, match="Thing"):
        memstore_ref("metric", DUMMY, "Thing")
    thing = StorageClass("Thing", dict)
    memstore_storage_classes.registerStorageClass(thing)
    assert memstore_ref("metric", DUMMY, "Thing").datasetType.storageClass is thing


def test_memstore_ref_accepts_a_storage_class_object(memstore_ref: RefFactory) -> None:
    unregistered = StorageClass("Unregistered", list)
    assert memstore_ref("metric", DUMMY, unregistered).datasetType.storageClass is unregistered


def test_memstore_ref_with_a_component_name_gives_a_component_ref(
    memstore: InMemoryDatastore, memstore_ref: RefFactory
) -> None:
    dataset_id = uuid.uuid4()
    composite = memstore_ref("metric", DUMMY, "ExampleComposite", id=dataset_id)
    summary = memstore_ref("metric.summary", DUMMY, "ExampleComposite", id=dataset_id)

    assert summary.isComponent()
    assert summary.datasetType.name == "metric.summary"
    assert summary.datasetType.component() == "summary"
    assert summary.datasetType.storageClass.name == "StructuredDataDict"
    assert summary == composite.makeComponentRef("summary")
    assert summary.makeCompositeRef() == composite

    memstore.put(ExampleMetrics(summary={"AM1": 5.2}, data=[1, 2, 3]), composite)
    assert memstore.get(summary) == {"AM1": 5.2}
    counter = memstore_ref("metric.counter", DUMMY, "ExampleComposite", id=dataset_id)
    assert memstore.get(counter) == 3


def test_memstore_ref_with_an_unknown_component(memstore_ref: RefFactory) -> None:
    with pytest.raises(KeyError, match="nonsense"):
        memstore_ref("metric.nonsense", DUMMY, "ExampleComposite")
    with pytest.raises(ValueError, match=r"a\.b\.c"):
        memstore_ref("a.b.c", DUMMY, "ExampleComposite")


def test_get_resolves_a_storage_class_registered_in_this_test(
    memstore: InMemoryDatastore,
    memstore_factory: StoreFactory,
    memstore_ref: RefFactory,
    memstore_storage_classes: StorageClassFactory,
) -> None:
    as_tuple = StorageClass("AsTuple", tuple, converters={list: tuple})
    memstore_storage_classes.registerStorageClass(as_tuple)
    ref = memstore_ref("table", DUMMY, "SliceableList")
    other = memstore_factory()
    for store in (memstore, other):
        store.put([1, 2, 3], ref)
        assert store.get(ref, storageClass="AsTuple") == (1, 2, 3)


def test_get_resolves_default_storage_class_names(
    memstore: InMemoryDatastore, memstore_ref: RefFactory
) -> None:
    ref = memstore_ref("table", DUMMY, "SliceableList")
    memstore.put([1, 2, 3], ref)
    with pytest.raises(KeyError, match="AsTuple"):
        memstore.get(ref, storageClass="AsTuple")
    assert memstore.get(ref.makeComponentRef("counter"), storageClass="Integer") == 3


# -- the marker, applied --------------------------------------------------------


@pytest.mark.memstore(
    name="marked", constraints={"reject": ["calexp"]}, copy_on_put=True, copy_on_get=True
)
def test_the_marker_configures_memstore(
    memstore: InMemoryDatastore, memstore_ref: RefFactory
) -> None:
    assert memstore.name == "marked"
    assert memstore.copy_on_put is True
    assert memstore.copy_on_get is True

    with pytest.raises(DatasetTypeNotSupportedError):
        memstore.put({"a": 1}, memstore_ref("calexp", DUMMY))
    assert memstore.records == {}

    ref = memstore_ref("metric", DUMMY)
    original = {"a": [1]}
    memstore.put(original, ref)
    original["a"].append(2)  # copy_on_put: the store kept its own copy
    got = memstore.get(ref)
    got["a"].append(3)  # copy_on_get: the caller got a copy
    assert memstore.get(ref) == {"a": [1]}


@pytest.mark.memstore(name="marked", copy_on_get=True, constraints={"accept": ["metric"]})
def test_the_marker_gives_memstore_factory_its_defaults(
    memstore_factory: StoreFactory, memstore_ref: RefFactory
) -> None:
    # Every option but the name: two stores of one test never share a name.
    assert memstore_factory.defaults == {
        "copy_on_get": True, "constraints": {"accept": ["metric"]}
    }
    default = memstore_factory()
    assert default.name.startswith("InMemoryDatastore@")
    assert default.copy_on_get is True
    assert not default.constraints.isAcceptable(memstore_ref("calexp", DUMMY))

    overridden = memstore_factory(name="other", constraints=None)
    assert overridden.name == "other"
    assert overridden.copy_on_get is True  # kept from the marker
    overridden.put({"a": 1}, memstore_ref("calexp", DUMMY))


def test_memstore_factory_without_a_marker_has_no_defaults(memstore_factory: StoreFactory) -> None:
    assert memstore_factory.defaults == {}


@pytest.mark.memstore(name="class-level", copy_on_put=True)
class TestMarkerOnAClass:
    def test_applies_to_methods(self, memstore: InMemoryDatastore) -> None:
        assert memstore.name == "class-level"
        assert memstore.copy_on_put is True

    @pytest.mark.memstore(name="method-level")
    def test_the_closest_marker_wins(self, memstore: InMemoryDatastore) -> None:
        assert memstore.name == "method-level"


# -- across tests, conftests and the entry point (inner runs) ------------------


def test_fixtures_need_no_registration(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from pytest_memstore import InMemoryDatastore, StorageClassFactory

        def test_all(memstore, memstore_factory, memstore_ref, memstore_storage_classes):
            assert isinstance(memstore, InMemoryDatastore)
            assert isinstance(memstore_factory(), InMemoryDatastore)
            assert isinstance(memstore_storage_classes, StorageClassFactory)
            ref = memstore_ref("metric", {"visit": 1})
            memstore.put({"a": 1}, ref)
            assert memstore.get(ref) == {"a": 1}
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)


def test_fixtures_are_listed_as_function_scoped(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--fixtures")
    result.stdout.fnmatch_lines(
        [
            "*fixtures defined from pytest_memstore.fixtures*",
            "memstore_storage_classes -- *fixtures.py:*",
            "    Storage classes for this test*",
            "memstore -- *fixtures.py:*",
            "    A fresh `InMemoryDatastore`*",
            "memstore_factory -- *fixtures.py:*",
            "    Build more stores for this test*",
            "memstore_ref -- *fixtures.py:*",
            "    Build resolved refs*",
        ]
    )


def test_no_two_tests_share_a_store_a_factory_or_storage_classes(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        from pytest_memstore import StorageClass

        SEEN = []

        def test_first(memstore, memstore_factory, memstore_ref, memstore_storage_classes):
            built = memstore_factory()
            ref = memstore_ref("metric", {"visit": 1})
            memstore.put({"a": 1}, ref)
            built.put({"a": 1}, ref)
            memstore_storage_classes.registerStorageClass(StorageClass("Mine", dict))
            memstore.storageClasses.registerStorageClass(StorageClass("OnTheStore", dict))
            memstore_ref.storageClasses.registerStorageClass(StorageClass("OnTheRefs", dict))
            SEEN.extend([memstore, memstore_factory, built, memstore_ref, memstore_storage_classes])

        def test_second(memstore, memstore_factory, memstore_ref, memstore_storage_classes):
            built = memstore_factory()
            mine = [memstore, memstore_factory, built, memstore_ref, memstore_storage_classes]
            assert not any(a is b for a in mine for b in SEEN)
            assert memstore.records == {} and built.records == {}
            for name in ("Mine", "OnTheStore", "OnTheRefs"):
                assert name not in memstore_storage_classes
                assert name not in memstore.storageClasses
                assert name not in built.storageClasses

        def test_third_without_memstore_storage_classes(memstore, memstore_factory):
            built = memstore_factory()
            # One factory per test, shared by the test's stores.
            assert built.storageClasses is memstore.storageClasses
            assert "OnTheStore" not in memstore.storageClasses
            memstore.storageClasses.registerStorageClass(StorageClass("OnTheStore", dict))

        def test_fourth_without_memstore_storage_classes(memstore):
            assert "OnTheStore" not in memstore.storageClasses
        """
    )
    result = pytester.runpytest("-p", "no:randomly")  # the checks need the file's order
    result.assert_outcomes(passed=4)


def test_in_one_test_the_fixtures_share_the_storage_classes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_one(memstore, memstore_factory, memstore_ref, memstore_storage_classes):
            assert memstore.storageClasses is memstore_storage_classes
            assert memstore_factory().storageClasses is memstore_storage_classes
            assert memstore_ref.storageClasses is memstore_storage_classes
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_entry_point_loads_the_plugin(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_it(memstore): assert memstore.records == {}")
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["plugins:*memstore-*"])


def test_no_memstore_disables_the_plugin(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import sys

        def test_it(memstore):
            pass

        def test_not_loaded():
            assert "pytest_memstore.plugin" not in sys.modules
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:memstore")
    result.assert_outcomes(errors=1, passed=1)
    result.stdout.fnmatch_lines(["*fixture 'memstore' not found*"])
    unknown = pytester.runpytest_subprocess("-p", "no:memstore", "--memstore-report")
    assert unknown.ret == pytest.ExitCode.USAGE_ERROR
    unknown.stderr.fnmatch_lines(["*unrecognized arguments: --memstore-report*"])


HOOKS_CONFTEST = """
import pytest

from pytest_memstore import StorageClass

def pytest_memstore_register_storage_classes(factory):
    factory.registerStorageClass(StorageClass("FromConftest", list))

def pytest_memstore_store_created(store, request):
    request.node.user_properties.append(("created", store.name))
"""

HOOKS_SUITE = """
import sys

def test_plain():
    pass

def test_with_fixtures(memstore, memstore_storage_classes, request):
    assert "FromConftest" in memstore_storage_classes
    assert request.node.user_properties == [("created", memstore.name)]
"""


def test_a_conftest_implementing_the_hooks_loads_with_the_plugin_off(
    pytester: pytest.Pytester,
) -> None:
    """``-p no:memstore`` with the hooks page's conftest: no "unknown hook" error."""
    pytester.makeconftest(HOOKS_CONFTEST)
    pytester.makepyfile(test_plain="def test_plain():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:memstore")
    output = result.stdout.str() + result.stderr.str()
    assert "INTERNALERROR" not in output and "unknown hook" not in output
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=1)


def test_the_hooks_entry_point_off_leaves_the_plugin_working(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(HOOKS_CONFTEST)
    pytester.makepyfile(test_suite=HOOKS_SUITE)
    for args in ([], ["-p", "no:memstore_hooks"]):
        result = pytester.runpytest_subprocess(*args)
        result.assert_outcomes(passed=2)


def test_both_entry_points_off_needs_optional_hookimpls(pytester: pytest.Pytester) -> None:
    """As the hooks page says: with both off, mark the conftest's hooks optional."""
    pytester.makeconftest(
        """
        import pytest

        @pytest.hookimpl(optionalhook=True)
        def pytest_memstore_register_storage_classes(factory):
            raise AssertionError("never called")

        @pytest.hookimpl(optionalhook=True)
        def pytest_memstore_store_created(store, request):
            raise AssertionError("never called")
        """
    )
    pytester.makepyfile(test_plain="def test_plain():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:memstore", "-p", "no:memstore_hooks")
    result.assert_outcomes(passed=1)


def test_the_hooks_entry_point_declares_hooks_and_implements_none() -> None:
    from importlib.metadata import entry_points

    from pytest_memstore import declare_hooks, hooks

    points = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert points["memstore"] == "pytest_memstore.plugin"
    assert points["memstore_hooks"] == "pytest_memstore.declare_hooks"
    assert [name for name in vars(declare_hooks) if name.startswith("pytest_")] == [
        "pytest_addhooks"
    ]
    specs = [name for name in vars(hooks) if name.startswith("pytest_memstore_")]
    assert specs == [
        "pytest_memstore_register_storage_classes",
        "pytest_memstore_store_created",
        "pytest_memstore_butler_created",
    ]
    for name in specs:
        assert getattr(getattr(hooks, name), "pytest_spec", None) is not None


# -- hooks ----------------------------------------------------------------------

REGISTERING_CONFTEST = """
from pytest_memstore import StorageClass

def pytest_memstore_register_storage_classes(factory):
    factory.registerStorageClass(StorageClass({name!r}, tuple, converters={{list: tuple}}))
"""


def test_register_storage_classes_hook_adds_classes(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(REGISTERING_CONFTEST.format(name="FromHook"))
    pytester.makepyfile(
        """
        def test_visible(memstore, memstore_ref, memstore_storage_classes):
            assert "FromHook" in memstore_storage_classes
            assert "StructuredDataDict" in memstore_storage_classes
            ref = memstore_ref("pair", {"visit": 1}, "FromHook")
            assert ref.datasetType.storageClass.name == "FromHook"
            memstore.put([1, 2], ref)
            assert memstore.get(ref) == (1, 2)

        def test_by_name_in_get(memstore, memstore_ref):
            ref = memstore_ref("table", {"visit": 1}, "SliceableList")
            memstore.put([1, 2], ref)
            assert memstore.get(ref, storageClass="FromHook") == (1, 2)
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_register_storage_classes_hook_follows_conftest_scope(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(REGISTERING_CONFTEST.format(name="Everywhere"))
    pytester.mkpydir("a")
    pytester.mkpydir("b")
    pytester.makepyfile(
        **{
            "a/conftest": REGISTERING_CONFTEST.format(name="OnlyInA"),
            "a/test_a": """
                def test_a(memstore_storage_classes, memstore_ref):
                    assert "Everywhere" in memstore_storage_classes
                    assert "OnlyInA" in memstore_storage_classes
                    memstore_ref("x", {}, "OnlyInA")
            """,
            "b/test_b": """
                import pytest

                def test_b(memstore_storage_classes, memstore_ref, memstore):
                    assert "Everywhere" in memstore_storage_classes
                    assert "OnlyInA" not in memstore_storage_classes
                    assert "OnlyInA" not in memstore.storageClasses
                    with pytest.raises(KeyError, match="OnlyInA"):
                        memstore_ref("x", {}, "OnlyInA")
            """,
        }
    )
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["a/test_a.py::test_a PASSED*", "b/test_b.py::test_b PASSED*"])


def test_register_storage_classes_hook_runs_once_per_directory(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        CALLS = []

        def pytest_memstore_register_storage_classes(factory):
            CALLS.append(factory)

        def pytest_sessionfinish(session):
            print(f"\\nregister calls: {len(CALLS)}")
        """
    )
    pytester.makepyfile(
        test_one="""
            def test_1(memstore): pass
            def test_2(memstore_storage_classes): pass
        """,
        test_two="def test_3(memstore_ref, memstore_factory): memstore_factory()",
    )
    pytester.mkdir("sub")
    pytester.makepyfile(**{"sub/test_three": "def test_4(memstore): pass"})
    result = pytester.runpytest("-s")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["register calls: 2"])


STORE_CREATED_CONFTEST = """
def pytest_memstore_store_created(store, request):
    request.node.user_properties.append(("store_created", store, request))
"""


def test_store_created_hook_sees_every_store_with_the_tests_request(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(STORE_CREATED_CONFTEST)
    pytester.makepyfile(
        """
        import pytest

        def created(request):
            return [entry[1:] for entry in request.node.user_properties
                    if entry[0] == "store_created"]

        @pytest.fixture
        def prepared(memstore):
            return memstore

        def test_stores(memstore, memstore_factory, request):
            first = memstore_factory()
            second = memstore_factory(name="second")
            seen = created(request)
            assert [store for store, _ in seen] == [memstore, first, second]
            assert all(a is b for a, b in zip([s for s, _ in seen], [memstore, first, second]))
            for _, hook_request in seen:
                assert isinstance(hook_request, pytest.FixtureRequest)
                assert hook_request.node is request.node
                assert hook_request.function is test_stores
            # Each store's hook call gets the request of the fixture that built it.
            assert [r.fixturename for _, r in seen] == [
                "memstore", "memstore_factory", "memstore_factory"
            ]

        def test_through_another_fixture(prepared, request):
            [(store, hook_request)] = created(request)
            assert store is prepared
            assert hook_request.node is request.node
            assert hook_request.fixturename == "memstore"

        def test_without_stores(memstore_ref, memstore_storage_classes, memstore_factory, request):
            assert created(request) == []
        """
    )
    pytester.runpytest().assert_outcomes(passed=3)


def test_store_created_hook_follows_conftest_scope(pytester: pytest.Pytester) -> None:
    pytester.mkpydir("a")
    pytester.mkpydir("b")
    pytester.makepyfile(
        **{
            "a/conftest": STORE_CREATED_CONFTEST,
            "a/test_a": """
                def test_a(memstore, request):
                    assert len(request.node.user_properties) == 1
            """,
            "b/test_b": """
                def test_b(memstore, request):
                    assert request.node.user_properties == []
            """,
        }
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_without_a_created_hook_no_memstore_hook_runs_for_each_fixture(
    pytester: pytest.Pytester,
) -> None:
    """The cost of the ``*_created`` hooks is paid only by sessions that implement one."""
    pytester.makepyfile(
        """
        def test_fixture_setup_hooks(memstore, request):
            hook = request.config.pluginmanager.hook.pytest_fixture_setup
            names = [request.config.pluginmanager.get_name(impl.plugin)
                     for impl in hook.get_hookimpls()]
            assert [name for name in names if "memstore" in name] == []
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_a_created_hook_of_a_plugin_registered_later_gets_the_request(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(
        """
        class LatePlugin:
            def pytest_memstore_butler_created(self, butler, request):
                request.node.user_properties.append(("butler_created", request.fixturename))

        def pytest_configure(config):
            config.pluginmanager.register(LatePlugin(), "late")
        """
    )
    pytester.makepyfile(
        """
        def test_butler(memstore_butler, request):
            assert request.node.user_properties == [("butler_created", "memstore_butler")]
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_the_hook_docstring_examples_run(pytester: pytest.Pytester) -> None:
    """Each hookspec's docstring example, pasted into a conftest.py, works."""
    import inspect
    import textwrap

    from pytest_memstore import hooks

    examples = []
    for spec in (hooks.pytest_memstore_register_storage_classes,
                 hooks.pytest_memstore_store_created):
        doc = inspect.getdoc(spec) or ""
        assert "Examples\n--------\nIn a ``conftest.py``::" in doc, spec.__name__
        examples.append(textwrap.dedent(doc.split("::\n", 1)[1]))
    pytester.makeconftest(
        "\n".join(examples)
        + textwrap.dedent(
            """
            @pytest.fixture
            def defects_ref(memstore_ref):
                return memstore_ref("defects", {"instrument": "X"}, "SliceableList")
            """
        )
    )
    pytester.makepyfile(
        """
        def test_examples(memstore, memstore_storage_classes, defects_ref):
            assert {"Catalog", "SourceTable"} <= set(memstore_storage_classes)
            assert memstore.get(defects_ref) == [] and memstore.copy_on_get
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_store_created_hook_can_prepare_the_store(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import uuid

        import pytest

        BIAS_ID = uuid.UUID(int=7)

        @pytest.fixture
        def bias_ref(memstore_ref):
            return memstore_ref("bias", {"instrument": "X"}, run="calib", id=BIAS_ID)

        def pytest_memstore_store_created(store, request):
            store.put({"level": 3}, request.getfixturevalue("bias_ref"))
            store.copy_on_get = True
        """
    )
    pytester.makepyfile(
        """
        def test_prepared(memstore, memstore_factory, bias_ref):
            for store in (memstore, memstore_factory()):
                assert store.get(bias_ref) == {"level": 3}
                store.get(bias_ref)["level"] = 4
                assert store.get(bias_ref) == {"level": 3}

        def test_without_the_fixture_requested(memstore):
            assert len(memstore.records) == 1
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)
