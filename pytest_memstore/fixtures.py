"""The fixtures, and what they do for each test: options, shared state, the end-of-test checks.

`SessionFixtures` holds the fixtures of one session; the plugin registers it
at configure time. A test's ``memstore*`` fixtures share one `_TestState`:
its storage classes and the stores it built. When a test that built stores
ends, `_finish` applies the session's policy to them: it raises for changed
stored objects, adds the test's row to the report, and fails the test in
strict mode if it left problems.
"""

from __future__ import annotations

__all__ = ["FailureLogs", "SessionFixtures", "check_markers"]

import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from .session import SessionState, is_xdist_worker

# The datastore, the factories and the report's per-test rows are imported when a
# test first needs them, not with the plugin: a session whose tests use no memstore
# fixture never imports them.
if TYPE_CHECKING:
    from .butler.butler import InMemoryButler
    from .core.model import DatasetType
    from .core.storage_factory import StorageClassFactory
    from .datastore.store import InMemoryDatastore
    from .factories import ButlerFactory, RefFactory, StoreFactory
    from .report import TestUsage

    _F = TypeVar("_F", StoreFactory, ButlerFactory)


def check_markers(session: pytest.Session, items: list[pytest.Item]) -> None:
    """Check the options of every ``memstore`` marker of the collected tests.

    Raises
    ------
    pytest.UsageError
        Some markers have positional arguments, an unknown option or a bad
        value: one message per bad marker (pytest shows each on an
        ``ERROR:`` line of its own), naming the first test it is on and
        how many more it applies to (a class's marker, a parametrized
        test's). On an xdist worker, the session also gets them as its stop
        reason: the controller never sees a worker's `pytest.UsageError`,
        but shows a stop reason.
    """
    bad: dict[int, tuple[pytest.Mark, str, list[str]]] = {}  # by id(marker); the mark kept alive
    inherited: dict[int, list[pytest.Mark]] = {}  # by id(collector): its and its parents' markers
    for item in items:
        for marker in _markers_of(item, inherited):
            found = bad.get(id(marker))
            if found is not None:
                found[2].append(item.nodeid)
                continue
            try:
                _check_marker(marker, item.nodeid)
            except pytest.UsageError as err:
                bad[id(marker)] = (marker, str(err), [])
    if not bad:
        return
    messages = [
        message + (f"; the marker is on {len(more)} more test{'s' * (len(more) > 1)}"
                   if more else "")
        for _, message, more in bad.values()
    ]
    if is_xdist_worker(session.config):
        session.shouldstop = "\n".join(messages)
    raise pytest.UsageError(*messages)


def _markers_of(item: pytest.Item, inherited: dict[int, list[pytest.Mark]]) -> list[pytest.Mark]:
    """Return the ``memstore`` markers on ``item`` and its parents, as ``iter_markers`` would.

    Each collector's are worked out once, in ``inherited``: ``item.iter_markers``
    walks every parent again for every test.
    """
    own = [marker for marker in item.own_markers if marker.name == "memstore"]
    above = [] if item.parent is None else _collector_markers(item.parent, inherited)
    return own + above if own else above


def _collector_markers(
    collector: pytest.Collector, inherited: dict[int, list[pytest.Mark]]
) -> list[pytest.Mark]:
    """Return the ``memstore`` markers on ``collector`` and its parents, kept in ``inherited``."""
    found = inherited.get(id(collector))
    if found is None:
        parent = collector.parent
        above = [] if parent is None else _collector_markers(parent, inherited)
        mine = [marker for marker in collector.own_markers if marker.name == "memstore"]
        found = inherited[id(collector)] = mine + above if mine else above
    return found


def _check_marker(marker: pytest.Mark, nodeid: str) -> None:
    from .factories import BUTLER_OPTIONS, check_store_options

    if marker.args:
        raise pytest.UsageError(
            f"{nodeid}: @pytest.mark.memstore takes keyword options only "
            f"({', '.join(sorted(BUTLER_OPTIONS))}); got positional {marker.args!r}"
        )
    try:
        check_store_options(marker.kwargs, f"{nodeid}: @pytest.mark.memstore", BUTLER_OPTIONS)
    except (TypeError, ValueError) as err:
        raise pytest.UsageError(str(err)) from None


