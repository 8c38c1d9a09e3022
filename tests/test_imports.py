"""The plugin's import brings in nothing beyond pytest, pluggy, attrs and itself."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = """
import json, sys
before = set(sys.modules)
import pytest
after_pytest = set(sys.modules)
import pytest_memstore.plugin
added = set(sys.modules) - after_pytest
print(json.dumps(sorted(added)))
"""

ALLOWED_ROOTS = {"pytest_memstore", "attr", "attrs", "pluggy", "pytest", "_pytest"}


def test_importing_the_plugin_adds_only_the_package_and_its_runtime_dependencies() -> None:
    output = subprocess.run(
        [sys.executable, "-c", SCRIPT], check=True, capture_output=True, text=True
    ).stdout
    added = json.loads(output)
    stdlib = set(sys.stdlib_module_names)
    foreign = sorted(
        name for name in added
        if name.split(".")[0] not in ALLOWED_ROOTS and name.split(".")[0] not in stdlib
    )
    assert foreign == [], f"importing the plugin also imported {foreign}"
    assert "pytest_memstore.plugin" in added
