"""Whole-session benchmark: a fresh memstore per test against daf_butler's test repository.

What a daf_butler user compares: the cost per test of the ``memstore`` and
``memstore_butler`` fixtures, against the pattern daf_butler's guide "Using
the Butler in unit tests" recommends for unit tests, all as whole pytest
sessions and all above a suite of empty tests. Four generated suites of ``--n`` tests
(default 500, ``--per-module`` per file):

``empty``
    ``def test_00000(): pass`` and so on: what pytest itself costs. The
    plugin is disabled (``-p no:memstore -p no:memstore_hooks``).
``memstore``
    The suite of ``bench_session.py``: each test requests the ``memstore``
    fixture (a fresh store) and the ``memstore_ref`` fixture, and does one
    ``put`` and one ``get``.
``memstore_butler``
    The daf_butler suite's tests against the plugin's ``memstore_butler``
    fixture (a fresh `pytest_memstore.InMemoryButler` per test, over a fresh
    store, run ``"memstore"``): one ``butler.put(obj, "metric", dataId)``
    and one ``butler.get("metric", dataId)`` with the same data ID and
    object. The dataset type is registered where the plugin's documentation
    has a user register what every butler needs: a
    ``pytest_memstore_butler_created`` hook in the generated ``conftest.py``
    (`BUTLER_CONFTEST`), called for each new butler, so once per test.
``daf_butler``
    The documented pattern, in the generated ``conftest.py`` (`DAF_CONFTEST`):
    a session-scoped fixture calls ``makeTestRepo`` once (an in-memory
    datastore over an SQLite registry, with the default dimension
    universe), then ``addDataIdValue`` for one instrument and one visit and
    ``addDatasetType`` for the dataset type; a function-scoped fixture calls
    ``makeTestCollection(repo, uniqueId=<the test's node id>)`` for every
    test; each test does one ``butler.put`` and one ``butler.get`` of a dict
    with that data ID. The guide calls ``makeTestRepo`` in ``setUpClass``,
    once per test class; once per session is the cheapest reading of it. The
    plugin is disabled. Skipped, with a message, when ``lsst.daf.butler``
    cannot be imported (or with ``--no-daf``).

Every suite is also written with a single test, so the table can tell the
one-off cost of a session (imports, the repository) from the cost of each
further test:

- **whole session**: (suite - empty suite) / N; what a suite of N tests
  pays per test, one-off costs spread over the N tests.
- **each further test**: ((suite - one-test suite) - (empty suite - one-test
  empty suite)) / (N - 1): the cost per test once the session is set up,
  whatever N is.
- **once per session**: one-test suite - one-test empty suite: imports,
  session fixtures and one test.

Each is shown in wall-clock time and in the CPU time of the pytest
subprocess; on a busy machine the CPU time is the steadier of the two, the
wall clock also counts waiting (for the CPU, for the disk).

The runs, the warm-up and the interleaved rounds are those of
``bench_session.py`` (`bench_session.run_pytest`, `bench_session.timed_rounds`):
``python -m pytest -q -p no:cacheprovider`` in a subprocess, one untimed
warm-up run of each suite, then ``--rounds`` (default 5) rounds running all
the suites in an order that rotates from one round to the next; medians.

Examples
--------
From a virtual environment at the root of the repository::

    python -m pip install -e ".[bench]"
    python benchmarks/bench_butler_session.py
    python benchmarks/bench_butler_session.py --n 1000 --rounds 7 --json butler.json

Without ``lsst-daf-butler`` the ``daf_butler`` suites are skipped and the
others still run.

The ``## Targets`` table checks that a ``daf_butler`` test costs at least 100
times a ``memstore_butler`` test above the empty suite (`TARGET_RATIO`), on
each per-test row, medians of the rounds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import _daf_butler_side
import _environment
import bench_session
from bench_session import PLUGIN_OFF, Run

EMPTY = "empty"
MEMSTORE = "memstore"
MEMSTORE_BUTLER = "memstore_butler"
DAF = "daf_butler"
PLUGIN_SUITES = (MEMSTORE, MEMSTORE_BUTLER)
"""The suites that run with the plugin loaded; the others run with it off."""
TARGET_RATIO = 100.0
"""daf_butler / memstore_butler, per test above the empty suite, that the targets ask for."""
ONE = " (1 test)"
"""Suffix of the name of a suite's one-test version."""

