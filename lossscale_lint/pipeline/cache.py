"""A persistent cache of each file's diagnostics, so that an unchanged file is never parsed twice.

Layout: `.lossscale_lint_cache/` in the project root (the folder of the configuration file, else
the closest folder holding `.git`, else the working directory), with a `.gitignore` of `*` inside
so that git never sees it. Inside it, one folder per tool fingerprint (below), holding one JSON
entry per file and effective configuration; a changed file overwrites its entry, so the cache grows
with the number of files, not with the number of edits. A new version of the tool (or an edited
development checkout) starts a new folder; the folders of other versions are deleted once unused
for a week (the current one is touched on every run), so that two installed versions - the
pre-commit hook's and the one in the virtualenv - do not wipe each other's cache.

An entry is used only when its key matches the key computed for this run: the SHA-256 of the file's
text (and, for `check --base`, of the file's text at the base); the tool's fingerprint (its version
plus a hash of the package's own sources, since a development checkout changes rules without
changing the version, and the LibCST and Python versions, which decide what parses); the file's
path as reported; and every analysis option, including the set of selected rule codes. Anything
else - a truncated or foreign file, an older format, a different key - is a miss, never an error.
An entry also lists the other project modules the result was computed from (a loss helper in
`losses.py`, `BATCH_SIZE` in `config.py`) with the SHA-256 of their bytes; when one of them changed
or cannot be read, the entry is a miss. Writes go to a temporary file that is renamed over the
entry, so a reader sees the old entry or the new one.

The cache never writes or deletes outside the project, whatever the repository holds: a cache folder
or version folder that is a symlink (or is not a folder, or resolves anywhere but in the project
root) means no cache for the run; an entry that is a symlink is a miss, never read through, and the
rename of the next write replaces the link itself; `.gitignore` is only ever created, never written
through an existing name; pruning unlinks a symlink and never deletes through one. Entries are JSON
read with `json.loads`; nothing in the cache is ever unpickled, imported or evaluated.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib.util
import json
import os
import shutil
import stat
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import lossscale_lint
from lossscale_lint.diagnostics import Diagnostic
from lossscale_lint.config.options import AnalysisOptions
from lossscale_lint.reporters.json_format import diagnostic_from_object, diagnostic_object
from lossscale_lint.rules import ALL_RULES

CACHE_DIR_NAME = ".lossscale_lint_cache"
STALE_AFTER_SECONDS = 7 * 24 * 3600
ENTRY_FORMAT = 3  # 2: diagnostics in the `json` output format; 3: with the modules they depend on
GITIGNORE_TEXT = "# Created by lossscale-lint; the whole folder is a cache.\n*\n"
# Open flags that refuse a symlink as the last part of the path (ELOOP); 0 where there is none.
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)

@dataclass(frozen=True)
class CacheKey:
    slot: str  # names the entry file: which file under which configuration
    key: str  # what the entry must say to be used: the slot plus the file's content


def _sha256(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@lru_cache(maxsize=1)
def tool_fingerprint() -> str:
    package = Path(lossscale_lint.__file__).parent
    # Which files parse depends on LibCST and, for files only syntax-checked, on this Python.
    parts = [lossscale_lint.__version__, libcst_fingerprint(), sys.version]
    for source in sorted(package.rglob("*.py")):
        parts += [source.relative_to(package).as_posix(), source.read_text("utf-8", "surrogateescape")]
    return _sha256(*parts)


def libcst_fingerprint() -> str:
    """The installed LibCST's location and version file, read without importing LibCST: a re-run
    that the cache answers completely never pays LibCST's import (about 0.15 s)."""
    spec = importlib.util.find_spec("libcst")
    if spec is None or spec.origin is None:
        return "libcst missing"
    version_file = Path(spec.origin).parent / "_version.py"
    try:
        return spec.origin + "\n" + version_file.read_text("utf-8", "surrogateescape")
    except OSError:
        return spec.origin


def options_fingerprint(options: AnalysisOptions) -> str:
    """Every option as text; the rule selection (a callable) as the codes it selects."""
    parts = []
    for option in dataclasses.fields(options):
        if option.name == "is_selected":
            codes = list(ALL_RULES)
            parts.append("selected=" + ",".join(c for c in codes if options.is_selected(c)))
        else:
            parts.append(f"{option.name}={getattr(options, option.name)!r}")
    return "\n".join(parts)


def project_root(start: Path, config_path: Path | None) -> Path:
    if config_path is not None:
        return config_path.resolve().parent
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return Path.cwd()


