"""Whole-session benchmark: what the plugin costs a pytest run.

A suite of ``--n`` generated tests (default 2000, ``--per-module`` per file),
each doing one put and one get, is written to a temporary directory and run
three ways:

``bare``
    A ``store`` fixture defined in the generated ``conftest.py`` that returns
    a plain `dict`; each test stores one dict under a tuple key and reads it
    back. The plugin is disabled with ``-p no:memstore``, so it is not even
    imported.
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
out. Two durations are recorded: the wall clock around the
subprocess (interpreter start, plugin import, collection, run, teardown)
and the duration pytest prints itself (``N passed in X s``: collection and
run, not interpreter start). One untimed warm-up run per configuration comes
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
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import _environment

BARE = "bare"
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
    root.mkdir(parents=True, exist_ok=True)
    (root / "pytest.ini").write_text(_PYTEST_INI, encoding="utf-8")
    if kind == BARE:
        conftest, header, template = _BARE_CONFTEST, "", _BARE_TEST
    elif ref_style == "fixture":
        conftest, header, template = _MEMSTORE_CONFTEST, "", _FIXTURE_TEST
    else:
        conftest, header, template = _MEMSTORE_CONFTEST, _HELPER_HEADER, _HELPER_TEST
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


def command(configuration: str, report: Path) -> list[str]:
    base = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    if configuration == BARE:
        return [*base, "-p", "no:memstore"]
    if configuration == JSON:
        return [*base, f"--memstore-report=json:{report}"]
    return base


def run_once(configuration: str, cwd: Path, n: int, report: Path) -> Run:
    """Run one configuration in a subprocess; check that all ``n`` tests passed."""
    if configuration == JSON and report.exists():
        report.unlink()
    args = command(configuration, report)
    env = _subprocess_environment()
    start = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    tail = done.stdout.strip().splitlines()[-1:] or [""]
    match = _SUMMARY.search(tail[0])
    if done.returncode != 0 or match is None or int(match.group(1)) != n:
        raise RuntimeError(
            f"{configuration}: pytest exited {done.returncode}; expected {n} passed\n"
            f"command: {' '.join(args)}\n--- stdout (end)\n{done.stdout[-3000:]}\n"
            f"--- stderr (end)\n{done.stderr[-3000:]}"
        )
    if configuration == JSON:
        check_report(report, n)
    return Run(wall, float(match.group(2)), int(match.group(1)))


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
    runs: dict[str, list[Run]], n: int, pick: Callable[[Iterable[float]], float]
) -> list[str]:
    wall = {c: pick(r.wall for r in runs[c]) for c in CONFIGURATIONS}
    inner = {c: pick(r.pytest for r in runs[c]) for c in CONFIGURATIONS}
    lines = [
        "| configuration | wall s | pytest-reported s | wall / bare | pytest-reported / bare "
        "| extra µs per test (wall) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for c in CONFIGURATIONS:
        extra = (wall[c] - wall[BARE]) / n * 1e6
        lines.append(
            f"| {c} | {wall[c]:.3f} | {inner[c]:.3f} | {wall[c] / wall[BARE]:.3f}x "
            f"| {inner[c] / inner[BARE]:.3f}x | {extra:.0f} |"
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
    parser.add_argument("--json", type=Path, metavar="PATH", help="save the raw results here")
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="generate the suites in DIR and keep them"
    )
    args = parser.parse_args(argv)
    _environment.require_positive(parser, args, SIZES)
    return args


def measure(root: Path, args: argparse.Namespace) -> tuple[dict[str, list[Run]], list[list[str]]]:
    n = args.n
    write_suite(root / "bare", BARE, n, args.per_module, args.ref_style)
    write_suite(root / "memstore", MEMSTORE, n, args.per_module, args.ref_style)
    directories = {BARE: root / "bare", MEMSTORE: root / "memstore", JSON: root / "memstore"}
    report = root / REPORT_NAME

    for configuration in CONFIGURATIONS:  # warm-up: caches, pyc files
        run_once(configuration, directories[configuration], n, report)

    runs: dict[str, list[Run]] = {c: [] for c in CONFIGURATIONS}
    orders = []
    started = time.perf_counter()
    for round_index, order in _environment.interleaved(CONFIGURATIONS, args.rounds):
        orders.append(order)
        for configuration in order:
            runs[configuration].append(
                run_once(configuration, directories[configuration], n, report)
            )
        _environment.report_round(round_index, args.rounds, order, started)
    return runs, orders


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

    if args.keep is not None:
        runs, orders = measure(args.keep, args)
    else:
        with tempfile.TemporaryDirectory(prefix="memstore-bench-") as tmp:
            runs, orders = measure(Path(tmp), args)

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
            "runs": {
                c: [{"wall": r.wall, "pytest": r.pytest, "passed": r.passed} for r in rs]
                for c, rs in runs.items()
            },
        }
        _environment.write_json(args.json, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