SIZES: tuple[_environment.Size, ...] = (
    ("--n", 500, "tests in each suite, at least 2"),
    ("--rounds", 5, "interleaved rounds; medians are shown"),
    ("--per-module", 100, "tests per generated file"),
)
"""The integer options, in the order ``--help`` lists them first."""

EMPTY_CONFTEST = '"""Nothing: the tests use no fixture."""\n'

EMPTY_TEST = """

def test_{i:05d}():
    pass
"""

DAF_CONFTEST = '''\
"""daf_butler as its guide "Using the Butler in unit tests" has unit tests use it.

- makeTestRepo makes the repository once (the guide: in setUpClass, since it
  is too slow to run for every test; here once per session, the cheapest);
- addDataIdValue and addDatasetType register the data ID values and the
  dataset type once, for the whole repository (the guide: not per collection);
- makeTestCollection(repo, uniqueId=...) gives each test a Butler writing to a
  new run collection of its own (the guide passes self.id(); here the node id);
- each test then does one butler.put and one butler.get.
"""

import pytest
from lsst.daf.butler.tests import addDataIdValue, addDatasetType, makeTestCollection, makeTestRepo


@pytest.fixture(scope="session")
def repo(tmp_path_factory):
    butler = makeTestRepo(str(tmp_path_factory.mktemp("repo")))
    addDataIdValue(butler, "instrument", "DummyCam")
    addDataIdValue(butler, "visit", 1)
    addDatasetType(butler, "metric", {"instrument", "visit"}, "StructuredDataDict")
    return butler


@pytest.fixture
def butler(repo, request):
    return makeTestCollection(repo, uniqueId=request.node.nodeid)
'''

BUTLER_CONFTEST = '''\
"""The dataset type every memstore_butler needs, registered as the plugin's hook has it done.

pytest_memstore_butler_created sees each butler the memstore_butler fixture
builds, before the test gets it: once per test.
"""

from pytest_memstore import DatasetType


def pytest_memstore_butler_created(butler, request):
    butler.registry.registerDatasetType(
        DatasetType("metric", {"instrument", "visit"}, "StructuredDataDict")
    )
'''

BUTLER_TEST = """

def test_{i:05d}(memstore_butler):
    data_id = {{"instrument": "DummyCam", "visit": 1}}
    obj = {{"visit": {i}, "value": {i}.0}}
    memstore_butler.put(obj, "metric", data_id)
    assert memstore_butler.get("metric", data_id) == obj
"""

DAF_TEST = """

def test_{i:05d}(butler):
    data_id = {{"instrument": "DummyCam", "visit": 1}}
    obj = {{"visit": {i}, "value": {i}.0}}
    butler.put(obj, "metric", data_id)
    assert butler.get("metric", data_id) == obj
"""


# -- suites ------------------------------------------------------------------------


def write_suites(root: Path, names: Sequence[str], n: int, per_module: int) -> dict[str, Path]:
    """Write each suite of ``names`` under ``root``, with N tests and with one.

    Returns
    -------
    directories : `dict` [`str`, `pathlib.Path`]
        Run name (``memstore``, ``memstore (1 test)``, ...) -> its suite.
        ``memstore`` is the suite of ``bench_session.py``; ``memstore_butler``
        and ``daf_butler`` run the same test body through a butler.
    """
    directories = {}
    for name in names:
        for size, suffix in ((n, ""), (1, ONE)):
            directory = root / f"{name}-{size}"
            if name == MEMSTORE:
                bench_session.write_suite(directory, MEMSTORE, size, per_module, "fixture")
            elif name == MEMSTORE_BUTLER:
                bench_session.write_modules(
                    directory, BUTLER_CONFTEST, BUTLER_TEST, size, per_module
                )
            elif name == DAF:
                bench_session.write_modules(directory, DAF_CONFTEST, DAF_TEST, size, per_module)
            else:
                bench_session.write_modules(directory, EMPTY_CONFTEST, EMPTY_TEST, size, per_module)
            directories[name + suffix] = directory
    return directories


