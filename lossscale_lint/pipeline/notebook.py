"""Jupyter notebooks (`.ipynb`): the code cells linted as one Python module (the file kind that
uses this is `notebook_kind.NOTEBOOK`, kept in a light module of its own).

    notebook JSON --parse_notebook--> Notebook --build_module--> NotebookModule (the text to lint)
    diagnostics on that text --to_cell_coordinates--> diagnostics that name the cell and its line
    fixed module text --write_back--> notebook JSON where only the edited cells' sources differ

The module text puts a marker comment line before each code cell (`# %% [lossscale-lint cell 3]`)
and the cell's lines after it. The markers let a fixed text be split into cells again without
knowing which edits made it; the map from module lines to (cell, line in cell) is kept alongside.
IPython syntax that Python does not parse (magics, shell and help lines, cells in another
language) is masked line for line (`notebook_mask`), so every other line keeps its number and
columns. Fixes may not touch a masked line or a marker: such fixes are removed before fixing
(`notebook_fixes`), and a write that would change one is refused.

Cells are numbered as users see them: the 1-based position among ALL cells, markdown included.
That is what Jupyter's and VS Code's cell navigation count and what ruff prints
(`nb.ipynb:cell 3:2:5:`), so a number from the report finds the cell by counting down.

Nothing here runs, imports or evaluates the notebook; only the standard `json` module reads it.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from lossscale_lint.diagnostics import Diagnostic, Edit, Fix, Related, Severity, Span
from lossscale_lint.pipeline.notebook_mask import mask_cell
from lossscale_lint.pipeline.notebook_json import replace_sources, split_source_lines
from lossscale_lint.pipeline.sources import FileKind, LoadedFile, SourceError

MARKER = "# %% [lossscale-lint cell {}]"
MARKER_LINE = re.compile(r"# %% \[lossscale-lint cell \d+\]")


class NotebookError(SourceError):
    """A notebook that cannot be linted or written, with a one-line reason (and where, if known)."""

    def __init__(self, reason: str, line: int = 1, column: int = 1) -> None:
        super().__init__(reason)
        self.line, self.column = line, column


@dataclass(frozen=True)
class CodeCell:
    number: int  # 1-based among all cells
    index: int  # 0-based position in the "cells" list
    source: str  # the joined source


@dataclass(frozen=True)
class Notebook:
    text: str  # the JSON text as read
    code_cells: tuple[CodeCell, ...]
    python: bool  # False when the kernel is another language: nothing is linted


def decode_notebook(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise NotebookError(f"not a notebook: not valid UTF-8 (byte 0x{data[error.start]:02x} on line {line})", line) from None


def _kernel_is_python(metadata: object) -> bool:
    if not isinstance(metadata, dict):
        return True
    names = []
    if isinstance(metadata.get("kernelspec"), dict):
        names.append(metadata["kernelspec"].get("language"))
    if isinstance(metadata.get("language_info"), dict):
        names.append(metadata["language_info"].get("name"))
    return all(not isinstance(name, str) or name.lower() == "python" for name in names)


def parse_notebook(text: str) -> Notebook:
    """The code cells of an nbformat 4 notebook; NotebookError (one line) for anything else."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise NotebookError(f"not a notebook: invalid JSON ({error.msg})", error.lineno, error.colno) from None
    except RecursionError:
        raise NotebookError("not a notebook: JSON nested too deeply") from None
    if not isinstance(document, dict):
        raise NotebookError("not a notebook: the JSON is not an object")
    if document.get("nbformat") != 4:
        found = document.get("nbformat", "missing")
        raise NotebookError(f"not an nbformat 4 notebook (nbformat is {json.dumps(found)})")
    cells = document.get("cells")
    if not isinstance(cells, list):
        raise NotebookError('not a notebook: no "cells" list')
    code_cells = []
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            raise NotebookError(f"cell {index + 1} is not a cell object with a cell_type")
        if cell["cell_type"] != "code":
            continue
        source = cell.get("source")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            source = "".join(source)
        if not isinstance(source, str):
            raise NotebookError(f"cell {index + 1}: the source is neither a string nor a list of strings")
        code_cells.append(CodeCell(number=index + 1, index=index, source=source))
    return Notebook(text=text, code_cells=tuple(code_cells), python=_kernel_is_python(document.get("metadata")))


# ---------------------------------------------------------------------------- the module text


@dataclass(frozen=True)
class ModuleLine:
    cell: int
    line: int  # line in the cell (1-based); 0 for the marker line before the cell
    masked: bool = False

    @property
    def is_marker(self) -> bool:
        return self.line == 0


