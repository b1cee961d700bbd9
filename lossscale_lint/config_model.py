"""The `[tool.lossscale-lint]` table as a pydantic model: what a configuration may say.

Imported only when there is a non-empty table to validate (or a schema to print): pydantic's import
costs about 0.1 s, which a pre-commit run in a project without settings should not pay.
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from lossscale_lint.config import IDENTIFIER_PATTERN, check_selectors


class Config(BaseModel):
    """The `[tool.lossscale-lint]` table; its JSON schema is what `config --schema` prints."""

    model_config = ConfigDict(
        alias_generator=lambda name: name.replace("_", "-"),
        populate_by_name=True,
        extra="forbid",
        strict=True,
        title="lossscale-lint configuration",
    )

    select: list[str] | None = Field(
        None, description="Rule codes or prefixes to run (default: all rules)."
    )
    extend_select: list[str] = Field(
        default_factory=list, description="Rule codes or prefixes to run in addition to `select`."
    )
    ignore: list[str] = Field(default_factory=list, description="Rule codes or prefixes not to run.")
    per_file_ignores: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Glob (relative to the config file's folder) -> rule codes or prefixes not to run there.",
    )
    exclude: list[str] | None = Field(
        None, description="Globs of files and folders not to check (replaces the built-in list)."
    )
    extend_exclude: list[str] = Field(
        default_factory=list, description="Globs of files and folders not to check, besides `exclude`."
    )
    batch_size_names: list[str] = Field(
        default_factory=list, description="Extra identifiers that hold the batch size."
    )
    accumulation_names: list[str] = Field(
        default_factory=list, description="Extra identifiers that hold the gradient accumulation steps."
    )

    @field_validator("select", "extend_select", "ignore")
    @classmethod
    def _selectors(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else check_selectors(values)

    @field_validator("per_file_ignores")
    @classmethod
    def _per_file_selectors(cls, table: dict[str, list[str]]) -> dict[str, list[str]]:
        for codes in table.values():
            check_selectors(codes)
        return table

    @field_validator("batch_size_names", "accumulation_names")
    @classmethod
    def _identifiers(cls, names: list[str]) -> list[str]:
        for name in names:
            if not IDENTIFIER_PATTERN.match(name):
                raise ValueError(f"'{name}' is not an identifier (like batch_size or cfg.bs)")
        return names


def allowed_keys() -> list[str]:
    return sorted(f.alias or name for name, f in Config.model_fields.items())


def expected_type(location: list[str]) -> str:
    """What a key of the given location should hold, in words (for wrong-type errors)."""
    if location[0] == "per-file-ignores":
        return {1: "a table of glob = [rule codes]", 2: "a list of rule codes"}.get(len(location), "a string")
    return "a list of strings" if len(location) == 1 else "a string"


def describe_error(error: dict[str, Any], key_prefix: str) -> str:
    """One readable clause for one pydantic error: which key, what was expected, what was there."""
    location = [str(part) for part in error["loc"]]
    key = key_prefix + ".".join(location)
    if error["type"] == "extra_forbidden":
        close = difflib.get_close_matches(location[-1], allowed_keys(), n=1)
        return f"unknown key '{key}'" + (f" (did you mean '{close[0]}'?)" if close else "")
    if error["type"].endswith("_type"):
        got = error.get("input")
        return f"key '{key}': expected {expected_type(location)}, got {type(got).__name__} {got!r}"
    return f"key '{key}': " + str(error["msg"]).removeprefix("Value error, ")


def validate_table(data: dict[str, Any], key_prefix: str) -> Config:
    """The table as a Config; ValueError with every problem in one line otherwise."""
    try:
        return Config.model_validate(data)
    except ValidationError as error:
        clauses = [describe_error(e, key_prefix) for e in error.errors()]
        if any(e["type"] == "extra_forbidden" for e in error.errors()):
            clauses.append("allowed keys: " + ", ".join(allowed_keys()))
        raise ValueError("; ".join(clauses)) from None
