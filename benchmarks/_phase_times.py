"""A pytest plugin that saves how long each phase of each test took, as JSON.

``bench_testrepo.py`` loads it into the pytest runs it times, with this
folder on ``PYTHONPATH``::

    python -m pytest -p _phase_times --phase-times=PATH ...

PATH then holds ``{"tests": [...]}``, one entry per test in the order they
ran: ``nodeid``, ``outcome`` (``passed``, or the first phase's that did not
pass) and the seconds of its ``setup``, ``call`` and ``teardown`` phases, as
pytest measured them (`pytest.TestReport.duration`). A unittest class's
``setUpClass`` runs in the set-up phase of its first test and its
``tearDownClass`` in the tear-down of its last; ``setUp`` and ``tearDown``
run in each test's call phase.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--phase-times",
        metavar="PATH",
        help="write the seconds of each test's set-up, call and tear-down to PATH, as JSON",
    )


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption("phase_times")
    if path:
        config.pluginmanager.register(PhaseTimes(Path(path)), "phase_times_recorder")


class PhaseTimes:
    """Collects the phases of every test and writes them when the session ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tests: dict[str, dict[str, Any]] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        entry = self.tests.setdefault(report.nodeid, {"nodeid": report.nodeid, "outcome": "passed"})
        entry[report.when] = report.duration
        if report.outcome != "passed" and entry["outcome"] == "passed":
            entry["outcome"] = f"{report.outcome} in {report.when}"

    def pytest_sessionfinish(self) -> None:
        payload = {"tests": list(self.tests.values())}
        self.path.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
