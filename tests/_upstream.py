"""What the tests of the copied upstream test files share (``tests/upstream/``).

Each directory there holds files copied unchanged from one commit, with a
``README.md`` whose table records each file's git blob; a
``tests/test_upstream_<project>.py`` checks the copies against it and runs
the copied tests in a pytest of their own, in a subprocess, with
``--memstore-test-repo``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import pytest

UPSTREAM = Path(__file__).resolve().parent / "upstream"
"""The directory of the copies, one subdirectory per project."""

_OUTCOME = re.compile(r"^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) ")
"""A line of the short test summary that ``-rA`` prints."""

_BLOB_ROW = re.compile(r"^\| (\S+) \| \S+ \| ([0-9a-f]{40}) \|$", re.MULTILINE)
"""A row of a README's table: file, upstream path, git blob."""


def importable(module: str) -> bool:
    """Whether ``module`` can be imported, without importing it (seconds for lsst's)."""
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # not even its namespace
        return False


def git_blob(path: Path) -> str:
    """Return the git blob id of the file at ``path``: what ``git hash-object`` prints."""
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def assert_copies_unchanged(directory: Path, expected_passes: Mapping[str, int]) -> None:
    """Check that the test files are the ones expected and match the README's blobs."""
    readme = (directory / "README.md").read_text(encoding="utf-8")
    recorded = dict(_BLOB_ROW.findall(readme))
    assert {path.name for path in directory.glob("test_*.py")} == set(expected_passes)
    assert set(expected_passes) <= set(recorded)
    assert {name: git_blob(directory / name) for name in recorded} == recorded


def assert_all_pass(
    pytester: pytest.Pytester, directory: Path, expected_passes: Mapping[str, int]
) -> None:
    """Run the copied tests with ``--memstore-test-repo``; each file must pass as expected."""
    result = pytester.runpytest_subprocess(
        *(directory / name for name in expected_passes),
        "--memstore-test-repo",
        "-p",
        "no:cacheprovider",
        "-rA",
    )
    passed: Counter[str] = Counter()
    not_passed = []
    for line in result.outlines:
        if (match := _OUTCOME.match(line)) is None:
            continue
        if match.group(1) == "PASSED":
            passed[Path(line.split()[1].split("::")[0]).name] += 1
        else:
            not_passed.append(line)
    tail = "\n".join([*result.outlines[-15:], *result.errlines[-15:]])
    assert dict(passed) == expected_passes and not not_passed and result.ret == 0, (
        f"{directory.name}'s tests with --memstore-test-repo: passed {dict(passed)}, expected "
        f"{dict(expected_passes)}; pytest exited {result.ret}. Not passed:\n"
        + ("\n".join(not_passed) or "(none listed)")
        + f"\n--- end of the output\n{tail}"
    )
