"""The plugin's marker, ini options and ``--help``, through inner pytest runs."""

from __future__ import annotations

import json
import textwrap

import pytest

# -- --help -----------------------------------------------------------------------


def test_help_shows_the_memstore_group_and_ini_options(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "in-memory datastore fixtures (pytest-memstore):",
            "  --memstore-report=[[]TYPE[]]",
            "*report what the tests did with their stores; TYPE is*",
            "*term (default), term-all or json:PATH; may be given more*",
            "*than once",
            "  --memstore-strict *error at teardown in tests that leave trash unemptied or",
            "*an inconsistent store",
            "",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "  memstore_storage_classes (linelist):",
            "*storage classes for the memstore fixtures: dotted names",
            "*of mappings, StorageClass objects or callables taking",
            "*the factory, or .json/.yaml config files",
            "  memstore_strict (bool):",
            "*like --memstore-strict",
        ]
    )


# -- the marker -----------------------------------------------------------------


def test_marker_is_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.memstore(name=None, constraints=None, copy_on_put=False, "
            "copy_on_get=False, detect_mutation=False, run='memstore', collections=None, "
            "universe=None): options for the "
            "datastore the memstore fixture builds and the butler memstore_butler builds*",
        ]
    )


def test_marker_passes_strict_markers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.memstore(name="strict")
        def test_marked(memstore):
            assert memstore.name == "strict"
        """
    )
    result = pytester.runpytest("--strict-markers", "-W", "error::pytest.PytestUnknownMarkWarning")
    result.assert_outcomes(passed=1, warnings=0)


def test_marker_on_a_module_and_a_class(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        pytestmark = pytest.mark.memstore(name="module-level", copy_on_get=True)

        def test_module(memstore, memstore_factory):
            assert memstore.name == "module-level"
            assert memstore.copy_on_get
            built = memstore_factory()
            assert built.copy_on_get and built.name != "module-level"  # all but the name

        @pytest.mark.memstore(name="class-level")
        class TestClass:
            def test_class(self, memstore):
                assert memstore.name == "class-level"
                assert not memstore.copy_on_get  # the closest marker wins, whole
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)


MISSPELT = """
import pytest

@pytest.mark.memstore(name="ok", copy_on_gett=True)
def test_misspelt(memstore):
    pass

def test_innocent(memstore):
    pass
"""


def test_unknown_marker_key_is_a_usage_error_naming_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_misspelt=MISSPELT)
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "ERROR: test_misspelt.py::test_misspelt: @pytest.mark.memstore: unknown option(s) "
            "[[]'copy_on_gett'[]]; valid options: [[]'collections', 'constraints', "
            "'copy_on_get', 'copy_on_put', 'detect_mutation', 'name', 'run', 'universe'[]]",
        ]
    )
    result.stdout.no_fnmatch_line("*passed*")


def test_unknown_marker_key_on_a_class_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.memstore(constraint={"accept": ["a"]})
        class TestClass:
            def test_it(self):
                pass
        """
    )
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: *::TestClass::test_it: *unknown option(s) [[]'constraint'[]]*"]
    )


