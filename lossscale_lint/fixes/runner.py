"""Fixing one file, and what the fix options print: diffs, applied and skipped fixes.

The runner (`pipeline/runner.lint_paths` with a `FixRequest`) reads and lints each file as a plain
check does; the file's job (`pipeline/jobs.py`) calls `fix_file` for a file with applicable fixes,
in this process or in a worker. A file that cannot be written keeps its old text and its old
diagnostics; its error is reported and the other files are still fixed.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from lossscale_lint.config.options import AnalysisOptions
from lossscale_lint.diagnostics import Diagnostic, Severity, Span
from lossscale_lint.fixes.apply import (
    SYNTAX_ERROR, FixOutcome, LineOffsets, Lint, SkippedFix, apply_fixes, default_lint, is_eligible,
)
from lossscale_lint.fixes.atomic import FileWriteError
from lossscale_lint.pipeline.sources import LoadedFile, SourceError
from lossscale_lint.reporters.cells import place


@dataclass
class FileFix:
    """What fixing one file did: its outcome, and the one-line error if it could not be written.

    The outcome's texts and diagnostics are the engine's (`LoadedFile.text`); `loaded` and `fixed`
    are the file before and after, through which they are reported in the file's own terms."""

    path: str
    outcome: FixOutcome
    original: list[Diagnostic]  # the diagnostics of the file as it was read (engine positions)
    loaded: LoadedFile  # the file as read
    fixed: LoadedFile  # the file as it is with outcome.new_source (`loaded` when nothing changed)
    # The fixes not applied, each placed in the file's own coordinates.
    skipped: list[SkippedFix] = field(default_factory=list)
    error: str | None = None
    written: bool = False

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """What to report for this file (engine positions of `file`): what is left after writing,
        else what is on disk."""
        return self.outcome.remaining if self.written else self.original

    @property
    def file(self) -> LoadedFile:
        """The file as it is now: fixed if written, else as read."""
        return self.fixed if self.written else self.loaded

    @property
    def text(self) -> str:
        return self.file.text

    @property
    def changed(self) -> bool:
        return self.fixed is not self.loaded

    def diff(self) -> str:
        """The fixes as a unified diff of the file's own text ("" when nothing changes)."""
        if not self.changed:
            return ""
        kind = self.loaded.kind
        return unified_diff(self.path, kind.file_text(self.loaded), kind.file_text(self.fixed))


class KindFixes:
    """Keeps every pass of the fixer to the fixes the file's kind can carry back into the file.

    Each pass is judged on the file as that pass's text would make it (`FileKind.with_text`), since
    earlier fixes move lines; a refused fix is reported as not applied, placed with the map of the
    text it was found in. A text the kind cannot carry back at all is answered with an LSL000,
    which is how the fixer knows to drop the fix that made it.
    """

    def __init__(self, loaded: LoadedFile, lint: Lint, unsafe: bool) -> None:
        self.loaded, self.lint, self.unsafe = loaded, lint, unsafe
        self.found_in: dict[int, LoadedFile] = {}  # id(diagnostic) -> the file it was found in
        self.refused: list[SkippedFix] = []

    def keep(self, file: LoadedFile, diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
        kept = []
        for diagnostic in diagnostics:
            reason = file.kind.refuse_fix(file, diagnostic.fix) if diagnostic.fix is not None else None
            if reason is not None:
                if is_eligible(diagnostic, self.unsafe):
                    located = file.kind.locate(file, diagnostic)
                    self.refused.append(SkippedFix(located, f"{reason}, which the file cannot take"))
                diagnostic = dataclasses.replace(diagnostic, fix=None)
            self.found_in[id(diagnostic)] = file
            kept.append(diagnostic)
        return kept

    def lint_pass(self, text: str) -> list[Diagnostic]:
        found = self.lint(text)
        try:
            file = self.loaded.kind.with_text(self.loaded, text)
        except SourceError as error:
            reason = str(error).removesuffix("; fixes not written")
            start = Span(line=1, column=1, end_line=1, end_column=1)
            return [Diagnostic(code=SYNTAX_ERROR, name="syntax-error", severity=Severity.ERROR,
                               message=f"the file cannot take it: {reason}", span=start)]
        return self.keep(file, found)

    def located(self, skipped: Sequence[SkippedFix]) -> list[SkippedFix]:
        """The fixer's own skipped fixes, placed in the file's coordinates, after the refused ones."""
        placed = list(self.refused)
        for fix in skipped:
            file = self.found_in.get(id(fix.diagnostic), self.loaded)
            placed.append(SkippedFix(file.kind.locate(file, fix.diagnostic), fix.reason))
        return placed


def fix_file(
    source: LoadedFile,
    display: str,
    linted: Sequence[Diagnostic],
    *,
    unsafe: bool,
    write: bool,
    options: AnalysisOptions,
) -> FileFix:
    """Fix one file read as `source`, whose diagnostics are `linted`; write it (through its kind)
    if asked. Raises AnalysisError when re-linting a fixed text fails."""
    guard = KindFixes(source, default_lint(display, options), unsafe)
    outcome = apply_fixes(source.text, guard.keep(source, linted), unsafe=unsafe, lint=guard.lint_pass)
    # Every text the fixer accepted passed `lint_pass`, so the kind can carry the last one back.
    fixed = source.kind.with_text(source, outcome.new_source) if outcome.changed else source
    result = FileFix(display, outcome, list(linted), source, fixed, guard.located(outcome.skipped))
    if write and outcome.changed:
        try:
            source.kind.write(source, outcome.new_source)
            result.written = True
        except FileWriteError as error:
            result.error = str(error)
    return result


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
    """One line per fix that was not applied (broken result, conflict, bad edit, refused by the
    file's kind)."""
    lines = []
    for fix in fixes:
        for skipped in fix.skipped:
            diagnostic = skipped.diagnostic
            lines.append(f"{fix.path}:{place(diagnostic.span)}: {diagnostic.code} fix not applied: {skipped.reason}")
    return lines
