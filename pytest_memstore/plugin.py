"""The pytest plugin: options, marker, and the hooks that connect the library to pytest.

Registered through the ``pytest11`` entry point as ``memstore``, so
``-p no:memstore`` disables it (the hooks stay declared by the
``memstore_hooks`` entry point, `declare_hooks`). This module only wires:
it reads the options at configure time into a `SessionState`, registers
the fixtures (`fixtures`), and hands the session's end to the report role
chosen for this process (`session`).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

import pytest

from . import hooks
from .fixtures import FailureLogs, SessionFixtures, check_markers
from .session import ReportRole, SessionState
from .tools import DEFAULT_LOG_SIZE  # the tools' package alone: no tool module

# What only some sessions need is imported where it is used: the assertion
# helpers, the storage class entries, the datastore (with the first store).
if TYPE_CHECKING:
    from .core.storage_factory import StorageClassFactory

REPORT_TYPES = ("term", "term-all", "json")
REPORT_NOT_WRITTEN = pytest.ExitCode.USAGE_ERROR
"""The exit status of a run that passed but could not write its JSON report.

pytest's own, for a report path it cannot use (``--junitxml`` naming a
directory). A run that already failed keeps its own status.
"""

_REPORT_ROLE = pytest.StashKey[ReportRole]()
"""This process's report role; absent without ``--memstore-report``."""


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
    group.addoption(
        "--memstore-test-repo",
        action="store_true",
        dest="memstore_test_repo",
        default=None,
        help="make lsst.daf.butler.tests' makeTestRepo, makeTestCollection and the other "
        "test-repository helpers in-memory ones for this session (needs lsst-daf-butler)",
    )
    parser.addini(
        "memstore_test_repo",
        type="bool",
        default=False,
        help="like --memstore-test-repo",
    )
    parser.addini(
        "memstore_butler_universe",
        default="none",
        help="the butlers the fixtures build: none (standalone, our own classes) or daf "
        "(daf_butler mode: daf_butler's objects, errors and default dimension universe)",
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
        "detect_mutation=False, run='memstore', collections=None, universe=None): options "
        "for the datastore the memstore fixture builds and the butler memstore_butler builds "
        "(and defaults for their factories); "
        "run, collections and universe are the butler's",
    )
    strict = _ini_flag(config, "memstore_strict")  # read even when the option wins: checked
    if config.getoption("memstore_strict"):
        strict = True
    state = SessionState(
        report_types=list(config.getoption("memstore_report") or []),
        strict=strict,
        base_storage_classes=_ini_storage_classes(config),
        detect_mutation=_ini_flag(config, "memstore_detect_mutation"),
        repeated_get_threshold=_ini_count(config, "memstore_repeated_get_threshold"),
        log_size=_ini_count(config, "memstore_log_size"),
        butler_universe=_ini_universe(config),
    )
    role = state.report_role(config)
    if role is not None:
        config.stash[_REPORT_ROLE] = role
    fixtures = SessionFixtures(state)
    config.pluginmanager.register(fixtures, "memstore-fixtures")
    if state.log_size:
        # Only then: a report hook costs every test something.
        config.pluginmanager.register(FailureLogs(fixtures), "memstore-failure-logs")
    _follow_assertion_verbosity(config)
    test_repo = _ini_flag(config, "memstore_test_repo")
    if config.getoption("memstore_test_repo"):
        test_repo = True
    if test_repo:
        _switch_test_repo(config, fixtures)


def _switch_test_repo(config: pytest.Config, fixtures: SessionFixtures) -> None:
    """Put our test-repository helpers in place of daf_butler's until the session ends."""
    try:
        from .daf.switch import TestRepoSwitch
    except ImportError as err:
        raise pytest.UsageError(
            "--memstore-test-repo (memstore_test_repo) needs lsst-daf-butler, which could not "
            f"be imported ({err}); install it with: pip install 'pytest-memstore[butler]'"
        ) from None
    switch = TestRepoSwitch(on_butler=fixtures.track_test_repo_butler)
    switch.install()
    config.add_cleanup(switch.uninstall)


def _follow_assertion_verbosity(config: pytest.Config) -> None:
    """Make the assertion helpers show values whole at -vv, as pytest's own messages do.

    The helpers tell only two levels apart: below ``-vv`` (cut values) and
    from it (whole ones). Below it, with the helpers not imported yet, there
    is nothing to set, as they start at verbosity 0: they are not imported
    for it then.
    """
    get_verbosity = getattr(config, "get_verbosity", None)
    level = get_verbosity("assertions") if get_verbosity else config.getoption("verbose")
    if int(level or 0) < 2 and f"{__package__}.assertions" not in sys.modules:
        return
    from .assertions import follow_verbosity

    config.add_cleanup(follow_verbosity(config))


def _ini_flag(config: pytest.Config, name: str) -> bool:
    """Read a bool ini option; a value pytest cannot read as one names the option.

    pytest's own error says only ``invalid truth value 'maybe'``. The option
    stays of pytest's type ``bool``, so that ``--help`` says so and a TOML
    ``true`` is taken as it is.
    """
    try:
        return bool(config.getini(name))
    except (pytest.UsageError, ValueError, TypeError) as err:
        raise pytest.UsageError(
            f"{name} must be true or false (or yes/no, on/off, 1/0, in any case); {err}"
        ) from None


def _ini_universe(config: pytest.Config) -> str:
    """Read ``memstore_butler_universe``: ``none`` or ``daf`` (which needs daf_butler)."""
    value = str(config.getini("memstore_butler_universe")).strip().lower()
    if value not in ("none", "daf"):
        raise pytest.UsageError(
            f"memstore_butler_universe must be none or daf; got {value!r}"
        )
    if value == "daf":
        try:
            from .daf import storage  # noqa: F401 - imports daf_butler
        except ImportError as err:
            raise pytest.UsageError(
                f"memstore_butler_universe = daf needs lsst-daf-butler, which could not be "
                f"imported ({err}); install it with: pip install 'pytest-memstore[butler]'"
            ) from None
    return value


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
    from .core.entries import EntryError, storage_classes_from_entries

    base = config.inipath.parent if config.inipath is not None else config.rootpath
    try:
        return storage_classes_from_entries(config.getini("memstore_storage_classes"), base)
    except EntryError as err:
        raise pytest.UsageError(f"memstore_storage_classes: {err}") from err


def pytest_collection_modifyitems(  # noqa: D103
    session: pytest.Session, items: list[pytest.Item]
) -> None:
    check_markers(session, items)


def pytest_sessionfinish(session: pytest.Session) -> None:  # noqa: D103
    role = session.config.stash.get(_REPORT_ROLE, None)
    if role is None or role.finish(session.config):
        return
    if session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        session.exitstatus = REPORT_NOT_WRITTEN


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:  # noqa: D103
    role = node.config.stash.get(_REPORT_ROLE, None)
    if role is not None:
        role.node_down(node)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:  # noqa: D103
    role = config.stash.get(_REPORT_ROLE, None)
    if role is not None:
        role.write_summary(terminalreporter, config.get_terminal_writer().fullwidth)