@dataclass(frozen=True)
class NotebookModule:
    text: str
    lines: tuple[ModuleLine, ...]  # module line n is lines[n - 1]
    cell_lines: dict[int, tuple[str, ...]]  # cell number -> its original lines, without breaks
    newline: str  # the break the module adds (after markers and unterminated last lines)
    # Why fixes cannot be written back ("" when they can).
    unwritable: str = ""


def build_module(notebook: Notebook) -> NotebookModule:
    """The masked module text of the code cells, with its line map."""
    cells = notebook.code_cells if notebook.python else ()
    first_break = next((m.group() for c in cells if (m := re.search(r"\r\n|\r|\n", c.source))), "\n")
    pieces: list[str] = []
    lines: list[ModuleLine] = []
    cell_lines: dict[int, tuple[str, ...]] = {}
    unwritable = ""
    for cell in cells:
        pieces.append(MARKER.format(cell.number) + first_break)
        lines.append(ModuleLine(cell=cell.number, line=0))
        with_breaks = split_source_lines(cell.source)
        contents = [re.sub(r"(\r\n|\r|\n)\Z", "", line) for line in with_breaks]
        cell_lines[cell.number] = tuple(contents)
        for number, (line, content, mask) in enumerate(zip(with_breaks, contents, mask_cell(contents)), 1):
            if MARKER_LINE.fullmatch(content):
                unwritable = f"cell {cell.number} has a line that looks like the linter's cell marker"
            line_break = line[len(content) :] or first_break
            pieces.append((content if mask is None else mask) + line_break)
            lines.append(ModuleLine(cell=cell.number, line=number, masked=mask is not None))
    return NotebookModule("".join(pieces), tuple(lines), cell_lines, first_break, unwritable)


# ---------------------------------------------------------------------------- module -> cell coordinates


def _cell_end(module: NotebookModule, cell: int) -> tuple[int, int, int]:
    lines = module.cell_lines[cell]
    return cell, max(len(lines), 1), (len(lines[-1]) if lines else 0) + 1


def _cell_point(module: NotebookModule, line: int, column: int) -> tuple[int, int, int] | None:
    """(cell, line, column) of a module position; a marker or the end maps to the previous cell's end."""
    if not module.lines:
        return None
    if line > len(module.lines):
        return _cell_end(module, module.lines[-1].cell)
    entry = module.lines[max(line, 1) - 1]
    if not entry.is_marker:
        return entry.cell, entry.line, column
    order = list(module.cell_lines)
    position = order.index(entry.cell)
    return _cell_end(module, order[position - 1]) if position else (entry.cell, 1, 1)


def cell_span(module: NotebookModule, span: Span) -> Span:
    """`span` in the coordinates of its cell (an end in another cell stops at the cell's end)."""
    start = _cell_point(module, span.line, span.column)
    end = _cell_point(module, span.end_line, span.end_column)
    if start is None:
        return span
    if end is None or end[0] != start[0]:
        end = _cell_end(module, start[0])
    elif (end[1], end[2]) < (start[1], start[2]):
        end = start
    return Span(line=start[1], column=start[2], end_line=end[1], end_column=end[2], cell=start[0])


def edit_refusal(module: NotebookModule, edit: Edit) -> str | None:
    """Why an edit cannot go into the notebook (it leaves one cell, or touches a masked line or a
    marker), as a phrase; None when it fits."""
    span = edit.span
    if not 1 <= span.line <= span.end_line <= len(module.lines):
        return "the fix edits lines outside the notebook's cells"
    touched = module.lines[span.line - 1 : span.end_line]
    cells = sorted({e.cell for e in touched})
    if len(cells) > 1 or any(e.is_marker for e in touched):
        return "the fix spans more than one cell" if len(cells) > 1 else "the fix edits the start of a cell"
    masked = next((e for e in touched if e.masked), None)
    if masked is not None:
        return f"the fix edits masked IPython syntax (cell {masked.cell}, line {masked.line})"
    return None


def edit_fits(module: NotebookModule, edit: Edit) -> bool:
    """Whether an edit stays inside one cell and touches no masked line and no marker."""
    return edit_refusal(module, edit) is None


def fix_fits(module: NotebookModule, fix: Fix | None) -> bool:
    return fix is not None and all(edit_fits(module, edit) for edit in fix.edits)


