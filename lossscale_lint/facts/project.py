"""Other modules of the checked project: find them, read them, and analyse them like the file itself.

`from losses import vae_loss`, `from .losses import vae_loss`, `import config; config.BATCH_SIZE`
and `from utils import build_optimizer` (re-exported by `utils/__init__.py`) name a module of
the same project. `ProjectLink` finds that module's `.py` file inside the project (never outside
it: a same-named module elsewhere on the disk is not ours to read), parses it with LibCST behind
the engine's nesting guard, and hands the resolver, tracer and extractor an `Extractor` of that
module, so that its helpers, criteria, optimizer factories and constants are followed as if they were local.

Nothing is imported or executed. Everything is bounded: a file larger than `MAX_BYTES`, more than
`MAX_MODULES` modules per checked file, and re-export chains longer than `MAX_REEXPORT_HOPS` are
not followed; a module that cannot be read or parsed is simply not followed (silence, never an
error). Cycles terminate because each module is analysed once per checked file and the tracing
depth (`resolve.MAX_DEPTH`) runs on across modules.

Every file read is recorded with the SHA-256 of its bytes (`dependencies`), so that the result
cache can tell when an imported module changed.
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path

import libcst as cst

from lossscale_lint.facts.index import CodeIndex, build_index, dotted_name
from lossscale_lint.pipeline.sources import SourceError, decode_source, too_deep_to_parse

MAX_BYTES = 1_000_000
MAX_MODULES = 64
MAX_REEXPORT_HOPS = 2
PROJECT_MARKERS = (".lossscale-lint.toml", "lossscale-lint.toml", "pyproject.toml", ".git")
# Parsed modules kept per process (a language server runs for hours): the oldest go first.
_MEMO_SIZE = 256
_memo: OrderedDict[tuple[str, str, str], CodeIndex | None] = OrderedDict()


def project_root(importer: Path) -> Path | None:
    """The nearest folder above the file holding a configuration file or `.git`; else the working
    directory when the file is inside it (as the result cache decides); else None."""
    found = _marked_folder(importer.parent)
    if found is not None:
        return found
    cwd = Path.cwd().resolve()
    return cwd if cwd in importer.parents else None


@lru_cache(maxsize=1024)
def _marked_folder(folder: Path) -> Path | None:
    """The nearest of `folder` and its parents holding a project marker (asked once per folder
    and process: a run over thousands of files in one tree stats each folder once)."""
    if any((folder / marker).exists() for marker in PROJECT_MARKERS):
        return folder
    return None if folder.parent == folder else _marked_folder(folder.parent)


def _inside(path: Path, root: Path) -> bool:
    return root == path or root in path.parents


def locate(importer: Path, root: Path, module: str, level: int) -> Path | None:
    """The project file that `module` (relative with `level` dots) names for `importer`."""
    if level > 0:
        base = importer.parent
        for _ in range(level - 1):
            base = base.parent
        bases = [base]
    else:
        bases = list(dict.fromkeys([importer.parent, root, root / "src"]))
    parts = [p for p in module.split(".") if p]
    for base in bases:
        target = base.joinpath(*parts) if parts else base
        for candidate in (target.with_name(target.name + ".py") if parts else None, target / "__init__.py"):
            if candidate is not None and candidate.is_file() and _inside(candidate.resolve(), root):
                return candidate.resolve()
    return None


def text_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _parsed(path: Path, data: bytes, digest: str, display: str) -> CodeIndex | None:
    """The module's index, memoised by path, text hash and reported path; None when it does not
    decode or parse."""
    key = (str(path), digest, display)
    if key in _memo:
        _memo.move_to_end(key)
        return _memo[key]
    index = None
    try:
        source = decode_source(data)
        # The engine's guard: LibCST's native parser can overflow the C stack on deep nesting.
        if too_deep_to_parse(source) is None:
            index = build_index(cst.parse_module(source), path=display)
    except (SourceError, cst.ParserSyntaxError, RecursionError, MemoryError):
        index = None
    _memo[key] = index
    if len(_memo) > _MEMO_SIZE:
        _memo.popitem(last=False)
    return index


class ProjectLink:
    """The other modules of the project, as seen from one checked file (one per lint)."""

    def __init__(self, importer: Path, reported: str, root: Path, batch_size_names, accumulation_names) -> None:
        self.importer = importer
        self.reported = reported  # the checked file's path as reported: other paths are given alike
        self.root = root
        self.batch_size_names = batch_size_names
        self.accumulation_names = accumulation_names
        self.dependencies: dict[str, str] = {}  # absolute path -> SHA-256 of the bytes read
        self._files: dict[int, Path] = {}  # id(CodeIndex) -> its file
        self._analyses: dict[int, object] = {}  # id(CodeIndex) -> its Extractor
        self._by_path: dict[Path, CodeIndex | None] = {}
        self._located: dict[tuple[Path, str, int], Path | None] = {}

    @classmethod
    def for_file(cls, path: str, batch_size_names=(), accumulation_names=()) -> ProjectLink | None:
        """A link for the file at `path`, or None when it is not a file inside a project."""
        try:
            importer = Path(path).resolve()
            if not importer.is_file():
                return None
            root = project_root(importer)
        except (OSError, RuntimeError, ValueError):
            return None
        if root is None:
            return None
        return cls(importer, path, root, batch_size_names, accumulation_names)

    def register(self, index: CodeIndex, file: Path) -> None:
        self._files[id(index)] = file

    # -- modules ----------------------------------------------------------------------------
    def _display(self, file: Path) -> str:
        """`file` reported like the checked file is: absolute if it was, else relative to it."""
        if os.path.isabs(self.reported):
            return str(file)
        relative = os.path.relpath(file, self.importer.parent)
        return os.path.normpath(os.path.join(os.path.dirname(self.reported), relative))

    def _module(self, file: Path) -> CodeIndex | None:
        if file in self._by_path:
            return self._by_path[file]
        index = None
        if file != self.importer and len(self._by_path) < MAX_MODULES:
            try:
                data = file.read_bytes() if file.stat().st_size <= MAX_BYTES else None
            except OSError:
                data = None
            if data is not None:
                digest = text_digest(data)
                self.dependencies[str(file)] = digest
                index = _parsed(file, data, digest, self._display(file))
        self._by_path[file] = index
        if index is not None:
            self.register(index, file)
        return index

    def analysis(self, index: CodeIndex):
        """The `Extractor` of a module read through this link (created on first use)."""
        found = self._analyses.get(id(index))
        if found is None:
            from lossscale_lint.facts.extract import Extractor  # it imports the resolver, which uses this

            found = Extractor(index, index.path or "", self.batch_size_names, self.accumulation_names, project=self)
            self._analyses[id(index)] = found
        return found

    def analyses(self):
        return list(self._analyses.values())

    # -- names --------------------------------------------------------------------------------
    def imported(self, index: CodeIndex, expr: cst.BaseExpression, hops: int = 0):
        """(the Extractor of the module, the name in it) for `name` or `module.name` imported
        from another module of the project into `index`; None for anything else."""
        file = self._files.get(id(index))
        name = dotted_name(expr)
        if file is None or name is None:
            return None
        head, _, rest = name.partition(".")
        if head in index.relative_imports:
            level, module, imported = index.relative_imports[head]
            full = ".".join(p for p in (module, imported, rest) if p)
        elif head in index.imports:
            level, full = 0, ".".join(p for p in (index.imports[head], rest) if p)
        else:
            return None
        module, _, attribute = full.rpartition(".")
        if not attribute or (not module and level == 0):
            return None
        key = (file, module, level)
        if key not in self._located:
            self._located[key] = locate(file, self.root, module, level)
        target_file = self._located[key]
        target = self._module(target_file) if target_file is not None else None
        if target is None:
            return None
        if (0, attribute) in target.functions or (0, attribute) in target.bindings:
            return self.analysis(target), attribute
        if hops < MAX_REEXPORT_HOPS:  # `utils/__init__.py`: `from .optim import build_optimizer`
            return self.imported(target, cst.Name(attribute), hops + 1)
        return None
