"""The reference pages list what the plugin has, all of it and nothing more.

What the plugin has is asked of pytest itself (its ``--help`` and
``--fixtures`` with and without the plugin, its hook relay) and of the
plugin's own messages (the options a mistake in the marker or a factory
call lists), so a new option, fixture, hook or public name fails here until
it is documented, and a documented one that is gone fails too.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

import pytest_memstore

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = ROOT / "README.md"

OPTION_LINE = re.compile(r"^  (-\S.*?)(?: {2,}|$)")
INI_LINE = re.compile(r"^  ([A-Za-z_][\w-]*) \([\w ]+\):")
FIXTURE_LINE = re.compile(r"^(\w+) -- ")
MISTAKE = re.compile(
    r"(@pytest\.mark\.memstore|memstore_factory|memstore_butler_factory): "
    r"unknown option.*?valid options: (\[[^\]]*\])"
)
CODE_HEADING = re.compile(r"^(#{2,3}) `([^`]+)`\s*$")
NUMBER_WORDS = {5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine", 10: "ten"}
AUTODOC = re.compile(r"^\.\. auto(?:class|function|exception|data):: pytest_memstore\.(\w+)\s*$")


def sections(path: Path) -> dict[str, list[str]]:
    """The lines of each ``##`` section of a page, by heading, outside fenced blocks."""
    result: dict[str, list[str]] = {}
    current = ""
    fenced = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            current = line[3:].strip()
            result[current] = []
        elif current:
            result[current].append(line)
    return result


def headings(lines: list[str], level: int = 3) -> list[str]:
    """The code of each heading of this level written as a code span: ``### `name` ``."""
    found = []
    for line in lines:
        match = CODE_HEADING.match(line)
        if match and len(match.group(1)) == level:
            found.append(match.group(2))
    return found


