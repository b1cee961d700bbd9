"""Fixing one file, and what the fix options print: diffs, applied and skipped fixes.

The runner (`pipeline/runner.lint_paths` with a `FixRequest`) reads and lints each file as a plain
check does; the file's job (`pipeline/jobs.py`) calls `fix_file` for a file with applicable fixes,
in this process or in a worker. A file that cannot be written keeps its old text and its old
diagnostics; its error is reported and the other files are still fixed.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lossscale_lint.config.options import AnalysisOptions
from lossscale_lint.diagnostics import Diagnostic
from lossscale_lint.fixes.apply import FixOutcome, LineOffsets, apply_fixes
from lossscale_lint.fixes.atomic import FileWriteError
from lossscale_lint.pipeline.sources import LoadedFile


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
    outcome = apply_fixes(source.text, linted, unsafe=unsafe, path=display, options=options)
    result = FileFix(display, outcome, list(linted))
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
    """One line per fix that was not applied (broken result, conflict, bad edit)."""
    lines = []
    for fix in fixes:
        for skipped in fix.outcome.skipped:
            diagnostic = skipped.diagnostic
            where = f"{fix.path}:{diagnostic.span.line}:{diagnostic.span.column}"
            lines.append(f"{where}: {diagnostic.code} fix not applied: {skipped.reason}")
    return lines
