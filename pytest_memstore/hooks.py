"""Hook specifications that pytest-memstore adds to pytest.

They are declared by the ``memstore_hooks`` entry point (`declare_hooks`),
so a ``conftest.py`` implementing them still loads when the plugin itself
is switched off with ``-p no:memstore``; the plugin declares them too when
that entry point is blocked.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .butler.butler import InMemoryButler
    from .core.storage_factory import StorageClassFactory
    from .datastore.store import InMemoryDatastore


def declare(pluginmanager: pytest.PytestPluginManager) -> None:
    """Add this module's hook specifications to pytest, unless they are there already."""
    caller = getattr(pluginmanager.hook, "pytest_memstore_store_created", None)
    if caller is None or not caller.has_spec():
        pluginmanager.add_hookspecs(sys.modules[__name__])


@pytest.hookspec
def pytest_memstore_register_storage_classes(factory: StorageClassFactory) -> None:
    """Register storage classes that the ``memstore*`` fixtures should know.

    Called once per test directory, with a factory that already holds the
    defaults and the ``memstore_storage_classes`` ini entries; implement it
    in a ``conftest.py`` to add your project's storage classes. Tests get
    copies of the result, so a test that registers more changes nothing for
    the others.

    Parameters
    ----------
    factory : `StorageClassFactory`
        Register into it; the return value is ignored.

    Examples
    --------
    In a ``conftest.py``::

        from pytest_memstore import StorageClass, StorageClassFactory


        def pytest_memstore_register_storage_classes(factory: StorageClassFactory) -> None:
            factory.registerStorageClass(StorageClass("Catalog", list))
            factory.addFromConfig({"SourceTable": {"inheritsFrom": "StructuredDataList"}})
    """


@pytest.hookspec
def pytest_memstore_store_created(store: InMemoryDatastore, request: pytest.FixtureRequest) -> None:
    """Inspect or prepare each datastore the ``memstore`` fixtures build, before use.

    Called for the store of ``memstore`` and for each ``memstore_factory``
    call: use it to pre-populate stores, or to change them for a whole
    directory.

    Parameters
    ----------
    store : `InMemoryDatastore`
        The new store.
    request : `pytest.FixtureRequest`
        The request of the fixture that built it (``memstore`` or
        ``memstore_factory``): ``request.node`` is the test, and
        ``request.getfixturevalue`` reaches the test's other fixtures.

    Examples
    --------
    In a ``conftest.py``::

        import pytest

        from pytest_memstore import InMemoryDatastore


        def pytest_memstore_store_created(
            store: InMemoryDatastore, request: pytest.FixtureRequest
        ) -> None:
            store.put([], request.getfixturevalue("defects_ref"))  # every store has defects
            store.copy_on_get = True
    """


@pytest.hookspec
def pytest_memstore_butler_created(butler: InMemoryButler, request: pytest.FixtureRequest) -> None:
    """Prepare each butler the ``memstore_butler`` fixtures build, before use.

    Called for the butler of ``memstore_butler`` and for each
    ``memstore_butler_factory`` call, after the store-created hook has seen
    its datastore: register dataset types, add collections, pre-populate.

    Parameters
    ----------
    butler : `InMemoryButler`
        The new butler; its run (``"memstore"`` unless the marker or the
        factory call says otherwise) exists.
    request : `pytest.FixtureRequest`
        The request of the fixture that built it.

    Examples
    --------
    In a ``conftest.py``::

        import pytest

        from pytest_memstore import DatasetType, InMemoryButler


        def pytest_memstore_butler_created(
            butler: InMemoryButler, request: pytest.FixtureRequest
        ) -> None:
            butler.registry.registerDatasetType(
                DatasetType("calexp", {"instrument", "visit"}, "StructuredDataDict")
            )
            butler.put({"flux": []}, "calexp", instrument="Cam", visit=1)
    """