def table_rows(lines: list[str]) -> list[list[str]]:
    """The cells of each body row of the first Markdown table in these lines."""
    rows = [line for line in lines if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


def plugin_added(pytester: pytest.Pytester, argument: str, pattern: re.Pattern[str]) -> set[str]:
    """What this pytest listing shows with the plugin, and not without it."""
    def listed(*arguments: str) -> set[str]:
        result = pytester.runpytest(argument, *arguments)
        names = set()
        for line in result.stdout.lines:
            match = pattern.match(line)
            if match:
                names.update(re.findall(r"--?[A-Za-z][\w-]*", match.group(1))
                             if match.group(1).startswith("-") else [match.group(1)])
        return names

    return listed() - listed("-p", "no:memstore")


@pytest.fixture(scope="module")
def configuration() -> dict[str, list[str]]:
    return sections(DOCS / "configuration.md")


def test_every_command_line_option_is_documented(
    pytester: pytest.Pytester, configuration: dict[str, list[str]]
) -> None:
    options = plugin_added(pytester, "--help", OPTION_LINE)
    assert options, "the plugin adds command-line options"
    documented = {
        re.match(r"--[\w-]+", heading).group()  # type: ignore[union-attr]
        for heading in headings(configuration["Command-line options"])
    }
    assert documented == options


def test_every_ini_option_is_documented(
    pytester: pytest.Pytester, configuration: dict[str, list[str]]
) -> None:
    options = plugin_added(pytester, "--help", INI_LINE)
    assert len(options) >= 5
    assert set(headings(configuration["ini options"])) == options
    # The page says how many there are.
    count = NUMBER_WORDS.get(len(options), str(len(options)))
    assert f"{count} options" in " ".join(configuration["ini options"]).lower()


def marker_and_factory_options(pytester: pytest.Pytester) -> dict[str, set[str]]:
    """The options the marker and each factory fixture take, as their mistakes list them."""
    pytester.makepyfile(
        test_factories="""
        import pytest

        @pytest.mark.parametrize("factory", ["memstore_factory", "memstore_butler_factory"])
        def test_a_mistake(factory, request):
            with pytest.raises(TypeError) as mistake:
                request.getfixturevalue(factory)(not_an_option=1)
            print(mistake.value)
        """
    )
    factories = pytester.runpytest("-s", "test_factories.py")
    factories.assert_outcomes(passed=2)
    pytester.makepyfile(
        test_marker="""
        import pytest

        @pytest.mark.memstore(not_an_option=1)
        def test_x(memstore):
            pass
        """
    )
    marker = pytester.runpytest("test_marker.py")
    found = {}
    for text in (marker.stderr.str(), *factories.stdout.lines):
        match = MISTAKE.search(text)
        if match:
            found[match.group(1)] = set(ast.literal_eval(match.group(2)))
    assert set(found) == {"@pytest.mark.memstore", "memstore_factory", "memstore_butler_factory"}
    return found


def test_every_marker_and_factory_option_is_documented(
    pytester: pytest.Pytester, configuration: dict[str, list[str]]
) -> None:
    real = marker_and_factory_options(pytester)
    rows = table_rows(configuration["Marker and factory options"])
    options = {row[0].strip("`"): row[-1] for row in rows}
    assert set(options) == real["@pytest.mark.memstore"]
    assert set(options) == real["memstore_butler_factory"]
    store_options = {name for name, configures in options.items() if configures.startswith(
        "the store")}
    assert store_options == real["memstore_factory"]
    # The marker's signature, wherever the docs write it out, has every option.
    signatures = [
        (page.name, signature)
        for page in (README, *DOCS.glob("**/*.md"))
        for signature in re.findall(
            r"@pytest\.mark\.memstore\((name=None[^)]*)\)",
            " ".join(page.read_text(encoding="utf-8").split()),
        )
    ]
    assert signatures
    for page_name, signature in signatures:
        names = {part.split("=")[0].strip() for part in signature.split(",")}
        assert names == real["@pytest.mark.memstore"], (page_name, signature)


def test_every_fixture_is_documented(pytester: pytest.Pytester) -> None:
    fixtures = plugin_added(pytester, "--fixtures", FIXTURE_LINE)
    assert "memstore" in fixtures
    assert set(headings(sections(DOCS / "fixtures.md")["The fixtures"])) == fixtures


def test_every_hook_is_documented(pytestconfig: pytest.Config) -> None:
    hooks = {name for name in vars(pytestconfig.pluginmanager.hook)
             if name.startswith("pytest_memstore_")}
    assert len(hooks) >= 3
    page = DOCS / "hooks.md"
    assert {h for h in headings(page.read_text(encoding="utf-8").splitlines(), level=2)} == hooks
    specified = {name for name in re.findall(r"autofunction:: pytest_memstore\.hooks\.(\w+)",
                                             page.read_text(encoding="utf-8"))}
    assert specified == hooks


def test_the_api_reference_has_every_public_name_once() -> None:
    names = [
        match.group(1)
        for line in (DOCS / "api.md").read_text(encoding="utf-8").splitlines()
        if (match := AUTODOC.match(line))
    ]
    assert sorted(names) == sorted(pytest_memstore.__all__)


def test_the_json_schema_lists_every_count(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_x(memstore):
            pass
        """
    )
    pytester.runpytest("--memstore-report=json:report.json").assert_outcomes(passed=1)
    report = json.loads(pytester.path.joinpath("report.json").read_text(encoding="utf-8"))
    (test,) = report["tests"]
    counts = set(test) - {"nodeid", "worker"}
    assert set(report["totals"]) == counts
    rows = table_rows(sections(DOCS / "report.md")["JSON schema (version 1)"])
    assert {row[0].strip("`") for row in rows} == counts
    assert report["version"] == 1


# The README is the front door: short, and it says how to install and run.


def test_the_readme_is_short() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 250, "the detail belongs in docs/; the README links to it"


def test_the_readme_has_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    main_job = 'python -m pip install -e ".[test]" && python -m pytest examples --memstore-report'
    assert f"\n{main_job}\npython -m pytest\n" in text


def test_nothing_suggests_installing_from_an_index() -> None:
    # The package is not published: it installs from a clone.
    for path in [README, *DOCS.glob("**/*.md")]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"pip install [\"']?pytest-memstore", text), path.name


def test_the_readme_says_the_butler_extra_needs_python_3_11() -> None:
    text = " ".join(README.read_text(encoding="utf-8").split())
    assert re.search(r"`butler` extra.{0,200}?Python 3\.11 or newer", text)


def slug(heading: str) -> str:
    """The anchor GitHub and MyST give a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    fenced = False
    found = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if not fenced and re.match(r"#{1,6} ", line):
            found.add(slug(line.lstrip("#")))
    return found


def test_the_readme_links_lead_somewhere() -> None:
    text = README.read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    local = [link for link in links if not re.match(r"\w+:", link)]
    assert any(link.startswith("docs/") for link in local)
    for link in local:
        target, _, anchor = link.partition("#")
        path = (ROOT / target) if target else README
        assert path.exists(), link
        if anchor:
            assert anchor in anchors(path), link