def _is_real_folder(path: Path) -> bool:
    """`path` is a folder itself: not a symlink to one, not a file."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _own_folder(path: Path, parent: Path) -> None:
    """Create the folder `path` in `parent` if missing; OSError unless it is then a real folder (no
    symlink) whose resolved location is inside the resolved `parent`."""
    with contextlib.suppress(FileExistsError):
        os.mkdir(path)
    if not _is_real_folder(path) or path.resolve().parent != parent.resolve():
        raise OSError(f"{path} is not a folder of its own inside {parent}")


def _create_gitignore(top: Path) -> None:
    """Write `.gitignore` only as a new file: an existing name (a file, a symlink, even a dangling
    one) is left alone, so it is never written through."""
    ignore = top / ".gitignore"
    if os.path.lexists(ignore):
        return
    try:  # O_CREAT | O_EXCL fails on any existing name, symlinks included, and follows none
        handle = os.open(ignore, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o666)
    except FileExistsError:
        return
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(GITIGNORE_TEXT)


def prune_other_versions(top: Path, current: Path) -> None:
    """Delete what other versions of the tool left in `top` and have not used for a week.

    Never through a symlink: a link (to a folder or a file) is unlinked itself, its target kept, and
    its age is its own; a `top` that is not a real folder is not touched at all."""
    if not _is_real_folder(top):
        return
    now = time.time()
    with contextlib.suppress(OSError):
        for child in top.iterdir():
            if child == current or child.name == ".gitignore":
                continue
            with contextlib.suppress(OSError):
                status = os.lstat(child)
                if now - status.st_mtime < STALE_AFTER_SECONDS:
                    continue
                if stat.S_ISDIR(status.st_mode):
                    # rmtree refuses a symlink and unlinks the links inside without following them.
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink()


def dependencies_unchanged(dependencies) -> bool:
    """Whether every module an entry depends on still has the bytes it had (unreadable: changed)."""
    if not isinstance(dependencies, list):
        return False
    for item in dependencies:
        if not (isinstance(item, list) and len(item) == 2 and all(isinstance(part, str) for part in item)):
            return False
        try:
            # Only a regular file: a FIFO or device named in a planted entry must not block the run.
            if not stat.S_ISREG(os.stat(item[0]).st_mode):
                return False
            if hashlib.sha256(Path(item[0]).read_bytes()).hexdigest() != item[1]:
                return False
        except OSError:
            return False
    return True


@dataclass(frozen=True)
class DiagnosticsCache:
    """A handle on one cache folder; a plain value, so worker processes receive it whole."""

    folder: Path
    tool: str

    @classmethod
    def open(cls, root: Path, *, create: bool = True) -> DiagnosticsCache | None:
        """The cache under `root`, created if needed; None when the folder cannot be written, or
        when the cache folder or this version's folder is not a real folder inside `root` (a
        symlink committed to the repository must not make the cache write or prune elsewhere).

        `create=False` uses only a cache that already exists (a `--fix`/`--diff` run leaves no
        new folder in the tree it rewrites)."""
        top = root / CACHE_DIR_NAME
        if not _is_real_folder(top) and (not create or os.path.lexists(top)):
            return None
        tool = tool_fingerprint()
        folder = top / tool[:16]
        try:
            _own_folder(top, root)
            _own_folder(folder, top)
            os.utime(folder)  # a real folder (checked above); in use: not stale for another week
            _create_gitignore(top)
        except OSError:
            return None  # a read-only checkout still gets linted, just not cached
        prune_other_versions(top, folder)
        return cls(folder, tool)

    def key(self, path: str, source: str, options: AnalysisOptions, base_source: str | None = None) -> CacheKey:
        """`base_source`: the file at the git base of `check --base`, which the result depends on.
        A run with a base keeps its own entry per file (beside the plain one), replaced when the
        file or its base changes; pass None when the base is missing or equal to the file."""
        parts = [self.tool, os.path.abspath(path), path, options_fingerprint(options)]
        texts = [_text_hash(source)]
        if base_source is not None:
            parts.append("with a git base")
            texts.append(_text_hash(base_source))
        slot = _sha256(*parts)
        return CacheKey(slot, _sha256(slot, *texts))

    def _entry(self, key: CacheKey) -> Path:
        return self.folder / f"{key.slot}.json"

    def _read_entry(self, key: CacheKey) -> bytes:
        """The entry's bytes; OSError when it is missing, a symlink (never read through) or not a
        regular file."""
        handle = os.open(self._entry(key), os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(handle, "rb") as entry:
            if not stat.S_ISREG(os.fstat(entry.fileno()).st_mode):
                raise OSError(f"{self._entry(key)} is not a regular file")
            return entry.read()

    def load(self, key: CacheKey) -> tuple[Diagnostic, ...] | None:
        try:
            entry = json.loads(self._read_entry(key))
            if not isinstance(entry, dict) or entry.get("format") != ENTRY_FORMAT or entry.get("key") != key.key:
                return None
            found = entry.get("diagnostics")
            if not isinstance(found, list) or not dependencies_unchanged(entry.get("dependencies")):
                return None
            return tuple(diagnostic_from_object(item) for item in found)
        except (OSError, ValueError, RecursionError):  # ValueError: bad JSON, bad UTF-8, bad entry
            return None

    def store(self, key: CacheKey, diagnostics: tuple[Diagnostic, ...],
              dependencies: tuple[tuple[str, str], ...] = ()) -> None:
        """`dependencies`: (absolute path, SHA-256 of the bytes) of each other module the result read."""
        entry = {"format": ENTRY_FORMAT, "key": key.key, "diagnostics": [diagnostic_object(d) for d in diagnostics],
                 "dependencies": [[path, digest] for path, digest in dependencies]}
        data = json.dumps(entry, ensure_ascii=False)
        temporary = None
        try:
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".entry-", suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(data)
            os.replace(temporary, self._entry(key))
        except BaseException as error:
            # Also on Ctrl-C: no half-written temporary file stays behind.
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
            if not isinstance(error, OSError):  # a full disk only costs the next run a parse
                raise
