"""The JSON schema of the configuration, for editors (taplo, Even Better TOML, SchemaStore).

It is generated from the pydantic `Config` model (`config_model.py`), which is built from the same
definition as the loader's check, so keys, types, patterns and `additionalProperties: false` cannot
drift from what the loader accepts. One thing is adjusted here: TOML has no null, so an optional
list is simply a list. The result is draft-07, the dialect editors' TOML tooling reads.
`lossscale-lint config --schema` prints it; `lossscale-lint.schema.json` is the committed copy.
"""

from __future__ import annotations

import json
from typing import Any

from lossscale_lint.config.model import Config

SCHEMA_FILE_NAME = "lossscale-lint.schema.json"
DESCRIPTION = (
    "lossscale-lint configuration: the [tool.lossscale-lint] table of pyproject.toml, "
    "or the top level of lossscale-lint.toml / .lossscale-lint.toml."
)


def _without_null(prop: dict[str, Any]) -> dict[str, Any]:
    """`anyOf: [X, null]` -> X: TOML has no null, so the only value a user can write is an X."""
    branches = prop.get("anyOf")
    if not branches:
        return prop
    kept = [b for b in branches if b.get("type") != "null"]
    if len(kept) != 1:
        return prop
    rest = {k: v for k, v in prop.items() if k not in ("anyOf", "default")}
    return {**kept[0], **rest}


def config_schema() -> dict[str, Any]:
    generated = Config.model_json_schema(by_alias=True, ref_template="#/definitions/{model}")
    properties = {}
    for key, prop in generated["properties"].items():
        prop = _without_null(prop)
        prop.pop("title", None)  # pydantic's "Extend-Select" titles only repeat the key
        properties[key] = prop
    schema: dict[str, Any] = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": generated.get("title", "lossscale-lint configuration"),
        "description": DESCRIPTION,
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if "$defs" in generated:  # nested models, if the config ever grows them, in draft-07 form
        schema["definitions"] = generated["$defs"]
    return schema


def render_schema() -> str:
    return json.dumps(config_schema(), indent=2, ensure_ascii=False) + "\n"
