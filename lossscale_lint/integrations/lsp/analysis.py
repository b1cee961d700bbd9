"""What the language server asks of the linter, without any protocol types.

A document is linted exactly as `lossscale-lint check` would lint the file on disk: the closest
configuration to the file decides the rule selection, per-file ignores and extra names, excluded
files get no diagnostics, and `# noqa` / skip-file comments apply. Everything here is synchronous and
may be slow; the server runs it in a worker thread.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from lossscale_lint.config.settings import CONFIG_FILE_NAMES, ConfigError, Settings, load_settings
from lossscale_lint.diagnostics import Diagnostic, Span
from lossscale_lint.fixes.apply import apply_fixes
from lossscale_lint.config.options import AnalysisOptions
from lossscale_lint.pipeline.kinds import PYTHON, FileKind, SourceError
from lossscale_lint.pipeline.linting import AnalysisError, lint_text
from lossscale_lint.reporters.cells import span_in_file


@dataclass(frozen=True)
class Analysis:
    """The outcome of linting one version of one document."""

    version: int | None
    source: str
    diagnostics: tuple[Diagnostic, ...] = ()
    options: AnalysisOptions | None = None  # None: the file was not linted (excluded, bad config)
    path: str = ""
    # A one-line problem to tell the user (a broken configuration, a crash in the analysis).
    problem: str | None = None


def is_config_file(path: str | None) -> bool:
    return path is not None and Path(path).name in CONFIG_FILE_NAMES


def options_for(path: str | None, fallback_folder: Path) -> tuple[AnalysisOptions | None, str | None]:
    """The analysis options for a document, or (None, error) when its configuration is broken.

    An untitled buffer has no path; it gets the configuration of the workspace folder.
    """
    start = Path(path).parent if path else fallback_folder
    try:
        settings: Settings = load_settings(start)
    except ConfigError as error:
        return None, str(error)
    if path and settings.is_excluded(path, check_parents=True):
        return None, None
    return settings.analysis_options(path or fallback_folder / "untitled.py"), None


def analyse(source: str, version: int | None, path: str | None, fallback_folder: Path,
            kind: FileKind = PYTHON) -> Analysis:
    """`kind`: how the document's text becomes the engine's (a notebook's JSON, its code cells)."""
    options, error = options_for(path, fallback_folder)
    if options is None:
        return Analysis(version, source, problem=error)
    display = path or "untitled.py"
    try:
        loaded = kind.from_text(display, source)
    except SourceError as unreadable:
        found = kind.unreadable(display, unreadable)
        if found is None:
            return Analysis(version, source, problem=f"{display}: {unreadable}")
        return Analysis(version, source, (found,) if options.is_selected(found.code) else (), options, display)
    try:
        diagnostics = tuple(lint_text(loaded.text, display, options))
    except AnalysisError as error:  # a bug in one rule must not take the server down
        return Analysis(version, source, problem=f"{display}: {error}")
    if loaded.text != source:  # the document is not its engine text (a notebook): place in the document
        diagnostics = tuple(in_document(kind.locate(loaded, d), display, source) for d in diagnostics)
    return Analysis(version, source, diagnostics, options, display)


def in_document(diagnostic: Diagnostic, display: str, source: str) -> Diagnostic:
    """A diagnostic located in a notebook's cells, with its spans in the document's own text (the
    JSON). Its fix is not offered: cell edits are not edits of the document."""
    sources = {display: source}

    def place(span: Span) -> Span:
        return span_in_file(display, span, Path.cwd(), sources)

    related = tuple(dataclasses.replace(r, span=place(r.span)) for r in diagnostic.related)
    return dataclasses.replace(diagnostic, span=place(diagnostic.span), related=related, fix=None)


def fix_all(analysis: Analysis) -> str | None:
    """The document with every safe fix applied, as `check --fix` would write it; None if unchanged."""
    if analysis.options is None or not any(d.fix and d.fix.applicability == "safe" for d in analysis.diagnostics):
        return None
    try:
        # The fixer re-lints between passes with the one `lint_text`, as `check --fix` does.
        outcome = apply_fixes(analysis.source, analysis.diagnostics, unsafe=False, path=analysis.path,
                              options=analysis.options)
    except AnalysisError:
        return None  # a fixed text the analysis fails on: offer no fix rather than a broken one
    return outcome.new_source if outcome.changed else None
