"""File kinds: how a file on disk becomes the Python text the engine lints, and how it goes back.

Every file the pipeline reads goes through `load_file(path)`, which picks the kind by suffix and
returns a `LoadedFile` (defined in `sources.py`):

    path      the path as given or discovered, printed by every reporter
    text      the Python text the engine lints; every diagnostic position refers to it
    kind      the FileKind that read it (write and locate go back through it)
    encoding  how the file's bytes were decoded, so that a write encodes the same way
    stamp     (mtime_ns, size) when read: a write refuses a file that changed since
    layout    anything else the kind needs to write back or map positions (None for Python)

A kind is a `sources.FileKind` subclass with:

    name, suffixes                       e.g. "python", (".py", ".pyi"); discovery collects the
                                         suffixes of every kind in KINDS
    decode(path, data, stamp)            bytes -> LoadedFile, or SourceError with a one-line reason;
                                         used for the file on disk (`load`, inherited: one read,
                                         then decode) and for its version at a git base (`--base`,
                                         stamp None), so both are linted as the same kind of text
    write(loaded, new_text)              `new_text` is a fixed version of `loaded.text`; write the
                                         file back atomically (`fixes.atomic.write_atomically`) or
                                         raise FileWriteError with a one-line reason (also to refuse
                                         an edit the kind cannot carry back, e.g. on a masked line)
    locate(loaded, diagnostic)           the diagnostic in the file's own coordinates, for reporting;
                                         the identity for Python (a notebook names the cell). The
                                         cache and the fixer keep engine positions; locate is applied
                                         last, to what is reported.

A kind whose file is not its engine text (a notebook: JSON around the code) also overrides
these hooks, each the identity for Python, so the runner, the fixer and the reporters never ask
which kind a file is:

    file_text(loaded)                    the file's own whole text: what the text reporter frames
                                         and what `--diff` compares (the notebook's JSON)
    with_text(loaded, new_text)          the file as it will be with a fixed engine text (nothing
                                         written): it places what remains after fixing, and gives
                                         the fixed file text; SourceError if it cannot carry it back
    refuse_fix(loaded, fix)              why the file cannot take a fix (an edit of masked IPython
                                         syntax, or across cells), reported as "fix not applied"
    from_text(path, text)                an already decoded text (an editor's buffer, for the
                                         language server) as a LoadedFile that is never written
    unreadable(path, error)              a file the kind cannot read as one diagnostic to report in
                                         its place (a broken notebook is one LSL000), or None

Another kind is added to KINDS below. Its format code may live in its own module;
that module imports `sources` (LoadedFile, FileKind, SourceError) and never this one, since this
module imports it for the registry.
"""

from __future__ import annotations

import os
from pathlib import Path

from lossscale_lint.fixes.atomic import write_atomically
from lossscale_lint.pipeline.notebook_kind import NOTEBOOK
from lossscale_lint.pipeline.sources import FileKind, LoadedFile, SourceError, decode_with_encoding

__all__ = ["KINDS", "PYTHON", "FileKind", "LoadedFile", "SourceError", "collected_suffixes", "kind_for", "known_kind", "load_file"]


class PythonKind(FileKind):
    """A `.py`/`.pyi` file: its text is linted as it is, line endings and all."""

    name = "python"
    suffixes = (".py", ".pyi")

    def decode(self, path: str, data: bytes, stamp: tuple[int, int] | None) -> LoadedFile:
        text, encoding = decode_with_encoding(data)
        return LoadedFile(path, text, self, encoding, stamp)

    def from_text(self, path: str, text: str) -> LoadedFile:
        return LoadedFile(path, text, self)  # already decoded: a coding cookie has done its work

    def write(self, loaded: LoadedFile, new_text: str) -> None:
        write_atomically(loaded, new_text)


PYTHON = PythonKind()
KINDS: tuple[FileKind, ...] = (PYTHON, NOTEBOOK)


def collected_suffixes() -> tuple[str, ...]:
    """The file name endings that discovery collects below a folder."""
    return tuple(suffix for kind in KINDS for suffix in kind.suffixes)


def known_kind(path: str | Path) -> FileKind | None:
    """The kind whose suffix `path` has; None for any other suffix."""
    name = os.fspath(path)
    return next((kind for kind in KINDS if name.endswith(kind.suffixes)), None)


def kind_for(path: str | Path) -> FileKind:
    """The kind that reads `path`; a file named on the command line with another suffix is Python."""
    return known_kind(path) or PYTHON


def load_file(path: str | Path) -> LoadedFile:
    """The one way the pipeline reads a file; raises SourceError with a one-line reason."""
    return kind_for(path).load(path)
