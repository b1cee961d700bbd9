"""`check --base REV`: each file is compared with its own version at a git revision.

The base version is read with the real `git` command line (`git rev-parse`, `git cat-file`), never
by importing anything. A file that does not exist at REV (new) or that is byte-for-byte the same has
nothing to compare, and is linted like any other file; so is every file for `HEAD` before the
first commit. Outside a git repository, with an unknown REV or without git, the run stops with one
clear line (exit 2). The base version is decoded by the file's own kind (`kinds.py`), so it is the
same kind of text as the file it is compared with; the runner hands it to the file's job.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from lossscale_lint.pipeline.sources import LoadedFile, SourceError

GIT_TIMEOUT_SECONDS = 30


class GitBaseError(Exception):
    """The base cannot be read at all, worded as the one line the user will see."""


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    # LC_ALL=C keeps git's messages stable; GIT_* variables set by a hook (pre-commit runs us
    # inside `git commit`) stay, since they describe the repository being committed to.
    env = {**os.environ, "LC_ALL": "C"}
    try:
        return subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, env=env, timeout=GIT_TIMEOUT_SECONDS, check=False
        )
    except FileNotFoundError:
        raise GitBaseError("--base needs git, and the `git` command was not found") from None
    except subprocess.TimeoutExpired:
        raise GitBaseError(f"git {args[0]} took longer than {GIT_TIMEOUT_SECONDS}s") from None


class GitBase:
    """Reads files as they were at one revision, for files in any number of repositories."""

    def __init__(self, revision: str) -> None:
        if not revision or revision.startswith("-"):
            raise GitBaseError(f"'{revision}' is not a git revision")
        self.revision = revision
        self._roots: dict[Path, Path] = {}  # folder -> repository top level
        self._commits: dict[Path, str | None] = {}  # repository top level -> commit id of REV

    def root_of(self, folder: Path) -> Path:
        if folder not in self._roots:
            done = _git(folder, "rev-parse", "--show-toplevel")
            if done.returncode != 0:
                raise GitBaseError(f"--base {self.revision}: {folder} is not inside a git repository")
            self._roots[folder] = Path(os.fsdecode(done.stdout.strip())).resolve()
        return self._roots[folder]

    def commit_in(self, root: Path) -> str | None:
        """REV's commit id; None for HEAD before the first commit (every file is new then)."""
        if root not in self._commits:
            done = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{self.revision}^{{commit}}")
            if done.returncode == 0:
                self._commits[root] = done.stdout.decode("ascii").strip()
            elif self.revision == "HEAD" and _git(root, "symbolic-ref", "--quiet", "HEAD").returncode == 0:
                # An unborn branch: the pre-commit hook with `--base HEAD` on a repository's first commit.
                self._commits[root] = None
            else:
                raise GitBaseError(f"--base {self.revision}: unknown revision in the repository at {root}")
        return self._commits[root]

    def source_of(self, loaded: LoadedFile) -> str | None:
        """The file's engine text at the revision, or None when it did not exist there or cannot
        be decoded (nothing to compare with)."""
        # Resolve the folder, not the file: a symlinked file is looked up where it is tracked.
        folder = Path(loaded.path).absolute().parent.resolve()
        file = folder / Path(loaded.path).name
        root = self.root_of(folder)
        commit = self.commit_in(root)
        if commit is None:
            return None
        relative = file.relative_to(root).as_posix()
        done = _git(root, "cat-file", "blob", f"{commit}:{relative}")
        if done.returncode != 0:
            return None  # a new file, or not a regular file at REV
        try:
            return loaded.kind.decode(loaded.path, done.stdout, None).text
        except SourceError:
            return None

    def check(self, paths: Sequence[str]) -> None:
        """Fail early, before any output, when a named path is outside git or REV is unknown."""
        for path in paths:
            target = Path(path).absolute()
            folder = (target if target.is_dir() else target.parent).resolve()
            if folder.is_dir():
                self.commit_in(self.root_of(folder))

