"""Writing a fixed file atomically.

A file is read by its kind (`pipeline/kinds.py`: for Python the text as `sources.decode_source`
gives it, with no newline translation, so CRLF files stay CRLF) together with its encoding and
stamp, and written back here with the same encoding. A write goes to a temporary file in the same
folder that then replaces the original with one rename, so an interrupted run leaves the old or
the new file, never half of one.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from lossscale_lint.pipeline.sources import LoadedFile


class FileWriteError(Exception):
    """A fixed file could not be written; the message is one line for the user."""


def write_atomically(original: LoadedFile, text: str) -> None:
    """Replace the file `original` was read from by `text` (the file's whole new content, in the
    file's encoding), keeping permission bits.

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
    if original.stamp is None:  # e.g. a version read from git: it describes no file on disk
        raise FileWriteError(f"{shown}: was not read from this file on disk; fixes not written")
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
