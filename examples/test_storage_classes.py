"""Tests of how the pipeline's datasets are held: storage classes and delegates."""

from __future__ import annotations

import pytest
from pipeline import Spectrum

from pytest_memstore import ExampleMetrics, InMemoryDatastore, RefFactory, assert_roundtrip

SPECTRUM = Spectrum(wavelengths=[400.0, 400.5, 401.0, 401.5], flux=[1.0, 2.0, 3.0, 4.0])


def test_spectrum_roundtrip(memstore: InMemoryDatastore, memstore_ref: RefFactory) -> None:
    """Put, get, and read each component (``wavelengths``, ``flux``) back."""
    ref = memstore_ref("spectrum", {"instrument": "DemoSpec", "exposure": 1}, "Spectrum")

    assert_roundtrip(memstore, SPECTRUM, ref)


def test_spectrum_window_parameter(memstore: InMemoryDatastore, memstore_ref: RefFactory) -> None:
    """The conftest's delegate applies ``window`` on read."""
    ref = memstore_ref("spectrum", {"instrument": "DemoSpec", "exposure": 1}, "Spectrum")

    assert_roundtrip(
        memstore,
        SPECTRUM,
        ref,
        parameters={"window": (400.5, 401.5)},
        expected=Spectrum([400.5, 401.0], [2.0, 3.0]),
    )


def test_component_refuses_the_composite_parameter(
    memstore: InMemoryDatastore, memstore_ref: RefFactory
) -> None:
    """``window`` belongs to Spectrum; the ``flux`` component only knows ``slice``."""
    ref = memstore_ref("spectrum", {"instrument": "DemoSpec", "exposure": 1}, "Spectrum")
    memstore.put(SPECTRUM, ref)
    flux = ref.makeComponentRef("flux")

    assert memstore.get(flux, parameters={"slice": slice(1, 3)}) == [2.0, 3.0]
    with pytest.raises(KeyError, match="window"):
        memstore.get(flux, parameters={"window": (400.0, 401.0)})


def test_metrics_from_a_mapping(memstore: InMemoryDatastore, memstore_ref: RefFactory) -> None:
    """ExampleComposite converts a mapping on put; ``slice`` applies to ``data``."""
    ref = memstore_ref("metrics", {"instrument": "DemoSpec", "exposure": 1}, "ExampleComposite")
    mapping = {"summary": {"mean": 2.5}, "output": {}, "data": [1.0, 2.0, 3.0, 4.0]}

    assert_roundtrip(
        memstore,
        mapping,
        ref,
        parameters={"slice": slice(0, 2)},
        expected=ExampleMetrics({"mean": 2.5}, {}, [1.0, 2.0]),
    )
    assert memstore.get(ref.makeComponentRef("counter")) == 4
