"""Project configuration: finding it, validating it, and turning it into per-file analysis options.

The configuration lives in `[tool.lossscale-lint]` of a `pyproject.toml` or at the top level of a
`lossscale-lint.toml` / `.lossscale-lint.toml`. Like Ruff, the closest file wins and files are not
merged: walking up from the start directory, the first directory holding one of them decides (in a
directory with several, the dedicated file beats `pyproject.toml`; a `pyproject.toml` without our
table is skipped). Globs in the file are relative to the directory holding it.

Rule selection follows Ruff's specificity rule: a code runs when its longest matching `select`
entry is longer than its longest matching `ignore` entry, so `ignore = ["LSL1"]` with
`select = ["LSL101"]` keeps LSL101 and drops the other LSL1xx rules.
"""

from __future__ import annotations

import fnmatch
import os
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from lossscale_lint.config.table import RULE_CODE, check_items, validate_table
from lossscale_lint.config.options import (
    DEFAULT_FILE_TIMEOUT,
    DEFAULT_MAX_FILE_SIZE,
    DEFAULT_SELECT,
    AnalysisOptions,
    RuleSelection,
)

TOOL_NAME = "lossscale-lint"
# In the order they are looked for inside one directory.
CONFIG_FILE_NAMES = (".lossscale-lint.toml", "lossscale-lint.toml", "pyproject.toml")


class ConfigError(Exception):
    """A configuration problem, already worded as the one line the user will see."""


def check_selectors(values: list[str]) -> list[str]:
    check_items(values, RULE_CODE)
    return values


# Folders never worth descending into; `exclude` in the config replaces this list.
DEFAULT_EXCLUDE = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".lossscale_lint_cache",
    "__pycache__",
    "build",
    "dist",
    "node_modules",
    "site-packages",
)


def normalize_glob(pattern: str) -> str:
    return pattern.strip().removeprefix("./").rstrip("/")


def glob_matches(pattern: str, relative: PurePosixPath, *, components: bool = True) -> bool:
    """Whether `pattern` matches a path given relative to the config folder.

    A pattern without a slash matches a single path component (`build`, `*_pb2.py`): any of them,
    or only the last one when `components` is False (the walk already tested the folders above).
    A pattern with a slash is matched against the relative path and each of its leading folders
    (so `src/generated` also covers everything below it). `*` may cross slashes, as in fnmatch.
    """
    pattern = normalize_glob(pattern)
    parts = relative.parts
    if not pattern or not parts:
        return False
    if "/" not in pattern:
        names = parts if components else parts[-1:]
        return any(fnmatch.fnmatchcase(name, pattern) for name in names)
    return any(fnmatch.fnmatchcase("/".join(parts[: n + 1]), pattern) for n in range(len(parts)))


@dataclass(frozen=True)
class Settings:
    """The effective configuration of one run: the config file plus command-line overrides."""

    config_path: Path | None = None
    # The folder that globs are relative to: the config file's folder, else the start folder.
    root: Path = field(default_factory=Path.cwd)
    select: tuple[str, ...] = DEFAULT_SELECT
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    batch_size_names: tuple[str, ...] = ()
    accumulation_names: tuple[str, ...] = ()
    respect_gitignore: bool = True
    output_format: str | None = None
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    file_timeout: float = DEFAULT_FILE_TIMEOUT

    @classmethod
    def from_config(cls, config: dict[str, Any], config_path: Path | None, root: Path) -> Settings:
        """The settings of a table that `validate_table` returned."""
        select = config["select"] if config["select"] is not None else DEFAULT_SELECT
        return cls(
            config_path=config_path,
            root=root,
            select=select + config["extend_select"],
            ignore=config["ignore"],
            exclude=config["exclude"] if config["exclude"] is not None else DEFAULT_EXCLUDE,
            extend_exclude=config["extend_exclude"],
            per_file_ignores=tuple(config["per_file_ignores"].items()),
            batch_size_names=config["batch_size_names"],
            accumulation_names=config["accumulation_names"],
            respect_gitignore=config["respect_gitignore"],
            output_format=config["output_format"],
            max_file_size=config["max_file_size"],
            file_timeout=config["file_timeout"],
        )

    def with_overrides(
        self,
        select: list[str] | None = None,
        extend_select: list[str] | None = None,
        ignore: list[str] | None = None,
        max_file_size: int | None = None,
        file_timeout: float | None = None,
    ) -> Settings:
        """Apply `--select` (replaces the config's selection and ignores), `--extend-select` and
        `--ignore` (both add to it), as Ruff layers command-line selectors over the file's; and
        `--max-file-size` and `--file-timeout`, which replace the file's."""
        settings = self
        if max_file_size is not None:
            settings = replace(settings, max_file_size=max_file_size)
        if file_timeout is not None:
            settings = replace(settings, file_timeout=file_timeout)
        if select is not None:
            settings = replace(settings, select=tuple(check_selectors(select)), ignore=())
        if extend_select:
            settings = replace(settings, select=settings.select + tuple(check_selectors(extend_select)))
        if ignore:
            settings = replace(settings, ignore=settings.ignore + tuple(check_selectors(ignore)))
        return settings

    @property
    def selection(self) -> RuleSelection:
        return RuleSelection(self.select, self.ignore)

    def relative(self, path: Path | str) -> PurePosixPath | None:
        """`path` relative to the config root, or None when it lies outside it."""
        relative = os.path.relpath(os.path.abspath(path), self.root)
        if relative == ".." or relative.startswith(".." + os.sep):
            return None
        return PurePosixPath(Path(relative).as_posix())

    def _matches_any(self, patterns: Sequence[str], path: Path | str, components: bool) -> bool:
        relative = self.relative(path)
        if relative is None:
            # Outside the project only the component patterns (`build`, `*_pb2.py`) can apply,
            # and only to the name itself: the folders above it are not the project's business.
            relative = PurePosixPath(Path(path).name)
            patterns = [p for p in patterns if "/" not in normalize_glob(p)]
            components = False
        return any(glob_matches(p, relative, components=components) for p in patterns)

    def is_excluded(self, path: Path | str, *, check_parents: bool = False) -> bool:
        """Whether the config excludes `path`. During a walk each folder is tested on the way
        down, so only the name itself needs testing; `check_parents` tests every folder of a
        path named on the command line (`--force-exclude`)."""
        return self._matches_any((*self.exclude, *self.extend_exclude), path, check_parents)

    def analysis_options(self, path: Path | str) -> AnalysisOptions:
        """The options for one file, with its per-file-ignores folded into the rule selection."""
        extra_ignores = tuple(
            code
            for pattern, codes in self.per_file_ignores
            if self._matches_any((pattern,), path, components=True)
            for code in codes
        )
        return AnalysisOptions(
            batch_size_names=self.batch_size_names,
            accumulation_names=self.accumulation_names,
            is_selected=RuleSelection(self.select, self.ignore + extra_ignores),
            max_file_size=self.max_file_size,
            file_timeout=self.file_timeout,
        )


