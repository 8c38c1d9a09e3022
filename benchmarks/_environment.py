"""The machine and sources a benchmark ran on, for the header of its report.

Shared by ``bench_ops.py`` and ``bench_session.py``. They are run as scripts
(``python benchmarks/bench_ops.py``), so this folder is on `sys.path` and
``import _environment`` finds this module.

Both scripts print the same header: a ``## Machine`` section (`machine`), a
``## Versions`` section (`package_versions` plus what each script adds),
and, after the timed rounds, the load average at the end (`note_end_load`).
The same dictionaries go into the ``--json`` file (`write_json`).

Both scripts also share the rest of their scaffolding: integer size options
such as ``--n`` and ``--rounds`` (`add_size_arguments`, `require_positive`),
interleaved rounds (`interleaved`) with a progress line on standard error
after each (`report_round`), and the ``## Targets`` table (`targets_table`).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import platform
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

PACKAGES: tuple[str, ...] = ("pytest-memstore", "pytest", "pluggy", "attrs")
"""Distributions whose installed versions every report lists."""


Size = tuple[str, int, str]
"""An integer option: its name (``--n``), its default and what it counts."""


def source_fingerprint() -> str:
    """Return where ``pytest_memstore`` is imported from and a hash of its sources.

    Returns
    -------
    fingerprint : `str`
        The package directory and the first 12 hex digits of a SHA-256 over
        the paths and contents of its ``*.py`` files, or ``not importable``.
    """
    spec = importlib.util.find_spec("pytest_memstore")
    if spec is None or spec.origin is None:
        return "not importable"
    package = Path(spec.origin).parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return f"{package} (sha256 {digest.hexdigest()[:12]})"


def cpu_model() -> str:
    """Return the CPU model name.

    Returns
    -------
    model : `str`
        The ``model name`` line of ``/proc/cpuinfo``; else
        `platform.processor`; else ``unknown``.
    """
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_average() -> str:
    """Return the 1, 5 and 15 minute load averages, or ``unknown``.

    Returns
    -------
    load : `str`
        The three averages with two decimals, separated by spaces.
    """
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def machine(*, python_build: bool = False, executable: bool = False) -> dict[str, Any]:
    """Return the platform, Python, CPU and load the numbers are taken on.

    Parameters
    ----------
    python_build : `bool`, optional
        Add ``python_build`` (`platform.python_build`) after ``python``.
    executable : `bool`, optional
        Add ``executable`` (`sys.executable`) after ``python``.

    Returns
    -------
    machine : `dict` [`str`, `~typing.Any`]
        Label -> value, in the order the ``## Machine`` section prints them;
        the last entry is ``load average at start``.
    """
    affinity = getattr(os, "sched_getaffinity", None)
    found: dict[str, Any] = {
        "platform": platform.platform(),
        "python": f"{platform.python_implementation()} {sys.version.split()[0]}",
    }
    if python_build:
        found["python_build"] = " ".join(platform.python_build())
    if executable:
        found["executable"] = sys.executable
    found.update(
        {
            "cpu": cpu_model(),
            "nproc": len(affinity(0)) if affinity is not None else os.cpu_count(),
            "cpu_count": os.cpu_count(),
            "load average at start": load_average(),
        }
    )
    return found


def package_versions() -> dict[str, str]:
    """Return the source fingerprint and the installed versions of `PACKAGES`.

    Returns
    -------
    versions : `dict` [`str`, `str`]
        ``pytest-memstore sources`` (see `source_fingerprint`), then one
        entry per distribution in `PACKAGES`: its version, or ``missing``.
    """
    found = {"pytest-memstore sources": source_fingerprint()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "missing"
    return found


def print_environment(env: Mapping[str, Mapping[str, Any]]) -> None:
    """Print the ``## Machine`` and ``## Versions`` sections of a report.

    Parameters
    ----------
    env : `~collections.abc.Mapping` [`str`, `~collections.abc.Mapping`]
        ``{"machine": ..., "versions": ...}``; each entry is printed as a
        ``- label: value`` line.
    """
    print("## Machine\n")
    for key, value in env["machine"].items():
        print(f"- {key}: {value}")
    print("\n## Versions\n")
    for key, value in env["versions"].items():
        print(f"- {key}: {value}")


def note_end_load(env: Mapping[str, dict[str, Any]]) -> None:
    """Record ``load average at end`` in ``env["machine"]`` and print it.

    Parameters
    ----------
    env : `~collections.abc.Mapping` [`str`, `dict`]
        The dictionaries given to `print_environment`; ``env["machine"]`` is
        updated in place, so the ``--json`` file has the figure too.
    """
    env["machine"]["load average at end"] = load_average()
    print(f"load average at end: {env['machine']['load average at end']}\n")


def write_json(path: Path, payload: Mapping[str, Any]) -> None:
    """Write ``payload`` to ``path`` as indented JSON and say so.

    Parameters
    ----------
    path : `pathlib.Path`
        The file to write; missing parent directories are created.
    payload : `~collections.abc.Mapping` [`str`, `~typing.Any`]
        The raw results, JSON-serialisable.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(f"\nraw results written to {path}")


