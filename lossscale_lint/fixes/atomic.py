"""Reading a source file exactly and writing its fixed version atomically.

The text is decoded like every file the linter reads (`sources.decode_source`: no newline
translation, so CRLF files stay CRLF; BOM or coding cookie, UTF-8 otherwise) and written back with
the same encoding. A write goes to a temporary file in the same folder that then replaces
the original with one rename, so an interrupted run leaves the old or the new file, never half
of one.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import tempfile
import tokenize
from dataclasses import dataclass
from pathlib import Path

from lossscale_lint.pipeline.sources import SourceError, decode_source


class FileWriteError(Exception):
    """A fixed file could not be written; the message is one line for the user."""


@dataclass(frozen=True)
class SourceFile:
    path: Path
    text: str
    encoding: str  # "utf-8-sig" when the file starts with a byte order mark
    # (mtime_ns, size) when read: a file that changed since is not overwritten.
    stamp: tuple[int, int]


def read_source_file(path: Path) -> SourceFile:
    """Read a file for fixing: its text as `sources.read_source` decodes it, plus what a write needs.

    Raises SourceError with a one-line reason.
    """
    try:
        with open(path, "rb") as handle:
            status = os.fstat(handle.fileno())
            data = handle.read()
    except IsADirectoryError:
        raise SourceError("is a directory, not a file") from None
    except OSError as error:
        raise SourceError(f"cannot read: {error.strerror or error}") from None
    text = decode_source(data)
    # decode_source succeeded, so the detection does too; it only reads the first two lines.
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return SourceFile(path, text, encoding, (status.st_mtime_ns, status.st_size))


def write_atomically(original: SourceFile, text: str) -> None:
    """Replace `original.path` by `text`, keeping encoding and permission bits.

    Raises FileWriteError (and leaves the file as it was) when the file vanished, changed since it
    was read, is read-only, or the folder does not accept the temporary file.
    """
    shown = original.path
    # Write through a symlink to its target, so the link itself stays a link.
    target = Path(os.path.realpath(original.path))
    try:
        before = os.stat(target)
    except FileNotFoundError:
        raise FileWriteError(f"{shown}: the file vanished before the fixes could be written") from None
    except OSError as error:
        raise FileWriteError(f"{shown}: cannot write: {error.strerror or error}") from None
    if not stat.S_ISREG(before.st_mode):
        raise FileWriteError(f"{shown}: is no longer a regular file; fixes not written")
    if (before.st_mtime_ns, before.st_size) != original.stamp:
        raise FileWriteError(f"{shown}: changed on disk while it was being fixed; fixes not written")
    # A rename only needs the folder to be writable; a read-only file is a wish to respect.
    if not os.access(target, os.W_OK):
        raise FileWriteError(f"{shown}: the file is read-only; fixes not written")
    try:
        data = text.encode(original.encoding)
    except UnicodeEncodeError as error:
        reason = f"the fixed text cannot be encoded as {original.encoding}: {error.reason}"
        raise FileWriteError(f"{shown}: {reason}") from None
    temporary = None
    try:
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".lsl-fix")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, stat.S_IMODE(before.st_mode))
        if before.st_uid != os.geteuid() or before.st_gid != os.getegid():
            with contextlib.suppress(OSError):  # only possible with privileges; best effort
                os.chown(temporary, before.st_uid, before.st_gid)
        os.replace(temporary, target)
    except BaseException as error:
        # Also on Ctrl-C: the original is untouched until the rename, so only the copy goes.
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        if isinstance(error, OSError):
            raise FileWriteError(f"{shown}: cannot write: {error.strerror or error}") from None
        raise
