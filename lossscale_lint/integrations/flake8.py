"""flake8 plugin: `flake8 --select LSL` runs the same rules, with flake8's noqa and reporting.

flake8 decides what a plugin receives by the names of its `__init__` parameters: `tree` (required,
unused: LibCST re-parses the text, which keeps comments and exact positions), `filename` and
`lines`. Configuration comes from the file's closest `[tool.lossscale-lint]`, as for the CLI, so a
project's `batch-size-names`, `ignore` and `per-file-ignores` hold under flake8 too. The text goes
through the same `lint_text` as `check` (skip-file comments, pre-check, engine); `# noqa` is left
to flake8, which handles `# noqa: LSL401` itself (and `--disable-noqa`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from lossscale_lint import __version__
from lossscale_lint.config.settings import ConfigError, load_settings
from lossscale_lint.pipeline.linting import AnalysisError, lint_text

# flake8 names standard input "stdin" (or "-" on the command line); its config is the working folder's.
STDIN_NAMES = ("stdin", "-")


class LossScaleChecker:
    name = "lossscale-lint"
    version = __version__

    def __init__(self, tree: Any, filename: str, lines: Sequence[str]) -> None:
        self.filename = filename
        self.lines = lines

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        source = "".join(self.lines)
        is_stdin = self.filename in STDIN_NAMES
        path = Path.cwd() / "stdin.py" if is_stdin else Path(self.filename)
        try:
            settings = load_settings(path.parent)
        except ConfigError as error:
            # flake8 has no channel for plugin errors other than a result; say it on line 1.
            yield 1, 0, f"LSL000 lossscale-lint configuration error: {error}", type(self)
            return
        if not is_stdin and settings.is_excluded(path, check_parents=True):
            return
        try:
            diagnostics = lint_text(source, self.filename, settings.analysis_options(path), noqa=False)
        except AnalysisError as error:
            yield 1, 0, f"LSL000 lossscale-lint could not analyse this file: {error}", type(self)
            return
        for d in diagnostics:
            # flake8 prints column + 1, so it wants the 0-based column.
            yield d.span.line, d.span.column - 1, f"{d.code} {d.message}", type(self)
