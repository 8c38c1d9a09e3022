"""The butler fixtures, marker options and hook, used as a downstream suite uses them."""

from __future__ import annotations

import json
import textwrap

import pytest

DATASET_TYPE = """
from pytest_memstore import DatasetType

CALEXP = DatasetType("calexp", {"instrument", "visit"}, "StructuredDataDict")
"""


def with_calexp(body: str) -> str:
    """Return test source that defines ``CALEXP`` first."""
    return DATASET_TYPE + textwrap.dedent(body)


def test_memstore_butler_is_a_fresh_butler_per_test_with_run_memstore(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        with_calexp(
        """
        from pytest_memstore import DatasetNotFoundError, InMemoryButler
        import pytest

        def test_first(memstore_butler):
            assert isinstance(memstore_butler, InMemoryButler)
            assert memstore_butler.run == "memstore"
            assert list(memstore_butler.collections.defaults) == ["memstore"]
            memstore_butler.registry.registerDatasetType(CALEXP)
            memstore_butler.put({"flux": 1}, "calexp", instrument="Cam", visit=1)
            assert memstore_butler.get("calexp", instrument="Cam", visit=1) == {"flux": 1}

        def test_second_sees_nothing_of_the_first(memstore_butler):
            assert memstore_butler.registry.queryDatasetTypes() == []
            assert memstore_butler.datastore.records == {}
        """)
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_the_marker_sets_run_collections_and_the_store_options(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        with_calexp(
        """
        import pytest
        from pytest_memstore import DatasetTypeNotSupportedError

        @pytest.mark.memstore(run="u/me/run", collections=["u/me/run", "calib"],
                              constraints={"reject": ["calexp"]}, name="mine")
        def test_marked(memstore_butler, memstore):
            assert memstore_butler.run == "u/me/run"
            assert list(memstore_butler.collections.defaults) == ["u/me/run", "calib"]
            assert memstore_butler.datastore.name == "mine"
            assert memstore.name == "mine"  # the marker's store options apply to both
            assert memstore_butler.datastore is not memstore
            memstore_butler.registry.registerDatasetType(CALEXP)
            with pytest.raises(DatasetTypeNotSupportedError):
                memstore_butler.put({}, "calexp", instrument="Cam", visit=1)
        """)
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_the_butler_factory_builds_butlers_over_stores_of_their_own(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        with_calexp(
        """
        import pytest

        @pytest.mark.memstore(run="marked")
        def test_factory(memstore_butler_factory):
            first = memstore_butler_factory()
            second = memstore_butler_factory(run="other", copy_on_get=True)
            assert first.run == "marked" and second.run == "other"
            assert first.datastore is not second.datastore
            assert second.datastore.copy_on_get
            with pytest.raises(TypeError, match="memstore_butler_factory: unknown option"):
                memstore_butler_factory(colections=["x"])
            with pytest.raises(TypeError, match="option run=5 must be a non-empty str"):
                memstore_butler_factory(run=5)
            with pytest.raises(TypeError, match="must be a collection name or a list or tuple"):
                memstore_butler_factory(collections=(name for name in ["a"]))
        """)
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_the_butler_created_hook_prepares_each_butler(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        with_calexp(
        """
        def pytest_memstore_butler_created(butler, request):
            butler.registry.registerDatasetType(CALEXP)
            butler.put({"from": request.node.name}, "calexp", instrument="Cam", visit=1)
        """)
    )
    pytester.makepyfile(
        """
        def test_prepared(memstore_butler, memstore_butler_factory):
            for butler in (memstore_butler, memstore_butler_factory(run="other")):
                got = butler.get("calexp", instrument="Cam", visit=1)
                assert got == {"from": "test_prepared"}
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_bad_butler_marker_values_are_a_usage_error_at_collection(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.memstore(collections=[1, 2])
        def test_bad(memstore_butler):
            pass
        """
    )
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*option collections=[[]1, 2[]] must be a collection name*"])


def test_a_butlers_store_counts_in_the_report_and_strict_mode(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        with_calexp(
        """
        def test_puts(memstore_butler):
            memstore_butler.registry.registerDatasetType(CALEXP)
            memstore_butler.put({"a": 1}, "calexp", instrument="Cam", visit=1)
            memstore_butler.get("calexp", instrument="Cam", visit=1)

        def test_leaves_trash(memstore_butler_factory):
            butler = memstore_butler_factory()
            butler.registry.registerDatasetType(CALEXP)
            ref = butler.put({"a": 1}, "calexp", instrument="Cam", visit=1)
            butler.datastore.trash(ref)
        """)
    )
    result = pytester.runpytest(
        "--memstore-report=json:report.json", "--memstore-strict", "-p", "no:randomly"
    )
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        ["*memstore_butler_factory#1 was left with 1 dataset(s) in the trash*"]
    )
    report = json.loads((pytester.path / "report.json").read_text())
    rows = {row["nodeid"].split("::")[1]: row for row in report["tests"]}
    assert rows["test_puts"]["stores"] == 1
    assert rows["test_puts"]["put"] == 1
    assert rows["test_puts"]["get"] == 1
    assert rows["test_leaves_trash"]["left_trash"] == 1


def test_run_and_collections_in_the_marker_do_not_reach_plain_stores(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.memstore(run="r", name="kept")
        def test_plain(memstore, memstore_factory):
            assert memstore.name == "kept"
            memstore_factory()
            with pytest.raises(TypeError, match="memstore_factory: unknown option"):
                memstore_factory(run="r")
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)
