"""Linting many paths, the one loop: discover -> load -> (git base) -> cache -> jobs -> one result.

`lint_paths` serves `check`, `check --base`, `check --fix` and `check --diff` alike. Each file is
read once, through its kind (`kinds.load_file`); with `--base` its version at the revision is read
too. Both texts make the cache key, so an entry is reused only for the same file against the same
base. What the cache does not answer becomes a `jobs.FileJob` (carrying the base text and the fix
request) that runs in this process or in worker processes (`workers.run_jobs`). A file that cannot
be read, that crashes the analysis or that cannot be written becomes a `FileError` and the other
files are still checked; a file its kind can answer with a diagnostic instead (a broken notebook:
one LSL000, `FileKind.unreadable`) is reported like any other finding.

Fix runs use the cache for their lint part: a file whose cached diagnostics hold nothing to fix is
answered from the cache; a file with fixes is fixed from its cached diagnostics (the fixer re-lints
the fixed text itself). The fixed text is not stored: the next run reads it and misses once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lossscale_lint.config.settings import Settings
from lossscale_lint.diagnostics import Diagnostic
from lossscale_lint.pipeline.cache import DiagnosticsCache
from lossscale_lint.pipeline.discovery import discover
from lossscale_lint.pipeline.jobs import FileError, FileJob, FileResult, FixRequest, Outcome, RunProgress, reported
from lossscale_lint.pipeline.kinds import kind_for, load_file
from lossscale_lint.pipeline.sources import SourceError
from lossscale_lint.pipeline.precheck import may_report
from lossscale_lint.pipeline.workers import job_cost, run_jobs

if TYPE_CHECKING:
    from lossscale_lint.fixes.runner import FileFix
    from lossscale_lint.pipeline.git_base import GitBase


@dataclass
class RunResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # path -> text, for files with diagnostics (the text reporter shows their lines).
    sources: dict[str, str] = field(default_factory=dict)
    files_checked: int = 0
    errors: list[FileError] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    # Fix runs: what fixing each file with applicable fixes did, in the order of the files.
    fixes: list[FileFix] = field(default_factory=list)

    @property
    def fixes_applied(self) -> int:
        return sum(len(f.outcome.applied) for f in self.fixes if f.written)

    @property
    def write_errors(self) -> list[str]:
        return [f.error for f in self.fixes if f.error is not None]


def collect(results: Sequence[FileResult], result: RunResult) -> RunResult:
    for file_result in results:
        if file_result.error is not None:
            result.errors.append(file_result.error)
            continue
        result.files_checked += 1
        result.diagnostics.extend(file_result.diagnostics)
        if file_result.source is not None:
            result.sources[file_result.path] = file_result.source
        if file_result.fix is not None:
            result.fixes.append(file_result.fix)
    result.diagnostics.sort(key=lambda d: d.sort_key)
    return result


def prepare(
    index: int,
    path: str,
    settings: Settings,
    cache: DiagnosticsCache | None,
    base: GitBase | None,
    fix: FixRequest | None,
) -> tuple[Outcome, FileResult] | FileJob:
    """The file's result when reading it or the cache settles it (with which did), else its job."""
    options = settings.analysis_options(path)
    try:
        loaded = load_file(path)
    except SourceError as error:
        # A kind may answer a file it cannot read with one diagnostic (a broken notebook).
        diagnostic = kind_for(path).unreadable(path, error)
        if diagnostic is None:
            return "unreadable", FileResult(path, error=FileError(path, str(error)))
        return "unreadable", FileResult(path, (diagnostic,) if options.is_selected(diagnostic.code) else ())
    base_source = base.source_of(loaded) if base is not None else None
    if base_source == loaded.text:
        base_source = None  # nothing changed, nothing to compare: the plain result and entry
    # Keyed on the engine text, which alone decides the (engine-position) diagnostics stored; the
    # kind's `locate` places them with the file as read now (a notebook whose outputs changed hits).
    key = cache.key(path, loaded.text, options, base_source) if cache is not None else None
    known = cache.load(key) if cache is not None and key is not None else None
    if known is not None and (fix is None or not fix.wants(known)):
        return "cached", reported(loaded, known)
    analysed = may_report(loaded.text, options.is_selected)  # else only the syntax check runs
    return FileJob(index, path, loaded, options, key, job_cost(loaded.text, analysed), base_source, fix, known,
                   analysed)


def lint_paths(
    paths: Sequence[str],
    settings: Settings,
    *,
    force_exclude: bool = False,
    jobs: int | None = 1,
    cache: DiagnosticsCache | None = None,
    base: str | None = None,
    fix: FixRequest | None = None,
    settings_for=None,
    progress: RunProgress | None = None,
) -> RunResult:
    """`jobs`: worker processes (None: every core); `cache`: where to reuse and keep results;
    `base`: a git revision to compare each file with (raises GitBaseError before any work when it
    cannot be read); `fix`: fix (or diff) the files; `progress`: told about each file answered."""
    git_base = None
    if base is not None:
        from lossscale_lint.pipeline.git_base import GitBase  # only `--base` runs git

        git_base = GitBase(base)
        git_base.check(paths)
    found = discover(paths, settings, force_exclude=force_exclude, settings_for=settings_for)
    if progress is not None:
        progress.set_total(len(found.files))
    results: list[FileResult | None] = [None] * len(found.files)
    pending: list[FileJob] = []
    for index, path in enumerate(found.files):
        # `settings_for`: each file's nearest configuration (SettingsForFiles); else one for all.
        file_settings = settings_for(path) if settings_for is not None else settings
        prepared = prepare(index, path, file_settings, cache, git_base, fix)
        if isinstance(prepared, FileJob):
            pending.append(prepared)
        else:
            outcome, results[index] = prepared
            if progress is not None:
                progress.advance(outcome)
    for index, result in run_jobs(pending, jobs, cache, progress).items():
        results[index] = result
    # A folder that could not be listed is an error like a file that could not be read.
    unlisted = [FileError(folder, f"cannot list this folder ({reason}); nothing in it was checked")
                for folder, reason in found.unlisted]
    return collect(results, RunResult(missing=found.missing, errors=unlisted))  # type: ignore[arg-type] - all filled
