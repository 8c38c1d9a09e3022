"""Hook specifications that pytest-memstore adds to pytest."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import pytest

    from .datastore import InMemoryDatastore
    from .storage import StorageClassFactory

hookspec = pluggy.HookspecMarker("pytest")


@hookspec
def pytest_memstore_register_storage_classes(factory: StorageClassFactory) -> None:
    """Register storage classes that the ``memstore*`` fixtures should know.

    Called once per test directory, with a factory that already holds the
    defaults and the ``memstore_storage_classes`` ini entries; implement it
    in a ``conftest.py`` to add your project's storage classes, for example
    with ``factory.registerStorageClass(...)`` or ``factory.addFromConfig(...)``.
    Tests get copies of the result, so a test that registers more changes
    nothing for the others.
    """


@hookspec
def pytest_memstore_store_created(store: InMemoryDatastore, request: pytest.FixtureRequest) -> None:
    """Inspect or prepare each datastore the ``memstore`` fixtures build, before use.

    Use it to pre-populate stores, or to wrap them for a whole suite.
    ``request`` is the requesting test's fixture request.
    """
