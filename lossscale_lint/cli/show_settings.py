"""`check --show-settings PATH`: the settings one file is checked with, and where each came from
(ruff's `--show-settings`): the command line, the configuration file that applies to the file
(its nearest, see `SettingsForFiles`), or the built-in default."""

from __future__ import annotations

import argparse
from dataclasses import fields
from pathlib import Path

from lossscale_lint.config.settings import TOOL_NAME, Settings, read_toml

# Settings fields -> the config keys that set them (`extend-select` adds to `select`).
_KEYS = {"select": ("select", "extend-select")}
# Settings fields -> the flags that set them (`--select` also clears the config's ignores).
_FLAGS = {"select": ("select", "extend_select"), "ignore": ("ignore", "select"),
          "max_file_size": ("max_file_size",), "file_timeout": ("file_timeout",)}
_REPLACED = ("select", "max_file_size", "file_timeout")
_NOT_SHOWN = ("config_path", "root")


def written_keys(config: Path | None) -> set[str]:
    """The keys the configuration file writes, dashed (`extend_select` counts as `extend-select`)."""
    if config is None:
        return set()
    data = read_toml(config)
    table = data.get("tool", {}).get(TOOL_NAME, {}) if config.name == "pyproject.toml" else data
    return {key.replace("_", "-") for key in table}


def show_settings(path: str, settings: Settings, args: argparse.Namespace) -> str:
    written = written_keys(settings.config_path)
    lines = [f"Settings for {path}:",
             f"  configuration file: {settings.config_path or 'none (built-in defaults)'}",
             f"  globs are relative to: {settings.root}"]
    for item in fields(settings):
        if item.name in _NOT_SHOWN:
            continue
        value = getattr(settings, item.name)
        shown = dict(value) if item.name == "per_file_ignores" else list(value) if isinstance(value, tuple) else value
        from_flags = any(getattr(args, flag, None) not in (None, []) for flag in _FLAGS.get(item.name, ()))
        from_file = any(key in written for key in _KEYS.get(item.name, (item.name.replace("_", "-"),)))
        # --select, --max-file-size and --file-timeout replace what the file says.
        replaced = item.name in _REPLACED and getattr(args, item.name, None) not in (None, [])
        origin = " + ".join([*([str(settings.config_path)] if from_file and not replaced else []),
                             *(["command line"] if from_flags else [])]) or "default"
        lines.append(f"  {item.name.replace('_', '-')} = {shown!r}  ({origin})")
    return "\n".join(lines) + "\n"
