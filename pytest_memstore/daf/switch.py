"""The test-repository switch: daf_butler's helpers replaced by ours for a session.

`install` puts the helpers of `pytest_memstore.daf.testrepo` in place of
``lsst.daf.butler.tests``' (in the package, in the modules that define
them, and in every module already loaded that imported them by name);
`uninstall` puts everything back as it was.
"""

from __future__ import annotations

__all__ = ["TestRepoSwitch"]

import sys
from collections.abc import Callable
from typing import Any

from . import testrepo


class TestRepoSwitch:
    """One installation of the switch, remembering what it replaced."""

    __test__ = False  # not a test class, whatever pytest's patterns say

    def __init__(self, on_butler: Callable[[Any], None] | None = None) -> None:
        self._replaced: list[tuple[object, str, Any]] = []
        self._on_butler = on_butler

    def install(self) -> None:
        """Replace daf_butler's helpers by ours wherever they are bound by name.

        ``on_butler``, if given, is called with every butler
        ``makeTestCollection`` makes while the switch is on.
        """
        if self._on_butler is not None:
            testrepo.collection_observers.append(self._on_butler)
        ours = {name: getattr(testrepo, name) for name in testrepo.UPSTREAM}
        theirs = {id(function): name for name, function in testrepo.UPSTREAM.items()}
        for module in list(sys.modules.values()):
            namespace = getattr(module, "__dict__", None)
            if not isinstance(namespace, dict) or module is testrepo:
                continue
            for attribute, value in list(namespace.items()):
                name = theirs.get(id(value))
                if name is not None and value is testrepo.UPSTREAM[name]:
                    self._replaced.append((module, attribute, value))
                    setattr(module, attribute, ours[name])

    def uninstall(self) -> None:
        """Put back everything `install` replaced that still holds our helper."""
        while self._replaced:
            module, attribute, original = self._replaced.pop()
            setattr(module, attribute, original)
        if self._on_butler in testrepo.collection_observers:
            testrepo.collection_observers.remove(self._on_butler)
