"""`text`, the default: each diagnostic with its source lines, related sites, factor and fix.

    train.py:12:37: LSL101 message
       |
    12 |     criterion = nn.CrossEntropyLoss(reduction="sum")
       |                                     ^^^^^^^^^^^^^^^
    train.py:30:13: note: optimizer created here
       |
    30 | optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
       |             ^^^^^^^^^^^^^^^
       = factor: ...
       = suggestion: ...
       = fix (unsafe): ...

Lines are built as (text, style) pieces. With colour, rich renders the styles; without colour
(any pipe, and so every pre-commit and CI run) the plain text is joined and rich is never
imported (about 55 ms of start-up).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lossscale_lint.diagnostics import Diagnostic, Severity, Span
from lossscale_lint.reporters.base import ReportContext
from lossscale_lint.reporters.cells import cell_lines, place
from lossscale_lint.reporters.summary import summary_lines

SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "bold yellow", Severity.INFO: "bold cyan"}
GUTTER_STYLE = "blue"
NOTE_STYLE = "bold cyan"  # related places: their label and their carets
# A long span (a whole loop) would flood the terminal; its first lines locate it well enough.
MAX_FRAME_LINES = 4
# Python's own line breaks (as LibCST counts lines); str.splitlines also breaks at \f and others.
LINE_BREAK = re.compile(r"\r\n|\r|\n")
FIX_HINT = {"safe": "run with --fix", "unsafe": "run with --fix --unsafe-fixes"}


@dataclass(frozen=True)
class Line:
    """One output line: pieces of text, each with a rich style ("" for none)."""

    pieces: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, *pieces: str | tuple[str, str]) -> Line:
        return cls(tuple((p, "") if isinstance(p, str) else p for p in pieces))

    @property
    def plain(self) -> str:
        return "".join(text for text, _ in self.pieces)


def underline_range(span: Span, number: int, text: str) -> tuple[int, int]:
    """0-based [start, end) of the part of source line `number` that the span covers."""
    start = span.column - 1 if number == span.line else len(text) - len(text.lstrip())
    end = span.end_column - 1 if number == span.end_line else len(text)
    start = min(max(start, 0), len(text))
    return start, max(end, start + 1)


# Longer source lines are shown as a window around the carets (minified or generated code would
# otherwise print thousands of characters per diagnostic); `...` marks what is cut.
MAX_SNIPPET_WIDTH = 120
CONTEXT_BEFORE = 40


def snippet_window(text: str, start: int, end: int) -> tuple[str, int, int]:
    """`text` cut to at most MAX_SNIPPET_WIDTH characters around [start, end), with the range
    moved into the cut text."""
    if len(text) <= MAX_SNIPPET_WIDTH:
        return text, start, end
    left = max(0, min(start - CONTEXT_BEFORE, len(text) - MAX_SNIPPET_WIDTH))
    right = left + MAX_SNIPPET_WIDTH
    shown = ("..." if left else "") + text[left:right] + ("..." if right < len(text) else "")
    shift = left - (3 if left else 0)
    start -= shift
    return shown, start, max(start + 1, min(end - shift, len(shown) - (3 if right < len(text) else 0)))


def frame(span: Span, source_lines: list[str], caret_style: str = "bold red") -> list[Line]:
    """The source lines of `span` with carets under the covered part (coloured by the
    diagnostic's severity, cyan for a related note); empty when out of range."""
    last = min(span.end_line, len(source_lines), span.line + MAX_FRAME_LINES - 1)
    if span.line < 1 or span.line > last:
        return []
    width = len(str(last))
    gutter = " " * width + " |"
    lines = [Line.of((gutter, GUTTER_STYLE))]
    for number in range(span.line, last + 1):
        text = source_lines[number - 1]
        text, start, end = snippet_window(text, *underline_range(span, number, text))
        # Keep tabs in the caret line's indent so that the carets line up under tab-indented code.
        indent = "".join(c if c == "\t" else " " for c in text[:start])
        lines.append(Line.of((f"{number:>{width}} | ", GUTTER_STYLE), text))
        lines.append(Line.of((gutter + " ", GUTTER_STYLE), indent, ("^" * (end - start), caret_style)))
    if last < span.end_line:
        lines.append(Line.of((" " * width + " | ...", GUTTER_STYLE)))
    return lines


def location(path: str, span: Span) -> tuple[str, str]:
    return (f"{path}:{place(span)}:", "bold")


def diagnostic_block(
    diagnostic: Diagnostic,
    source_lines: list[str],
    lines_of_cell: Callable[[int], list[str]] | None = None,
    other_sources: Callable[[str], list[str]] | None = None,
) -> list[Line]:
    """The block of one diagnostic; a span in a notebook cell is framed by `lines_of_cell(cell)`,
    a related site in another file by `other_sources(path)` ([] when unknown)."""

    def lines_for(span: Span) -> list[str]:
        if span.cell is None:
            return source_lines
        return lines_of_cell(span.cell) if lines_of_cell is not None else []

    style = SEVERITY_STYLE[diagnostic.severity]
    lines = [Line.of(location(diagnostic.path, diagnostic.span), " ", (diagnostic.code, style), " ", diagnostic.message)]
    lines.extend(frame(diagnostic.span, lines_for(diagnostic.span), style))
    for related in diagnostic.related:
        path = related.path or diagnostic.path
        lines.append(Line.of(location(path, related.span), " ", ("note", NOTE_STYLE), ": ", related.message))
        in_file = lines_for(related.span) if related.path is None else (other_sources(path) if other_sources else [])
        lines.extend(frame(related.span, in_file, NOTE_STYLE))
    notes = []
    if diagnostic.factor:
        notes.append(("factor", diagnostic.factor))
    if diagnostic.suggestion:
        notes.append(("suggestion", diagnostic.suggestion))
    if diagnostic.fix is not None:
        applicability = diagnostic.fix.applicability
        notes.append((f"fix ({applicability})", f"{diagnostic.fix.description} [{FIX_HINT[applicability]}]"))
    for label, text in notes:
        lines.append(Line.of(("   = ", GUTTER_STYLE), (label, "bold"), ": ", text))
    lines.append(Line.of())
    return lines


def render(lines: list[Line], color: bool) -> str:
    if not color:
        return "".join(line.plain + "\n" for line in lines)
    from rich.console import Console
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system="standard", soft_wrap=True, highlight=False)
    for line in lines:
        console.print(Text.assemble(*line.pieces))
    return buffer.getvalue()


def report_text(diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> str:
    lines: list[Line] = []
    split_sources: dict[str, list[str]] = {}

    def source_lines(path: str) -> list[str]:
        if path not in split_sources:
            split_sources[path] = LINE_BREAK.split(ctx.sources.get(path, ""))
        return split_sources[path]

    for diagnostic in diagnostics:
        path = diagnostic.path
        lines.extend(
            diagnostic_block(
                diagnostic,
                source_lines(path),
                lambda cell: cell_lines(path, cell, Path(ctx.cwd), ctx.sources),
                source_lines,
            )
        )
    lines.extend(Line.of((line, "bold")) for line in summary_lines(diagnostics, ctx))
    return render(lines, ctx.color)
