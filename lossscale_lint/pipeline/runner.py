"""Linting many paths: discover -> read -> engine.lint_source -> suppressions -> one result.

Every file is handled on its own: a file that cannot be read or that crashes the analysis becomes
a `FileError` and the other files are still checked. `lint_file` is a top-level function of plain
values so that it can later run in worker processes.
"""

from __future__ import annotations

import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field

from lossscale_lint.pipeline.cache import DiagnosticsCache
from lossscale_lint.config.settings import Settings
from lossscale_lint.diagnostics import Diagnostic
from lossscale_lint.pipeline.discovery import discover
from lossscale_lint.pipeline.noqa import parse_suppressions, without_suppressed
from lossscale_lint.config.options import AnalysisOptions
from lossscale_lint.pipeline.precheck import lint_source_prechecked
from lossscale_lint.pipeline.sources import SourceError, read_source


@dataclass(frozen=True)
class FileError:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True)
class FileResult:
    path: str
    diagnostics: tuple[Diagnostic, ...] = ()
    # The text, kept only when there are diagnostics (the text reporter shows the lines).
    source: str | None = None
    error: FileError | None = None


@dataclass
class RunResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    files_checked: int = 0
    errors: list[FileError] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def lint_text(
    source: str, path: str, options: AnalysisOptions, base_source: str | None = None
) -> list[Diagnostic]:
    """Lint one file's text with its suppression comments applied (also for editors and plugins).

    `base_source` is the file at the git base of `check --base` (an unchanged file compares nothing).
    """
    suppressions = parse_suppressions(source)
    if suppressions.skip_file:
        return []
    base_source = None if base_source == source else base_source
    # No LibCST parse (nor import) when the text proves nothing selected can fire (issue 6).
    return without_suppressed(lint_source_prechecked(source, path, options, base_source), suppressions)


def lint_file(path: str, options: AnalysisOptions, base_source: str | None = None) -> FileResult:
    try:
        source = read_source(path)
    except SourceError as error:
        return FileResult(path, error=FileError(path, str(error)))
    return lint_loaded(path, source, options, base_source)


def lint_loaded(path: str, source: str, options: AnalysisOptions, base_source: str | None = None) -> FileResult:
    """`lint_file` for text already read (the parallel runner reads first, to look up the cache)."""
    try:
        diagnostics = lint_text(source, path, options, base_source)
    except RecursionError:
        return FileResult(path, error=FileError(path, "too deeply nested to analyse"))
    except Exception as error:  # noqa: BLE001 - a bug on one file must not stop the others
        where = traceback.extract_tb(error.__traceback__)[-1]
        detail = f"{type(error).__name__}: {error} (at {where.filename}:{where.lineno})"
        return FileResult(path, error=FileError(path, f"internal error while analysing: {detail}"))
    return FileResult(path, tuple(diagnostics), source if diagnostics else None)


def collect(results: Sequence[FileResult], result: RunResult) -> RunResult:
    for file_result in results:
        if file_result.error is not None:
            result.errors.append(file_result.error)
            continue
        result.files_checked += 1
        result.diagnostics.extend(file_result.diagnostics)
        if file_result.source is not None:
            result.sources[file_result.path] = file_result.source
    result.diagnostics.sort(key=lambda d: d.sort_key)
    return result


def lint_paths(
    paths: Sequence[str],
    settings: Settings,
    *,
    force_exclude: bool = False,
    jobs: int | None = 1,
    cache: DiagnosticsCache | None = None,
) -> RunResult:
    """`jobs`: worker processes (None: every core); `cache`: where to reuse and keep results."""
    from lossscale_lint.pipeline.workers import lint_files  # it imports this module

    found = discover(paths, settings, force_exclude=force_exclude)
    results = lint_files(found.files, settings.analysis_options, jobs=jobs, cache=cache)
    return collect(results, RunResult(missing=found.missing))
