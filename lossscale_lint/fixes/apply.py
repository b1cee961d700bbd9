"""Applying fixes: turn the edits that rules attach to diagnostics into new source text.

Rules describe a fix as edits on 1-based line/column spans (code points, end exclusive) of the text
they analysed. This module converts those spans to string offsets, applies the edits of all fixes
that do not touch each other in one pass, re-lints the result and repeats until nothing is left to
fix (or a small pass bound is reached). A set of fixes whose result would not parse is never
applied; the fix that breaks parsing is dropped and reported, the others still go in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from lossscale_lint.diagnostics import Diagnostic, Edit
from lossscale_lint.pipeline.linting import lint_text
from lossscale_lint.config.options import AnalysisOptions
from lossscale_lint.rules import syntax

# The line breaks LibCST (and the Python tokenizer) count; str.splitlines would also split on
# form feeds and other characters that Python treats as ordinary whitespace inside a line.
LINE_BREAK = re.compile(r"\r\n|\r|\n")
SYNTAX_ERROR = syntax.SYNTAX_ERROR.code  # a code string: the language server imports it from here
MAX_PASSES = 10
CONTEXT_CHARS = 20

Lint = Callable[[str], list[Diagnostic]]


class EditOutOfRange(ValueError):
    """An edit names a line or column that the text does not have."""


@dataclass(frozen=True)
class PlannedEdit:
    """An edit resolved to offsets in one text: replace text[start:end] by content."""

    start: int
    end: int
    content: str


@dataclass(frozen=True)
class AppliedFix:
    diagnostic: Diagnostic  # as reported on the text the fix was applied to
    pass_number: int


@dataclass(frozen=True)
class SkippedFix:
    diagnostic: Diagnostic
    reason: str


@dataclass
class FixOutcome:
    source: str
    new_source: str
    applied: list[AppliedFix] = field(default_factory=list)
    skipped: list[SkippedFix] = field(default_factory=list)
    # The diagnostics of new_source: what is left to report after fixing.
    remaining: list[Diagnostic] = field(default_factory=list)
    passes: int = 0

    @property
    def changed(self) -> bool:
        return self.new_source != self.source


class LineOffsets:
    """Maps 1-based (line, column) positions of one text to string offsets."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.starts = [0, *(m.end() for m in LINE_BREAK.finditer(source))]
        self.newline = m.group() if (m := LINE_BREAK.search(source)) else "\n"

    def line_length(self, line: int) -> int:
        """Length of a line's text without its line break."""
        start = self.starts[line - 1]
        if line == len(self.starts):
            return len(self.source) - start
        segment_end = self.starts[line]
        return segment_end - start - (2 if self.source.endswith("\r\n", start, segment_end) else 1)

    def offset(self, line: int, column: int) -> int:
        if not 1 <= line <= len(self.starts):
            raise EditOutOfRange(f"line {line} is outside the file ({len(self.starts)} lines)")
        if not 1 <= column <= self.line_length(line) + 1:
            raise EditOutOfRange(f"column {column} is outside line {line}")
        return self.starts[line - 1] + column - 1

    def plan(self, edit: Edit) -> PlannedEdit:
        start = self.offset(edit.span.line, edit.span.column)
        end = self.offset(edit.span.end_line, edit.span.end_column)
        if end < start:
            raise EditOutOfRange("the edit ends before it starts")
        # New lines take the file's line ending, so a CRLF file stays CRLF.
        return PlannedEdit(start, end, LINE_BREAK.sub(self.newline, edit.content))


def is_eligible(diagnostic: Diagnostic, unsafe: bool) -> bool:
    fix = diagnostic.fix
    return fix is not None and bool(fix.edits) and (fix.applicability == "safe" or unsafe)


def apply_edits(source: str, edits: Iterable[PlannedEdit]) -> str:
    """Apply non-overlapping edits (insertions at one point keep their given order)."""
    pieces, cursor = [], 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        pieces += [source[cursor : edit.start], edit.content]
        cursor = edit.end
    pieces.append(source[cursor:])
    return "".join(pieces)


def _touch(a: Sequence[PlannedEdit], b: Sequence[PlannedEdit]) -> bool:
    # Closed intervals: fixes that merely meet (or insert at the same point) also wait, because
    # their order would be a guess; the next pass sees the first one's result.
    return any(x.start <= y.end and y.start <= x.end for x in a for y in b)


def _overlaps_itself(ordered: Sequence[PlannedEdit]) -> bool:
    return any(nxt.start < cur.end for cur, nxt in zip(ordered, ordered[1:]))


def _fix_key(diagnostic: Diagnostic, source: str, edits: Sequence[PlannedEdit]) -> tuple:
    # Identifies a fix independently of where earlier fixes moved it, so a fix that was dropped
    # is not tried (and reported) again on every later pass. The surrounding text tells apart two
    # equal edits in different places; if a neighbouring fix changed it, one more try is fair.
    context = CONTEXT_CHARS
    return (
        diagnostic.code,
        tuple((source[max(e.start - context, 0) : e.end + context], e.content) for e in edits),
    )


@dataclass
class _Pass:
    chosen: list[tuple[Diagnostic, list[PlannedEdit]]] = field(default_factory=list)
    # Diagnostics whose fix is exactly the edits of a chosen one: fixed when that one goes in.
    duplicates: list[tuple[Diagnostic, list[PlannedEdit]]] = field(default_factory=list)
    deferred: list[Diagnostic] = field(default_factory=list)