def notebook_fixes(module: NotebookModule, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """The diagnostics (module coordinates) without the fixes a notebook cannot take."""
    return [d if d.fix is None or fix_fits(module, d.fix) else dataclasses.replace(d, fix=None) for d in diagnostics]


def to_cell_coordinates(module: NotebookModule, diagnostic: Diagnostic) -> Diagnostic:
    """A module-text diagnostic as the notebook shows it: every span names its cell."""
    fix = None  # a fix the notebook cannot take is not offered
    if fix_fits(module, diagnostic.fix):
        edits = tuple(Edit(span=cell_span(module, e.span), content=e.content) for e in diagnostic.fix.edits)
        fix = dataclasses.replace(diagnostic.fix, edits=edits)
    return dataclasses.replace(
        diagnostic,
        span=cell_span(module, diagnostic.span),
        related=tuple(Related(span=cell_span(module, r.span), message=r.message) for r in diagnostic.related),
        fix=fix,
    )


def invalid_notebook(path: str, error: NotebookError) -> Diagnostic:
    """The one diagnostic for a notebook that cannot be read as one (LSL000, like a syntax error)."""
    return Diagnostic(
        code="LSL000",
        name="syntax-error",
        severity=Severity.ERROR,
        message=f"cannot read this notebook: {error}",
        span=Span(line=error.line, column=error.column, end_line=error.line, end_column=error.column),
        path=path,
    )


# ---------------------------------------------------------------------------- writing a fixed text back


def _split_at_markers(module: NotebookModule, new_text: str) -> list[list[str]]:
    """The fixed text's lines (with breaks) per code cell; NotebookError when markers moved."""
    chunks: list[list[str]] = []
    markers: list[str] = []
    for line in split_source_lines(new_text):
        if MARKER_LINE.fullmatch(line.rstrip("\r\n")):
            markers.append(line.rstrip("\r\n"))
            chunks.append([])
        elif not chunks:
            raise NotebookError("a fix adds code before the first cell; fixes not written")
        else:
            chunks[-1].append(line)
    if markers != [MARKER.format(number) for number in module.cell_lines]:
        raise NotebookError("a fix crosses a cell boundary; fixes not written")
    return chunks


def _new_cell_source(module: NotebookModule, number: int, old: list[str], new: list[str], source: str) -> str:
    entries = [e for e in module.lines if e.cell == number and not e.is_marker]
    originals = [content + old_line[len(old_line.rstrip("\r\n")) :] for content, old_line in zip(module.cell_lines[number], old)]
    pieces: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            pieces += originals[i1:i2]
            continue
        if any(e.masked for e in entries[i1:i2]):
            raise NotebookError(f"a fix changes masked IPython syntax in cell {number}; fixes not written")
        pieces += new[j1:j2]
    text = "".join(pieces)
    if source and not re.search(r"(\r\n|\r|\n)\Z", source):  # the module added this cell's last break
        if not text.endswith(module.newline) and text:
            raise NotebookError(f"a fix joins cell {number} with the next one; fixes not written")
        text = text[: len(text) - len(module.newline)] if text else text
    return text


def write_back(notebook: Notebook, module: NotebookModule, new_text: str) -> str:
    """The notebook JSON text for a fixed module text: only changed code cells' sources differ."""
    if new_text == module.text:
        return notebook.text
    if module.unwritable:
        raise NotebookError(f"{module.unwritable}; fixes not written")
    old_chunks = _split_at_markers(module, module.text)
    new_chunks = _split_at_markers(module, new_text)
    cells = notebook.code_cells if notebook.python else ()
    new_sources = {}
    for cell, old, new in zip(cells, old_chunks, new_chunks):
        if old != new:
            new_sources[cell.index] = _new_cell_source(module, cell.number, old, new, cell.source)
    written = replace_sources(notebook.text, new_sources)
    check = parse_notebook(written)
    if build_module(check).text != new_text:  # never write what would not read back as the fix
        raise NotebookError("the fixed notebook would not read back as fixed; fixes not written")
    return written


# ---------------------------------------------------------------------------- a notebook as a LoadedFile


@dataclass(frozen=True)
class NotebookLayout:
    """What a notebook's `LoadedFile.layout` holds beyond the module text: the notebook as read
    (its JSON text is the file's own text) and the map of the module text to its cells."""

    notebook: Notebook
    module: NotebookModule


def notebook_file(kind: FileKind, path: str | Path, text: str, stamp: tuple[int, int] | None = None,
                  encoding: str = "utf-8") -> LoadedFile:
    """A notebook's JSON text as `kind` (the notebook kind, `notebook_kind.NOTEBOOK`) gives it to the
    pipeline; NotebookError (one line) if it is not one."""
    notebook = parse_notebook(text)
    module = build_module(notebook)
    return LoadedFile(os.fspath(path), module.text, kind, encoding, stamp, NotebookLayout(notebook, module))


def layout_of(loaded: LoadedFile) -> NotebookLayout:
    assert isinstance(loaded.layout, NotebookLayout), "not a loaded notebook"
    return loaded.layout