def test_positional_marker_arguments_are_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.memstore("scratch")
        def test_positional(memstore):
            pass
        """
    )
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: *::test_positional: @pytest.mark.memstore takes keyword options only "
         "(collections, constraints, copy_on_get, copy_on_put, detect_mutation, name, run, "
         "universe); "
         "got positional ('scratch',)"]
    )


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ("name=5", "option name=5 must be a non-empty str, or None for a name of its own "
                   "(got int)"),
        ('constraints="x"', "option constraints='x' must be a mapping like "
                            '{"accept": [[]...[]], "reject": [[]...[]]}, or None (got str)'),
        ('constraints={"reject": [7]}', "option constraints={'reject': [[]7[]]} is not valid: "
                                        "Constraint reject entry 7 is not valid*"),
        ('copy_on_put="yes"', "option copy_on_put='yes' must be True or False (got str)"),
    ],
)
def test_a_bad_marker_value_is_a_usage_error_naming_the_option(
    pytester: pytest.Pytester, options: str, says: str
) -> None:
    """Bad values get what bad keys get: one line, at collection, before any test runs."""
    pytester.makepyfile(
        test_bad_value=f"""
        import pytest

        def test_first():
            pass

        @pytest.mark.memstore({options})
        def test_marked(memstore):
            pass
        """
    )
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: test_bad_value.py::test_marked: "
                                 f"@pytest.mark.memstore: {says}"])
    result.stdout.no_fnmatch_line("*passed*")
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


SEVERAL_BAD_MARKERS = {
    "test_bad_one": """
        import pytest

        @pytest.mark.memstore(copy_on_gett=True)
        def test_misspelt(memstore):
            pass

        def test_innocent(memstore):
            pass

        @pytest.mark.memstore(name=5)
        @pytest.mark.parametrize("n", [1, 2])
        def test_bad_name(memstore, n):
            pass
        """,
    "test_bad_two": """
        import pytest

        @pytest.mark.memstore("scratch")
        def test_positional(memstore):
            pass

        @pytest.mark.memstore(constraints="x")
        class TestShared:
            def test_first(self):
                pass

            def test_second(self):
                pass
        """,
}


def test_every_bad_marker_is_listed_in_one_run(pytester: pytest.Pytester) -> None:
    """One line per bad marker, naming the first test it is on and the option."""
    pytester.makepyfile(**{name: textwrap.dedent(body)
                           for name, body in SEVERAL_BAD_MARKERS.items()})
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.stderr.lines if line.startswith("ERROR:")]
    assert len(errors) == 4, result.stderr.str()
    result.stderr.fnmatch_lines(
        [
            "ERROR: test_bad_one.py::test_misspelt: @pytest.mark.memstore: unknown option(s) "
            "[[]'copy_on_gett'[]]; *",
            "ERROR: test_bad_one.py::test_bad_name[[]1[]]: @pytest.mark.memstore: option "
            "name=5 must be *; the marker is on 1 more test",
            "ERROR: test_bad_two.py::test_positional: @pytest.mark.memstore takes keyword "
            "options only *",
            "ERROR: test_bad_two.py::TestShared::test_first: @pytest.mark.memstore: option "
            "constraints='x' must be *; the marker is on 1 more test",
        ]
    )
    result.stdout.no_fnmatch_line("*passed*")


def test_a_marker_applied_at_run_time_is_checked_by_the_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.fixture
        def late(request):
            request.applymarker(pytest.mark.memstore(nmae="late"))

        def test_late(late, memstore):
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*UsageError*unknown option(s) [[]'nmae'[]]*"])


def test_unknown_marker_key_under_xdist_fails_naming_it(pytester: pytest.Pytester) -> None:
    """Under ``-n 2`` the check runs in the workers and the controller stops the run.

    A worker's ``UsageError`` never reaches the controller, so the plugin
    also gives the worker session a stop reason, which the controller shows:
    the run ends ``INTERRUPTED`` with the message, not ``USAGE_ERROR``.
    """
    pytest.importorskip("xdist")
    pytester.makepyfile(test_misspelt=MISSPELT)
    result = pytester.runpytest_subprocess("-n", "2")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    output = result.stdout.str() + result.stderr.str()
    assert "unknown option(s) ['copy_on_gett']" in output
    assert "test_misspelt.py::test_misspelt" in output
    assert "INTERNALERROR" not in output
    result.stdout.no_fnmatch_line("*passed*")


def test_every_bad_marker_is_listed_under_xdist(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    pytester.makepyfile(**{name: textwrap.dedent(body)
                           for name, body in SEVERAL_BAD_MARKERS.items()})
    result = pytester.runpytest_subprocess("-n", "2")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    output = result.stdout.str() + result.stderr.str()
    for says in (
        "test_bad_one.py::test_misspelt: @pytest.mark.memstore: unknown option(s)",
        "test_bad_one.py::test_bad_name[1]: @pytest.mark.memstore: option name=5",
        "test_bad_two.py::test_positional: @pytest.mark.memstore takes keyword options only",
        "test_bad_two.py::TestShared::test_first: @pytest.mark.memstore: option constraints=",
    ):
        assert says in output
    assert "INTERNALERROR" not in output


# -- ini: memstore_storage_classes ----------------------------------------------

EXTRA_MODULE = """
from pytest_memstore import StorageClass

MAPPING = {"storageClasses": {"FromMapping": {"pytype": "dict"}}}
SINGLE = StorageClass("FromObject", list)
NOT_A_MAPPING = 42


def register(factory):
    factory.registerStorageClass(
        StorageClass("FromCallable", list, parameters=["slice"])
    )


def register_by_mapping(factory):
    return {"FromCallableMapping": {"inheritsFrom": "SliceableList"}}
"""

ENTRIES = [
    "extra_storage.MAPPING",
    "extra_storage.SINGLE",
    "extra_storage.register",
    "extra_storage.register_by_mapping",
    "storage/classes.json",
    "storage/classes.yaml",
]

CHECK_SUITE = """
def test_every_entry(memstore_storage_classes, memstore_ref, memstore):
    expected = {
        "FromMapping": dict, "FromObject": list, "FromCallable": list,
        "FromCallableMapping": list, "FromJson": dict, "FromYaml": list,
    }
    for name, pytype in expected.items():
        assert memstore_storage_classes.getStorageClass(name).pytype is pytype, name
        ref = memstore_ref("x", {"visit": 1}, name)
        memstore.put(pytype(), ref)
    assert memstore_storage_classes.getStorageClass("FromYaml").parameters == {"slice"}
    inherited = memstore_storage_classes.getStorageClass("FromCallableMapping")
    assert "counter" in inherited.derivedComponents
    assert "StructuredDataDict" in memstore_storage_classes
