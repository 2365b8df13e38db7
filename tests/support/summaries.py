"""Summaries a test hands to the terminal (the /ask question set by shape, and others).

A test records its summary with ``record_property(SUMMARY, text)``; this plugin (named in
tests/conftest.py's ``pytest_plugins``) prints every recorded summary once, at the end of the
run, in the main process. A test's own output would be lost under pytest-xdist, whose workers'
output is not shown; a test report's properties travel from the worker to the main process.
"""

from __future__ import annotations

import pytest

SUMMARY = "terminal summary"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    reports = [
        report
        for outcome in ("passed", "failed")
        for report in terminalreporter.stats.get(outcome, [])
        if getattr(report, "when", None) == "call"
    ]
    texts = [
        text
        for report in sorted(reports, key=lambda r: r.nodeid)
        for key, text in report.user_properties
        if key == SUMMARY
    ]
    if texts:
        terminalreporter.section("summaries")
        for text in texts:
            terminalreporter.write_line(text)
