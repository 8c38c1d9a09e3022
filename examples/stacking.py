"""A Butler-level step: stack the spectra of several exposures.

Like most code that reads and writes datasets, it talks to a Butler, by
dataset type name and data ID, not to a datastore by refs. It knows nothing
about pytest or pytest-memstore: any object with daf_butler's ``Butler``
methods used below will do.
"""

from __future__ import annotations

from typing import Any

from pipeline import Spectrum


class StackingError(ValueError):
    """The spectra cannot be stacked."""


def exposures_to_stack(butler: Any, instrument: str, min_exposure: int) -> list[int]:
    """Return the exposures of ``instrument`` that have a spectrum, from ``min_exposure`` on."""
    refs = butler.query_datasets(
        "spectrum",
        # Bind names must differ from dimension names, which they would shadow.
        where="instrument = :camera AND exposure >= :first",
        bind={"camera": instrument, "first": min_exposure},
        explain=False,
    )
    return sorted(ref.dataId["exposure"] for ref in refs)


def stack(butler: Any, instrument: str, exposures: list[int]) -> Any:
    """Average the spectra of ``exposures`` and write the ``stack``; return its ref.

    Every spectrum is read by data ID. Nothing is written unless all of them
    can be read and share their wavelengths.

    Raises
    ------
    StackingError
        No exposures, or spectra sampled at different wavelengths.
    """
    if not exposures:
        raise StackingError(f"no exposures of {instrument} to stack")
    spectra = [butler.get("spectrum", instrument=instrument, exposure=e) for e in exposures]
    wavelengths = spectra[0].wavelengths
    if any(s.wavelengths != wavelengths for s in spectra):
        raise StackingError(f"spectra of {instrument} {exposures} differ in wavelength")
    flux = [sum(values) / len(spectra) for values in zip(*(s.flux for s in spectra), strict=True)]
    with butler.transaction():
        ref = butler.put(Spectrum(list(wavelengths), flux), "stack", instrument=instrument)
        butler.put({"exposures": exposures}, "stack_inputs", instrument=instrument)
    return ref