def measure(
    root: Path, names: Sequence[str], args: argparse.Namespace
) -> tuple[dict[str, list[Run]], list[list[str]]]:
    directories = write_suites(root, names, args.n, args.per_module)

    def run(key: str) -> Run:
        options = () if key.removesuffix(ONE) in PLUGIN_SUITES else PLUGIN_OFF
        size = 1 if key.endswith(ONE) else args.n
        command = bench_session.pytest_command(*options)
        return bench_session.run_pytest(key, command, directories[key], size)

    return bench_session.timed_rounds(run, list(directories), args.rounds)


# -- report ------------------------------------------------------------------------


def per_test(
    runs: dict[str, list[Run]], n: int, pick: Callable[[Iterable[float]], float]
) -> dict[str, dict[str, float]]:
    """Return the costs above the empty suite of each suite, in seconds.

    Parameters
    ----------
    runs : `dict` [`str`, `list` [`Run`]]
        The timed runs of each suite, N-test and one-test.
    n : `int`
        Tests in the N-test suites.
    pick : `~collections.abc.Callable`
        How the rounds of a suite are summarised (`statistics.median` or
        `min`), before the differences are taken.

    Returns
    -------
    costs : `dict` [`str`, `dict` [`str`, `float`]]
        For each suite but ``empty``: ``session_<clock>`` (per test, whole
        session), ``further_<clock>`` (per test, once set up) and
        ``one_off_<clock>`` (per session), ``<clock>`` ``wall`` or ``cpu``.
    """
    costs: dict[str, dict[str, float]] = {
        name: {} for name in runs if name != EMPTY and not name.endswith(ONE)
    }
    for clock in ("wall", "cpu"):
        t = {key: pick(getattr(r, clock) for r in rs) for key, rs in runs.items()}
        empty_growth = t[EMPTY] - t[EMPTY + ONE]
        for name, found in costs.items():
            found[f"session_{clock}"] = (t[name] - t[EMPTY]) / n
            found[f"further_{clock}"] = (t[name] - t[name + ONE] - empty_growth) / (n - 1)
            found[f"one_off_{clock}"] = t[name + ONE] - t[EMPTY + ONE]
    return costs


ROWS: tuple[tuple[str, str], ...] = (
    ("session_wall", "per test, whole session (wall)"),
    ("session_cpu", "per test, whole session (CPU)"),
    ("further_wall", "per test, each further test (wall)"),
    ("further_cpu", "per test, each further test (CPU)"),
    ("one_off_wall", "once per session (wall)"),
    ("one_off_cpu", "once per session (CPU)"),
)
"""Keys of `per_test` and the row labels of the comparison table, in table order."""


def duration(seconds: float | None) -> str:
    """Show ``seconds`` in µs, ms or s, with three or four significant digits."""
    if seconds is None:
        return "skipped"
    if abs(seconds) < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if abs(seconds) < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.3f} s"


def comparison(costs: dict[str, dict[str, float]]) -> list[str]:
    """Return the lines of the table comparing the suites above the empty suite.

    Parameters
    ----------
    costs : `dict` [`str`, `dict` [`str`, `float`]]
        What `per_test` returns; ``daf_butler`` may be missing (skipped).

    Returns
    -------
    lines : `list` [`str`]
        One column per suite (``memstore``, ``memstore_butler``,
        ``daf_butler``), then daf_butler over each of the other two, for
        each row of `ROWS`; ``skipped`` and ``n/a`` where daf_butler was
        not measured, ``n/a`` also where the divisor is not positive.
    """
    ours = (MEMSTORE, MEMSTORE_BUTLER)
    lines = [
        "| above the empty suite | "
        + " | ".join((*ours, DAF))
        + " | "
        + " | ".join(f"{DAF} / {name}" for name in ours)
        + " |",
        "|---|" + "---:|" * (2 * len(ours) + 1),
    ]
    for key, label in ROWS:
        daf = costs[DAF][key] if DAF in costs else None
        cells = [duration(costs[name][key]) for name in ours]
        cells.append(duration(daf))
        cells.extend(ratio(daf, costs[name][key]) for name in ours)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def ratio(numerator: float | None, denominator: float) -> str:
    """Show ``numerator / denominator`` as ``250x``; ``n/a`` if unknown or not positive."""
    if numerator is None or denominator <= 0:
        return "n/a"
    return f"{numerator / denominator:.0f}x"


