"""``--memstore-test-repo`` and ``memstore_butler_universe``, as a downstream suite uses them."""

from __future__ import annotations

import json
import textwrap

import pytest

pytest.importorskip("lsst.daf.butler", reason="needs the butler extra")

USES_THE_HELPERS = """
import lsst.daf.butler.tests as butlerTests
from lsst.daf.butler.tests import makeTestRepo as imported_by_name
from pytest_memstore import InMemoryButler


def test_helpers_by_module_and_by_name_are_in_memory(tmp_path):
    for make in (butlerTests.makeTestRepo, imported_by_name):
        repo = make(str(tmp_path))
        assert isinstance(repo, InMemoryButler)
        butlerTests.addDataIdValue(repo, "instrument", "Cam")
        butlerTests.addDatasetType(repo, "cfg", {"instrument"}, "StructuredDataDict")
        butler = butlerTests.makeTestCollection(repo, uniqueId="x")
        butler.put({"a": 1}, "cfg", instrument="Cam")
        assert butler.get("cfg", instrument="Cam") == {"a": 1}
    assert not list(tmp_path.iterdir())  # nothing written to disk
"""

# A conftest is imported before the switch is installed: its names must be switched too.
CONFTEST_IMPORTS_BY_NAME = """
from lsst.daf.butler.tests import makeTestCollection, makeTestRepo
import pytest

@pytest.fixture
def repo(tmp_path):
    return makeTestRepo(str(tmp_path))
"""


def test_the_flag_switches_the_helpers_for_the_session_and_back(
    pytester: pytest.Pytester,
) -> None:
    import lsst.daf.butler.tests as butler_tests

    original = butler_tests.makeTestRepo
    pytester.makepyfile(test_helpers=USES_THE_HELPERS)
    pytester.runpytest("--memstore-test-repo").assert_outcomes(passed=1)
    assert butler_tests.makeTestRepo is original


def test_the_ini_option_switches_them_too_and_a_conftests_names(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini("[pytest]\nmemstore_test_repo = true\n")
    pytester.makeconftest(CONFTEST_IMPORTS_BY_NAME)
    pytester.makepyfile(
        test_conftest=textwrap.dedent(
            """
            from pytest_memstore import InMemoryButler

            def test_the_conftests_helper_is_ours(repo):
                assert isinstance(repo, InMemoryButler)
            """
        )
    )
    pytester.runpytest_subprocess().assert_outcomes(passed=1)


def test_without_the_switch_the_helpers_are_daf_butlers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import lsst.daf.butler.tests as butlerTests
        from pytest_memstore import InMemoryButler

        def test_real(tmp_path):
            repo = butlerTests.makeTestRepo(str(tmp_path))
            assert not isinstance(repo, InMemoryButler)
            repo.close()
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_without_daf_butler_the_switch_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        no_lsst="import sys\nsys.modules['lsst'] = None  # as if not installed\n",
        test_one="def test_one():\n    pass\n",
    )
    result = pytester.runpytest_subprocess("-p", "no_lsst", "--memstore-test-repo")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*--memstore-test-repo*needs lsst-daf-butler*pytest-memstore[[]butler[]]*"]
    )


def test_the_universe_option_gives_daf_butler_mode_butlers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import lsst.daf.butler as daf_butler
        import pytest

        @pytest.mark.memstore(universe="daf")
        def test_marked(memstore_butler):
            assert isinstance(memstore_butler, daf_butler.Butler)
            assert memstore_butler.run == "memstore"

        def test_factory(memstore_butler_factory):
            assert isinstance(memstore_butler_factory(universe="daf"), daf_butler.Butler)
            assert not isinstance(memstore_butler_factory(), daf_butler.Butler)

        def test_unmarked(memstore_butler):
            assert not isinstance(memstore_butler, daf_butler.Butler)
        """
    )
    pytester.runpytest("--memstore-report").assert_outcomes(passed=3)


def test_the_ini_universe_is_the_default(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nmemstore_butler_universe = daf\n")
    pytester.makepyfile(
        """
        import lsst.daf.butler as daf_butler
        import pytest

        def test_default(memstore_butler):
            assert isinstance(memstore_butler, daf_butler.Butler)

        @pytest.mark.memstore(universe="none")
        def test_standalone(memstore_butler):
            assert not isinstance(memstore_butler, daf_butler.Butler)
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_a_bad_universe_names_the_option(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nmemstore_butler_universe = lsst\n")
    pytester.makepyfile("def test_one():\n    pass\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*memstore_butler_universe must be none or daf*'lsst'*"])
    pytester.makeini("[pytest]\n")
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.memstore(universe="lsst")
        def test_one(memstore_butler):
            pass
        """
    )
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*test_one: @pytest.mark.memstore: option universe='lsst' must be*"]
    )


def test_the_report_counts_what_each_test_did_with_the_shared_store(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import unittest
        import lsst.daf.butler.tests as butlerTests

        class Repo(unittest.TestCase):
            @classmethod
            def setUpClass(cls):
                cls.repo = butlerTests.makeTestRepo("unused", {"instrument": ["Cam"]})
                butlerTests.addDatasetType(cls.repo, "cfg", {"instrument"}, "StructuredDataDict")

            def setUp(self):
                self.butler = butlerTests.makeTestCollection(self.repo, uniqueId=self.id())

            def test_puts_twice(self):
                self.butler.put({"a": 1}, "cfg", instrument="Cam")
                self.butler.registry.registerRun("test_other")
                self.butler.put({"a": 2}, "cfg", instrument="Cam", run="test_other")

            def test_reads_nothing(self):
                assert not self.butler.exists("cfg", instrument="Cam")
        """
    )
    report = pytester.path / "report.json"
    result = pytester.runpytest(
        "--memstore-test-repo", f"--memstore-report=json:{report}", "-p", "no:randomly"
    )
    result.assert_outcomes(passed=2)
    tests = json.loads(report.read_text())["tests"]
    rows = {row["nodeid"].rsplit("::", 1)[-1]: row for row in tests}
    assert rows["test_puts_twice"]["put"] == 2
    assert rows["test_puts_twice"]["left_datasets"] == 2
    assert rows["test_reads_nothing"]["put"] == 0
    assert rows["test_reads_nothing"]["left_datasets"] == 0


def test_without_daf_butler_a_daf_universe_says_what_is_missing(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        no_lsst="import sys\nsys.modules['lsst'] = None  # as if not installed\n",
        test_one="""
import pytest

@pytest.mark.memstore(universe="daf")
def test_one(memstore_butler):
    pass

def test_standalone(memstore_butler):
    pass
""",
    )
    result = pytester.runpytest_subprocess("-p", "no_lsst")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*test_one: a butler with universe='daf' needs lsst-daf-butler*"])
    pytester.makeini("[pytest]\nmemstore_butler_universe = daf\n")
    result = pytester.runpytest_subprocess("-p", "no_lsst")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*memstore_butler_universe = daf needs lsst-daf-butler*"])
