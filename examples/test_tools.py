"""The power tools on the pipeline: injected failures, expected counts, mutation detection."""

from __future__ import annotations

import pytest
from pipeline import calibrate, summarize

from pytest_memstore import DatasetRef, InMemoryDatastore, assert_ops, expect_ops

RAW = [100, 110, 130, 65_535, 120, 140]


def test_a_failed_metrics_write_rolls_back_the_spectrum(
    memstore: InMemoryDatastore, refs: dict[str, DatasetRef]
) -> None:
    """The disk fills up on the second write: neither output may be left behind."""
    memstore.put(RAW, refs["raw"])
    memstore.fail_next("put", match="metrics")

    with pytest.raises(OSError, match="metrics"):
        calibrate(memstore, refs["raw"], refs["spectrum"], refs["metrics"])

    assert not memstore.exists(refs["spectrum"])
    assert not memstore.exists(refs["metrics"])
    assert_ops(memstore, put=2, rollback=1)  # the raw data and the spectrum, taken back


def test_summarize_reads_each_part_once_and_writes_once(
    memstore: InMemoryDatastore, refs: dict[str, DatasetRef]
) -> None:
    memstore.put(RAW, refs["raw"])
    calibrate(memstore, refs["raw"], refs["spectrum"], refs["metrics"])

    with expect_ops(memstore, get=4, put=1, exists=0):
        summarize(memstore, refs["spectrum"], refs["metrics"], refs["summary"])


@pytest.mark.memstore(detect_mutation=True)
def test_calibrate_leaves_its_input_as_it_was(
    memstore: InMemoryDatastore, refs: dict[str, DatasetRef]
) -> None:
    """A calibrate that changed the raw list in place would fail this test at teardown."""
    memstore.put(list(RAW), refs["raw"])
    calibrate(memstore, refs["raw"], refs["spectrum"], refs["metrics"])
    assert memstore.get(refs["raw"]) == RAW
