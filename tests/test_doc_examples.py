"""Every code example in the README and the docs runs, and shows what they say.

The fenced blocks of ``README.md`` and of each ``docs/**/*.md`` page are read
in order, by these rules:

- A block whose first line is ``# <name>.py`` or ``# <name>.ini`` is that file
  of a small test project. A ``conftest.py`` or an ini file goes with the test
  file after it (or, alone, with a test that builds a store and a butler, so
  that its hooks run).
- Any other ``python`` block with a ``def test_`` is a test file of its own.
- The other ``python`` blocks are scripts.
- A ``bash`` block of one ``python -m pytest ...`` command right after a test
  project runs pytest in that project with those arguments; elsewhere, such a
  command (``COLUMNS=N`` in front, if given) runs from the repository root.

The ``text`` blocks right after one of these (nothing but blank lines
between) are what it prints. A script must print exactly that text; pytest
must show each text somewhere in its output; a test project run without a
command either passes (the text then shows what a failure of its check looks
like) or fails showing that text. Dataset IDs and store numbers are random,
so they are left out of the comparison.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

import pytest_memstore

# Import every public name's module now: an in-process pytester run drops the
# modules it imported when it ends, and a module imported again would raise
# exceptions of new classes that the names cached here no longer catch.
for _name in pytest_memstore.__all__:
    getattr(pytest_memstore, _name)
# So too daf_butler's test helpers and our switch, when daf_butler is installed:
# some of the extension modules under them cannot be loaded twice in a process.
with contextlib.suppress(ImportError):
    import pytest_memstore.daf.switch

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]
FILE_HEADER = re.compile(r"# ([\w.-]+\.(?:py|ini))\n")
PYTEST_COMMAND = re.compile(r"((?:\w+=\S+ )*)python -m pytest( .*)?")
RANDOM_IDS = (
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>"),
    (re.compile(r"\[[0-9a-f]{8}\]"), "[<short id>]"),
    (re.compile(r"InMemoryDatastore@\d+"), "InMemoryDatastore@<n>"),
)
LONE_SUPPORT_TEST = """
def test_the_hooks_run(memstore, memstore_butler):
    pass
