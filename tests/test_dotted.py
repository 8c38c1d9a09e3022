"""``import_dotted``: the longest importable module prefix, then attributes."""

from __future__ import annotations

import collections
import email.mime.text
import json
import sys
import textwrap
from pathlib import Path

import pytest

from pytest_memstore.core.dotted import import_dotted


@pytest.fixture
def modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory on ``sys.path`` holding a package and a module that fails to import."""
    package = tmp_path / "dotted_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("VALUE = 1\n", encoding="utf-8")
    (package / "inner.py").write_text(
        "class Thing:\n    class Nested:\n        ANSWER = 42\n", encoding="utf-8"
    )
    (package / "needs_missing.py").write_text(
        "import dotted_missing_dependency  # not installed\nVALUE = 2\n", encoding="utf-8"
    )
    (package / "raises_import_error.py").write_text(
        "raise ImportError('this module refuses to load')\n", encoding="utf-8"
    )
    (tmp_path / "dotted_broken.py").write_text(
        textwrap.dedent(
            """
            from dotted_pkg import no_such_name  # an ImportError raised inside the module
            """
        ),
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in list(sys.modules):
        if name.startswith(("dotted_pkg", "dotted_broken")):
            del sys.modules[name]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("dict", dict),
        ("json.dumps", json.dumps),
        ("collections.OrderedDict.fromkeys", collections.OrderedDict.fromkeys),
        ("email.mime.text.MIMEText", email.mime.text.MIMEText),  # a submodule
    ],
)
def test_names_resolve(name: str, expected: object) -> None:
    assert import_dotted(name) == expected


def test_a_submodule_nobody_imported_yet_is_found(modules: Path) -> None:
    assert "dotted_pkg.inner" not in sys.modules
    assert import_dotted("dotted_pkg.inner.Thing.Nested.ANSWER") == 42
    assert import_dotted("dotted_pkg.VALUE") == 1


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("no_such_top_module.sub.THING", "No module named 'no_such_top_module'"),
        ("dotted_pkg.no_such_module.THING", "No module named 'dotted_pkg.no_such_module'"),
        ("dotted_pkg.MISSING", "module 'dotted_pkg' has no attribute 'MISSING'"),
        ("dotted_pkg.inner.Thing.MISSING",
         "object 'dotted_pkg.inner.Thing' has no attribute 'MISSING'"),
        ("not_a_builtin", "'not_a_builtin' is not a builtin"),
        ("dotted_pkg..inner", "'dotted_pkg..inner' is not a dotted name"),
    ],
)
def test_what_cannot_be_found_is_named(modules: Path, name: str, message: str) -> None:
    with pytest.raises(ImportError) as info:
        import_dotted(name)
    assert str(info.value).startswith(message)


@pytest.mark.parametrize(
    ("name", "module", "cause"),
    [
        ("dotted_pkg.needs_missing.VALUE", "dotted_pkg.needs_missing",
         "ModuleNotFoundError: No module named 'dotted_missing_dependency'"),
        ("dotted_pkg.raises_import_error.X", "dotted_pkg.raises_import_error",
         "ImportError: this module refuses to load"),
        ("dotted_broken.THING", "dotted_broken",
         "ImportError: cannot import name 'no_such_name' from 'dotted_pkg'"),
    ],
)
def test_an_import_error_inside_a_module_is_not_taken_for_a_missing_module(
    modules: Path, name: str, module: str, cause: str
) -> None:
    with pytest.raises(ImportError) as info:
        import_dotted(name)
    message = str(info.value)
    assert message.startswith(f"importing module {module!r} failed: {cause}")
    assert isinstance(info.value.__cause__, ImportError)


def test_other_errors_raised_by_a_module_propagate(modules: Path) -> None:
    (modules / "dotted_pkg" / "divides.py").write_text("1 / 0\n", encoding="utf-8")
    with pytest.raises(ZeroDivisionError):
        import_dotted("dotted_pkg.divides.X")


def test_storage_uses_it() -> None:
    from pytest_memstore.core import storage

    assert storage.import_dotted is import_dotted
    assert not hasattr(storage, "_import_dotted")
