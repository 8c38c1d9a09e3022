"""plugin.py only wires: fixtures, session state and report roles, config loading and
report writing live with their concepts.

Which modules may import what (pytest, json, config loading) is checked by the
import-linter contracts in pyproject.toml (tests/test_layout.py runs them).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import pytest_memstore
from pytest_memstore.core.entries import EntryError, add_entry, storage_classes_from_entries
from pytest_memstore.report import Report

PACKAGE = Path(pytest_memstore.__file__).parent
PLUGIN = PACKAGE / "plugin.py"
PYTEST_FACING = ("plugin.py", "fixtures.py", "session.py")


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("module", PYTEST_FACING)
def test_the_plugin_imports_no_private_name_of_another_module(module: str) -> None:
    private = [
        f"{node.module}.{alias.name}"
        for node in ast.walk(_tree(PACKAGE / module))
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.name.startswith("_")
    ]
    assert private == []


def test_the_plugin_module_defines_no_class_and_no_fixture() -> None:
    """Fixtures and per-test policy live in fixtures.py, session state in session.py."""
    tree = _tree(PLUGIN)
    assert [node.name for node in tree.body if isinstance(node, ast.ClassDef)] == []
    decorators = [
        ast.unparse(decorator)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        for decorator in node.decorator_list
    ]
    assert not [name for name in decorators if "fixture" in name], decorators


def test_entries_load_in_order_over_the_defaults(tmp_path: Path) -> None:
    (tmp_path / "classes.json").write_text(
        json.dumps({"storageClasses": {"FromJson": {"pytype": "dict"}}}), encoding="utf-8"
    )
    factory = storage_classes_from_entries(["classes.json"], tmp_path)
    assert "FromJson" in factory and "StructuredDataDict" in factory


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ("missing.json", "entry 'missing.json': no config file at "),
        ("json.JSONDecoder.decode.__doc__", "entry 'json.JSONDecoder.decode.__doc__': str is not "
                                            "a mapping, a StorageClass or a callable"),
        ("nowhere_module.X", "entry 'nowhere_module.X': cannot import it: No module named "),
    ],
)
def test_a_bad_entry_names_itself(tmp_path: Path, entry: str, says: str) -> None:
    with pytest.raises(EntryError) as info:
        storage_classes_from_entries([entry], tmp_path)
    assert str(info.value).startswith(says)
    assert info.value.entry == entry


def test_add_entry_takes_absolute_paths(tmp_path: Path) -> None:
    path = tmp_path / "classes.json"
    path.write_text(json.dumps({"Abs": {"pytype": "list"}}), encoding="utf-8")
    factory = storage_classes_from_entries([], tmp_path)
    add_entry(factory, str(path), Path("/nonexistent"))
    assert factory.getStorageClass("Abs").pytype is list


def test_report_writes_its_json_one_row_a_line(tmp_path: Path) -> None:
    report = Report()
    counts = {"stores": 1, "put": 2}
    report.add("t.py::b", counts)
    report.add("t.py::a", counts, [("trash", "left trash")])
    target = tmp_path / "deep" / "er" / "report.json"
    report.write_json(target)
    text = target.read_text(encoding="utf-8")
    assert json.loads(text) == report.to_json()
    lines = text.splitlines()
    assert lines[0] == "{" and lines[-1] == "}"
    assert sum(1 for line in lines if line.startswith('    {"nodeid": "t.py::')) == 3