class _Fixer:
    def __init__(self, source: str, lint: Lint, unsafe: bool, max_passes: int) -> None:
        self.outcome = FixOutcome(source=source, new_source=source)
        self.lint = lint
        self.unsafe = unsafe
        self.max_passes = max_passes
        self.dropped: set[tuple] = set()

    def drop(self, diagnostic: Diagnostic, key: tuple, reason: str) -> None:
        self.dropped.add(key)
        self.outcome.skipped.append(SkippedFix(diagnostic, reason))

    def plan(self, source: str, diagnostics: Sequence[Diagnostic]) -> _Pass:
        index, step = LineOffsets(source), _Pass()
        for diagnostic in diagnostics:
            if not is_eligible(diagnostic, self.unsafe):
                continue
            try:
                edits = sorted(
                    (index.plan(edit) for edit in diagnostic.fix.edits),
                    key=lambda e: (e.start, e.end),
                )
            except EditOutOfRange as error:
                self.drop(diagnostic, (diagnostic.code, diagnostic.fix.edits), str(error))
                continue
            key = _fix_key(diagnostic, source, edits)
            if key in self.dropped:
                continue
            if _overlaps_itself(edits):
                self.drop(diagnostic, key, "the fix's own edits overlap")
            elif any(edits == other for _, other in step.chosen):
                step.duplicates.append((diagnostic, edits))
            elif any(_touch(edits, other) for _, other in step.chosen):
                step.deferred.append(diagnostic)
            else:
                step.chosen.append((diagnostic, edits))
        return step

    def parses(self, diagnostics: Sequence[Diagnostic]) -> bool:
        return not any(d.code == SYNTAX_ERROR for d in diagnostics)

    def apply(self, source: str, step: _Pass) -> tuple[str, list[Diagnostic], list[Diagnostic]]:
        """Apply the chosen fixes; returns new text, its diagnostics and the fixes that went in."""
        all_edits = [edit for _, edits in step.chosen for edit in edits]
        candidate = apply_edits(source, all_edits)
        diagnostics = self.lint(candidate)
        if self.parses(diagnostics):
            return candidate, diagnostics, [d for d, _ in step.chosen + step.duplicates]
        # Rare path: find the fixes that break parsing by adding them one at a time.
        accepted: list[tuple[Diagnostic, list[PlannedEdit]]] = []
        for diagnostic, edits in step.chosen:
            trial = [e for _, kept in accepted for e in kept] + edits
            result = self.lint(apply_edits(source, trial))
            if self.parses(result):
                accepted.append((diagnostic, edits))
            else:
                error = next(d for d in result if d.code == SYNTAX_ERROR).message
                detail = error.removeprefix("cannot parse this file: ")
                reason = f"the fixed code would not parse ({detail}); fix not applied"
                self.drop(diagnostic, _fix_key(diagnostic, source, edits), reason)
        if not accepted:
            return source, [], []
        candidate = apply_edits(source, [e for _, kept in accepted for e in kept])
        fixed = [d for d, edits in step.chosen + step.duplicates if any(edits == k for _, k in accepted)]
        return candidate, self.lint(candidate), fixed

    def run(self, diagnostics: Sequence[Diagnostic]) -> FixOutcome:
        outcome, source, current = self.outcome, self.outcome.source, list(diagnostics)
        while (step := self.plan(source, current)).chosen:
            if outcome.passes == self.max_passes:
                # Fixes that keep coming back (or keep conflicting) are reported, not chased.
                for diagnostic in [d for d, _ in step.chosen] + step.deferred:
                    reason = f"still fixable after {self.max_passes} passes; not applied"
                    outcome.skipped.append(SkippedFix(diagnostic, reason))
                break
            outcome.passes += 1
            new_source, new_diagnostics, fixed = self.apply(source, step)
            outcome.applied += [AppliedFix(d, outcome.passes) for d in fixed]
            if fixed:
                source, current = new_source, new_diagnostics
            # else: every chosen fix was dropped, and the next plan skips the dropped ones.
        outcome.new_source, outcome.remaining = source, current
        return outcome


def apply_fixes(
    source: str,
    diagnostics: Sequence[Diagnostic],
    *,
    unsafe: bool,
    path: str = "",
    options: AnalysisOptions | None = None,
    lint: Lint | None = None,
    max_passes: int = MAX_PASSES,
) -> FixOutcome:
    """Apply the eligible fixes of `diagnostics` (found on `source`) until nothing is left to fix.

    `lint` re-analyses a text; by default it is `linting.lint_text` with the given path and
    options, with syntax errors always reported because they are how a broken fix is recognised.
    """
    if lint is None:
        lint = default_lint(path, options or AnalysisOptions())
    return _Fixer(source, lint, unsafe, max_passes).run(diagnostics)


def default_lint(path: str, options: AnalysisOptions) -> Lint:
    """The one `lint_text`, with syntax errors always reported.

    A syntax error is how a broken fix is recognised, so it must appear even when the user
    deselected LSL000 or a `# noqa` sits on the line where the fix broke the code.
    """
    return lambda text: lint_text(text, path, options, always_report_syntax_errors=True)
