"""Which files a run checks: below each given path, the files of every registered kind
(`kinds.collected_suffixes`: `.py`/`.pyi` today), in a deterministic order.

Paths keep the form the user gave them (`src` yields `src/pkg/train.py`, `.` yields `pkg/train.py`,
absolute stays absolute) because that is how every reporter prints them. A file named on the
command line is always checked, whatever its suffix, unless `force_exclude` is set and the config
excludes it (pre-commit passes file names explicitly, so its users want the excludes honoured).
Symbolic links to folders are not followed, which rules out cycles. With `respect-gitignore` (the
default) a walk leaves out the files git ignores, as git itself answers it (`git check-ignore`, so
nested .gitignore files, `.git/info/exclude` and the global excludes all count, and a tracked file
is never ignored); outside a git repository, or without git, nothing is left out.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field

from lossscale_lint.config.settings import Settings
from lossscale_lint.pipeline.kinds import collected_suffixes


@dataclass
class Discovery:
    files: list[str] = field(default_factory=list)
    # Paths named on the command line that do not exist.
    missing: list[str] = field(default_factory=list)
    # Folders a walk could not list, with the reason: what is in them was not checked.
    unlisted: list[tuple[str, str]] = field(default_factory=list)


def display_path(path: str) -> str:
    # normpath drops the "./" of a walk that started at "." but keeps ".." and absolute paths.
    return os.path.normpath(path)


def is_virtualenv(folder: str) -> bool:
    return os.path.isfile(os.path.join(folder, "pyvenv.cfg"))


def walk(top: str, settings: Settings, own=None, unlisted: list[tuple[str, str]] | None = None) -> list[str]:
    """The files below `top` that some kind reads, ordered as a sorted recursive listing would be.

    `own(path)`: the settings of the configuration nearest to `path`; its excludes prune the walk
    as the run's do, so a folder a nested configuration excludes is never listed (a `data/` of
    100k files costs nothing). An explicit stack rather than recursion: a folder tree deeper than
    Python's recursion limit must not end the run. A folder that cannot be listed goes to
    `unlisted` with the reason, and the walk goes on.
    """
    def excluded(path: str) -> bool:
        if settings.is_excluded(path):
            return True
        nearest = own(path) if own is not None else settings
        return nearest is not settings and nearest.is_excluded(path)

    suffixes = collected_suffixes()
    found: list[str] = []
    pending = [top]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as entries:
                listed = [(entry.name, entry) for entry in entries]
        except OSError as error:
            if unlisted is not None:
                unlisted.append((display_path(folder), error.strerror or str(error)))
            continue
        for name, entry in listed:
            path = os.path.join(folder, name)
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                is_file = entry.is_file()
            except OSError:
                continue
            if is_dir:
                if not excluded(path) and not is_virtualenv(path):
                    pending.append(path)
            elif is_file and name.endswith(suffixes) and not excluded(path):
                found.append(display_path(path))
    # Sorting by components puts pkg/sub/y.py before pkg/z.py, as a sorted tree walk would.
    return sorted(found, key=lambda path: path.split(os.sep))


def git_ignored(top: str, files: list[str]) -> set[str]:
    """The `files` (found below the folder `top`) that git ignores; empty when git cannot say."""
    git = shutil.which("git")
    if git is None or not files:
        return set()
    by_absolute = {os.path.abspath(f): f for f in files}
    try:
        answer = subprocess.run(
            [git, "-C", os.path.abspath(top), "check-ignore", "-z", "--stdin"],
            input="\0".join(by_absolute) + "\0", capture_output=True, text=True, timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return set()
    if answer.returncode not in (0, 1):  # 128: not a repository (or git failed): ignore nothing
        return set()
    return {by_absolute[p] for p in answer.stdout.split("\0") if p in by_absolute}


def discover(paths: Sequence[str], settings: Settings, *, force_exclude: bool = False,
             settings_for=None) -> Discovery:
    """`settings_for(path)`: a file's own (nearest) settings, whose excludes also apply to it: to
    files a walk finds, and with `force_exclude` to files named on the command line."""
    own = settings_for or (lambda path: settings)
    result = Discovery()
    seen: set[str] = set()

    def add(path: str) -> None:
        key = os.path.realpath(path)
        if key not in seen:  # the same file reached twice (overlapping arguments, links) once
            seen.add(key)
            result.files.append(path)

    for given in paths:
        if not os.path.lexists(given):
            result.missing.append(given)
            continue
        if force_exclude and (settings.is_excluded(given, check_parents=True)
                              or (not os.path.isdir(given) and own(given).is_excluded(given, check_parents=True))):
            continue
        if os.path.isdir(given):
            found = walk(given, settings, own, result.unlisted)
            ignored = git_ignored(given, found) if settings.respect_gitignore else set()
            for path in found:  # the walk applied every configuration's excludes on its way down
                if path not in ignored:
                    add(path)
        else:
            add(display_path(given))
    return result