def targets(costs: dict[str, dict[str, float]]) -> list[str]:
    """Return the ``## Targets`` table: daf_butler / memstore_butler on each per-test row.

    Parameters
    ----------
    costs : `dict` [`str`, `dict` [`str`, `float`]]
        What `per_test` returns (medians, in the report).

    Returns
    -------
    lines : `list` [`str`]
        One row per per-test row of `ROWS` (the once-per-session rows are
        not per test); ``n/a`` where daf_butler was skipped or the
        memstore_butler cost is not positive (lost in the noise).
    """
    rows: list[tuple[str, str, bool | None]] = []
    for key, label in ROWS:
        if key.startswith("one_off"):
            continue
        ours = costs[MEMSTORE_BUTLER][key]
        daf = costs[DAF][key] if DAF in costs else None
        met = None if daf is None or ours <= 0 else daf / ours >= TARGET_RATIO
        rows.append(
            (f"{label}: {DAF} / {MEMSTORE_BUTLER} ≥ {TARGET_RATIO:g}x", ratio(daf, ours), met)
        )
    return _environment.targets_table(rows, measured="measured (median)")


def versions(daf: bool) -> dict[str, str]:
    found = bench_session.versions()
    if daf:
        found.update({k: v for k, v in _daf_butler_side.versions().items() if k != "python"})
    return found


# -- main --------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time whole pytest sessions, per test above an empty suite: the memstore "
        "and memstore_butler fixtures against daf_butler's makeTestRepo + makeTestCollection."
    )
    _environment.add_size_arguments(parser, SIZES)
    parser.add_argument(
        "--no-daf", action="store_true", help="skip daf_butler even when it is importable"
    )
    bench_session.add_output_arguments(parser)
    args = parser.parse_args(argv)
    _environment.require_positive(parser, args, SIZES)
    if args.n < 2:
        parser.error("--n must be at least 2: each further test is timed against a one-test suite")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    skip_reason = _daf_butler_side.skip_reason(args.no_daf)
    names = [EMPTY, *PLUGIN_SUITES] if skip_reason else [EMPTY, *PLUGIN_SUITES, DAF]
    if skip_reason:
        print(f"daf_butler suites SKIPPED: {skip_reason}\n")

    env = {
        "machine": _environment.machine(executable=True),
        "versions": versions(skip_reason is None),
    }
    _environment.print_environment(env)
    print(
        f"\nSuites of {args.n} tests ({args.per_module} per file) and of one test: "
        f"{', '.join(names)}; {args.rounds} interleaved rounds after one warm-up run each.\n",
        flush=True,
    )

    runs, orders = bench_session.in_suite_root(args.keep, lambda root: measure(root, names, args))

    _environment.note_end_load(env)
    for title, pick in (("median of the rounds", statistics.median), ("best round", min)):
        print(f"## Per test and per session, above the empty suite ({title})\n")
        print("\n".join(comparison(per_test(runs, args.n, pick))))
        print(f"\n## Sessions of {args.n} tests ({title})\n")
        print("\n".join(bench_session.table(runs, args.n, pick, names, EMPTY)))
        print(f"\n## Sessions of one test ({title})\n")
        one_test = [name + ONE for name in names]
        print("\n".join(bench_session.table(runs, 1, pick, one_test, EMPTY + ONE)))
        print()
    print("## Targets\n")
    print("\n".join(targets(per_test(runs, args.n, statistics.median))))

    if args.json is not None:
        payload = {
            "benchmark": "bench_butler_session",
            "parameters": {"n": args.n, "rounds": args.rounds, "per_module": args.per_module},
            "daf_butler": "measured" if skip_reason is None else f"skipped: {skip_reason}",
            **env,
            "unit": "seconds per pytest run",
            "round_orders": orders,
            "runs": bench_session.runs_json(runs),
            "per_test_median": per_test(runs, args.n, statistics.median),
        }
        _environment.write_json(args.json, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
