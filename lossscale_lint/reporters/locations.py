"""Where a diagnostic's file is, as CI systems want to see it.

GitHub annotations, GitHub code scanning and GitLab Code Quality all match files by their path
relative to the repository root, while a diagnostic carries the path as the user typed it (relative
to the working directory, or absolute). These helpers translate between the two without running git.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=64)
def repository_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` that holds a `.git` entry (a folder or a worktree file)."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def absolute_path(path: str, cwd: Path) -> Path:
    candidate = Path(path)
    return Path(os.path.normpath(candidate if candidate.is_absolute() else cwd / candidate))


def repository_relative(path: str, cwd: Path) -> str:
    """`path` relative to the repository root (or to `cwd` outside a repository), with forward slashes.

    A file outside both keeps its absolute path: a wrong relative path would point CI at another file.
    """
    target = absolute_path(path, cwd)
    base = repository_root(Path(os.path.normpath(cwd.absolute()))) or cwd.absolute()
    try:
        return target.relative_to(base).as_posix()
    except ValueError:
        return target.as_posix()


def source_line(path: str, line: int, cwd: Path, sources: dict[str, str]) -> str:
    """The text of 1-based `line` in `path`, from the sources the run already read, else from disk."""
    text = sources.get(path)
    if text is None:
        try:
            text = absolute_path(path, cwd).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
    # The same line breaks LibCST counts: \n, \r\n and \r (str.splitlines would also split on \f).
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return lines[line - 1] if 0 < line <= len(lines) else ""
