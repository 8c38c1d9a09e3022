"""The pytest plugin: options, marker, fixtures and the report hooks.

Registered through the ``pytest11`` entry point as ``memstore``, so
``-p no:memstore`` disables it (the hooks stay declared by the
``memstore_hooks`` entry point, `declare_hooks`). The work is done by the
library modules; this module only connects them to pytest.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import pytest

from . import hooks
from .assertions import follow_verbosity
from .core.entries import EntryError, storage_classes_from_entries
from .core.model import DatasetType
from .core.storage import StorageClass, StorageClassFactory
from .datastore.store import InMemoryDatastore
from .factories import (
    BUTLER_OPTIONS,
    STORE_OPTIONS,
    ButlerFactory,
    RefFactory,
    StoreFactory,
    check_store_options,
)
from .report import Report, TestUsage, fit
from .tools.store_tools import DEFAULT_LOG_SIZE, format_operation_logs

if TYPE_CHECKING:
    from .butler.butler import InMemoryButler

_F = TypeVar("_F", StoreFactory, ButlerFactory)

REPORT_TYPES = ("term", "term-all", "json")
REPORT_NOT_WRITTEN = pytest.ExitCode.USAGE_ERROR
"""The exit status of a run that passed but could not write its JSON report.

pytest's own, for a report path it cannot use (``--junitxml`` naming a
directory). A run that already failed keeps its own status.
"""


def _report_type(value: str) -> tuple[str, str | None]:
    """Parse one ``--memstore-report`` value: ``term``, ``term-all`` or ``json:PATH``."""
    kind, separator, path = value.partition(":")
    if kind not in REPORT_TYPES:
        problem = "invalid report type"
    elif kind == "json" and not path:
        problem = "the json report needs a path"
    elif kind != "json" and separator:
        problem = f"the {kind} report takes no path"
    else:
        return kind, path or None
    raise argparse.ArgumentTypeError(
        f"{problem}: {value!r}; valid types: term, term-all, json:PATH"
    )


@attrs.define
class _SessionState:
    """What the plugin keeps for one pytest session (on ``config.stash``)."""

    report_types: list[tuple[str, str | None]]
    strict: bool
    base_storage_classes: StorageClassFactory
    detect_mutation: bool = False
    repeated_get_threshold: int = 0
    log_size: int = 0
    report: Report = attrs.Factory(Report)
    json_outcomes: list[str] = attrs.Factory(list)
    # Worked out once, from the above, for every store the fixtures build:
    # whether its test looks at it when it ends, and the tool options it gets.
    tracking: bool = attrs.field(init=False)
    store_defaults: dict[str, Any] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.tracking = bool(
            self.report_types
            or self.strict
            or self.detect_mutation
            or self.repeated_get_threshold
            or self.log_size
        )
        defaults: dict[str, Any] = {}
        if self.detect_mutation:
            defaults["detect_mutation"] = True
        if self.repeated_get_threshold:
            defaults["count_gets"] = True
        if self.log_size:
            defaults["log_size"] = self.log_size
        self.store_defaults = defaults


_STATE = pytest.StashKey[_SessionState]()


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:  # noqa: D103
    hooks.declare(pluginmanager)  # when the memstore_hooks entry point has not


def pytest_addoption(parser: pytest.Parser) -> None:  # noqa: D103
    group = parser.getgroup("memstore", "in-memory datastore fixtures (pytest-memstore)")
    group.addoption(
        "--memstore-report",
        action="append",
        nargs="?",
        const=("term", None),
        type=_report_type,
        dest="memstore_report",
        metavar="TYPE",
        default=[],
        help="report what the tests did with their stores; TYPE is term (default), "
        "term-all or json:PATH; may be given more than once",
    )
    group.addoption(
        "--memstore-strict",
        action="store_true",
        dest="memstore_strict",
        default=None,
        help="error at teardown in tests that leave trash unemptied or an inconsistent store",
    )
    parser.addini(
        "memstore_storage_classes",
        type="linelist",
        default=[],
        help="storage classes for the memstore fixtures: dotted names of mappings, "
        "StorageClass objects or callables taking the factory, or .json/.yaml config files",
    )
    parser.addini(
        "memstore_strict",
        type="bool",
        default=False,
        help="like --memstore-strict",
    )
    parser.addini(
        "memstore_detect_mutation",
        type="bool",
        default=False,
        help="fixture stores check that stored objects are not changed after put or get",
    )
    parser.addini(
        "memstore_repeated_get_threshold",
        default="0",
        help="a test that reads one dataset more than this many times gets a report "
        "problem (a strict-mode error); 0 turns the check off",
    )
    parser.addini(
        "memstore_log_size",
        default=str(DEFAULT_LOG_SIZE),
        help="how many operations each fixture store logs, shown with a failing test; "
        f"0 turns the log off (default {DEFAULT_LOG_SIZE})",
    )


def pytest_configure(config: pytest.Config) -> None:  # noqa: D103
    config.addinivalue_line(
        "markers",
        "memstore(name=None, constraints=None, copy_on_put=False, copy_on_get=False, "
        "detect_mutation=False, run='memstore', collections=None): options for the "
        "datastore the memstore fixture builds and the butler memstore_butler builds (and "
        "defaults for their factories); "
        "run and collections are the butler's",
    )
    strict = config.getoption("memstore_strict")
    if strict is None:
        strict = bool(config.getini("memstore_strict"))
    state = config.stash[_STATE] = _SessionState(
        report_types=list(config.getoption("memstore_report") or []),
        strict=strict,
        base_storage_classes=_ini_storage_classes(config),
        detect_mutation=bool(config.getini("memstore_detect_mutation")),
        repeated_get_threshold=_ini_count(config, "memstore_repeated_get_threshold"),
        log_size=_ini_count(config, "memstore_log_size"),
    )
    fixtures = _SessionFixtures(state)
    config.pluginmanager.register(fixtures, "memstore-fixtures")
    if state.log_size:
        # Only then: a report hook costs every test something.
        config.pluginmanager.register(_FailureLogs(fixtures), "memstore-failure-logs")
    # The assertion helpers show values whole at -vv, as pytest's own messages do.
    config.add_cleanup(follow_verbosity(config))


def _ini_count(config: pytest.Config, name: str) -> int:
    """Read an ini option that must be a whole number, 0 or more."""
    value = str(config.getini(name)).strip()
    try:
        count = int(value)
    except ValueError:
        count = -1
    if count < 0:
        raise pytest.UsageError(f"{name} must be a whole number, 0 or more; got {value!r}")
    return count


def _ini_storage_classes(config: pytest.Config) -> StorageClassFactory:
    """Build the defaults plus the ``memstore_storage_classes`` ini entries."""
    base = config.inipath.parent if config.inipath is not None else config.rootpath
    try:
        return storage_classes_from_entries(config.getini("memstore_storage_classes"), base)
    except EntryError as err:
        raise pytest.UsageError(f"memstore_storage_classes: {err}") from err


def pytest_collection_modifyitems(  # noqa: D103
    session: pytest.Session, items: list[pytest.Item]
) -> None:
    for item in items:
        for marker in item.iter_markers("memstore"):
            try:
                _check_marker(marker, item.nodeid)
            except pytest.UsageError as err:
                if _is_xdist_worker(session.config):
                    # The controller never sees a worker's UsageError; a stop reason reaches it.
                    session.shouldstop = str(err)
                raise


def _check_marker(marker: pytest.Mark, nodeid: str) -> None:
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
    marker = item.get_closest_marker("memstore")
    if marker is None:
        return {}
    _check_marker(marker, item.nodeid)
    return dict(marker.kwargs)


def _finish(state: _SessionState, item: pytest.Item, usage: TestUsage) -> None:
    if not usage.stores:
        return
    mutations = usage.mutations()
    unraised = [error for _, error in mutations if not error.already_raised]
    counts: dict[str, int] = {}
    problems: list[tuple[str, str]] = []
    if state.report_types or state.strict:
        counts, problems = usage.summarize(state.repeated_get_threshold, mutations)
    failing = bool(unraised) or (state.strict and bool(problems))
    if failing and state.log_size:
        usage.failure_log = format_operation_logs(usage.stores)
    usage.stores.clear()  # the item lives all session: do not keep its stores' data alive
    if state.report_types:
        state.report.add(item.nodeid, counts, problems)
    if unraised:
        first = unraised[0]
        if len(unraised) > 1:
            first.args = (f"{first.args[0]}\n({len(unraised) - 1} more changed)",)
        raise first
    if state.strict and problems:
        details = "\n  ".join(f"[{kind}] {message}" for kind, message in problems)
        pytest.fail(f"memstore strict mode: {item.nodeid} left\n  {details}", pytrace=False)


@attrs.define
class _TestState:
    """What one test's fixtures share: its storage classes and tracked stores."""

    storage_classes: StorageClassFactory
    usage: TestUsage | None = None
    factory_calls: dict[str, int] = attrs.Factory(dict)

    def next_label(self, fixture: str) -> str:
        """Return ``fixture#N`` for the N-th store a factory fixture builds in this test."""
        calls = self.factory_calls[fixture] = self.factory_calls.get(fixture, 0) + 1
        return f"{fixture}#{calls}"


