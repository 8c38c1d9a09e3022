"""pipe_base's own tests, test by test: on daf_butler's butler and with ``--memstore-test-repo``.

Runs the copies of pipe_base's ``test_testUtils.py`` (25 tests) and
``test_task_factory.py`` (2 tests) in ``tests/upstream/pipe_base/``, unchanged,
as two sides:

``real butler``
    ``python -m pytest`` of the two files: their repositories are daf_butler's
    (``makeTestRepo`` in ``setUpClass``, ``makeTestCollection`` in each test's
    ``setUp``: an SQLite registry and an in-memory datastore).
``memstore``
    The same with ``--memstore-test-repo``, which makes ``lsst.daf.butler.tests``'
    helpers pytest-memstore's, so every butler is an `InMemoryButler`. Shown as
    unavailable, with the reason, when the installed pytest-memstore has no
    such option.

Each run is a subprocess in that directory (its ``pytest.ini`` keeps this
project's configuration out), with the ``_phase_times`` plugin of this folder
recording how long each test's set-up, call and tear-down took. A test's
time is its call phase: ``setUp`` (``makeTestCollection``), the test and
``tearDown``. A class's set-up is the set-up phases of its tests, where
``setUpClass`` (``makeTestRepo`` and the dimension records and dataset
types it adds) runs, in the first; its tear-down likewise. One untimed
warm-up run of each side comes first, then ``--rounds`` (default 5)
interleaved rounds (see `bench_session.timed_rounds`); the table shows the
median of the rounds, for each test and each class, and the totals.

Examples
--------
From a virtual environment on Python 3.12 or newer, at the root of the
repository::

    python -m pip install -e ".[test,butler,pipe]"
    python benchmarks/bench_testrepo.py
    python benchmarks/bench_testrepo.py --rounds 9 --json testrepo.json

The ``## Targets`` table checks what the switch promises: the median test at
least 10 times faster than on the real butler (`TARGET_RATIO`), and no
``runTestQuantum`` test over 5 ms with it (`TARGET_RUN_TEST_QUANTUM`).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import _environment
import bench_session

BENCHMARKS = Path(__file__).resolve().parent
UPSTREAM = BENCHMARKS.parent / "tests" / "upstream" / "pipe_base"
"""The copies of pipe_base's tests, and the directory they run in."""
TESTS = {"test_testUtils.py": 25, "test_task_factory.py": 2}
"""The files run, and how many tests of each must pass."""

REAL = "real butler"
MEMSTORE = "memstore"
SWITCH = "--memstore-test-repo"
SIDES: dict[str, tuple[str, ...]] = {REAL: (), MEMSTORE: (SWITCH,)}
"""Each side's pytest options."""
PHASES = ("setup", "call", "teardown")

LEGEND = (
    "A test's time is its call phase: setUp (makeTestCollection), the test, tearDown. "
    "A class's set-up is its tests' set-up phases: setUpClass (makeTestRepo, the dimension "
    "records, the dataset types) runs in the first; its tear-down likewise."
)

TARGET_RATIO = 10.0
"""Real butler / memstore, for the median test, that the targets ask for."""
TARGET_RUN_TEST_QUANTUM = 5e-3
"""Seconds a ``runTestQuantum`` test may take with the switch, at most."""


@dataclass
class SideRun:
    """One timed run of a side: the whole run, and each test's phases in seconds."""

    run: bench_session.Run
    phases: dict[str, dict[str, float]]
    """Node ID -> ``setup``, ``call`` and ``teardown`` seconds, in the order the tests ran."""


# -- running -----------------------------------------------------------------------


def pipe_base_missing() -> str | None:
    """Say why the tests cannot run here, if they cannot.

    Returns
    -------
    reason : `str` or `None`
        `None` when ``lsst.pipe.base`` can be imported (it is not imported:
        that takes seconds); else what to install.
    """
    try:
        found = importlib.util.find_spec("lsst.pipe.base") is not None
    except ModuleNotFoundError:  # not even the lsst namespace
        found = False
    if found:
        return None
    return 'lsst.pipe.base is not importable: pip install -e ".[pipe]" (Python 3.12 or newer)'