def add_size_arguments(parser: argparse.ArgumentParser, sizes: Iterable[Size]) -> None:
    """Add one integer option per entry of ``sizes``, in their order.

    Parameters
    ----------
    parser : `argparse.ArgumentParser`
        The script's parser.
    sizes : `~collections.abc.Iterable` [`Size`]
        ``(option, default, what)`` triples; the help of each option reads
        ``<what> (default <default>)``.
    """
    for option, default, what in sizes:
        parser.add_argument(option, type=int, default=default, help=f"{what} (default {default})")


def require_positive(
    parser: argparse.ArgumentParser, args: argparse.Namespace, sizes: Sequence[Size]
) -> None:
    """Exit through ``parser.error`` unless every option of ``sizes`` is at least 1.

    Parameters
    ----------
    parser : `argparse.ArgumentParser`
        The parser that reports the error (usage line, exit status 2).
    args : `argparse.Namespace`
        The parsed arguments.
    sizes : `~collections.abc.Sequence` [`Size`]
        The options given to `add_size_arguments`, at least two; each is read
        from ``args`` under its name without dashes, ``-`` turned to ``_``.
    """
    options = [option for option, _, _ in sizes]
    if any(getattr(args, option.lstrip("-").replace("-", "_")) < 1 for option in options):
        names = ", ".join(options[:-1])
        parser.error(f"{names} and {options[-1]} must be positive")


def interleaved(items: Sequence[T], rounds: int) -> Iterator[tuple[int, list[T]]]:
    """Yield the index and the running order of each of ``rounds`` rounds.

    Parameters
    ----------
    items : `~collections.abc.Sequence`
        What each round runs, in the order of the first round.
    rounds : `int`
        How many rounds.

    Yields
    ------
    round : `tuple` [`int`, `list`]
        The round index (from 0) and ``items`` rotated left by that index
        (modulo their number), so each item takes every place in turn.
    """
    for round_index in range(rounds):
        shift = round_index % len(items)
        yield round_index, [*items[shift:], *items[:shift]]


def report_round(round_index: int, rounds: int, names: Sequence[str], started: float) -> None:
    """Print a progress line for a finished round to standard error.

    Parameters
    ----------
    round_index : `int`
        The round just finished, from 0.
    rounds : `int`
        How many rounds there are.
    names : `~collections.abc.Sequence` [`str`]
        What the round ran, in its order.
    started : `float`
        `time.perf_counter` when the first round started.
    """
    print(
        f"round {round_index + 1}/{rounds} done ({' -> '.join(names)}), "
        f"{time.perf_counter() - started:.1f} s",
        file=sys.stderr,
        flush=True,
    )


def targets_table(
    rows: Iterable[tuple[str, str, bool | None]], measured: str = "measured"
) -> list[str]:
    """Return the lines of the Markdown ``## Targets`` table.

    Parameters
    ----------
    rows : `~collections.abc.Iterable` [`tuple` [`str`, `str`, `bool` or `None`]]
        One ``(target, measured value as shown, met)`` triple per row;
        ``met`` is `None` where the target could not be checked.
    measured : `str`, optional
        Heading of the middle column.

    Returns
    -------
    lines : `list` [`str`]
        The header, the alignment row and one line per row, whose last
        column reads ``yes``, ``**no**`` or ``n/a``.
    """
    lines = [f"| target | {measured} | met |", "|---|---:|:---:|"]
    for label, shown, met in rows:
        verdict = "n/a" if met is None else ("yes" if met else "**no**")
        lines.append(f"| {label} | {shown} | {verdict} |")
    return lines
