"""The ``memstore_hooks`` entry point: declares pytest-memstore's hooks, nothing else.

A ``conftest.py`` that implements ``pytest_memstore_*`` hooks needs their
specifications, or pytest refuses it ("unknown hook"). This module is a
plugin of its own, so they are declared even when the plugin proper is
switched off with ``-p no:memstore``. It must not define any
``pytest_memstore_*`` function itself: pytest would take it for an
implementation.
"""

from __future__ import annotations

import pytest

from . import hooks


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    """Declare the hooks (unless the plugin did first)."""
    hooks.declare(pluginmanager)