_STORE_FIXTURES = frozenset(
    {"memstore", "memstore_factory", "memstore_butler", "memstore_butler_factory"}
)
_DEFAULT_RUN = "memstore"


def _split_options(options: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split marker or factory options into the store's and the butler's own."""
    store = {k: v for k, v in options.items() if k in STORE_OPTIONS}
    butler = {k: v for k, v in options.items() if k not in STORE_OPTIONS}
    return store, butler


class _SessionFixtures:
    """The fixtures, bound to one session; registered by `pytest_configure`.

    No fixture takes ``request``: in pytest 9 that is some 75 more Python
    calls in every test's setup. The plugin learns the running test from
    ``pytest_runtest_setup``, which is where function-scoped fixtures are
    set up, and the request of the store- and butler-building fixtures (for
    the ``*_created`` hooks) from pytest's public ``pytest_fixture_setup``
    hook, called just before each fixture runs.
    """

    def __init__(self, state: _SessionState) -> None:
        self.state = state
        self.item: pytest.Item | None = None
        self.test: _TestState | None = None
        self.request: pytest.FixtureRequest | None = None
        # Factories after the register hook: by directory (the hook's scope),
        # and by parent node, which is cheaper to look up than a path.
        self.shared_by_dir: dict[Path, StorageClassFactory] = {}
        self.shared_by_parent: dict[object, StorageClassFactory] = {}
        self.dataset_types: dict[tuple[str, frozenset[str], StorageClass], DatasetType] = {}

    @pytest.hookimpl(tryfirst=True)
    def pytest_fixture_setup(self, fixturedef: Any, request: pytest.FixtureRequest) -> None:
        # Keep the request of a store-building fixture for its store_created
        # hook calls; returning None leaves the setup itself to pytest.
        if fixturedef.argname in _STORE_FIXTURES:
            self.request = request

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
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
            test = self.test = _TestState(self._shared_storage_classes(item).copy())
        return test

    def _build_store(
        self,
        request: pytest.FixtureRequest | None,
        item: pytest.Item,
        test: _TestState,
        options: Mapping[str, Any],
        label: str,
    ) -> InMemoryDatastore:
        state = self.state
        if state.tracking:
            options = {**state.store_defaults, **options}
        store = InMemoryDatastore(storageClasses=test.storage_classes, **options)
        if state.tracking or options.get("detect_mutation"):
            usage = test.usage
            if usage is None:
                usage = test.usage = TestUsage()
                item.addfinalizer(lambda: _finish(state, item, usage))
            usage.stores.append((options.get("name") or label, store))
        if item.config.hook.pytest_memstore_store_created.get_hookimpls():
            item.ihook.pytest_memstore_store_created(
                store=store, request=_request_for_hook(request, "store_created")
            )
        return store

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
        from .butler.butler import InMemoryButler

        store_options, butler_options = _split_options(options)
        store = self._build_store(request, item, test, store_options, label)
        butler = InMemoryButler(
            run=butler_options.get("run", _DEFAULT_RUN),
            collections=butler_options.get("collections"),
            datastore=store,
            storageClasses=test.storage_classes,
        )
        if item.config.hook.pytest_memstore_butler_created.get_hookimpls():
            item.ihook.pytest_memstore_butler_created(
                butler=butler, request=_request_for_hook(request, "butler_created")
            )
        return butler

    @pytest.fixture
    def memstore(self) -> InMemoryDatastore:
        """A fresh `InMemoryDatastore`, configured by ``@pytest.mark.memstore(...)``."""
        request, item, test = self._setting_up()
        options, _ = _split_options(_marker_options(item))
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
        return self._factory("memstore_butler_factory", ButlerFactory, self._build_butler)

    @pytest.fixture
    def memstore_factory(self) -> StoreFactory:
        """Build more stores for this test: ``memstore_factory(**options)``.

        The ``memstore`` marker's store options but ``name`` are the
        defaults; every store built is counted in the report.
        """
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
        return RefFactory(self._test_state(self._current()).storage_classes, self.dataset_types)


def _request_for_hook(
    request: pytest.FixtureRequest | None, hook: str
) -> pytest.FixtureRequest:
    if request is None:
        raise RuntimeError(
            f"pytest_memstore_{hook}: no fixture request to pass; another plugin's "
            "pytest_fixture_setup set up the fixture by itself"
        )
    return request


class _FailureLogs:
    """Attaches the fixture stores' operation logs to a failing test's report.

    Registered only when ``memstore_log_size`` is above 0.
    """

    def __init__(self, fixtures: _SessionFixtures) -> None:
        self.fixtures = fixtures

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item) -> Any:
        report = yield
        test = self.fixtures.test
        if report.failed and test is not None and test.usage is not None:
            usage = test.usage
            text = usage.failure_log or format_operation_logs(usage.stores)
            if text:
                report.sections.append(("memstore operations", text))
        return report


# -- report --------------------------------------------------------------------


def _is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_sessionfinish(session: pytest.Session) -> None:  # noqa: D103
    config = session.config
    state = config.stash.get(_STATE, None)
    if state is None or not state.report_types:
        return
    if _is_xdist_worker(config):
        config.workeroutput["memstore"] = state.report.to_payload()  # type: ignore[attr-defined]
        return
    for kind, path in state.report_types:
        if kind == "json" and path is not None:
            try:
                state.report.write_json(config.invocation_params.dir / path)
            except OSError as err:
                state.json_outcomes.append(f"memstore report NOT written to {path}: {err}")
                if session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
                    session.exitstatus = REPORT_NOT_WRITTEN
            else:
                state.json_outcomes.append(f"memstore report written to {path}")


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:  # noqa: D103
    state = node.config.stash.get(_STATE, None)
    if state is None or not state.report_types:
        return
    worker = str(getattr(node, "workerinput", {}).get("workerid") or node.gateway.id)
    payload = getattr(node, "workeroutput", {}).get("memstore")
    if payload is None:
        state.report.add_crashed_worker(worker)
    else:
        state.report.merge_payload(payload, worker)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:  # noqa: D103
    state = config.stash.get(_STATE, None)
    if state is None or _is_xdist_worker(config):
        return
    kinds = {kind for kind, _ in state.report_types}
    width = config.get_terminal_writer().fullwidth
    if kinds & {"term", "term-all"}:
        terminalreporter.write_sep("=", "memstore report")
        for line in state.report.render(every_test="term-all" in kinds, width=width):
            terminalreporter.write_line(line)
    for outcome in state.json_outcomes:
        for line in fit(outcome, width, indent="  "):
            terminalreporter.write_line(line, red=outcome.startswith("memstore report NOT"))
