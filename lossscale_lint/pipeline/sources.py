"""Reading a source file robustly: bytes in, text or one clear reason out.

The encoding comes from the PEP 263 coding cookie or a UTF-8 BOM (`tokenize.detect_encoding` only
looks at the first two lines; nothing is executed), else UTF-8. Line endings are kept as they are
so that fixes can write the file back byte for byte.

`LoadedFile` and `FileKind` are the vocabulary of file kinds (`pipeline/kinds.py` describes the
interface and holds the registry); they live here, next to `SourceError`, so that a module that
implements a kind needs only this low-level module, never the registry that imports it.
"""

from __future__ import annotations

import ast
import codecs
import dataclasses
import io
import os
import re
import stat
import tokenize
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lossscale_lint.diagnostics import Diagnostic, Fix


class SourceError(Exception):
    """A file that cannot be linted, with the reason as one line."""


@dataclass(frozen=True)
class LoadedFile:
    """A file as read for linting: a plain value, so a worker process receives it whole."""

    path: str  # as the user gave it or discovery found it: what every reporter prints
    text: str  # the Python text the engine lints; diagnostics' positions refer to it
    kind: FileKind
    encoding: str = "utf-8"  # "utf-8-sig" when the file starts with a byte order mark
    # (mtime_ns, size) when read: a write refuses a file that changed since. None: not read from
    # disk (a version from git), which is never written.
    stamp: tuple[int, int] | None = None
    layout: Any = None  # what the kind needs beyond `text` to write back or to locate (None for Python)


class FileKind:
    """One kind of file the pipeline lints; see `pipeline/kinds.py` for the contract."""

    name = "file"
    suffixes: tuple[str, ...] = ()

    def load(self, path: str | Path) -> LoadedFile:
        """Read the file once (bytes and stamp) and decode it; raises SourceError (one line)."""
        data, stamp = read_bytes(path)
        return self.decode(os.fspath(path), data, stamp)

    def decode(self, path: str, data: bytes, stamp: tuple[int, int] | None) -> LoadedFile:
        """The file's bytes (from disk, or from git for `--base`) as a LoadedFile; raises SourceError."""
        raise NotImplementedError

    def from_text(self, path: str, text: str) -> LoadedFile:
        """A file whose text is already decoded (an editor's buffer), never written; SourceError."""
        return self.decode(path, text.encode("utf-8", "surrogatepass"), None)

    def write(self, loaded: LoadedFile, new_text: str) -> None:
        """Write back the file whose engine text is now `new_text`; raises FileWriteError (one line)."""
        raise NotImplementedError

    def locate(self, loaded: LoadedFile, diagnostic: Diagnostic) -> Diagnostic:
        """The diagnostic (positions in `loaded.text`) in the file's own coordinates, for reporting."""
        return diagnostic

    # The hooks below let a kind whose file is not its engine text (a notebook) take part in
    # reporting and fixing; for a kind whose file is its text they are the identity.

    def file_text(self, loaded: LoadedFile) -> str:
        """The file's own whole text: what the text reporter frames and what `--diff` compares."""
        return loaded.text

    def with_text(self, loaded: LoadedFile, new_text: str) -> LoadedFile:
        """The file as it will be once `new_text` (a fixed engine text) is written back; nothing is
        written. Raises SourceError when the kind cannot carry the text back into the file."""
        return dataclasses.replace(loaded, text=new_text)

    def refuse_fix(self, loaded: LoadedFile, fix: Fix) -> str | None:
        """Why the file cannot take this fix (edits in `loaded.text`), as a short phrase; None if it can."""
        return None

    def unreadable(self, path: str, error: SourceError) -> Diagnostic | None:
        """A file this kind could not read, as the one diagnostic to report in its place; None to
        report the error as a file error (the default: a file that cannot be read is no result)."""
        return None

    # Kinds are stateless: two instances of one kind (one arrived from a worker process) are equal.
    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))


def decode_source(data: bytes) -> str:
    return decode_with_encoding(data)[0]


