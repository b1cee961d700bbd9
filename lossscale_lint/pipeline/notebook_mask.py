"""Masking the IPython syntax in a notebook cell that Python does not parse, line for line.

IPython recognises its escapes only where a statement starts: not inside brackets, a string or after
a backslash, so `x = (a\n     % b)` stays Python. A small scanner follows those three states line by
line (the tokenizer cannot: it stops at the first `!`). Masked lines become `pass` at their
indentation, so a block that held only a magic still parses; a cell magic whose body is another
language turns the whole cell into comments. Line numbers and the columns of unmasked lines stay.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MASK_COMMENT = "# masked IPython syntax"
# Cell magics whose body is Python run in the kernel; every other cell magic is another language.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})
# `files = !ls`, `a, b = %who_ls`: IPython assigns the output of an escape.
ASSIGNED_ESCAPE = re.compile(r"[A-Za-z_][\w.]*(\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*[!%]")



@dataclass
class _Scan:
    """Where a line starts: inside a triple-quoted string, inside brackets, after a backslash."""

    triple: str | None = None
    depth: int = 0
    continued: bool = False

    @property
    def at_statement_start(self) -> bool:
        return self.triple is None and self.depth == 0 and not self.continued


def _closing_quote(line: str, at: int, quote: str) -> int:
    """The offset just past the quote that closes a string, or -1 when the line ends first."""
    while at < len(line):
        if line[at] == "\\":
            at += 2
        elif line.startswith(quote, at):
            return at + len(quote)
        else:
            at += 1
    return -1


def _scan_line(line: str, scan: _Scan) -> str:
    """Advance `scan` over one line; returns its last character outside strings and comments."""
    at, last = 0, ""
    while at < len(line):
        if scan.triple is not None:
            close = _closing_quote(line, at, scan.triple)
            if close < 0:
                break
            at, scan.triple, last = close, None, '"'
            continue
        char = line[at]
        if char == "#":
            break
        if char in "\"'":
            if line.startswith(char * 3, at):
                scan.triple, at = char * 3, at + 3
            else:
                close = _closing_quote(line, at + 1, char)
                at, last = (close if close >= 0 else len(line)), char
            continue
        if char in "([{":
            scan.depth += 1
        elif char in ")]}":
            scan.depth = max(scan.depth - 1, 0)
        if not char.isspace():
            last = char
        at += 1
    scan.continued = scan.triple is None and last == "\\"
    return last


def _is_escape(line: str) -> bool:
    code = line.lstrip()
    return code[:1] in ("%", "!", "?") or ASSIGNED_ESCAPE.match(code) is not None


def mask_cell(lines: list[str]) -> list[str | None]:
    """Per line of a cell (without line breaks): its masked replacement, or None to keep it."""
    masked: list[str | None] = [None] * len(lines)
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    start = 0
    if first is not None and lines[first].lstrip().startswith("%%"):
        words = lines[first].lstrip()[2:].split(maxsplit=1)
        if not words or words[0] not in PYTHON_CELL_MAGICS:
            return [MASK_COMMENT] * len(lines)
        masked[first], start = "pass  " + MASK_COMMENT, first + 1
    scan, in_escape = _Scan(), False
    for number in range(start, len(lines)):
        line = lines[number]
        indent = line[: len(line) - len(line.lstrip())]
        if in_escape:  # a backslash-continued magic or shell line goes on
            masked[number], in_escape = MASK_COMMENT, line.rstrip().endswith("\\")
        elif scan.at_statement_start and _is_escape(line):
            masked[number], in_escape = indent + "pass  " + MASK_COMMENT, line.rstrip().endswith("\\")
        else:
            starts_statement = scan.at_statement_start
            last = _scan_line(line, scan)
            if starts_statement and last == "?" and scan.at_statement_start:
                masked[number] = indent + "pass  " + MASK_COMMENT
    return masked