def _marker_options(item: pytest.Item) -> dict[str, Any]:
    # item.get_closest_marker("memstore"), written out: the nearest node's
    # own marker wins. Its generators cost a test's fixture a microsecond.
    node: pytest.Item | pytest.Collector | None = item
    while node is not None:
        for marker in node.own_markers:
            if getattr(marker, "name", None) == "memstore":
                _check_marker(marker, item.nodeid)
                return dict(marker.kwargs)
        node = node.parent
    return {}


def _finish(state: SessionState, item: pytest.Item, usage: TestUsage) -> None:
    """End a test that built tracked stores: the session's checks, then its report row.

    Changed stored objects that no ``get`` raised for are raised here (the
    first, naming its store as the report does, with how many more); in
    strict mode, the test's other problems fail it. A change a ``get``
    raised for is in the report but raised no more: the test saw it (and
    may have caught it, with ``pytest.raises``).
    The stores are let go: the item lives all session. Runs as a finalizer
    of the test, so what it raises is an error at teardown.
    """
    if not usage.stores:
        return
    mutations = usage.mutations()
    unraised = [(label, error) for label, error in mutations if not error.already_raised]
    counts: dict[str, int] = {}
    problems: list[tuple[str, str]] = []
    if state.report_types or state.strict:
        counts, problems = usage.summarize(state.repeated_get_threshold, mutations, item.nodeid)
    # Mutations are raised as themselves, and only those no get raised.
    unseen = [problem for problem in problems if problem[0] != "mutated"] if state.strict else []
    failing = bool(unraised or unseen)
    if failing and state.log_size:
        from .tools.store_tools import format_operation_logs

        usage.failure_log = format_operation_logs(usage.stores)
    usage.stores.clear()  # the item lives all session: do not keep its stores' data alive
    if state.report_types:
        state.report.add(item.nodeid, counts, problems)
    if unraised:
        label, first = unraised[0]
        more = f"\n({len(unraised) - 1} more changed)" if len(unraised) > 1 else ""
        first.args = (first.describe(label) + more,)
        raise first
    if unseen:
        details = "\n  ".join(f"[{kind}] {message}" for kind, message in unseen)
        pytest.fail(f"memstore strict mode: {item.nodeid} left\n  {details}", pytrace=False)


class _TestState:
    """What one test's fixtures share: its storage classes and tracked stores.

    One is made for every test that uses a ``memstore*`` fixture, so it is a
    plain class with slots, and ``factory_calls`` is made by the first
    factory fixture that labels a store.
    """

    __slots__ = ("factory_calls", "storage_classes", "usage")

    def __init__(self, storage_classes: StorageClassFactory) -> None:
        self.storage_classes = storage_classes
        self.usage: TestUsage | None = None
        self.factory_calls: dict[str, int] | None = None

    def next_label(self, fixture: str) -> str:
        """Return ``fixture#N`` for the N-th store a factory fixture builds in this test."""
        if self.factory_calls is None:
            self.factory_calls = {}
        calls = self.factory_calls[fixture] = self.factory_calls.get(fixture, 0) + 1
        return f"{fixture}#{calls}"


_STORE_FIXTURES = frozenset(
    {"memstore", "memstore_factory", "memstore_butler", "memstore_butler_factory"}
)
_CREATED_HOOKS = ("pytest_memstore_store_created", "pytest_memstore_butler_created")
_DEFAULT_RUN = "memstore"