def decode_with_encoding(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was decoded with (what a write must encode it with)."""
    if b"\x00" in data:
        raise SourceError("binary file (contains NUL bytes), not Python source")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        if not error.msg.startswith("invalid or missing encoding declaration"):
            # An unknown codec in the cookie, or a cookie that contradicts a BOM.
            raise SourceError(f"bad encoding declaration: {error.msg}") from None
        # No cookie, and the first lines are not UTF-8: decoding below names the bad byte.
        encoding = "utf-8"
    try:
        return codecs.decode(data, encoding), encoding
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        byte = data[error.start : error.start + 1].hex()
        name = "UTF-8" if encoding in ("utf-8", "utf-8-sig") else encoding
        raise SourceError(
            f"not valid {name}: byte 0x{byte} on line {line} (declare the encoding with a "
            "'# -*- coding: ... -*-' comment or re-save the file as UTF-8)"
        ) from None


# Beyond any source file or notebook (a notebook's outputs included): such a file is refused
# unread rather than held in memory whole. What is analysed is limited far lower (`max-file-size`).
MAX_READ = 256 * 1_048_576


def human_size(size: int) -> str:
    if size >= 1_048_576:
        return f"{size / 1_048_576:.1f} MiB"
    return f"{size / 1024:.0f} KiB" if size >= 1024 else f"{size} bytes"


def read_bytes(path: Path | str) -> tuple[bytes, tuple[int, int]]:
    """The file's bytes and its (mtime_ns, size) stamp, from one open; raises SourceError.

    Only regular files are read: a named pipe would block the run for ever and a device such as
    /dev/zero would never end. They are opened without blocking so that the check happens first."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except IsADirectoryError:
        raise SourceError("is a directory, not a file") from None
    except OSError as error:
        raise SourceError(f"cannot read: {error.strerror or error}") from None
    try:
        status = os.fstat(descriptor)
        if stat.S_ISDIR(status.st_mode):
            raise SourceError("is a directory, not a file")
        if not stat.S_ISREG(status.st_mode):
            raise SourceError("not a regular file (a pipe, socket or device), not read")
        if status.st_size > MAX_READ:
            raise SourceError(f"not read: {human_size(status.st_size)} is more than any source file "
                              f"this tool reads ({human_size(MAX_READ)})")
        with open(descriptor, "rb", closefd=False) as handle:
            return handle.read(), (status.st_mtime_ns, status.st_size)
    except OSError as error:
        raise SourceError(f"cannot read: {error.strerror or error}") from None
    finally:
        os.close(descriptor)


def read_source(path: Path | str) -> str:
    """A Python file's text, for callers outside the pipeline such as `advise` (the pipeline reads
    through `kinds.load_file`, which also keeps what a write needs)."""
    return decode_source(read_bytes(path)[0])


# LibCST's native parser recurses on the C stack and crashes the whole process (a segfault, not an
# exception) on pathologically nested code: ~3000 nested brackets, or chains of tens of thousands
# of operators. CPython's own parser has guards for exactly this and rejects such code cleanly
# (it allows at most 200 nested brackets). Files that could be that deep are few and cheap to
# spot, so only those are first given to the standard parser (`ast.parse` only parses).
SUSPICIOUS_SIZE = 50_000  # characters: long enough for an operator chain LibCST cannot take
SUSPICIOUS_LINE = 1_000  # characters on one line
SUSPICIOUS_DEPTH = 100  # nested brackets
BRACKET = re.compile(r"[()\[\]{}]")
# What CPython says when code is too deep rather than simply wrong.
TOO_DEEP_MESSAGES = ("too many nested parentheses", "too many levels of indentation", "too complex")


def max_bracket_depth(source: str) -> int:
    """Bracket depth, counting brackets in strings and comments too (an upper bound is enough)."""
    depth = deepest = 0
    for match in BRACKET.finditer(source):
        if match.group() in "([{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(depth - 1, 0)
    return deepest


def too_deep_to_parse(source: str) -> SyntaxError | None:
    """A SyntaxError (with its position) when the code is nested too deeply to be parsed safely."""
    suspicious = (
        len(source) > SUSPICIOUS_SIZE
        or max(map(len, source.splitlines()), default=0) > SUSPICIOUS_LINE
        or max_bracket_depth(source) > SUSPICIOUS_DEPTH
    )
    if not suspicious:
        return None
    problem = syntax_problem(source)
    if isinstance(problem, SyntaxError):
        return problem if any(text in str(problem.msg) for text in TOO_DEEP_MESSAGES) else None
    if isinstance(problem, (RecursionError, MemoryError)):
        return SyntaxError("too deeply nested or too complex to parse", ("", 1, 1, ""))
    return None  # it parses, or a NUL character (which reading refuses already)


def syntax_problem(source: str) -> Exception | None:
    """What the standard parser says about the text: None when it parses, else its SyntaxError
    (or the RecursionError, MemoryError or ValueError it raised). It only parses; nothing is
    compiled or run. Its warnings about the code (a SyntaxWarning for "\\d", "1if") are not this
    tool's to print: they would land on the user's stderr as stray lines."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
            return error
    return None
