"""A two-step spectroscopy pipeline, written against a Butler-style datastore.

This is the code under test. It knows nothing about pytest or
pytest-memstore: it talks to whatever datastore it is given through the
daf_butler method names (``put``, ``get``, ``exists``, ``trash``,
``emptyTrash``, ``transaction``), and receives resolved dataset refs for its
inputs and outputs, as a ``PipelineTask`` does.

- `calibrate` reads a ``raw`` readout (a list of ADU counts, one per pixel),
  writes a `Spectrum` and a composite of measurements (``metrics``: a
  summary, the calibration inputs, and the flux values as data).
- `summarize` reads a wavelength window of the spectrum and components of
  the metrics (some with read parameters), and writes a summary dict.
- `discard` deletes intermediate datasets that are no longer needed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias

# A resolved dataset ref. The pipeline only passes refs on and asks them for
# component refs (``makeComponentRef``); their type is the datastore's business.
Ref: TypeAlias = Any


class Datastore(Protocol):
    """The part of the daf_butler ``Datastore`` interface this pipeline uses."""

    def put(self, inMemoryDataset: Any, ref: Ref) -> None:
        """Store a dataset."""
        ...

    def get(self, ref: Ref, parameters: Mapping[str, Any] | None = None) -> Any:
        """Read a dataset, a component, or a subset selected by ``parameters``."""
        ...

    def exists(self, ref: Ref) -> bool:
        """Return whether the dataset is stored."""
        ...

    def trash(self, ref: Ref | Iterable[Ref], ignore_errors: bool = False) -> None:
        """Move datasets to the trash."""
        ...

    def emptyTrash(
        self, ignore_errors: bool = False, refs: Iterable[Ref] | None = None, dry_run: bool = False
    ) -> Any:
        """Delete trashed datasets."""
        ...

    def transaction(self) -> AbstractContextManager[Any]:
        """Open a transaction that is rolled back when its block raises."""
        ...


@dataclass
class Spectrum:
    """Flux sampled at increasing wavelengths.

    Parameters
    ----------
    wavelengths : `list` [`float`]
        Wavelength of each sample, in nm.
    flux : `list` [`float`]
        Calibrated flux of each sample, in electrons.
    """

    wavelengths: list[float]
    flux: list[float]

    def window(self, low: float, high: float) -> Spectrum:
        """Return the samples with ``low <= wavelength < high``."""
        keep = [i for i, w in enumerate(self.wavelengths) if low <= w < high]
        return Spectrum([self.wavelengths[i] for i in keep], [self.flux[i] for i in keep])


@dataclass(frozen=True)
class CalibrationConfig:
    """How to turn ADU counts into a spectrum.

    Parameters
    ----------
    bias : `float`
        Counts subtracted from every pixel.
    gain : `float`
        Electrons per ADU.
    saturation : `int`
        Pixels at or above this count are dropped.
    start, step : `float`
        Wavelength (nm) of the first pixel, and the dispersion per pixel.
    """

    bias: float = 100.0
    gain: float = 2.0
    saturation: int = 60_000
    start: float = 400.0
    step: float = 0.5


class CalibrationError(ValueError):
    """The raw data cannot be calibrated."""


def calibrate(
    store: Datastore,
    raw: Ref,
    spectrum: Ref,
    metrics: Ref,
    config: CalibrationConfig = CalibrationConfig(),
) -> Spectrum:
    """Calibrate one raw readout into a spectrum and its metrics.

    Both outputs are written in one transaction: if anything fails, neither
    is stored (and outputs of an earlier run are kept as they were).

    Raises
    ------
    CalibrationError
        Every pixel is saturated.
    """
    counts = store.get(raw)
    good = [(i, adu) for i, adu in enumerate(counts) if adu < config.saturation]
    result = Spectrum(
        wavelengths=[config.start + config.step * i for i, _ in good],
        flux=[(adu - config.bias) * config.gain for _, adu in good],
    )
    with store.transaction():
        store.put(result, spectrum)
        store.put(_measure(result, len(counts) - len(good), config), metrics)
    return result


def _measure(spectrum: Spectrum, saturated: int, config: CalibrationConfig) -> dict[str, Any]:
    """Return the metrics as a mapping with ``summary``, ``output`` and ``data``.

    The ``metrics`` dataset type decides how they are held: with the
    ``ExampleComposite`` storage class the datastore converts the mapping
    to its composite type on ``put``.
    """
    if not spectrum.flux:
        raise CalibrationError(f"cannot measure: all {saturated} pixels are saturated")
    flux = spectrum.flux
    return {
        "summary": {
            "mean": sum(flux) / len(flux),
            "min": min(flux),
            "max": max(flux),
            "saturated": saturated,
        },
        "output": {"bias": config.bias, "gain": config.gain},
        "data": list(flux),
    }


def summarize(
    store: Datastore,
    spectrum: Ref,
    metrics: Ref,
    summary: Ref,
    window: tuple[float, float] = (400.5, 402.0),
    preview: int = 3,
) -> dict[str, Any]:
    """Summarize a calibrated spectrum, reading only the parts it needs."""
    band = store.get(spectrum, parameters={"window": window})
    stats = store.get(metrics.makeComponentRef("summary"))
    first = store.get(metrics.makeComponentRef("data"), parameters={"slice": slice(0, preview)})
    result = {
        "pixels": store.get(metrics.makeComponentRef("counter")),
        "mean": stats["mean"],
        "preview": first,
        "band_pixels": len(band.flux),
        "band_flux": sum(band.flux),
    }
    store.put(result, summary)
    return result


def discard(store: Datastore, refs: Iterable[Ref]) -> None:
    """Delete the stored ones of ``refs``, leaving the rest of the trash alone."""
    stored = [ref for ref in refs if store.exists(ref)]
    if not stored:
        # daf_butler reads emptyTrash(refs=[]) as "the whole trash": never pass it.
        return
    store.trash(stored)
    store.emptyTrash(refs=stored)
