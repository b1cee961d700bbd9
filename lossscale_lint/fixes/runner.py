"""Fixing many paths: lint each file as `check` does, fix the fixable ones, write or diff them.

Each file is read once, with what the atomic write needs (encoding, stamp), and linted by
`runner.lint_loaded` (same suppressions and error handling as a plain check). A file that cannot
be written keeps its old text and its old diagnostics; its error is reported and the other files
are still fixed.
"""

from __future__ import annotations

import difflib
import traceback
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lossscale_lint.fixes.atomic import FileWriteError, SourceFile, read_source_file, write_atomically
from lossscale_lint.config.settings import Settings
from lossscale_lint.diagnostics import Diagnostic
from lossscale_lint.pipeline.discovery import discover
from lossscale_lint.fixes.apply import FixOutcome, LineOffsets, apply_fixes, is_eligible
from lossscale_lint.config.options import AnalysisOptions
from lossscale_lint.pipeline.runner import FileError, FileResult, RunResult, collect, lint_loaded
from lossscale_lint.pipeline.sources import SourceError


@dataclass
class FileFix:
    """What fixing one file did: its outcome, and the one-line error if it could not be written."""

    path: str
    outcome: FixOutcome
    original: list[Diagnostic]  # the diagnostics of the file as it was read
    error: str | None = None
    written: bool = False

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """What to report for this file: what is left after writing, else what is on disk."""
        return self.outcome.remaining if self.written else self.original

    @property
    def text(self) -> str:
        return self.outcome.new_source if self.written else self.outcome.source


@dataclass
class FixRun:
    result: RunResult  # what to report after fixing, as a plain check would
    fixes: list[FileFix] = field(default_factory=list)

    @property
    def fixes_applied(self) -> int:
        return sum(len(f.outcome.applied) for f in self.fixes if f.written)

    @property
    def write_errors(self) -> list[str]:
        return [f.error for f in self.fixes if f.error is not None]


def fix_file(
    source: SourceFile,
    display: str,
    linted: Sequence[Diagnostic],
    *,
    unsafe: bool,
    write: bool,
    options: AnalysisOptions,
) -> FileFix:
    """Fix one file read as `source`, whose diagnostics are `linted`; write it if asked."""
    outcome = apply_fixes(source.text, linted, unsafe=unsafe, path=display, options=options)
    result = FileFix(display, outcome, list(linted))
    if write and outcome.changed:
        try:
            write_atomically(source, outcome.new_source)
            result.written = True
        except FileWriteError as error:
            result.error = str(error)
    return result


def fix_paths(
    paths: Sequence[str], settings: Settings, *, unsafe: bool, write: bool, force_exclude: bool = False
) -> FixRun:
    found = discover(paths, settings, force_exclude=force_exclude)
    file_results: list[FileResult] = []
    fixes: list[FileFix] = []
    for path in found.files:
        options = settings.analysis_options(path)
        try:
            source = read_source_file(Path(path))
        except SourceError as error:
            file_results.append(FileResult(path, error=FileError(path, str(error))))
            continue
        linted = lint_loaded(path, source.text, options)
        if linted.error is None and any(is_eligible(d, unsafe) for d in linted.diagnostics):
            try:
                fix = fix_file(source, path, linted.diagnostics, unsafe=unsafe, write=write, options=options)
            except Exception as error:  # noqa: BLE001 - a bug on one file must not stop the others
                where = traceback.extract_tb(error.__traceback__)[-1]
                detail = f"{type(error).__name__}: {error} (at {where.filename}:{where.lineno})"
                linted = FileResult(path, error=FileError(path, f"internal error while fixing: {detail}"))
            else:
                fixes.append(fix)
                linted = FileResult(path, tuple(fix.diagnostics), fix.text if fix.diagnostics else None)
        file_results.append(linted)
    return FixRun(collect(file_results, RunResult(missing=found.missing)), fixes)


def split_lines(text: str) -> list[str]:
    """The lines of a text with their own line breaks, as LibCST counts lines."""
    bounds = [*LineOffsets(text).starts, len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:]) if a < b]


def unified_diff(display: str, old: str, new: str) -> str:
    """A unified diff of one file that `patch -p0` and `git apply -p0` accept."""
    lines = []
    for line in difflib.unified_diff(split_lines(old), split_lines(new), display, display):
        # The last line of a file without a final newline needs patch's marker line.
        lines.append(line if line.endswith(("\n", "\r")) else f"{line}\n\\ No newline at end of file\n")
    return "".join(lines)


def count_fixable(diagnostics: Iterable[Diagnostic]) -> Counter[str]:
    """How many of the diagnostics carry a fix, by applicability ("safe" / "unsafe")."""
    return Counter(d.fix.applicability for d in diagnostics if d.fix is not None and d.fix.edits)


def describe_applied(fixes: Sequence[FileFix]) -> str:
    """The `--show-fixes` listing: per file, how many fixes of each rule were applied."""
    done = sorted((f for f in fixes if f.written), key=lambda f: f.path)
    if not done:
        return "No fixes applied.\n"
    lines = ["Applied fixes:"]
    for fix in done:
        lines.append(f"- {fix.path}:")
        per_rule = Counter((a.diagnostic.code, a.diagnostic.name) for a in fix.outcome.applied)
        for (code, name), count in sorted(per_rule.items()):
            lines.append(f"    {count} × {code} ({name})")
    return "\n".join(lines) + "\n"


def describe_skipped(fixes: Sequence[FileFix]) -> list[str]:
    """One line per fix that was not applied (broken result, conflict, bad edit)."""
    lines = []
    for fix in fixes:
        for skipped in fix.outcome.skipped:
            diagnostic = skipped.diagnostic
            where = f"{fix.path}:{diagnostic.span.line}:{diagnostic.span.column}"
            lines.append(f"{where}: {diagnostic.code} fix not applied: {skipped.reason}")
    return lines
