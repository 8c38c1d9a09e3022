"""Whole-session benchmark: what the plugin costs a pytest run.

A suite of ``--n`` generated tests (default 2000, ``--per-module`` per file),
each doing one put and one get, is written to a temporary directory and run
three ways:

``bare``
    A ``store`` fixture defined in the generated ``conftest.py`` that returns
    a plain `dict`; each test stores one dict under a tuple key and reads it
    back. The plugin is disabled with ``-p no:memstore -p no:memstore_hooks``,
    so it is not even imported.
``memstore``
    The same test against the plugin's fixtures: the ``memstore`` fixture
    (a fresh `pytest_memstore.InMemoryDatastore` per test) and a ref built
    with the ``memstore_ref`` fixture, ``memstore_ref("metric",
    {"instrument": "DummyCam", "visit": i})``, which is how the plugin's
    documentation has users write it (``--ref-style fixture``, the default).
    ``--ref-style helper`` builds the ref instead with a module-level
    `pytest_memstore.DatasetType` and ``DatasetRef(METRIC, {...})`` and
    requests only ``memstore``.
``memstore+json``
    The ``memstore`` suite with ``--memstore-report=json:PATH``; the report
    is checked after every run (one entry per test, one put per test).

Each run is a subprocess ``python -m pytest -q -p no:cacheprovider`` started
in the suite's directory, with ``PYTEST_ADDOPTS``, ``PYTEST_PLUGINS``,
``PYTEST_DISABLE_PLUGIN_AUTOLOAD`` and ``PYTHONDONTWRITEBYTECODE`` removed
from its environment (so bytecode and rewritten test modules are cached as in
an ordinary run); the generated ``pytest.ini`` keeps any outer configuration
out. Three durations are recorded: the wall clock around the
subprocess (interpreter start, plugin import, collection, run, teardown),
the CPU time (user and system) the subprocess used, which other work on a
busy machine disturbs less than the wall clock, and the duration pytest
prints itself (``N passed in X s``: collection and run, not interpreter
start; to 10 ms). One untimed warm-up run per configuration comes
first (it also writes the assertion-rewriting caches); then ``--rounds``
(default 3) interleaved rounds each run the three configurations in turn,
the order rotating from one round to the next. The tables show the medians
and the best (minimum) round, with the ratios to the bare run.

Examples
--------
From a fresh virtual environment at the root of the repository (only this
package is needed, not the ``bench`` extra)::

    python -m venv .venv-bench
    .venv-bench/bin/pip install -e .
    .venv-bench/bin/python benchmarks/bench_session.py
    .venv-bench/bin/python benchmarks/bench_session.py --n 5000 --rounds 5 --json session.json

The subprocesses use the interpreter that runs this script.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TypeVar

import _environment

try:
    import resource
except ImportError:  # pragma: no cover - not on Windows
    resource = None  # type: ignore[assignment]

T = TypeVar("T")

BARE = "bare"
# Both of the plugin's entry points off: not even the hook declarations load.
PLUGIN_OFF = ("-p", "no:memstore", "-p", "no:memstore_hooks")
MEMSTORE = "memstore"
JSON = "memstore+json"
CONFIGURATIONS = (BARE, MEMSTORE, JSON)
REPORT_NAME = "memstore-report.json"

SIZES: tuple[_environment.Size, ...] = (
    ("--n", 2_000, "tests in the suite"),
    ("--rounds", 3, "interleaved rounds; medians are shown"),
    ("--per-module", 100, "tests per generated file"),
)
"""The integer options, in the order ``--help`` lists them first."""

_SUMMARY = re.compile(r"(\d+) passed.* in ([0-9.]+)s")

_PYTEST_INI = "[pytest]\n"

_BARE_CONFTEST = '''\
import pytest


@pytest.fixture
def store():
    return {}
'''

_BARE_TEST = '''

def test_{i:05d}(store):
    key = ("metric", "DummyCam", {i})
    obj = {{"visit": {i}, "value": {i}.0}}
    store[key] = obj
    assert store[key] == obj
'''

_MEMSTORE_CONFTEST = '"""Nothing: the plugin provides the fixtures."""\n'

_FIXTURE_TEST = '''

def test_{i:05d}(memstore, memstore_ref):
    ref = memstore_ref("metric", {{"instrument": "DummyCam", "visit": {i}}})
    obj = {{"visit": {i}, "value": {i}.0}}
    memstore.put(obj, ref)
    assert memstore.get(ref) == obj
'''

_HELPER_HEADER = '''\
from pytest_memstore import DatasetRef, DatasetType, default_storage_classes

METRIC = DatasetType(
    "metric",
    ("instrument", "visit"),
    default_storage_classes().getStorageClass("StructuredDataDict"),
)
'''

_HELPER_TEST = '''

def test_{i:05d}(memstore):
    ref = DatasetRef(METRIC, {{"instrument": "DummyCam", "visit": {i}}})
    obj = {{"visit": {i}, "value": {i}.0}}
    memstore.put(obj, ref)
    assert memstore.get(ref) == obj
'''


# -- suite generation --------------------------------------------------------------


def write_suite(root: Path, kind: str, n: int, per_module: int, ref_style: str) -> None:
    """Write ``n`` tests of ``kind`` (``bare`` or ``memstore``) under ``root``."""
    if kind == BARE:
        write_modules(root, _BARE_CONFTEST, _BARE_TEST, n, per_module)
    elif ref_style == "fixture":
        write_modules(root, _MEMSTORE_CONFTEST, _FIXTURE_TEST, n, per_module)
    else:
        write_modules(root, _MEMSTORE_CONFTEST, _HELPER_TEST, n, per_module, _HELPER_HEADER)


def write_modules(
    root: Path, conftest: str, template: str, n: int, per_module: int, header: str = ""
) -> None:
    """Write a suite of ``n`` tests under ``root``, ``per_module`` per file.

    Parameters
    ----------
    root : `pathlib.Path`
        The suite's directory, created if missing. It gets an empty
        ``pytest.ini`` (so no outer configuration applies), ``conftest.py``
        and files ``test_gen_0000.py``, ``test_gen_0001.py``, ...
    conftest : `str`
        The text of ``conftest.py``.
    template : `str`
        One test; ``{i}`` is its number, from 0 (``{i:05d}`` in its name).
    n : `int`
        How many tests.
    per_module : `int`
        How many tests a file holds at most.
    header : `str`, optional
        Text at the top of every test file.
    """
    root.mkdir(parents=True, exist_ok=True)
    (root / "pytest.ini").write_text(_PYTEST_INI, encoding="utf-8")
    (root / "conftest.py").write_text(conftest, encoding="utf-8")
    for module, start in enumerate(range(0, n, per_module)):
        body = "".join(template.format(i=i) for i in range(start, min(n, start + per_module)))
        (root / f"test_gen_{module:04d}.py").write_text(header + body, encoding="utf-8")


# -- running -----------------------------------------------------------------------


@dataclass
class Run:
    """One timed pytest run."""

    wall: float
    pytest: float
    passed: int
    cpu: float = math.nan
    """User and system CPU seconds of the subprocess; NaN where unknown."""


def _children_cpu() -> float:
    """Return the CPU seconds used so far by waited-for children; NaN without `resource`."""
    if resource is None:  # pragma: no cover - not on Windows
        return math.nan
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _subprocess_environment() -> dict[str, str]:
    env = dict(os.environ)
    for name in (
        "PYTEST_ADDOPTS",
        "PYTEST_PLUGINS",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD",
        "PYTHONDONTWRITEBYTECODE",
    ):
        env.pop(name, None)
    return env


def pytest_command(*options: str) -> list[str]:
    """Return the command line of a timed run: quiet, no cache provider, then ``options``."""
    return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *options]


def command(configuration: str, report: Path) -> list[str]:
    if configuration == BARE:
        return pytest_command(*PLUGIN_OFF)
    if configuration == JSON:
        return pytest_command(f"--memstore-report=json:{report}")
    return pytest_command()


def run_once(configuration: str, cwd: Path, n: int, report: Path) -> Run:
    """Run one configuration in a subprocess; check that all ``n`` tests passed."""
    if configuration == JSON and report.exists():
        report.unlink()
    run = run_pytest(configuration, command(configuration, report), cwd, n)
    if configuration == JSON:
        check_report(report, n)
    return run


def run_pytest(
    label: str,
    args: Sequence[str],
    cwd: Path,
    n: int,
    environment: Mapping[str, str] | None = None,
) -> Run:
    """Run ``args`` in ``cwd`` as a timed subprocess; check that ``n`` tests passed.

    Parameters
    ----------
    label : `str`
        What runs, for the error message.
    args : `~collections.abc.Sequence` [`str`]
        The command line (see `pytest_command`).
    cwd : `pathlib.Path`
        The suite's directory.
    n : `int`
        How many tests must pass.
    environment : `~collections.abc.Mapping` [`str`, `str`], optional
        Variables to set in the subprocess, over this process's (less the
        pytest variables `_subprocess_environment` removes).

    Returns
    -------
    run : `Run`
        The wall time around the subprocess, its CPU time and the time pytest
        printed.

    Raises
    ------
    RuntimeError
        Raised, with the command and the end of its output, when pytest exits
        with an error or its summary line does not say ``n passed``.
    """
    env = {**_subprocess_environment(), **(environment or {})}
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    cpu = _children_cpu() - cpu
    tail = done.stdout.strip().splitlines()[-1:] or [""]
    match = _SUMMARY.search(tail[0])
    if done.returncode != 0 or match is None or int(match.group(1)) != n:
        raise RuntimeError(
            f"{label}: pytest exited {done.returncode}; expected {n} passed\n"
            f"command: {' '.join(args)}\n--- stdout (end)\n{done.stdout[-3000:]}\n"
            f"--- stderr (end)\n{done.stderr[-3000:]}"
        )
    return Run(wall, float(match.group(2)), int(match.group(1)), cpu)


def check_report(report: Path, n: int) -> None:
    data = json.loads(report.read_text(encoding="utf-8"))
    tests = data.get("tests", [])
    totals = data.get("totals", {})
    if len(tests) != n or totals.get("put") != n or totals.get("get") != n:
        raise RuntimeError(
            f"the JSON report at {report} lists {len(tests)} tests and totals {totals}; "
            f"expected {n} tests with one put and one get each"
        )


# -- environment -------------------------------------------------------------------


def versions() -> dict[str, str]:
    found = _environment.package_versions()
    plugins = []
    for entry in metadata.entry_points(group="pytest11"):
        dist = getattr(entry, "dist", None)
        plugins.append(f"{entry.name} ({dist.name} {dist.version})" if dist else entry.name)
    found["pytest11 plugins installed"] = ", ".join(sorted(plugins)) or "none"
    return found


# -- report ------------------------------------------------------------------------


def table(
    runs: dict[str, list[Run]],
    n: int,
    pick: Callable[[Iterable[float]], float],
    configurations: Sequence[str] = CONFIGURATIONS,
    baseline: str = BARE,
) -> list[str]:
    """Return the lines of a Markdown table of whole-session times.

    Parameters
    ----------
    runs : `dict` [`str`, `list` [`Run`]]
        The timed runs of each configuration.
    n : `int`
        Tests in every suite, to spread the difference to ``baseline`` over.
    pick : `~collections.abc.Callable`
        How the rounds are summarised: `statistics.median` or `min`.
    configurations : `~collections.abc.Sequence` [`str`], optional
        The rows, in order.
    baseline : `str`, optional
        The configuration every row is compared with.

    Returns
    -------
    lines : `list` [`str`]
        Wall, CPU and pytest-reported seconds, the ratios of wall and
        pytest-reported seconds to ``baseline``, and the differences of wall
        and CPU seconds to ``baseline`` per test, in µs.
    """
    wall = {c: pick(r.wall for r in runs[c]) for c in configurations}
    cpu = {c: pick(r.cpu for r in runs[c]) for c in configurations}
    inner = {c: pick(r.pytest for r in runs[c]) for c in configurations}
    lines = [
        f"| configuration | wall s | CPU s | pytest-reported s | wall / {baseline} "
        f"| pytest-reported / {baseline} | extra µs per test (wall) "
        "| extra µs per test (CPU) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in configurations:
        extra = (wall[c] - wall[baseline]) / n * 1e6
        extra_cpu = (cpu[c] - cpu[baseline]) / n * 1e6
        lines.append(
            f"| {c} | {wall[c]:.3f} | {cpu[c]:.3f} | {inner[c]:.3f} "
            f"| {wall[c] / wall[baseline]:.3f}x | {inner[c] / inner[baseline]:.3f}x "
            f"| {extra:.0f} | {extra_cpu:.0f} |"
        )
    return lines


def targets(runs: dict[str, list[Run]]) -> list[str]:
    wall = {c: statistics.median(r.wall for r in runs[c]) for c in CONFIGURATIONS}
    rows = []
    for c, goal in ((MEMSTORE, 1.10), (JSON, 1.15)):
        ratio = wall[c] / wall[BARE]
        rows.append((f"{c} / bare ≤ {goal:.2f}x", f"{ratio:.3f}x", ratio <= goal))
    return _environment.targets_table(rows, measured="measured (median wall)")


# -- main --------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time a generated pytest suite: bare dict fixture vs the memstore plugin."
    )
    _environment.add_size_arguments(parser, SIZES)
    parser.add_argument(
        "--ref-style",
        choices=("fixture", "helper"),
        default="fixture",
        help="memstore tests build refs with the memstore_ref fixture (default) or with a "
        "module-level DatasetType and DatasetRef(...)",
    )
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    _environment.require_positive(parser, args, SIZES)
    return args


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--json PATH`` (raw results) and ``--keep DIR`` (keep the suites) to ``parser``."""
    parser.add_argument("--json", type=Path, metavar="PATH", help="save the raw results here")
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="generate the suites in DIR and keep them"
    )


