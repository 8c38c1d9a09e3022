"""Tests of the pipeline steps, each against a fresh in-memory datastore."""

from __future__ import annotations

import pytest
from pipeline import CalibrationConfig, CalibrationError, Spectrum, calibrate, discard, summarize

from pytest_memstore import (
    DatasetRef,
    DatasetTypeNotSupportedError,
    ExampleMetrics,
    InMemoryDatastore,
    StoreFactory,
    assert_consistent,
    assert_not_stored,
    assert_stored,
    assert_trash_empty,
    assert_trash_roundtrip,
)

# ADU counts of one readout; the fourth pixel is saturated.
RAW = [100, 110, 130, 65_535, 120, 140]
FLUX = [0.0, 20.0, 60.0, 40.0, 80.0]
WAVELENGTHS = [400.0, 400.5, 401.0, 402.0, 402.5]


def run_pipeline(store: InMemoryDatastore, refs: dict[str, DatasetRef]) -> None:
    """Put the raw data and run both steps."""
    store.put(RAW, refs["raw"])
    calibrate(store, refs["raw"], refs["spectrum"], refs["metrics"])
    summarize(store, refs["spectrum"], refs["metrics"], refs["summary"])


@pytest.mark.memstore(copy_on_put=True)
def test_calibrate_writes_spectrum_and_metrics(
    memstore: InMemoryDatastore, refs: dict[str, DatasetRef]
) -> None:
    """Saturated pixels are dropped; the metrics dict is stored as ExampleMetrics.

    ``copy_on_put`` stores a copy of ``RAW``, so the last check would catch
    a pipeline that changes the list it reads in place.
    """
    memstore.put(RAW, refs["raw"])

    calibrate(memstore, refs["raw"], refs["spectrum"], refs["metrics"])

    assert_stored(memstore, refs["spectrum"])
    assert_stored(memstore, refs["metrics"])
    assert memstore.get(refs["spectrum"]) == Spectrum(WAVELENGTHS, FLUX)
    metrics = memstore.get(refs["metrics"])
    assert isinstance(metrics, ExampleMetrics)
    assert metrics.summary == {"mean": 40.0, "min": 0.0, "max": 80.0, "saturated": 1}
    assert memstore.get(refs["raw"]) == RAW, "calibrate must not change its input"


def test_summarize_reads_components_with_parameters(
    memstore: InMemoryDatastore, refs: dict[str, DatasetRef]
) -> None:
    """The summary comes from a spectrum window, a data slice and the derived counter."""
    run_pipeline(memstore, refs)

    assert memstore.get(refs["summary"]) == {
        "pixels": 5,
        "mean": 40.0,
        "preview": [0.0, 20.0, 60.0],
        "band_pixels": 2,
        "band_flux": 80.0,
    }
    assert_consistent(memstore)


def test_failed_calibration_leaves_the_store_unchanged(
    memstore: InMemoryDatastore, refs: dict[str, DatasetRef]
) -> None:
    """The spectrum is put before the metrics fail; the transaction takes it back."""
    memstore.put([65_535, 65_535], refs["raw"])
    before = dict(memstore.datasets)

    with pytest.raises(CalibrationError, match="saturated"):
        calibrate(memstore, refs["raw"], refs["spectrum"], refs["metrics"])

    assert_not_stored(memstore, refs["spectrum"])
    assert_not_stored(memstore, refs["metrics"])
    assert memstore.datasets == before
    assert_consistent(memstore)


def test_failed_rerun_keeps_the_previous_outputs(
    memstore: InMemoryDatastore, refs: dict[str, DatasetRef]
) -> None:
    """A rerun overwrites the outputs; when it fails, the rollback restores them."""
    run_pipeline(memstore, refs)
    previous = memstore.get(refs["spectrum"])

    with pytest.raises(CalibrationError):
        calibrate(
            memstore,
            refs["raw"],
            refs["spectrum"],
            refs["metrics"],
            CalibrationConfig(saturation=0),
        )

    assert memstore.get(refs["spectrum"]) is previous
    assert memstore.get(refs["metrics"].makeComponentRef("counter")) == 5


@pytest.mark.memstore(constraints={"reject": ["ExampleComposite"]})
def test_store_that_rejects_metrics_gets_no_spectrum_either(
    memstore: InMemoryDatastore, refs: dict[str, DatasetRef]
) -> None:
    """A constraint refusing the metrics makes the whole step fail and roll back."""
    memstore.put(RAW, refs["raw"])

    with pytest.raises(DatasetTypeNotSupportedError, match="metrics"):
        calibrate(memstore, refs["raw"], refs["spectrum"], refs["metrics"])

    assert_not_stored(memstore, refs["spectrum"])
    assert_consistent(memstore)


def test_discard_deletes_intermediates_only(
    memstore: InMemoryDatastore, refs: dict[str, DatasetRef]
) -> None:
    """Once summarized, raw and spectrum go; metrics and summary stay."""
    run_pipeline(memstore, refs)

    discard(memstore, [refs["raw"], refs["spectrum"]])

    assert_not_stored(memstore, refs["raw"])
    assert_not_stored(memstore, refs["spectrum"])
    assert_stored(memstore, refs["metrics"])
    assert_stored(memstore, refs["summary"])
    assert_trash_empty(memstore)
    assert_consistent(memstore)


def test_trashed_spectrum_is_readable_until_the_trash_is_emptied(
    memstore: InMemoryDatastore, refs: dict[str, DatasetRef]
) -> None:
    """Trash, read, empty, gone: assert_trash_roundtrip checks every step."""
    run_pipeline(memstore, refs)

    assert_trash_roundtrip(memstore, refs["spectrum"])

    assert_trash_empty(memstore)


def test_archive_keeps_only_summaries(
    memstore: InMemoryDatastore, memstore_factory: StoreFactory, refs: dict[str, DatasetRef]
) -> None:
    """Transfer outputs to a second store whose constraints accept summaries only."""
    archive = memstore_factory(name="archive", constraints={"accept": ["summary"]})
    run_pipeline(memstore, refs)

    archive.transfer(memstore, refs["summary"])
    with pytest.raises(DatasetTypeNotSupportedError):
        archive.transfer(memstore, refs["spectrum"])

    assert_stored(archive, refs["summary"])
    assert_not_stored(archive, refs["spectrum"])
    assert archive.get(refs["summary"]) == memstore.get(refs["summary"])
