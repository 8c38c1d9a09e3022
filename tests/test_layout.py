"""The package's layout: layers kept, no import circles, modules a reader can hold."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import pytest_memstore

PACKAGE = Path(pytest_memstore.__file__).parent
ROOT = PACKAGE.parent
MAX_MODULE_LINES = 700


def test_no_module_is_over_700_lines() -> None:
    sizes = {
        str(path.relative_to(PACKAGE)): len(path.read_text(encoding="utf-8").splitlines())
        for path in PACKAGE.rglob("*.py")
    }
    assert {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES} == {}


def test_every_subpackage_is_a_package() -> None:
    """Each room has an __init__.py, so tools and wheels see the whole tree."""
    rooms = {path.parent for path in PACKAGE.rglob("*.py")}
    assert [room for room in rooms if not (room / "__init__.py").is_file()] == []


def test_the_import_contracts_hold() -> None:
    """The import-linter contracts of pyproject.toml: layers, circles, pytest, lsst, hooks."""
    pytest.importorskip("importlinter")
    if not (ROOT / "pyproject.toml").is_file():
        pytest.skip("needs the source tree")
    command = (
        "import sys; from importlinter.cli import lint_imports_command; "
        "sys.exit(lint_imports_command())"
    )
    result = subprocess.run(
        [sys.executable, "-c", command, "--no-cache"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
