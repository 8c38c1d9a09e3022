"""daf_butler's own in-memory datastore tests, run against our store.

Point ``MEMSTORE_DAF_BUTLER_TESTS`` at a checkout of daf_butler's ``tests/``
directory (it holds the ``config/`` the tests read, which the package on the
index does not ship). The classes ``InMemoryDatastoreTestCase`` and
``InMemoryDatastoreConstraintsTestCase`` then run unchanged but for
``makeDatastore``, which returns our `InMemoryDatastore` built with the
configuration's constraints: every ref, dataset type, storage class and
delegate the tests hand it is daf_butler's own.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytest.importorskip("lsst.daf.butler", reason="needs the butler extra (lsst-daf-butler)")

_VARIABLE = "MEMSTORE_DAF_BUTLER_TESTS"
_checkout = os.environ.get(_VARIABLE, "")
if not _checkout or not (Path(_checkout) / "test_datastore.py").is_file():
    pytest.skip(
        f"set {_VARIABLE} to a checkout of daf_butler's tests/ directory to run its "
        "datastore tests against this store",
        allow_module_level=True,
    )

from pytest_memstore import InMemoryDatastore  # noqa: E402


def _load_upstream(directory: Path) -> ModuleType:
    name = "_daf_butler_upstream_test_datastore"
    spec = importlib.util.spec_from_file_location(name, directory / "test_datastore.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


_upstream = _load_upstream(Path(_checkout))


def _our_store(case: Any, sub: str | None = None) -> InMemoryDatastore:
    constraints = case.config.get("constraints")
    return InMemoryDatastore(constraints=None if constraints is None else constraints.toDict())


class TestInMemoryDatastoreUpstream(_upstream.InMemoryDatastoreTestCase):  # type: ignore[misc,name-defined]
    """daf_butler's ``InMemoryDatastoreTestCase`` against our store."""

    makeDatastore = _our_store

    def testForget(self) -> None:
        """Upstream's test but its last assert, which we differ on by design.

        After ``forget``, daf_butler still keeps the payload, so a URI of the
        forgotten dataset still ``exists()``; we free forgotten payloads.
        """
        with pytest.raises(AssertionError, match="False is not true"):
            super().testForget()


class TestInMemoryDatastoreConstraintsUpstream(  # type: ignore[misc,name-defined]
    _upstream.InMemoryDatastoreConstraintsTestCase
):
    """daf_butler's ``InMemoryDatastoreConstraintsTestCase`` against our store."""

    makeDatastore = _our_store