def in_suite_root(keep: Path | None, func: Callable[[Path], T]) -> T:
    """Call ``func`` with the directory the suites go in: ``keep``, else a temporary one.

    Parameters
    ----------
    keep : `pathlib.Path` or `None`
        The ``--keep`` directory; `None` for a temporary directory removed
        when ``func`` returns.
    func : `~collections.abc.Callable`
        Writes the suites under the directory it is given and runs them.

    Returns
    -------
    result
        What ``func`` returns.
    """
    if keep is not None:
        return func(keep)
    with tempfile.TemporaryDirectory(prefix="memstore-bench-") as tmp:
        return func(Path(tmp))


def timed_rounds(
    run: Callable[[str], T], names: Sequence[str], rounds: int
) -> tuple[dict[str, list[T]], list[list[str]]]:
    """Run each of ``names`` once untimed, then in ``rounds`` interleaved rounds.

    Parameters
    ----------
    run : `~collections.abc.Callable` [[`str`], `~typing.Any`]
        Runs the named configuration once; what it returns (a `Run`, or
        anything a benchmark keeps of a run) is collected.
    names : `~collections.abc.Sequence` [`str`]
        The configurations, in the order of the first round.
    rounds : `int`
        How many timed rounds; the order rotates from one to the next (see
        `_environment.interleaved`) and a progress line follows each.

    Returns
    -------
    runs : `dict` [`str`, `list`]
        What ``run`` returned for each configuration, in round order; the warm-up run
        (caches, bytecode, rewritten test modules) is not among them.
    orders : `list` [`list` [`str`]]
        The order of each round.
    """
    for name in names:
        run(name)
    runs: dict[str, list[T]] = {name: [] for name in names}
    orders = []
    started = time.perf_counter()
    for round_index, order in _environment.interleaved(names, rounds):
        orders.append(order)
        for name in order:
            runs[name].append(run(name))
        _environment.report_round(round_index, rounds, order, started)
    return runs, orders


