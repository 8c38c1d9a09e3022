"""What importing the plugin and using a store bring in, and what waits for first use."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """
import json, sys
before = set(sys.modules)
import pytest
after_pytest = set(sys.modules)
import pytest_memstore.plugin
added = set(sys.modules) - after_pytest
print(json.dumps(sorted(added)))
"""

def _run(script: str) -> str:
    """Run ``script`` in a fresh interpreter; return what it printed."""
    return subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout


ALLOWED_ROOTS = {"pytest_memstore", "attr", "attrs", "pluggy", "pytest", "_pytest"}


def test_importing_the_plugin_adds_only_the_package_and_its_runtime_dependencies() -> None:
    output = _run(SCRIPT)
    added = json.loads(output)
    stdlib = set(sys.stdlib_module_names)
    foreign = sorted(
        name for name in added
        if name.split(".")[0] not in ALLOWED_ROOTS and name.split(".")[0] not in stdlib
    )
    assert foreign == [], f"importing the plugin also imported {foreign}"
    assert "pytest_memstore.plugin" in added


def test_declaring_the_hooks_alone_imports_no_library_module() -> None:
    """What ``-p no:memstore`` still loads: the hook declarations, nothing else of ours."""
    script = SCRIPT.replace("import pytest_memstore.plugin", "import pytest_memstore.declare_hooks")
    output = _run(script)
    ours = sorted(name for name in json.loads(output) if name.startswith("pytest_memstore"))
    assert ours == ["pytest_memstore", "pytest_memstore.declare_hooks", "pytest_memstore.hooks"]


STORE_SCRIPT = """
import json, sys
import pytest
import pytest_memstore.plugin
from pytest_memstore.datastore.store import InMemoryDatastore
from pytest_memstore.factories import RefFactory
from pytest_memstore.core.defaults import default_storage_classes
store = InMemoryDatastore(storageClasses=default_storage_classes())
ref = RefFactory(default_storage_classes())("metric", {"visit": 1})
store.put({"a": 1}, ref)
assert store.get(ref) == {"a": 1} and store.exists(ref)
store.trash(ref)
store.emptyTrash()
print(json.dumps(sorted(sys.modules)))
"""


@pytest.mark.parametrize(
    ("script", "deferred"),
    [
        pytest.param(
            SCRIPT,
            {
                "pytest_memstore.assertions",
                "pytest_memstore.butler",
                "pytest_memstore.core.storage",
                "pytest_memstore.datastore.store",
                "pytest_memstore.factories",
                "pytest_memstore.tools.store_tools",
            },
            id="importing the plugin: no datastore or helpers",
        ),
        pytest.param(
            STORE_SCRIPT,
            {
                "attr",
                "attrs",
                "pytest_memstore.report",
                "pytest_memstore.tools.runner",
                "pytest_memstore.tools.store_tools",
            },
            id="puts and gets without options: no report, tools or attrs",
        ),
    ],
)
def test_what_is_imported_waits_for_first_use(script: str, deferred: set[str]) -> None:
    """A session pays for importing these only once a test uses them."""
    loaded = set(json.loads(_run(script)))
    assert "pytest_memstore.plugin" in loaded
    assert sorted(loaded & deferred) == []


def test_the_plugin_states_the_tools_default_log_size() -> None:
    from pytest_memstore import plugin
    from pytest_memstore.tools import store_tools

    assert plugin.DEFAULT_LOG_SIZE == store_tools.DEFAULT_LOG_SIZE


def test_every_public_name_is_importable_from_the_package_and_listed() -> None:
    import pytest_memstore

    missing = [name for name in pytest_memstore.__all__ if not hasattr(pytest_memstore, name)]
    assert missing == []
    assert sorted(pytest_memstore.__all__) == pytest_memstore.__all__
    for module, names in pytest_memstore._SOURCES.items():
        defined_in = importlib.import_module(f"pytest_memstore.{module}")
        for name in names:
            assert getattr(pytest_memstore, name) is getattr(defined_in, name), name


def stub_text() -> str:
    """The type stub that the package's one table of public names implies."""
    import pytest_memstore

    lines = [
        '"""Type stub for the package\'s lazily imported names; made from ``_SOURCES``."""',
        "",
        "# Rewrite: MEMSTORE_WRITE_STUB=1 python -m pytest tests/test_imports.py",
        "",
    ]
    for module, names in pytest_memstore._SOURCES.items():
        imported = ", ".join(f"{name} as {name}" for name in names)
        lines.append(f"from .{module} import {imported}")
    lines += ["", "__all__ = ["]
    lines += [f'    "{name}",' for name in pytest_memstore.__all__]
    lines += ["]", ""]
    return "\n".join(lines)


def test_the_type_stub_lists_exactly_the_public_names() -> None:
    """Type checkers read ``__init__.pyi``; it must say what the runtime table says."""
    import pytest_memstore

    stub = Path(pytest_memstore.__file__).with_suffix(".pyi")
    if os.environ.get("MEMSTORE_WRITE_STUB"):
        stub.write_text(stub_text(), encoding="utf-8")
    assert stub.read_text(encoding="utf-8") == stub_text(), (
        "the stub is stale: MEMSTORE_WRITE_STUB=1 python -m pytest tests/test_imports.py"
    )