def _split_options(options: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split marker or factory options into the store's and the butler's own."""
    if not options:
        return {}, {}
    from .factories import STORE_OPTIONS

    store = {k: v for k, v in options.items() if k in STORE_OPTIONS}
    butler = {k: v for k, v in options.items() if k not in STORE_OPTIONS}
    return store, butler


class _RequestTracker:
    """Keeps the request of each store-building fixture, for its ``*_created`` hook calls.

    Registered only once some plugin or ``conftest.py`` implements one of
    those hooks (`SessionFixtures.pytest_plugin_registered`): otherwise no
    hook of the plugin runs for every fixture of every test.
    """

    def __init__(self, fixtures: SessionFixtures) -> None:
        self.fixtures = fixtures

    @pytest.hookimpl(tryfirst=True)
    def pytest_fixture_setup(self, fixturedef: Any, request: pytest.FixtureRequest) -> None:
        """Keep the request of a store-building fixture.

        Returning `None` leaves the setup itself to pytest.
        """
        if fixturedef.argname in _STORE_FIXTURES:
            self.fixtures.request = request


class SessionFixtures:
    """The fixtures, bound to one session; registered by `pytest_configure`.

    No fixture takes ``request``: in pytest 9 that is some 75 more Python
    calls in every test's setup. The plugin learns the running test from
    ``pytest_runtest_setup``, which is where function-scoped fixtures are
    set up, and the request of the store- and butler-building fixtures (for
    the ``*_created`` hooks) from pytest's public ``pytest_fixture_setup``
    hook, called just before each fixture runs: a `_RequestTracker`,
    registered only once some plugin implements one of those hooks.
    """

    def __init__(self, state: SessionState) -> None:
        self.state = state
        self.item: pytest.Item | None = None
        self.test: _TestState | None = None
        self.request: pytest.FixtureRequest | None = None
        # Factories after the register hook: by directory (the hook's scope),
        # and by parent node, which is cheaper to look up than a path.
        self.shared_by_dir: dict[Path, StorageClassFactory] = {}
        self.shared_by_parent: dict[object, StorageClassFactory] = {}
        self.dataset_types: dict[tuple[str, frozenset[str], str], DatasetType] = {}
        self.hooks_by_parent: dict[object, Any] = {}
        self.tracker: _RequestTracker | None = None

    def pytest_plugin_registered(
        self, plugin: object, manager: pytest.PytestPluginManager
    ) -> None:
        """Start keeping fixture requests once a plugin implements a ``*_created`` hook.

        Also called, when this object is registered, for every plugin
        registered before it.
        """
        if self.tracker is not None:
            return
        for name in _CREATED_HOOKS:
            caller = getattr(manager.hook, name, None)
            if caller is not None and caller.get_hookimpls():
                self.tracker = _RequestTracker(self)
                manager.register(self.tracker, "memstore-request-tracker")
                return

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """Note the test whose fixtures are set up next; its state is made on first use."""
        self.item = item
        self.test = None

    def _setting_up(self) -> tuple[pytest.FixtureRequest | None, pytest.Item, _TestState]:
        """Return what a store-building fixture works with: its request, the test, its state.

        The request is taken: it belongs to the fixture being set up now.
        """
        request, self.request = self.request, None
        item = self._current()
        return request, item, self._test_state(item)

    def _current(self) -> pytest.Item:
        item = self.item
        if item is None:
            raise RuntimeError("memstore fixtures are only available to running tests")
        return item

    def _shared_storage_classes(self, item: pytest.Item) -> StorageClassFactory:
        """Return the factory shared by the tests of ``item``'s directory."""
        factory = self.shared_by_parent.get(item.parent)
        if factory is None:
            by_dir = self.shared_by_dir
            directory = item.path.parent
            factory = by_dir.get(directory)
            if factory is None:
                factory = self.state.base_storage_classes.copy()
                item.ihook.pytest_memstore_register_storage_classes(factory=factory)
                by_dir[directory] = factory
            self.shared_by_parent[item.parent] = factory
        return factory

    def _test_state(self, item: pytest.Item) -> _TestState:
        test = self.test
        if test is None:
            shared = self.shared_by_parent.get(item.parent) or self._shared_storage_classes(item)
            test = self.test = _TestState(shared.copy())
        return test

    def _build_store(
        self,
        request: pytest.FixtureRequest | None,
        item: pytest.Item,
        test: _TestState,
        options: Mapping[str, Any],
        label: str,
        storage_classes: StorageClassFactory | None = None,
    ) -> InMemoryDatastore:
        state = self.state
        if state.tracking:
            options = {**state.store_defaults, **options}
        store = self._store_class(
            storageClasses=storage_classes or test.storage_classes, **options
        )
        if state.tracking or options.get("detect_mutation"):
            self._usage(item, test).stores.append((options.get("name") or label, store))
        # No plugin has implemented a *_created hook while there is no tracker.
        if (
            self.tracker is not None
            and item.config.hook.pytest_memstore_store_created.get_hookimpls()
        ):
            self._hooks(item).pytest_memstore_store_created(
                store=store, request=_request_for_hook(request, "store_created")
            )
        return store

    def _hooks(self, item: pytest.Item) -> Any:
        """Return ``item.ihook``: the hooks of the plugins and conftests that apply to it.

        Kept for each parent node (a module, a class), whose items all get
        the same: pytest works it out anew on every access, which costs a
        test's fixture about a microsecond.
        """
        hooks = self.hooks_by_parent.get(item.parent)
        if hooks is None:
            hooks = self.hooks_by_parent[item.parent] = item.ihook
        return hooks

    def _usage(self, item: pytest.Item, test: _TestState) -> TestUsage:
        """Return the test's tracked stores, made (with the end-of-test checks) on first use."""
        usage = test.usage
        if usage is None:
            state = self.state
            usage = test.usage = self._usage_class()
            item.addfinalizer(lambda: _finish(state, item, usage))
        return usage

    def track_test_repo_butler(self, butler: InMemoryButler) -> None:
        """Count a test repository's store in the row of the test running now.

        The store is shared by the repository's butlers, across tests: the
        test is counted for what it does with it from now on.
        """
        item = self.item
        if item is None or not self.state.tracking:
            return
        self._usage(item, self._test_state(item)).add_shared("test_repo", butler.datastore)

    # The classes the fixtures build, imported when the first is built: an
    # import statement in a function costs about a microsecond each time.

    @functools.cached_property
    def _store_class(self) -> type[InMemoryDatastore]:
        """`InMemoryDatastore`, imported when the first store is built."""
        from .datastore.store import InMemoryDatastore

        return InMemoryDatastore

    @functools.cached_property
    def _butler_class(self) -> type[InMemoryButler]:
        """`InMemoryButler`, imported when the first butler is built."""
        from .butler.butler import InMemoryButler

        return InMemoryButler

    @functools.cached_property
    def _ref_factory_class(self) -> type[RefFactory]:
        """`RefFactory`, imported when ``memstore_ref`` is first used."""
        from .factories import RefFactory

        return RefFactory

    @functools.cached_property
    def _usage_class(self) -> type[TestUsage]:
        """The report's `TestUsage`, imported when the first test is tracked."""
        from .report import TestUsage

        return TestUsage

    @pytest.fixture
    def memstore_storage_classes(self) -> StorageClassFactory:
        """Storage classes for this test: defaults, ini entries and hook additions.

        Each test gets its own copy, shared with its ``memstore*`` fixtures:
        registering in it changes nothing for other tests.
        """
        return self._test_state(self._current()).storage_classes

    def _build_butler(
        self,
        request: pytest.FixtureRequest | None,
        item: pytest.Item,
        test: _TestState,
        options: Mapping[str, Any],
        label: str,
    ) -> InMemoryButler:
        store_options, butler_options = _split_options(options)
        universe = butler_options.get("universe") or self.state.butler_universe
        storage_classes: StorageClassFactory
        if universe == "none":
            storage_classes = test.storage_classes
            mode: dict[str, Any] = {"storageClasses": storage_classes}
        else:
            storage_classes = _daf_storage_classes(item, universe)
            mode = {"universe": universe}
        store = self._build_store(request, item, test, store_options, label, storage_classes)
        butler = self._butler_class(
            run=butler_options.get("run", _DEFAULT_RUN),
            collections=butler_options.get("collections"),
            datastore=store,
            **mode,
        )
        # No plugin has implemented a *_created hook while there is no tracker.
        if (
            self.tracker is not None
            and item.config.hook.pytest_memstore_butler_created.get_hookimpls()
        ):
            self._hooks(item).pytest_memstore_butler_created(
                butler=butler, request=_request_for_hook(request, "butler_created")
            )
        return butler

    @pytest.fixture
    def memstore(self) -> InMemoryDatastore:
        """A fresh `InMemoryDatastore`, configured by ``@pytest.mark.memstore(...)``."""
        request, item, test = self._setting_up()
        options = _marker_options(item)
        if options:
            options, _ = _split_options(options)
        return self._build_store(request, item, test, options, "memstore")

    @pytest.fixture
    def memstore_butler(self) -> InMemoryButler:
        """A fresh `InMemoryButler` over a fresh store, with run ``"memstore"``.

        ``@pytest.mark.memstore(run=..., collections=...)`` sets its run and
        default collections; the marker's other options configure its store.
        """
        request, item, test = self._setting_up()
        return self._build_butler(request, item, test, _marker_options(item), "memstore_butler")

    @pytest.fixture
    def memstore_butler_factory(self) -> ButlerFactory:
        """Build more butlers for this test: ``memstore_butler_factory(**options)``.

        Each gets a store of its own. The marker's options but ``name`` are
        the defaults; every store built is counted in the report.
        """
        from .factories import ButlerFactory

        return self._factory("memstore_butler_factory", ButlerFactory, self._build_butler)

    @pytest.fixture
    def memstore_factory(self) -> StoreFactory:
        """Build more stores for this test: ``memstore_factory(**options)``.

        The ``memstore`` marker's store options but ``name`` are the
        defaults; every store built is counted in the report.
        """
        from .factories import StoreFactory

        return self._factory("memstore_factory", StoreFactory, self._build_store)

    def _factory(self, fixture: str, factory: type[_F], build_one: Callable[..., Any]) -> _F:
        """Return the factory a ``*_factory`` fixture gives, with the marker's defaults."""
        request, item, test = self._setting_up()
        defaults = {k: v for k, v in _marker_options(item).items() if k in factory.allowed_options}
        defaults.pop("name", None)  # each store built gets a name of its own

        def build(**options: Any) -> Any:
            return build_one(request, item, test, options, test.next_label(fixture))

        return factory(build, defaults)

    @pytest.fixture
    def memstore_ref(self) -> RefFactory:
        """Build resolved refs: ``memstore_ref("metric", {"visit": 1}, "StructuredDataDict")``.

        Storage class names resolve through ``memstore_storage_classes``.
        """
        return self._ref_factory_class(
            self._test_state(self._current()).storage_classes, self.dataset_types
        )


def _daf_storage_classes(item: pytest.Item, universe: object) -> StorageClassFactory:
    """Return daf_butler's storage classes (one factory per process), for a daf-mode butler."""
    try:
        from .daf.storage import DafStorageClasses
    except ImportError as err:
        pytest.fail(
            f"{item.nodeid}: a butler with universe={universe!r} needs lsst-daf-butler, "
            f"which could not be imported ({err})",
            pytrace=False,
        )
    return DafStorageClasses()


def _request_for_hook(
    request: pytest.FixtureRequest | None, hook: str
) -> pytest.FixtureRequest:
    if request is None:
        raise RuntimeError(
            f"pytest_memstore_{hook}: no fixture request to pass; another plugin's "
            "pytest_fixture_setup set up the fixture by itself"
        )
    return request


class FailureLogs:
    """Attaches the fixture stores' operation logs to a failing test's report.

    Registered only when ``memstore_log_size`` is above 0.
    """

    def __init__(self, fixtures: SessionFixtures) -> None:
        self.fixtures = fixtures

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item) -> Any:
        """Add a ``memstore operations`` section to the report of a failing phase."""
        report = yield
        test = self.fixtures.test
        if report.failed and test is not None and test.usage is not None:
            usage = test.usage
            text = usage.failure_log
            if not text:
                from .tools.store_tools import format_operation_logs

                text = format_operation_logs(usage.stores)
            if text:
                report.sections.append(("memstore operations", text))
        return report
