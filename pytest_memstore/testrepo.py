"""In-memory drop-ins for ``lsst.daf.butler.tests``' test-repository helpers.

``from pytest_memstore.testrepo import makeTestRepo, makeTestCollection``
gives the helpers of ``lsst.daf.butler.tests`` with the same signatures and
results, over a daf_butler-mode `InMemoryButler`. Importing this module
needs ``lsst-daf-butler``. The ``--memstore-test-repo`` switch puts these in
place of daf_butler's for a whole session.
"""

from __future__ import annotations

__all__ = [
    "addDataIdValue",
    "addDatasetType",
    "expandUniqueId",
    "makeTestCollection",
    "makeTestRepo",
    "registerMetricsExample",
]

from .daf.testrepo import (
    addDataIdValue,
    addDatasetType,
    expandUniqueId,
    makeTestCollection,
    makeTestRepo,
    registerMetricsExample,
)
