"""The output formats, by their `--output-format` name.

Each reporter is a function `(diagnostics, ReportContext) -> str` (see `base.Reporter`). To add a
format, write a module here and register its function below; the CLI offers every key.
"""

from __future__ import annotations

from lossscale_lint.reporters.base import ReportContext, Reporter
from lossscale_lint.reporters.concise import report_concise
from lossscale_lint.reporters.github import report_github
from lossscale_lint.reporters.gitlab import report_gitlab
from lossscale_lint.reporters.json_format import report_json
from lossscale_lint.reporters.junit import report_junit
from lossscale_lint.reporters.sarif import report_sarif
from lossscale_lint.reporters.text import report_text

REPORTERS: dict[str, Reporter] = {
    "text": report_text,
    "concise": report_concise,
    "json": report_json,
    "sarif": report_sarif,
    "github": report_github,
    "gitlab": report_gitlab,
    "junit": report_junit,
}

__all__ = ["REPORTERS", "ReportContext", "Reporter"]