def parse_config(data: Any, path: Path, key_prefix: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: '{key_prefix.rstrip('.')}' must be a table")
    try:
        return validate_table(data, key_prefix)
    except ValueError as error:
        raise ConfigError(f"{path}: {error}") from None


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: invalid TOML: the file is not valid UTF-8") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the configuration: {error.strerror or error}") from None


def load_config_file(path: Path) -> dict[str, Any] | None:
    """The validated configuration in `path`, or None for a pyproject.toml without our table."""
    data = read_toml(path)
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        if not isinstance(tool, dict) or TOOL_NAME not in tool:
            return None
        return parse_config(tool[TOOL_NAME], path, f"tool.{TOOL_NAME}.")
    return parse_config(data, path, "")


def find_config(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """Walk up from `start` to the closest configuration; None when there is none."""
    folder = start.absolute()
    if not folder.is_dir():
        folder = folder.parent
    for candidate_folder in (folder, *folder.parents):
        for name in CONFIG_FILE_NAMES:
            candidate = candidate_folder / name
            if candidate.is_file():
                config = load_config_file(candidate)
                if config is not None:
                    return candidate, config
    return None


def load_settings(start: Path, config_file: Path | None = None) -> Settings:
    """The settings for files at or below `start`; `config_file` (from `--config`) overrides the
    search. Raises ConfigError with a one-line message on any problem."""
    if config_file is not None:
        if not config_file.is_file():
            raise ConfigError(f"{config_file}: configuration file not found")
        config = load_config_file(config_file)
        if config is None:
            raise ConfigError(f"{config_file}: no [tool.{TOOL_NAME}] table in this file")
        return Settings.from_config(config, config_file, config_file.absolute().parent)
    found = find_config(start)
    if found is None:
        root = start.absolute()
        return Settings(root=root if root.is_dir() else root.parent)
    path, config = found
    return Settings.from_config(config, path, path.parent)


class SettingsForFiles:
    """Each file's settings: its nearest configuration file (ruff's hierarchical rule), with the
    command line's overrides on top, so that `check .`, `check a.py sub/train.py` (what pre-commit
    runs), `check sub/train.py` and the language server agree on every file. `--config FILE`
    applies one file to everything. A file with no configuration above it gets the run's."""

    def __init__(self, run: Settings, overrides: dict[str, Any], *, explicit: bool = False,
                 validate=None) -> None:
        self.run = run
        self.overrides = overrides
        self.explicit = explicit
        self.validate = validate  # called once on each configuration that is read
        self._by_config: dict[Path, Settings] = {}
        self._by_folder: dict[Path, Settings] = {}

    def __call__(self, path: Path | str) -> Settings:
        if self.explicit:
            return self.run
        folder = Path(path).absolute().parent
        known = self._by_folder.get(folder)
        if known is None:
            known = self._by_folder[folder] = self._nearest(folder)
        return known

    def _nearest(self, folder: Path) -> Settings:
        found = find_config(folder)
        if found is None:
            return self.run if self.run.config_path is None else Settings(root=self.run.root).with_overrides(**self.overrides)
        path, config = found
        if path not in self._by_config:
            settings = Settings.from_config(config, path, path.parent)
            if self.validate is not None:
                self.validate(settings)
            self._by_config[path] = settings.with_overrides(**self.overrides)
        return self._by_config[path]
