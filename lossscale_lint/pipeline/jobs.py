"""The one per-file job: lint a loaded file (against its git base, if any), fix it if asked, and
say what to report.

A job is a plain value, so it runs the same in this process or in a worker (`workers.py`). The
`--base` text and the fix request are fields of the job, not separate loops: a `check`, a
`check --base`, a `check --fix` and a `check --diff` differ only in what the job carries.
Everything that can go wrong with one file becomes its `FileError`; the other files go on.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from lossscale_lint.config.options import AnalysisOptions
from lossscale_lint.diagnostics import Diagnostic
from lossscale_lint.pipeline.cache import CacheKey, DiagnosticsCache
from lossscale_lint.pipeline.dependencies import recording_dependencies
from lossscale_lint.pipeline.limits import describe_exception
from lossscale_lint.pipeline.linting import AnalysisError, lint_text
from lossscale_lint.pipeline.sources import LoadedFile
from lossscale_lint.rules.limits import INCOMPLETE_ANALYSIS

if TYPE_CHECKING:
    from lossscale_lint.fixes.runner import FileFix


Outcome = Literal["cached", "prechecked", "analysed", "unreadable"]


class RunProgress(Protocol):
    """Told how far a run is: the number of files once discovery knows it, then each file as it
    is answered (`cached`: from the cache; `prechecked`: the text pre-check showed no rule can
    fire; `analysed`: the full analysis; `unreadable`: it could not be read)."""

    def set_total(self, files: int) -> None: ...

    def advance(self, outcome: Outcome) -> None: ...


@dataclass(frozen=True)
class FileError:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True)
class FileResult:
    path: str
    diagnostics: tuple[Diagnostic, ...] = ()  # in the file's own coordinates (`FileKind.locate`)
    # The file's own text (`FileKind.file_text`), kept only when there are diagnostics (the text
    # reporter shows the lines).
    source: str | None = None
    error: FileError | None = None
    fix: FileFix | None = None  # fix runs: what fixing this file did


@dataclass(frozen=True)
class FixRequest:
    """`--fix` (write=True) or `--diff` (write=False); `unsafe`: `--unsafe-fixes`."""

    unsafe: bool
    write: bool

    def wants(self, diagnostics: Iterable[Diagnostic]) -> bool:
        """Whether any of the diagnostics has a fix this run applies."""
        # Imported here: a run without fixes never loads the fixer.
        from lossscale_lint.fixes.apply import is_eligible

        return any(is_eligible(d, self.unsafe) for d in diagnostics)


@dataclass(frozen=True)
class FileJob:
    index: int  # position in the input, which is where the result goes
    path: str
    loaded: LoadedFile
    options: AnalysisOptions
    key: CacheKey | None  # where the lint result is cached (None: no cache)
    cost: int  # estimated, to balance the workers' batches
    base_source: str | None = None  # `--base`: the file's text at the git base
    fix: FixRequest | None = None
    # The diagnostics of `loaded.text` when the cache knew them (a fix run need not lint again).
    known: tuple[Diagnostic, ...] | None = None
    # False when the text pre-check shows no selected rule can fire (only a syntax check runs).
    analysed: bool = True


def reported(loaded: LoadedFile, diagnostics: Iterable[Diagnostic]) -> FileResult:
    """What to report for a file whose engine text has these diagnostics."""
    located = tuple(loaded.kind.locate(loaded, d) for d in diagnostics)
    return FileResult(loaded.path, located, loaded.kind.file_text(loaded) if located else None)


def run_job(job: FileJob, cache: DiagnosticsCache | None) -> FileResult:
    diagnostics = job.known
    if diagnostics is None:
        try:
            # The engine adds the other project modules this result was computed from.
            with recording_dependencies() as dependencies:
                diagnostics = tuple(lint_text(job.loaded.text, job.path, job.options, job.base_source))
        except AnalysisError as error:
            return FileResult(job.path, error=FileError(job.path, str(error)))
        # A file the analysis did not finish is analysed again next time (the time limit depends
        # on the machine's load; a crash may be fixed by then).
        if cache is not None and job.key is not None and not any(d.code in INCOMPLETE_ANALYSIS for d in diagnostics):
            cache.store(job.key, diagnostics, tuple(sorted(dependencies.items())))
    if job.fix is not None and job.fix.wants(diagnostics):
        return fix_job(job, diagnostics)
    return reported(job.loaded, diagnostics)


def fix_job(job: FileJob, diagnostics: tuple[Diagnostic, ...]) -> FileResult:
    from lossscale_lint.fixes.runner import fix_file

    assert job.fix is not None
    try:
        fix = fix_file(job.loaded, job.path, diagnostics, unsafe=job.fix.unsafe, write=job.fix.write,
                       options=job.options)
    except AnalysisError as error:  # the re-lint of a fixed text failed
        return FileResult(job.path, error=FileError(job.path, f"while fixing: {error}"))
    except Exception as error:  # noqa: BLE001 - a bug on one file must not stop the others
        message = f"internal error while fixing: {describe_exception(error)}"
        return FileResult(job.path, error=FileError(job.path, message))
    # A written file is reported as it is now; one that was not written, as it is on disk.
    return dataclasses.replace(reported(fix.file, fix.diagnostics), fix=fix)
