"""The output formats, by their `--output-format` name.

Each reporter is a function `(diagnostics, ReportContext) -> str` (see `base.Reporter`). To add a
format, write a module here and register its function below; the CLI offers every key.
"""

from __future__ import annotations

from lossscale_lint.reporters.base import ReportContext, Reporter
from lossscale_lint.reporters.concise import report_concise
from lossscale_lint.reporters.json_format import report_json
from lossscale_lint.reporters.text import report_text

REPORTERS: dict[str, Reporter] = {
    "text": report_text,
    "concise": report_concise,
    "json": report_json,
}

__all__ = ["REPORTERS", "ReportContext", "Reporter"]
