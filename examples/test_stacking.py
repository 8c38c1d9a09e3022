"""Tests of the Butler-level stacking step, each against a fresh in-memory Butler."""

from __future__ import annotations

import pytest
from pipeline import Spectrum
from stacking import StackingError, exposures_to_stack, stack

from pytest_memstore import DatasetNotFoundError, DatasetType, InMemoryButler

WAVELENGTHS = [400.0, 400.5, 401.0]


@pytest.fixture
def butler(memstore_butler: InMemoryButler) -> InMemoryButler:
    """A butler whose dataset types are registered and which holds three spectra."""
    register = memstore_butler.registry.registerDatasetType
    register(DatasetType("spectrum", {"instrument", "exposure"}, "Spectrum"))
    register(DatasetType("stack", {"instrument"}, "Spectrum"))
    register(DatasetType("stack_inputs", {"instrument"}, "StructuredDataDict"))
    for exposure, level in ((41, 1.0), (42, 2.0), (43, 6.0)):
        spectrum = Spectrum(list(WAVELENGTHS), [level] * len(WAVELENGTHS))
        memstore_butler.put(spectrum, "spectrum", instrument="DemoSpec", exposure=exposure)
    return memstore_butler


def test_exposures_to_stack_queries_by_data_id(butler: InMemoryButler) -> None:
    assert exposures_to_stack(butler, "DemoSpec", 42) == [42, 43]
    assert exposures_to_stack(butler, "OtherSpec", 0) == []


def test_stack_writes_the_average_and_its_inputs(butler: InMemoryButler) -> None:
    ref = stack(butler, "DemoSpec", [41, 42, 43])
    assert butler.get(ref) == Spectrum(WAVELENGTHS, [3.0, 3.0, 3.0])
    assert butler.get("stack.flux", instrument="DemoSpec") == [3.0, 3.0, 3.0]
    assert butler.get("stack_inputs", instrument="DemoSpec") == {"exposures": [41, 42, 43]}


def test_a_missing_exposure_fails_before_anything_is_written(butler: InMemoryButler) -> None:
    with pytest.raises(DatasetNotFoundError):
        stack(butler, "DemoSpec", [41, 44])
    assert butler.find_dataset("stack", instrument="DemoSpec") is None


@pytest.mark.memstore(run="u/demo/stacking")
def test_a_failed_write_rolls_back_the_stack(butler: InMemoryButler) -> None:
    butler.registry.registerDatasetType(  # an identical definition: accepted again
        DatasetType("stack_inputs", {"instrument"}, "StructuredDataDict")
    )
    butler.put({"exposures": []}, "stack_inputs", instrument="DemoSpec")  # now taken
    with pytest.raises(Exception, match="stack_inputs"):
        stack(butler, "DemoSpec", [41, 42])
    assert butler.find_dataset("stack", instrument="DemoSpec") is None
    assert butler.run == "u/demo/stacking"


def test_no_exposures_is_an_error(butler: InMemoryButler) -> None:
    with pytest.raises(StackingError, match="no exposures"):
        stack(butler, "DemoSpec", [])