def runs_json(runs: dict[str, list[Run]]) -> dict[str, list[dict[str, float]]]:
    """Return ``runs`` as JSON-ready lists of ``wall``, ``pytest``, ``passed`` and ``cpu``."""
    return {c: [vars(r) for r in rs] for c, rs in runs.items()}


def measure(root: Path, args: argparse.Namespace) -> tuple[dict[str, list[Run]], list[list[str]]]:
    n = args.n
    write_suite(root / "bare", BARE, n, args.per_module, args.ref_style)
    write_suite(root / "memstore", MEMSTORE, n, args.per_module, args.ref_style)
    directories = {BARE: root / "bare", MEMSTORE: root / "memstore", JSON: root / "memstore"}
    report = root / REPORT_NAME
    return timed_rounds(
        lambda c: run_once(c, directories[c], n, report), CONFIGURATIONS, args.rounds
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    env = {"machine": _environment.machine(executable=True), "versions": versions()}
    _environment.print_environment(env)
    ref_how = (
        "memstore_ref fixture"
        if args.ref_style == "fixture"
        else "module-level DatasetType + DatasetRef(...)"
    )
    print(
        f"\n{args.n} tests ({args.per_module} per file), one put and one get each; refs built "
        f"with the {ref_how}; {args.rounds} interleaved rounds after one warm-up run each; "
        "medians.\n",
        flush=True,
    )

    runs, orders = in_suite_root(args.keep, lambda root: measure(root, args))

    _environment.note_end_load(env)
    print("## Session (median of the rounds)\n")
    print("\n".join(table(runs, args.n, statistics.median)))
    print("\n## Session (best round)\n")
    print("\n".join(table(runs, args.n, min)))
    print("\n## Targets\n")
    print("\n".join(targets(runs)))

    if args.json is not None:
        payload = {
            "benchmark": "bench_session",
            "parameters": {
                "n": args.n,
                "rounds": args.rounds,
                "per_module": args.per_module,
                "ref_style": args.ref_style,
            },
            **env,
            "unit": "seconds per pytest run",
            "round_orders": orders,
            "runs": runs_json(runs),
        }
        _environment.write_json(args.json, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
