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

import pytest

from tests._upstream import UPSTREAM, assert_all_pass, assert_copies_unchanged, importable

COPIES = UPSTREAM / "pipe_base"
EXPECTED_PASSES = {"test_testUtils.py": 25, "test_task_factory.py": 2}
"""How many tests of each copied file must pass."""


def test_the_copies_are_the_upstream_files_unchanged() -> None:
    assert_copies_unchanged(COPIES, EXPECTED_PASSES)


@pytest.mark.skipif(
    not importable("lsst.pipe.base"),
    reason="needs lsst-pipe-base: the pipe extra, on Python 3.12 or newer",
)
def test_they_all_pass_with_memstore_test_repo(pytester: pytest.Pytester) -> None:
    assert_all_pass(pytester, COPIES, EXPECTED_PASSES)
