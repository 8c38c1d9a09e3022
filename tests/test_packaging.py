"""The distribution: a wheel built from the top-level package holds it, and only it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(not (ROOT / "pyproject.toml").is_file(), reason="needs the source tree")
def test_the_wheel_ships_the_package_its_marker_file_and_the_entry_point(tmp_path: Path) -> None:
    # Built from a copy: setuptools leaves a build/ directory beside the sources.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "pytest_memstore", source / "pytest_memstore",
                    ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w",
         str(tmp_path)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("pytest_memstore-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        entry_text = archive.read(entry_points).decode()
    top_level = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(
        ".dist-info")}
    assert top_level == {"pytest_memstore"}
    assert "pytest_memstore/py.typed" in names
    assert "pytest_memstore/plugin.py" in names
    assert "pytest_memstore/__init__.pyi" in names  # type checkers read the public names here
    for room in ("core", "datastore", "tools", "butler"):
        assert f"pytest_memstore/{room}/__init__.py" in names
    assert "[pytest11]" in entry_text
    assert "memstore = pytest_memstore.plugin" in entry_text


def test_the_package_imports_from_the_top_level_directory() -> None:
    import pytest_memstore

    assert Path(pytest_memstore.__file__).resolve().parent.parent == ROOT
