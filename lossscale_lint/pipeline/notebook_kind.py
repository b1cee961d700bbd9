"""The `.ipynb` file kind (`NOTEBOOK`), registered in `kinds.KINDS`.

This module is kept light on purpose: the registry is imported by every run, including the
pre-commit runs that never meet a notebook, so the notebook code itself (`notebook.py`: parsing,
masking, the cell map, writing back; with `json` and `difflib`) is imported on the first notebook.
"""

from __future__ import annotations

import codecs
from types import ModuleType

from lossscale_lint.diagnostics import Diagnostic, Fix
from lossscale_lint.pipeline.sources import FileKind, LoadedFile, SourceError

SUFFIXES = (".ipynb",)


def _notebook() -> ModuleType:
    from lossscale_lint.pipeline import notebook

    return notebook


class NotebookKind(FileKind):
    """The code cells linted as one module, diagnostics named by cell, fixes written back into the
    cells they edit (see `notebook.py`)."""

    name = "notebook"
    suffixes = SUFFIXES

    def decode(self, path: str, data: bytes, stamp: tuple[int, int] | None) -> LoadedFile:
        notebook = _notebook()
        encoding = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
        return notebook.notebook_file(self, path, notebook.decode_notebook(data), stamp, encoding)

    def from_text(self, path: str, text: str) -> LoadedFile:
        return _notebook().notebook_file(self, path, text)

    def file_text(self, loaded: LoadedFile) -> str:
        return _notebook().layout_of(loaded).notebook.text

    def locate(self, loaded: LoadedFile, diagnostic: Diagnostic) -> Diagnostic:
        notebook = _notebook()
        return notebook.to_cell_coordinates(notebook.layout_of(loaded).module, diagnostic)

    def refuse_fix(self, loaded: LoadedFile, fix: Fix) -> str | None:
        notebook = _notebook()
        module = notebook.layout_of(loaded).module
        if module.unwritable:
            return module.unwritable
        return next((reason for edit in fix.edits if (reason := notebook.edit_refusal(module, edit))), None)

    def with_text(self, loaded: LoadedFile, new_text: str) -> LoadedFile:
        """The notebook as it is once `new_text` is written back (nothing is written): its map
        places the diagnostics of the fixed text. NotebookError when it cannot be written back."""
        if new_text == loaded.text:
            return loaded
        notebook = _notebook()
        layout = notebook.layout_of(loaded)
        written = notebook.write_back(layout.notebook, layout.module, new_text)
        return notebook.notebook_file(self, loaded.path, written, loaded.stamp, loaded.encoding)

    def unreadable(self, path: str, error: SourceError) -> Diagnostic | None:
        notebook = _notebook()
        return notebook.invalid_notebook(path, error) if isinstance(error, notebook.NotebookError) else None

    def write(self, loaded: LoadedFile, new_text: str) -> None:
        """Write the fixed module text back into the notebook, atomically; FileWriteError if not."""
        from lossscale_lint.fixes.atomic import FileWriteError, write_atomically

        if loaded.stamp is None:
            raise FileWriteError(f"{loaded.path}: was not read from this file on disk; fixes not written")
        try:
            written = self.file_text(self.with_text(loaded, new_text))
        except _notebook().NotebookError as error:
            raise FileWriteError(f"{loaded.path}: {error}") from None
        if written != self.file_text(loaded):
            write_atomically(loaded, written)  # the whole JSON text, in the encoding it was read with


NOTEBOOK = NotebookKind()