def switch_missing() -> str | None:
    """Say why the ``memstore`` side cannot run, if it cannot.

    Returns
    -------
    reason : `str` or `None`
        `None` when ``python -m pytest --help`` lists `SWITCH`; else the
        reason, for a ``memstore column UNAVAILABLE: <reason>`` line.
    """
    done = subprocess.run(
        bench_session.pytest_command("--help"),
        cwd=UPSTREAM,
        env=bench_session._subprocess_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    if SWITCH in done.stdout:
        return None
    return f"the installed pytest-memstore has no {SWITCH} option"


def run_side(side: str, record: Path) -> SideRun:
    """Run the files of `TESTS` once, as ``side`` does; check that all passed.

    Parameters
    ----------
    side : `str`
        A key of `SIDES`.
    record : `pathlib.Path`
        Where the ``_phase_times`` plugin writes the phases (overwritten).

    Returns
    -------
    run : `SideRun`
        The run's wall and CPU time and its tests' phases.

    Raises
    ------
    RuntimeError
        Raised, with the end of pytest's output, when not all tests passed.
    """
    command = bench_session.pytest_command(
        *SIDES[side], "-p", "_phase_times", f"--phase-times={record}", *TESTS
    )
    pythonpath = os.pathsep.join(filter(None, [str(BENCHMARKS), os.environ.get("PYTHONPATH")]))
    run = bench_session.run_pytest(
        side, command, UPSTREAM, sum(TESTS.values()), {"PYTHONPATH": pythonpath}
    )
    tests = json.loads(record.read_text(encoding="utf-8"))["tests"]
    return SideRun(run, {t["nodeid"]: {p: t.get(p, 0.0) for p in PHASES} for t in tests})


def measure(sides: Sequence[str], rounds: int) -> tuple[dict[str, list[SideRun]], list[list[str]]]:
    with tempfile.TemporaryDirectory(prefix="memstore-bench-") as tmp:
        record = Path(tmp) / "phases.json"
        return bench_session.timed_rounds(lambda side: run_side(side, record), sides, rounds)


# -- figures -----------------------------------------------------------------------


def medians(runs: Sequence[SideRun]) -> dict[str, dict[str, float]]:
    """Return each test's median phases over ``runs``, in the order of the first run."""
    return {
        nodeid: {p: statistics.median(r.phases[nodeid][p] for r in runs) for p in PHASES}
        for nodeid in runs[0].phases
    }


def class_of(nodeid: str) -> str:
    """Return the node ID of the test's class (its module's, for a test outside a class)."""
    return nodeid.rsplit("::", 1)[0]


def short_name(nodeid: str) -> str:
    """Return ``Class::test``: the node ID without its file."""
    return nodeid.split("::", 1)[-1]


def rows(side_medians: Mapping[str, dict[str, float]]) -> dict[str, float]:
    """Return the figures of one side's table column, in seconds.

    Parameters
    ----------
    side_medians : `~collections.abc.Mapping` [`str`, `dict` [`str`, `float`]]
        What `medians` returns for the side.

    Returns
    -------
    figures : `dict` [`str`, `float`]
        Row label -> seconds: each test (its call phase, labelled by
        `short_name`), then each class's set-up and tear-down (the sums of
        its tests' set-up and tear-down phases), then the two totals.
    """
    figures = {short_name(nodeid): phases["call"] for nodeid, phases in side_medians.items()}
    classes: dict[str, dict[str, float]] = {}
    for nodeid, phases in side_medians.items():
        found = classes.setdefault(class_of(nodeid), {"setup": 0.0, "teardown": 0.0})
        found["setup"] += phases["setup"]
        found["teardown"] += phases["teardown"]
    for name, found in classes.items():
        figures[f"{short_name(name)}: set-up"] = found["setup"]
        figures[f"{short_name(name)}: tear-down"] = found["teardown"]
    figures[f"all {len(side_medians)} tests"] = sum(p["call"] for p in side_medians.values())
    figures["all set-ups and tear-downs"] = sum(
        found["setup"] + found["teardown"] for found in classes.values()
    )
    return figures


def milliseconds(seconds: float | None) -> str:
    return "unavailable" if seconds is None else f"{seconds * 1e3:.2f}"


def ratio(real: float | None, ours: float | None) -> str:
    """Show ``real / ours`` as ``12.3x``; ``n/a`` if either is unknown or ``ours`` not positive."""
    if real is None or ours is None or ours <= 0:
        return "n/a"
    return f"{real / ours:.1f}x"


def median_ratio(
    real: Mapping[str, dict[str, float]], ours: Mapping[str, dict[str, float]] | None
) -> float | None:
    """Return the median over the tests of their call phases' real / memstore ratio.

    `None` without the memstore side (``ours`` `None`).
    """
    if ours is None:
        return None
    return statistics.median(
        real[k]["call"] / ours[k]["call"] for k in real if ours.get(k, {}).get("call", 0.0) > 0
    )


def table(
    real: Mapping[str, dict[str, float]],
    ours: Mapping[str, dict[str, float]] | None,
    walls: Mapping[str, float | None],
) -> list[str]:
    """Return the lines of the Markdown table, one test or class or total a row.

    Parameters
    ----------
    real, ours : `~collections.abc.Mapping` [`str`, `dict` [`str`, `float`]]
        What `medians` returns for the real butler and for memstore;
        ``ours`` is `None` when the switch is unavailable.
    walls : `~collections.abc.Mapping` [`str`, `float` or `None`]
        Side -> the median wall-clock seconds of its whole pytest run.

    Returns
    -------
    lines : `list` [`str`]
        Columns: the row, real butler ms, memstore ms and real / memstore
        (``unavailable`` and ``n/a`` without the switch). The totals rows,
        the whole runs and the median ratio of the tests are in bold.
    """
    left = rows(real)
    right = rows(ours) if ours is not None else {}
    bold = list(left)[-2:]  # the totals
    lines = [
        f"| test | {REAL} ms | {MEMSTORE} ms | {REAL} / {MEMSTORE} |",
        "|---|---:|---:|---:|",
    ]
    for label, seconds in left.items():
        shown = f"**{label}**" if label in bold else label
        theirs = right.get(label)
        lines.append(
            f"| {shown} | {milliseconds(seconds)} | {milliseconds(theirs)} "
            f"| {ratio(seconds, theirs)} |"
        )
    real_wall, our_wall = walls[REAL], walls.get(MEMSTORE)
    lines.append(
        f"| **whole pytest run (wall)** | {milliseconds(real_wall)} | {milliseconds(our_wall)} "
        f"| {ratio(real_wall, our_wall)} |"
    )
    found = median_ratio(real, ours)
    shown_ratio = "n/a" if found is None else f"{found:.1f}x"
    lines.append(f"| **median of the tests' ratios** | | | {shown_ratio} |")
    return lines


def targets(
    real: Mapping[str, dict[str, float]], ours: Mapping[str, dict[str, float]] | None
) -> list[str]:
    """Return the ``## Targets`` table: the median ratio, the slowest runTestQuantum test.

    Parameters
    ----------
    real, ours : `~collections.abc.Mapping` [`str`, `dict` [`str`, `float`]]
        As for `table`.

    Returns
    -------
    lines : `list` [`str`]
        ``n/a`` where the switch is unavailable.
    """
    found = median_ratio(real, ours)
    quantum = None
    if ours is not None:
        quantum = max(
            (v["call"] for k, v in ours.items() if "runtestquantum" in k.lower()), default=None
        )
    return _environment.targets_table(
        [
            (
                f"per test, {REAL} / {MEMSTORE}, median of the tests ≥ {TARGET_RATIO:g}x",
                "n/a" if found is None else f"{found:.1f}x",
                None if found is None else found >= TARGET_RATIO,
            ),
            (
                f"slowest runTestQuantum test with {SWITCH} ≤ {TARGET_RUN_TEST_QUANTUM * 1e3:g} ms",
                "n/a" if quantum is None else f"{milliseconds(quantum)} ms",
                None if quantum is None else quantum <= TARGET_RUN_TEST_QUANTUM,
            ),
        ],
        measured="measured (median)",
    )


# -- main --------------------------------------------------------------------------


def versions() -> dict[str, str]:
    found = _environment.package_versions()
    for name in ("lsst-daf-butler", "lsst-pipe-base"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "missing"
    return found


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time pipe_base's own tests of its test utilities, test by test, on "
        f"daf_butler's butler and with {SWITCH}."
    )
    parser.add_argument(
        "--rounds", type=int, default=5,
        help="interleaved rounds after one warm-up run of each side; medians are shown "
        "(default 5)",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="save the raw results here")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be positive")
    return args


def side_json(runs: Iterable[SideRun]) -> list[dict[str, Any]]:
    return [{**vars(r.run), "phases": r.phases} for r in runs]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    missing = pipe_base_missing()
    if missing is not None:
        print(f"nothing measured: {missing}")
        return 1
    unavailable = switch_missing()
    sides = [REAL] if unavailable else [REAL, MEMSTORE]
    if unavailable:
        print(f"{MEMSTORE} column UNAVAILABLE: {unavailable}\n")

    env = {"machine": _environment.machine(executable=True), "versions": versions()}
    _environment.print_environment(env)
    print(
        f"\n{', '.join(TESTS)} in {UPSTREAM}, {sum(TESTS.values())} tests: "
        f"{' and '.join(sides)}; {args.rounds} interleaved rounds after one warm-up run "
        "each; medians.\n",
        flush=True,
    )
    runs, orders = measure(sides, args.rounds)
    _environment.note_end_load(env)

    per_side = {side: medians(found) for side, found in runs.items()}
    walls = {side: statistics.median(r.run.wall for r in found) for side, found in runs.items()}
    print("## Per test, class and run (median of the rounds)\n")
    print("\n".join(table(per_side[REAL], per_side.get(MEMSTORE), walls)))
    print(f"\n{LEGEND}")
    print("\n## Targets\n")
    print("\n".join(targets(per_side[REAL], per_side.get(MEMSTORE))))

    if args.json is not None:
        payload = {
            "benchmark": "bench_testrepo",
            "parameters": {"rounds": args.rounds, "tests": TESTS},
            MEMSTORE: "measured" if unavailable is None else f"unavailable: {unavailable}",
            **env,
            "unit": "seconds",
            "round_orders": orders,
            "runs": {side: side_json(found) for side, found in runs.items()},
            "medians": per_side,
        }
        _environment.write_json(args.json, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
