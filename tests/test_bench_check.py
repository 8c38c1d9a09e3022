"""The performance check CI runs: one tiny run end to end, and its verdicts.

Nothing here asserts a timing: the run uses sizes far too small to mean
anything, to check that every figure is measured and shown, and the
verdicts are checked on made-up figures.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"

pytestmark = pytest.mark.skipif(
    not (BENCHMARKS / "check.py").is_file(), reason="needs the source tree"
)

TINY = ["--tests", "3", "--refs", "20", "--stores", "3", "--rounds", "1",
        "--processes", "1", "--per-module", "2"]


@pytest.fixture
def check(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    return importlib.import_module("check")


def test_a_tiny_run_measures_and_shows_every_figure(
    check: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = check.main([*TINY, "--json", str(tmp_path / "check.json")])
    out = capsys.readouterr().out
    assert status in (0, 1)  # tiny sizes: the figures mean nothing
    assert "performance check" in out.splitlines()[-1]
    saved = json.loads((tmp_path / "check.json").read_text(encoding="utf-8"))
    figures = saved["figures"]
    assert list(figures) == [f.key for f in check.make_figures()]
    for key, figure in figures.items():
        if key.endswith("_vs_daf") and figure["value"] is None:
            assert figure["note"], key  # skipped, and says why
        else:
            assert isinstance(figure["value"], float), key
    for f in check.make_figures():
        assert f"| {f.label} |" in out


def test_a_run_without_daf_butler_skips_only_its_figures(
    check: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    check.main([*TINY, "--no-daf"])
    out = capsys.readouterr().out
    assert (
        "| put: daf_butler / memstore | skipped | ≥ 13.00x | 8.67x | skipped: --no-daf given |"
    ) in out
    assert "| put: memstore / raw-dict floor | skipped" not in out


def figure(check: ModuleType, at_most: bool, value: float | None) -> object:
    return check.Figure("f", "a figure", "x", 2.0, at_most, value)


@pytest.mark.parametrize(
    ("at_most", "value", "met", "broken"),
    [
        (True, 2.0, True, False),
        (True, 2.9, False, False),  # missed, within the headroom: shown, not failed
        (True, 3.1, False, True),
        (False, 2.0, True, False),
        (False, 1.4, False, False),
        (False, 1.3, False, True),
        (True, None, None, False),  # skipped: never fails
    ],
)
def test_a_figure_fails_only_past_its_target_with_headroom(
    check: ModuleType, at_most: bool, value: float | None, met: bool | None, broken: bool
) -> None:
    found = figure(check, at_most, value)
    assert found.met() is met  # type: ignore[attr-defined]
    assert found.broken() is broken  # type: ignore[attr-defined]


def test_the_ratios_to_the_floor_have_more_headroom(check: ModuleType) -> None:
    limits = {f.key: f.limit() for f in check.make_figures()}
    assert limits["get_vs_floor"] == pytest.approx(1.5 * check.FLOOR_HEADROOM)
    assert limits["store"] == pytest.approx(1.5 * check.HEADROOM)
    assert check.FLOOR_HEADROOM > check.HEADROOM


def test_slack_widens_every_limit(check: ModuleType) -> None:
    assert figure(check, True, 3.1).broken(slack=2.0) is False  # type: ignore[attr-defined]
    assert figure(check, True, 6.1).broken(slack=2.0) is True  # type: ignore[attr-defined]
    assert figure(check, False, 1.0).broken(slack=2.0) is False  # type: ignore[attr-defined]


def test_the_exit_status_is_1_only_past_a_limit(
    check: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    values = {"within": 2.9, "past": 3.1}
    for name, value in values.items():
        def measure_all(args: object, say: object, value: float = value) -> list[object]:
            return [figure(check, True, value)]

        monkeypatch.setattr(check, "measure_all", measure_all)
        status = check.main([])
        out = capsys.readouterr().out
        if name == "within":
            assert status == 0
            assert "target missed (within the limit)" in out
        else:
            assert status == 1
            assert "performance check FAILED: past the limit: a figure" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--tests", "1"], "--tests must be at least 2"),
        (["--rounds", "0"], "must be positive"),
        (["--slack", "0.5"], "--slack must be 1 or more"),
    ],
)
def test_bad_options_exit_with_a_usage_error(
    check: ModuleType, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exc:
        check.parse_args(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
