"""The keys of the configuration table, and the check that runs on every start.

`SETTINGS` is the one definition of what a configuration may say. `validate_table` checks a table
against it in plain Python, because it runs on every start of every pre-commit run and importing
pydantic would cost about 0.1 s of a 0.35 s run. The pydantic model built from the same definition
(`config_model.Config`) produces the JSON schema, and `tests/test_config_schema.py` requires the
model, the schema and this check to accept and reject the same tables with the same values.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from typing import Any, Literal

from lossscale_lint.config.options import DEFAULT_FILE_TIMEOUT, DEFAULT_MAX_FILE_SIZE

SELECTOR_PATTERN = re.compile(r"^LSL\d{0,3}$")
IDENTIFIER_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


@dataclass(frozen=True)
class ItemKind:
    """What each string of a setting is, and how it must look."""

    noun: str  # for messages: "a list of rule codes"
    pattern: re.Pattern[str] | None
    mismatch: str  # completes "'X' ..." when the pattern does not match


RULE_CODE = ItemKind("rule codes", SELECTOR_PATTERN, "is not a rule code or prefix (like LSL101 or LSL1)")
GLOB = ItemKind("globs", None, "")
IDENTIFIER = ItemKind("identifiers", IDENTIFIER_PATTERN, "is not an identifier (like batch_size or cfg.bs)")


@dataclass(frozen=True)
class Setting:
    """One key of the table. `optional`: absent means "the built-in default", not "empty"."""

    name: str  # the Python name; the key is written with dashes ("extend-select")
    # table: glob = [items]; bool: true / false; number: a whole number (or any, with `fraction`) >= 0
    shape: Literal["list", "table", "bool", "choice", "number"]
    item: ItemKind | None
    description: str
    optional: bool = False
    flag_default: bool = False  # for a bool
    choices: tuple[str, ...] = ()  # for a choice: the strings it may be (absent: None)
    number_default: float = 0  # for a number
    fraction: bool = False  # for a number: a float is allowed too (seconds), not only an integer

    @property
    def key(self) -> str:
        return self.name.replace("_", "-")

    @property
    def default(self) -> Any:
        if self.shape == "bool":
            return self.flag_default
        if self.shape == "choice":
            return None
        if self.shape == "number":
            return self.number_default
        return None if self.optional else {} if self.shape == "table" else ()


SETTINGS = (
    Setting("select", "list", RULE_CODE, "Rule codes or prefixes to run (default: all rules).", optional=True),
    Setting("extend_select", "list", RULE_CODE, "Rule codes or prefixes to run in addition to `select`."),
    Setting("ignore", "list", RULE_CODE, "Rule codes or prefixes not to run."),
    Setting("per_file_ignores", "table", RULE_CODE,
            "Glob (relative to the config file's folder) -> rule codes or prefixes not to run there."),
    Setting("exclude", "list", GLOB, "Globs of files and folders not to check (replaces the built-in list).",
            optional=True),
    Setting("extend_exclude", "list", GLOB, "Globs of files and folders not to check, besides `exclude`."),
    Setting("batch_size_names", "list", IDENTIFIER, "Extra identifiers that hold the batch size."),
    Setting("accumulation_names", "list", IDENTIFIER, "Extra identifiers that hold the gradient accumulation steps."),
    Setting("respect_gitignore", "bool", None,
            "Skip files git ignores (.gitignore, .git/info/exclude) when walking folders (default: true).",
            flag_default=True),
    # The reporters' names (reporters.FORMATS; tests/test_trusted_behaviour.py keeps them equal).
    Setting("output_format", "choice", None,
            "How `check` prints diagnostics when --output-format is not given (default: text).",
            choices=("concise", "github", "gitlab", "json", "junit", "sarif", "text")),
    # The limits that keep one pathological file from stalling a hook or an editor (issue 14).
    Setting("max_file_size", "number", None,
            f"Skip Python code larger than this many bytes, reported as LSL001 (default: {DEFAULT_MAX_FILE_SIZE}; "
            "0: no limit).", number_default=DEFAULT_MAX_FILE_SIZE),
    Setting("file_timeout", "number", None,
            f"Stop analysing a file after this many seconds, reported as LSL002 (default: {DEFAULT_FILE_TIMEOUT:g}; "
            "0: no limit).", number_default=DEFAULT_FILE_TIMEOUT, fraction=True),
)


def allowed_keys() -> list[str]:
    return sorted(s.key for s in SETTINGS)


def check_items(values: list[str], kind: ItemKind) -> None:
    """ValueError for the first string that does not look like `kind`."""
    for value in values:
        if kind.pattern is not None and not kind.pattern.match(value):
            raise ValueError(f"'{value}' {kind.mismatch}")


def _got(value: Any) -> str:
    return f"got {type(value).__name__} {value!r}"


def _strings(value: Any, where: str, expected: str, kind: ItemKind, problems: list[str]) -> tuple[str, ...]:
    if not isinstance(value, list):
        problems.append(f"key '{where}': expected {expected}, {_got(value)}")
        return ()
    wrong = [f"key '{where}.{i}': expected a string, {_got(item)}" for i, item in enumerate(value)
             if not isinstance(item, str)]
    if wrong:
        problems.extend(wrong)
        return ()
    try:
        check_items(value, kind)
    except ValueError as error:
        problems.append(f"key '{where}': {error}")
    return tuple(value)


def validate_table(data: dict[str, Any], key_prefix: str = "") -> dict[str, Any]:
    """The table's values by Python name (lists as tuples), defaults filled in. Raises ValueError
    naming every problem in one line: unknown keys (with the closest known one), wrong types,
    strings that are not rule codes or identifiers. Keys may also be written with underscores."""
    known = {s.key: s for s in SETTINGS} | {s.name: s for s in SETTINGS}
    values = {s.name: s.default for s in SETTINGS}
    seen: dict[str, str] = {}
    problems: list[str] = []
    unknown = False
    for key, value in data.items():
        setting = known.get(key)
        if setting is None:
            unknown = True
            close = difflib.get_close_matches(key, allowed_keys(), n=1)
            problems.append(f"unknown key '{key_prefix}{key}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
            continue
        where = key_prefix + key
        if setting.name in seen:
            problems.append(f"key '{where}': given twice (also as '{key_prefix}{seen[setting.name]}')")
            continue
        seen[setting.name] = key
        if setting.shape == "bool":
            if isinstance(value, bool):
                values[setting.name] = value
            else:
                problems.append(f"key '{where}': expected true or false, {_got(value)}")
        elif setting.shape == "choice":
            if value in setting.choices:
                values[setting.name] = value
            else:
                problems.append(f"key '{where}': expected one of {', '.join(setting.choices)}, {_got(value)}")
        elif setting.shape == "number":
            whole = isinstance(value, int) and not isinstance(value, bool)
            if (whole or (setting.fraction and isinstance(value, float) and math.isfinite(value))) and value >= 0:
                values[setting.name] = value
            else:
                kind = "a number of 0 or more" if setting.fraction else "a whole number of 0 or more"
                problems.append(f"key '{where}': expected {kind}, {_got(value)}")
        elif setting.shape == "list":
            values[setting.name] = _strings(value, where, "a list of strings", setting.item, problems)
        elif not isinstance(value, dict):
            problems.append(f"key '{where}': expected a table of glob = [{setting.item.noun}], {_got(value)}")
        else:
            values[setting.name] = {
                glob: _strings(items, f"{where}.{glob}", f"a list of {setting.item.noun}", setting.item, problems)
                for glob, items in value.items()
            }
    if unknown:
        problems.append("allowed keys: " + ", ".join(allowed_keys()))
    if problems:
        raise ValueError("; ".join(problems))
    return values
