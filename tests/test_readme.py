"""Every Python example in the README runs, and prints what the README shows.

A block whose first line is ``# conftest.py`` or ``# test_<name>.py`` is that
file of a small project: a conftest goes with the test file after it (or,
alone, with a test that builds a store and a butler, so that its hooks run).
Any other block with a ``def test_`` is a test file of its own. The rest are
scripts; a script followed by a ``text`` block must print that text, dataset
IDs aside (they are random).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

README = Path(__file__).parents[1] / "README.md"
FILE_HEADER = re.compile(r"# (\w+\.py)\n")
RANDOM_IDS = (
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>"),
    (re.compile(r"\[[0-9a-f]{8}\]"), "[<short id>]"),
    (re.compile(r"InMemoryDatastore@\d+"), "InMemoryDatastore@<n>"),
)
LONE_CONFTEST_TEST = """
def test_the_hooks_run(memstore, memstore_butler):
    pass
"""


@attrs.frozen
class Block:
    """One fenced block of the README: its language, its lines and its text, dedented."""

    language: str
    line: int
    end: int
    text: str


@attrs.frozen
class Example:
    """What one test runs: a script, or the files of a small test project."""

    line: int
    script: str | None = None
    files: dict[str, str] = attrs.Factory(dict)
    outputs: tuple[str, ...] = ()

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


def readme_examples() -> list[Example]:
    lines = README.read_text(encoding="utf-8").splitlines()
    blocks = fenced_blocks(lines)
    examples: list[Example] = []
    conftest: Block | None = None

    def flush_conftest() -> None:
        nonlocal conftest
        if conftest is not None:
            files = {"conftest.py": conftest.text, "test_hooks.py": LONE_CONFTEST_TEST}
            examples.append(Example(conftest.line, files=files))
            conftest = None

    for index, block in enumerate(blocks):
        if block.language != "python":
            continue
        outputs: list[str] = []
        previous = block
        for following in blocks[index + 1 :]:
            between = lines[previous.end : following.line - 1]
            if following.language != "text" or any(line.strip() for line in between):
                break
            outputs.append(following.text)
            previous = following
        header = FILE_HEADER.match(block.text)
        if header is not None and header.group(1) == "conftest.py":
            flush_conftest()
            conftest = block
            continue
        if header is not None or "def test_" in block.text:
            name = header.group(1) if header else f"test_readme_{block.line}.py"
            files = {name: block.text}
            if conftest is not None:
                files["conftest.py"] = conftest.text
                conftest = None
            examples.append(Example(block.line, files=files, outputs=tuple(outputs)))
            continue
        flush_conftest()
        examples.append(Example(block.line, script=block.text, outputs=tuple(outputs)))
    flush_conftest()
    return examples


def without_random_ids(text: str) -> str:
    for pattern, replacement in RANDOM_IDS:
        text = pattern.sub(replacement, text)
    return text


EXAMPLES = readme_examples()
SCRIPTS = [example for example in EXAMPLES if example.script is not None]
PROJECTS = [example for example in EXAMPLES if example.files]


def run_project(example: Example, pytester: pytest.Pytester) -> pytest.RunResult:
    if example.needs_daf_butler:
        pytest.importorskip("lsst.daf.butler", reason="needs the butler extra (lsst-daf-butler)")
    for name, text in example.files.items():
        pytester.path.joinpath(name).write_text(text, encoding="utf-8")
    return pytester.runpytest("-p", "no:randomly")


def shows(result: pytest.RunResult, output: str) -> bool:
    """Whether pytest printed these lines, one after another, IDs aside."""
    return without_random_ids(output) in without_random_ids(result.stdout.str() + "\n")


def test_the_readme_has_its_examples() -> None:
    assert len(SCRIPTS) >= 8 and len(PROJECTS) >= 15
    assert sum(bool(example.outputs) for example in SCRIPTS) >= 4


@pytest.mark.parametrize("example", SCRIPTS, ids=lambda e: f"line {e.line}")
def test_a_script_runs_and_prints_what_the_readme_shows(
    example: Example, tmp_path: Path
) -> None:
    if example.needs_daf_butler:
        pytest.importorskip("lsst.daf.butler", reason="needs the butler extra (lsst-daf-butler)")
    assert example.script is not None
    ran = subprocess.run(
        [sys.executable, "-c", example.script],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
    )
    assert ran.returncode == 0, ran.stderr
    if example.outputs:
        assert without_random_ids(ran.stdout) == without_random_ids("".join(example.outputs))


@pytest.mark.parametrize("example", PROJECTS, ids=lambda e: f"line {e.line}")
def test_a_test_example_passes_or_fails_as_the_readme_shows(
    example: Example, pytester: pytest.Pytester
) -> None:
    # A test example followed by failure messages either passes (the
    # messages show what a failure of that check looks like) or fails with
    # exactly those messages.
    result = run_project(example, pytester)
    if result.ret == 0:
        assert result.parseoutcomes().get("passed", 0) >= 1
        return
    assert example.outputs, result.stdout.str()
    for output in example.outputs:
        assert shows(result, output), output


def test_the_example_of_failure_messages_fails_with_them(pytester: pytest.Pytester) -> None:
    (example,) = [e for e in PROJECTS if "def test_rows" in "".join(e.files.values())]
    result = run_project(example, pytester)
    result.assert_outcomes(failed=2)
    assert len(example.outputs) == 2
    assert all(shows(result, output) for output in example.outputs)