"""
TERMINAL_COLUMNS = "80"


@attrs.frozen
class Block:
    """One fenced block of a document: its language, its lines and its text, dedented."""

    language: str
    line: int
    end: int
    text: str


@attrs.frozen
class Example:
    """What one test runs: a script, a pytest command, or the files of a small test project.

    A project with ``arguments`` is run with them, and must show its outputs;
    a ``command`` (a project-less pytest run) runs from the repository root.
    """

    document: str
    line: int
    script: str | None = None
    files: dict[str, str] = attrs.Factory(dict)
    arguments: tuple[str, ...] | None = None
    command: tuple[str, ...] | None = None
    environment: dict[str, str] = attrs.Factory(dict)
    outputs: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.document} line {self.line}"

    @property
    def needs_daf_butler(self) -> bool:
        return any("lsst.daf.butler" in text for text in (self.script or "", *self.files.values()))


def fenced_blocks(lines: list[str]) -> list[Block]:
    """Return each fenced block, in order."""
    blocks = []
    position = 0
    while position < len(lines):
        opening = lines[position]
        stripped = opening.lstrip()
        if not stripped.startswith("```") or stripped == "```":
            position += 1
            continue
        indent = opening[: len(opening) - len(stripped)]
        end = lines.index(f"{indent}```", position + 1)
        body = "".join(f"{line[len(indent):]}\n" for line in lines[position + 1 : end])
        blocks.append(Block(stripped[3:], position + 1, end + 1, body))
        position = end + 1
    return blocks


def pytest_command(block: Block) -> tuple[dict[str, str], tuple[str, ...]] | None:
    """The environment and arguments of a one-line ``python -m pytest`` block, if it is one."""
    match = PYTEST_COMMAND.fullmatch(block.text.strip())
    if block.language != "bash" or match is None:
        return None
    environment = dict(word.split("=", 1) for word in shlex.split(match.group(1)))
    return environment, tuple(shlex.split(match.group(2) or ""))


def examples_of(path: Path) -> list[Example]:
    """The examples of one document, in order."""
    document = path.relative_to(ROOT).as_posix()
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks = fenced_blocks(lines)
    examples: list[Example] = []
    support: dict[str, str] = {}  # conftest and ini files waiting for their test file
    support_line = 0

    def outputs_after(index: int) -> tuple[str, ...]:
        """The text blocks right after ``blocks[index]``."""
        outputs = []
        previous = blocks[index]
        for following in blocks[index + 1 :]:
            between = lines[previous.end : following.line - 1]
            if following.language != "text" or any(line.strip() for line in between):
                break
            outputs.append(following.text)
            previous = following
        return tuple(outputs)

    def right_after(index: int) -> Block | None:
        if index + 1 < len(blocks):
            following = blocks[index + 1]
            if not any(line.strip() for line in lines[blocks[index].end : following.line - 1]):
                return following
        return None

    def flush_support() -> None:
        nonlocal support, support_line
        if support:
            files = {**support, "test_hooks.py": LONE_SUPPORT_TEST}
            examples.append(Example(document, support_line, files=files))
            support = {}
            support_line = 0

    ran_by_project: set[int] = set()
    for index, block in enumerate(blocks):
        command = pytest_command(block)
        if command is not None and index not in ran_by_project:
            flush_support()
            environment, arguments = command
            examples.append(Example(document, block.line, command=arguments,
                                    environment=environment, outputs=outputs_after(index)))
            continue
        header = FILE_HEADER.match(block.text)
        if block.language not in ("python", "ini"):
            continue
        if header is not None and (block.language == "ini" or header.group(1) == "conftest.py"):
            if header.group(1) in support:  # a second conftest: the first stands alone
                flush_support()
            support_line = support_line or block.line
            support[header.group(1)] = block.text
            continue
        if block.language != "python":
            continue
        if header is not None or "def test_" in block.text:
            name = header.group(1) if header else f"test_example_{block.line}.py"
            files = {name: block.text, **support}
            support = {}
            support_line = 0
            following = right_after(index)
            follow_command = pytest_command(following) if following is not None else None
            if follow_command is not None and not follow_command[0]:
                ran_by_project.add(index + 1)
                examples.append(Example(document, block.line, files=files,
                                        arguments=follow_command[1],
                                        outputs=outputs_after(index + 1)))
            else:
                examples.append(Example(document, block.line, files=files,
                                        outputs=outputs_after(index)))
            continue
        flush_support()
        examples.append(Example(document, block.line, script=block.text,
                                outputs=outputs_after(index)))
    flush_support()
    return examples


def without_random_ids(text: str) -> str:
    for pattern, replacement in RANDOM_IDS:
        text = pattern.sub(replacement, text)
    return text


def shows(output: str, text: str) -> bool:
    """Whether ``output`` holds these lines, one after another, IDs aside."""
    return without_random_ids(text) in without_random_ids(output + "\n")


EXAMPLES = [example for path in DOCUMENTS for example in examples_of(path)]
SCRIPTS = [example for example in EXAMPLES if example.script is not None]
PROJECTS = [example for example in EXAMPLES if example.files]
COMMANDS = [example for example in EXAMPLES if example.command is not None]


def skip_without_daf_butler(example: Example) -> None:
    if example.needs_daf_butler:
        pytest.importorskip("lsst.daf.butler", reason="needs the butler extra (lsst-daf-butler)")


def run_project(
    example: Example, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> pytest.RunResult:
    skip_without_daf_butler(example)
    monkeypatch.setenv("COLUMNS", TERMINAL_COLUMNS)
    for name, text in example.files.items():
        pytester.path.joinpath(name).write_text(text, encoding="utf-8")
    return pytester.runpytest("-p", "no:randomly", *(example.arguments or ()))


def output_of(result: pytest.RunResult) -> str:
    return result.stdout.str() + "\n" + result.stderr.str()


def test_the_documents_have_their_examples() -> None:
    assert len(SCRIPTS) >= 8 and len(PROJECTS) >= 20 and len(COMMANDS) >= 2
    assert sum(bool(example.outputs) for example in SCRIPTS) >= 4
    assert {example.document for example in EXAMPLES} >= {"README.md", "docs/fixtures.md"}


def test_every_python_block_is_run() -> None:
    # A python block the rules above leave out would go unchecked.
    for path in DOCUMENTS:
        examples = examples_of(path)
        document = path.relative_to(ROOT).as_posix()
        blocks = fenced_blocks(path.read_text(encoding="utf-8").splitlines())
        run = sum(
            (1 if example.script is not None else
             sum(name.endswith(".py") and name != "test_hooks.py" for name in example.files))
            for example in examples
        )
        python_blocks = sum(block.language == "python" for block in blocks)
        assert run == python_blocks, document


@pytest.mark.parametrize("example", SCRIPTS, ids=lambda e: e.name)
def test_a_script_runs_and_prints_what_the_document_shows(
    example: Example, tmp_path: Path
) -> None:
    skip_without_daf_butler(example)
    assert example.script is not None
    ran = subprocess.run(
        [sys.executable, "-c", example.script],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
    )
    assert ran.returncode == 0, ran.stderr
    if example.outputs:
        assert without_random_ids(ran.stdout) == without_random_ids("".join(example.outputs))


@pytest.mark.parametrize("example", PROJECTS, ids=lambda e: e.name)
def test_a_test_example_passes_or_fails_as_the_document_shows(
    example: Example, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run_project(example, pytester, monkeypatch)
    if example.arguments is not None:
        # Run with a command: it shows what the document says it does.
        assert example.outputs, output_of(result)
        for output in example.outputs:
            assert shows(output_of(result), output), output
        return
    # A test example followed by failure messages either passes (the
    # messages show what a failure of that check looks like) or fails with
    # exactly those messages.
    if result.ret == 0:
        assert result.parseoutcomes().get("passed", 0) >= 1
        return
    assert example.outputs, output_of(result)
    for output in example.outputs:
        assert shows(output_of(result), output), output


@pytest.mark.parametrize("example", COMMANDS, ids=lambda e: e.name)
def test_a_pytest_command_prints_what_the_document_shows(example: Example) -> None:
    assert example.command is not None
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    environment |= {"COLUMNS": TERMINAL_COLUMNS, **example.environment}
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", *example.command, "-p", "no:cacheprovider"],
        capture_output=True, text=True, cwd=ROOT, env=environment, timeout=300, check=False,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    for output in example.outputs:
        assert shows(ran.stdout, output), output


def test_the_example_of_failure_messages_fails_with_them(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    (example,) = [e for e in PROJECTS if "def test_rows" in "".join(e.files.values())]
    result = run_project(example, pytester, monkeypatch)
    result.assert_outcomes(failed=2)
    assert len(example.outputs) == 2
    assert all(shows(output_of(result), output) for output in example.outputs)
