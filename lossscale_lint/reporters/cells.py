"""Diagnostics in notebook cells, as the reporters show them.

A notebook diagnostic's spans carry `cell` and count lines inside that cell (see
`pipeline.notebook`). People read `nb.ipynb:cell 3:2:5:`; CI systems that point into the file
itself (SARIF regions, GitHub annotations, GitLab positions, JUnit lines) need the place in the
`.ipynb` JSON text, which this module works out from the notebook's own text: the run's
`sources[path]` (the file as read), else the file on disk. Nothing is imported for a run without
notebooks: the notebook modules load on the first diagnostic that names a cell.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from functools import lru_cache
from pathlib import Path

from lossscale_lint.diagnostics import Edit, Span
from lossscale_lint.reporters.locations import absolute_path


def place(span: Span) -> str:
    """`line:col`, or `cell N:line:col` in a notebook (ruff's form)."""
    where = f"{span.line}:{span.column}"
    return where if span.cell is None else f"cell {span.cell}:{where}"


def cell_phrase(span: Span) -> str:
    """The place in words, for formats that show a sentence: `cell 3, line 2, column 5`."""
    return f"cell {span.cell}, line {span.line}, column {span.column}"


def _notebook_text(path: str, cwd: Path, sources: dict[str, str]) -> str:
    text = sources.get(path)
    if text is None:
        try:
            text = absolute_path(path, cwd).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            return ""
    return text


@lru_cache(maxsize=16)
def _index(text: str):
    """(notebook, source positions, file line starts) of a notebook text; None if it is not one."""
    from lossscale_lint.pipeline.notebook import NotebookError, parse_notebook
    from lossscale_lint.pipeline.notebook_json import LINE_BREAK, source_values

    try:
        notebook = parse_notebook(text)
    except NotebookError:
        return None
    starts = [0, *(m.end() for m in LINE_BREAK.finditer(text))]
    return notebook, source_values(text), starts


def _cell(index, number: int):
    notebook, values, _ = index
    code = next((c for c in notebook.code_cells if c.number == number), None)
    return (code, values[code.index]) if code is not None and code.index in values else (None, None)


def cell_lines(path: str, cell: int, cwd: Path, sources: dict[str, str]) -> list[str]:
    """The lines of a notebook's cell (without breaks); [] when they cannot be read."""
    index = _index(_notebook_text(path, cwd, sources))
    code = _cell(index, cell)[0] if index else None
    if code is None:
        return []
    from lossscale_lint.pipeline.notebook_json import LINE_BREAK

    return LINE_BREAK.split(code.source)


def _raw_offset(text: str, index, cell: int, line: int, column: int) -> tuple[int, object] | None:
    """The offset in the JSON text of a cell position, and the string literal it falls in."""
    from lossscale_lint.pipeline.notebook_json import raw_offset, split_source_lines

    code, value = _cell(index, cell)
    if code is None:
        return None
    strings = (value.string,) if value.string is not None else value.elements
    if not strings:
        return None
    offset = sum(len(piece) for piece in split_source_lines(code.source)[: line - 1]) + column - 1
    offset = max(min(offset, len(code.source)), 0)
    for string in strings:
        if offset < len(string.value) or string is strings[-1]:
            return raw_offset(text, string, min(offset, len(string.value))), string
        offset -= len(string.value)
    return None


def _file_point(starts: list[int], raw: int) -> tuple[int, int]:
    line = bisect_right(starts, raw)
    return line, raw - starts[line - 1] + 1


def file_span(path: str, span: Span, cwd: Path, sources: dict[str, str]) -> Span | None:
    """Where a cell span is in the notebook's JSON text (1-based, code points); None if unknown."""
    if span.cell is None:
        return None
    text = _notebook_text(path, cwd, sources)
    index = _index(text)
    if index is None:
        return None
    start = _raw_offset(text, index, span.cell, span.line, span.column)
    end = _raw_offset(text, index, span.cell, span.end_line, span.end_column)
    if start is None or end is None:
        return None
    (line, column), (end_line, end_column) = _file_point(index[2], start[0]), _file_point(index[2], max(end[0], start[0]))
    return Span(line=line, column=column, end_line=end_line, end_column=end_column)


def file_replacement(path: str, edit: Edit, cwd: Path, sources: dict[str, str]) -> tuple[Span, str] | None:
    """An edit of a cell as a replacement in the JSON text: the range and the escaped content.

    Only an edit inside one JSON string can be said this way; None for any other.
    """
    from lossscale_lint.pipeline.notebook_json import uses_ascii_escapes

    span = edit.span
    text = _notebook_text(path, cwd, sources)
    index = _index(text) if span.cell is not None else None
    if index is None:
        return None
    start = _raw_offset(text, index, span.cell, span.line, span.column)
    end = _raw_offset(text, index, span.cell, span.end_line, span.end_column)
    if start is None or end is None or start[1] is not end[1]:
        return None
    region = file_span(path, span, cwd, sources)
    content = json.dumps(edit.content, ensure_ascii=uses_ascii_escapes(text))[1:-1]
    return (region, content) if region is not None else None


def span_in_file(path: str, span: Span, cwd: Path, sources: dict[str, str]) -> Span:
    """The span in the file's own lines: itself outside notebooks; in a notebook its place in the
    JSON text, or the file's first line when the notebook cannot be read any more."""
    if span.cell is None:
        return span
    return file_span(path, span, cwd, sources) or Span(line=1, column=1, end_line=1, end_column=1)
