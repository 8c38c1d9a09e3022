"""daf_butler's own tests of its test-repository helpers pass, unchanged, on InMemoryButler.

``tests/upstream/daf_butler/`` holds daf_butler's ``test_testRepo.py`` (10
tests), copied unchanged (its ``README.md`` says from where). They call
``lsst.daf.butler.tests``' helpers, which ``--memstore-test-repo`` makes ours
for the session: the repositories they query, validate and write to are
`InMemoryButler` ones (but for the one test that makes a chained-datastore
repository with ``Butler.makeRepo`` itself). They run in a pytest of their
own, in a subprocess, with their directory's configuration; their temporary
directories go under this test's (``DAF_BUTLER_TEST_TMP``). Running them
needs lsst-daf-butler (the ``butler`` extra); without it that test skips.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._upstream import UPSTREAM, assert_all_pass, assert_copies_unchanged, importable

COPIES = UPSTREAM / "daf_butler"
EXPECTED_PASSES = {"test_testRepo.py": 10}
"""How many tests of each copied file must pass."""


def test_the_copies_are_the_upstream_files_unchanged() -> None:
    assert_copies_unchanged(COPIES, EXPECTED_PASSES)


@pytest.mark.skipif(
    not importable("lsst.daf.butler"), reason="needs lsst-daf-butler: the butler extra"
)
def test_they_all_pass_with_memstore_test_repo(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    temporary = tmp_path / "daf_butler_test_tmp"
    temporary.mkdir()
    monkeypatch.setenv("DAF_BUTLER_TEST_TMP", str(temporary))
    assert_all_pass(pytester, COPIES, EXPECTED_PASSES)
    assert list(temporary.iterdir()) == []  # each test removed what it made
