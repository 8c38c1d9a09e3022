"""Glue between the pipeline's types and pytest-memstore, shared by the tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from pipeline import Spectrum

from pytest_memstore import (
    DatasetRef,
    RefFactory,
    StorageClass,
    StorageClassDelegate,
    StorageClassFactory,
)


class SpectrumDelegate(StorageClassDelegate):
    """Applies the ``window`` read parameter, a ``(low, high)`` wavelength range.

    Components (``wavelengths``, ``flux``) are attributes of `Spectrum`, which
    the default delegate already handles; so does ``assemble``.
    """

    def handleParameters(
        self, inMemoryDataset: Any, parameters: Mapping[str, Any] | None = None
    ) -> Any:
        """Return the samples inside ``parameters["window"]``."""
        if not parameters:
            return inMemoryDataset
        others = {k: v for k, v in parameters.items() if k != "window"}
        if others:
            return super().handleParameters(inMemoryDataset, others)  # raises, naming them
        low, high = parameters["window"]
        return inMemoryDataset.window(low, high)


def pytest_memstore_register_storage_classes(factory: StorageClassFactory) -> None:
    """Teach every store in this directory the pipeline's ``Spectrum``."""
    samples = factory.getStorageClass("SliceableList")
    factory.registerStorageClass(
        StorageClass(
            "Spectrum",
            Spectrum,
            components={"wavelengths": samples, "flux": samples},
            parameters=["window"],
            delegate=SpectrumDelegate,
        )
    )


@pytest.fixture
def refs(memstore_ref: RefFactory) -> dict[str, DatasetRef]:
    """Refs to every dataset of one exposure, by dataset type name."""
    dataId = {"instrument": "DemoSpec", "exposure": 42}
    return {
        "raw": memstore_ref("raw", dataId, "SliceableList"),
        "spectrum": memstore_ref("spectrum", dataId, "Spectrum"),
        "metrics": memstore_ref("metrics", dataId, "ExampleComposite"),
        "summary": memstore_ref("summary", dataId, "StructuredDataDict"),
    }
