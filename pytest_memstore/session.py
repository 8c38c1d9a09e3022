"""What the plugin keeps for one pytest session, and its part in reporting it.

`SessionState` holds the settings the options and ini file gave, worked out
once for every store the fixtures build, and the `Report` the tests add
their rows to. Who turns that report into output depends on the process,
so one object per role is chosen at configure time (as pytest-cov does):

- `ReportController`, in a run without pytest-xdist and in the xdist
  controller: merges what each worker sends, writes the JSON reports and
  the terminal summary.
- `ReportWorker`, in an xdist worker: hands its rows to the controller.

No role is chosen without ``--memstore-report``: there is nothing to report.
This module only keeps state and makes output; the plugin's hooks call it.
"""

from __future__ import annotations

__all__ = ["ReportController", "ReportRole", "ReportWorker", "SessionState", "is_xdist_worker"]

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest

    from .core.storage_factory import StorageClassFactory
    from .report import Report

PAYLOAD_KEY = "memstore"
"""The key of a worker's report in the ``workeroutput`` it sends the controller."""


def is_xdist_worker(config: pytest.Config) -> bool:
    """Return whether this process is a pytest-xdist worker."""
    return hasattr(config, "workerinput")


class SessionState:
    """What the plugin keeps for one pytest session (settings and the report).

    Attributes
    ----------
    report_types : `list` of (`str`, `str` or `None`)
        The ``--memstore-report`` values: ``("term", None)``,
        ``("term-all", None)`` or ``("json", path)``.
    strict : `bool`
        Whether a test's problems are teardown errors.
    base_storage_classes : `StorageClassFactory`
        The defaults plus the ini's storage class entries, before any
        directory's registration hook.
    detect_mutation : `bool`
        The ini's ``memstore_detect_mutation``: every fixture store checks
        that stored objects are not changed.
    repeated_get_threshold : `int`
        The ini's ``memstore_repeated_get_threshold``; 0 is off.
    log_size : `int`
        The ini's ``memstore_log_size``: operations each fixture store logs.
    butler_universe : `str`
        The ini's ``memstore_butler_universe``: ``"none"`` (standalone
        butlers) or ``"daf"`` (daf_butler mode), for butlers whose marker or
        factory call names no ``universe``.
    report : `Report`
        The rows of the tests run in this process (and, in the xdist
        controller, those the workers sent).
    tracking : `bool`
        Whether a test looks at its stores when it ends: set when any option
        needs it, so that without options a test pays nothing for it.
    store_defaults : `dict`
        The tool options every fixture store gets, from the ini options.
    """

    def __init__(
        self,
        report_types: list[tuple[str, str | None]],
        strict: bool,
        base_storage_classes: StorageClassFactory,
        detect_mutation: bool = False,
        repeated_get_threshold: int = 0,
        log_size: int = 0,
        butler_universe: str = "none",
    ) -> None:
        self.report_types = report_types
        self.strict = strict
        self.base_storage_classes = base_storage_classes
        self.detect_mutation = detect_mutation
        self.repeated_get_threshold = repeated_get_threshold
        self.log_size = log_size
        self.butler_universe = butler_universe
        self._report: Report | None = None
        # Worked out once, for every store the fixtures build: whether its
        # test looks at it when it ends, and the tool options it gets.
        self.tracking = bool(
            report_types or strict or detect_mutation or repeated_get_threshold or log_size
        )
        defaults: dict[str, Any] = {}
        if detect_mutation:
            defaults["detect_mutation"] = True
        if repeated_get_threshold:
            defaults["count_gets"] = True
        if log_size:
            defaults["log_size"] = log_size
        self.store_defaults = defaults

    @property
    def report(self) -> Report:
        """The session's report, made (and its module imported) on first use."""
        report = self._report
        if report is None:
            from .report import Report

            report = self._report = Report()
        return report

    def report_role(self, config: pytest.Config) -> ReportRole | None:
        """Return the role this process plays in reporting; `None` without a report."""
        if not self.report_types:
            return None
        if is_xdist_worker(config):
            return ReportWorker(self.report)
        return ReportController(self.report, self.report_types)


class ReportRole:
    """What a process does with the session's report; by default, nothing."""

    def finish(self, config: pytest.Config) -> bool:
        """Hand on the report when the session ends; return `False` if some was not written."""
        return True

    def node_down(self, node: Any) -> None:
        """Take in what an xdist worker sent as it went down (``pytest_testnodedown``)."""

    def write_summary(self, terminal: pytest.TerminalReporter, width: int) -> None:
        """Write this role's part of the terminal summary, fitted to ``width``."""


class ReportWorker(ReportRole):
    """An xdist worker's role: send its report's rows to the controller.

    Parameters
    ----------
    report : `Report`
        The rows of the tests this worker ran.
    """

    def __init__(self, report: Report) -> None:
        self.report = report

    def finish(self, config: pytest.Config) -> bool:
        """Put the report in the ``workeroutput`` that xdist sends to the controller."""
        config.workeroutput[PAYLOAD_KEY] = self.report.to_payload()  # type: ignore[attr-defined]
        return True


class ReportController(ReportRole):
    """The role of a run without xdist, or of the xdist controller: make the output.

    Parameters
    ----------
    report : `Report`
        The session's report: this process's own rows, and those the
        workers send.
    report_types : `list` of (`str`, `str` or `None`)
        What to make: ``term`` and ``term-all`` summaries, ``json`` files.
    """

    def __init__(self, report: Report, report_types: list[tuple[str, str | None]]) -> None:
        self.report = report
        self.report_types = report_types
        self.json_outcomes: list[str] = []
        """One line per JSON report: where it was written, or why not."""

    def finish(self, config: pytest.Config) -> bool:
        """Write every JSON report, relative to the directory pytest was invoked from.

        Returns
        -------
        written : `bool`
            `False` if some report could not be written (the outcome lines
            of the summary say why).
        """
        written = True
        base = config.invocation_params.dir
        for kind, path in self.report_types:
            if kind == "json" and path is not None:
                try:
                    self.report.write_json(base / path)
                except OSError as err:
                    self.json_outcomes.append(f"memstore report NOT written to {path}: {err}")
                    written = False
                else:
                    self.json_outcomes.append(f"memstore report written to {path}")
        return written

    def node_down(self, node: Any) -> None:
        """Merge a worker's rows, or note that it crashed before sending any."""
        worker = str(getattr(node, "workerinput", {}).get("workerid") or node.gateway.id)
        payload = getattr(node, "workeroutput", {}).get(PAYLOAD_KEY)
        if payload is None:
            self.report.add_crashed_worker(worker)
        else:
            self.report.merge_payload(payload, worker)

    def write_summary(self, terminal: pytest.TerminalReporter, width: int) -> None:
        """Write the report, if a terminal one was asked for, and the JSON outcomes."""
        kinds = {kind for kind, _ in self.report_types}
        if kinds & {"term", "term-all"}:
            terminal.write_sep("=", "memstore report")
            for line in self.report.render(every_test="term-all" in kinds, width=width):
                terminal.write_line(line)
        from .report import fit

        for outcome in self.json_outcomes:
            for line in fit(outcome, width, indent="  "):
                terminal.write_line(line, red=outcome.startswith("memstore report NOT"))
