"""The output formats, by their `--output-format` name.

Each reporter is a function `(diagnostics, ReportContext) -> str` (see `base.Reporter`). To add a
format, write a module here and register its function below; the CLI offers every key. A run
imports only the reporter it uses (SARIF's rule metadata and JUnit's XML are not free to import,
and every pre-commit run pays for what it imports).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from lossscale_lint.reporters.base import ReportContext, Reporter

# name -> (module in this package, function)
FORMATS = {
    "text": ("text", "report_text"),
    "concise": ("concise", "report_concise"),
    "json": ("json_format", "report_json"),
    "sarif": ("sarif", "report_sarif"),
    "github": ("github", "report_github"),
    "gitlab": ("gitlab", "report_gitlab"),
    "junit": ("junit", "report_junit"),
}


class _Reporters(Mapping[str, Reporter]):
    """FORMATS as a read-only mapping of name -> reporter, importing each module on first use."""

    def __getitem__(self, name: str) -> Reporter:
        module, function = FORMATS[name]
        return getattr(importlib.import_module(f"{__name__}.{module}"), function)

    def __iter__(self) -> Iterator[str]:
        return iter(FORMATS)

    def __len__(self) -> int:
        return len(FORMATS)


REPORTERS: Mapping[str, Reporter] = _Reporters()

__all__ = ["REPORTERS", "ReportContext", "Reporter"]