"""


def write_entry_files(pytester: pytest.Pytester) -> None:
    """Write the module and config files the ENTRIES name, and the test that checks them."""
    pytester.makepyfile(extra_storage=EXTRA_MODULE)
    pytester.syspathinsert()
    storage = pytester.mkdir("storage")
    (storage / "classes.json").write_text(
        json.dumps({"storageClasses": {"FromJson": {"pytype": "dict"}}}), encoding="utf-8"
    )
    (storage / "classes.yaml").write_text(
        "storageClasses:\n  FromYaml:\n    pytype: list\n    parameters: [slice]\n",
        encoding="utf-8",
    )
    pytester.mkdir("tests")
    pytester.makepyfile(**{"tests/test_entries": CHECK_SUITE})


def test_ini_storage_classes_from_pyproject(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_entry_files(pytester)
    listed = ", ".join(json.dumps(entry) for entry in ENTRIES)
    pytester.makepyprojecttoml(
        f"[tool.pytest.ini_options]\nmemstore_storage_classes = [{listed}]\n"
    )
    monkeypatch.chdir(pytester.path / "tests")  # files are found next to the ini file, not here
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)


def test_ini_storage_classes_from_an_ini_file(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_entry_files(pytester)
    pytester.makeini(
        "[pytest]\nmemstore_storage_classes =\n"
        + "".join(f"    {entry}\n" for entry in ENTRIES)
    )
    monkeypatch.chdir(pytester.path / "tests")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)


def test_ini_storage_classes_reach_every_directory_and_hooks_add_to_them(
    pytester: pytest.Pytester,
) -> None:
    write_entry_files(pytester)
    pytester.makeini("[pytest]\nmemstore_storage_classes = extra_storage.SINGLE\n")
    pytester.makepyfile(
        **{
            "tests/conftest": """
                from pytest_memstore import StorageClass

                def pytest_memstore_register_storage_classes(factory):
                    assert "FromObject" in factory  # the ini entries come first
                    factory.registerStorageClass(StorageClass("FromHook", dict))
            """,
            "tests/test_entries": """
                def test_both(memstore_storage_classes):
                    assert {"FromObject", "FromHook"} <= set(memstore_storage_classes)
            """,
            "other/test_other": """
                def test_ini_only(memstore_storage_classes):
                    assert "FromObject" in memstore_storage_classes
                    assert "FromHook" not in memstore_storage_classes
            """,
        }
    )
    pytester.runpytest("tests", "other").assert_outcomes(passed=2)


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ("no_such_module_here.THING", "cannot import it: No module named 'no_such_module_here'"),
        ("no.such.module.THING", "cannot import it: No module named 'no'"),
        ("extra_storage.sub.THING", "cannot import it: No module named 'extra_storage.sub'"),
        ("broken_storage.MAPPING",
         "cannot import it: importing module 'broken_storage' failed: ModuleNotFoundError: "
         "No module named 'a_dependency_nobody_installed'"),
        ("extra_storage.MISSING", "has no attribute 'MISSING'"),
        ("extra_storage.NOT_A_MAPPING", "int is not a mapping, a StorageClass or a callable"),
        ("storage/missing.json", "no config file at"),
        ("storage/broken.json", "FromBroken"),
    ],
)
def test_a_bad_ini_entry_is_a_usage_error_naming_it(
    pytester: pytest.Pytester, entry: str, says: str
) -> None:
    write_entry_files(pytester)
    pytester.makepyfile(
        broken_storage="import a_dependency_nobody_installed\nMAPPING = {}\n"
    )
    (pytester.path / "storage" / "broken.json").write_text(
        json.dumps({"FromBroken": {"pytype": "dict", "inheritsFrom": "NoSuchParent"}}),
        encoding="utf-8",
    )
    pytester.makeini(
        f"[pytest]\nmemstore_storage_classes =\n    extra_storage.SINGLE\n    {entry}\n"
    )
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = result.stderr.str()
    assert f"memstore_storage_classes: entry {entry!r}: " in errors
    assert says in errors


def test_a_relative_config_path_is_taken_from_the_ini_files_directory(
    pytester: pytest.Pytester,
) -> None:
    """With ``-c`` pointing elsewhere, relative paths follow the ini file, not the cwd."""
    pytester.mkdir("config")
    pytester.mkdir("config/storage")
    (pytester.path / "config" / "storage" / "classes.json").write_text(
        json.dumps({"FromJson": {"pytype": "dict"}}), encoding="utf-8"
    )
    (pytester.path / "config" / "pytest.ini").write_text(
        "[pytest]\nmemstore_storage_classes = storage/classes.json\n", encoding="utf-8"
    )
    pytester.makepyfile(
        textwrap.dedent(
            """
            def test_it(memstore_storage_classes):
                assert "FromJson" in memstore_storage_classes
            """
        )
    )
    result = pytester.runpytest("-c", "config/pytest.ini", "--rootdir", str(pytester.path))
    result.assert_outcomes(passed=1)
