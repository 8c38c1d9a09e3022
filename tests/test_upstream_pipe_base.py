"""pipe_base's own tests of its test utilities pass, unchanged, on InMemoryButler.

``tests/upstream/pipe_base/`` holds pipe_base's ``test_testUtils.py`` (25
tests) and ``test_task_factory.py`` (2 tests), copied unchanged (its
``README.md`` says from where). They build their repositories with
``lsst.daf.butler.tests``' helpers, which ``--memstore-test-repo`` makes ours
for the session, so every butler they use is an `InMemoryButler`. They run
in a pytest of their own, in a subprocess, with their directory's
configuration, as they run upstream. Running them needs lsst-pipe-base (the
``pipe`` extra, on Python 3.12 or newer); without it that test skips.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from collections import Counter
from pathlib import Path

import pytest

UPSTREAM = Path(__file__).resolve().parent / "upstream" / "pipe_base"
EXPECTED_PASSES = {"test_testUtils.py": 25, "test_task_factory.py": 2}
"""How many tests of each copied file must pass."""

_OUTCOME = re.compile(r"^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) ")
"""A line of the short test summary that ``-rA`` prints."""


def pipe_base_importable() -> bool:
    """Whether lsst.pipe.base can be imported, without importing it (seconds)."""
    try:
        return importlib.util.find_spec("lsst.pipe.base") is not None
    except ModuleNotFoundError:  # not even the lsst namespace
        return False


def git_blob(path: Path) -> str:
    """Return the git blob id of the file at ``path``: what ``git hash-object`` prints."""
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def test_the_copies_are_the_upstream_files_unchanged() -> None:
    readme = (UPSTREAM / "README.md").read_text(encoding="utf-8")
    recorded = dict(re.findall(r"^\| (\S+) \| \S+ \| ([0-9a-f]{40}) \|$", readme, re.MULTILINE))
    assert {path.name for path in UPSTREAM.glob("test_*.py")} == set(EXPECTED_PASSES)
    assert set(EXPECTED_PASSES) <= set(recorded)
    assert {name: git_blob(UPSTREAM / name) for name in recorded} == recorded


@pytest.mark.skipif(
    not pipe_base_importable(),
    reason="needs lsst-pipe-base: the pipe extra, on Python 3.12 or newer",
)
def test_they_all_pass_with_memstore_test_repo(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess(
        *(UPSTREAM / name for name in EXPECTED_PASSES),
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
    assert dict(passed) == EXPECTED_PASSES and not not_passed and result.ret == 0, (
        f"pipe_base's tests with --memstore-test-repo: passed {dict(passed)}, expected "
        f"{EXPECTED_PASSES}; pytest exited {result.ret}. Not passed:\n"
        + ("\n".join(not_passed) or "(none listed)")
        + f"\n--- end of the output\n{tail}"
    )
