"""The configuration's JSON schema: generated from the model, agreeing with it, and committed in sync."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from pydantic import ValidationError

from lossscale_lint.config_model import Config
from lossscale_lint.schema import SCHEMA_FILE_NAME, config_schema, render_schema

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = config_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def test_committed_copy_is_in_sync():
    committed = (REPO / SCHEMA_FILE_NAME).read_text(encoding="utf-8")
    assert committed == render_schema(), (
        f"{SCHEMA_FILE_NAME} is stale: run `lossscale-lint config --schema > {SCHEMA_FILE_NAME}`"
    )


def test_keys_are_the_models_kebab_case_aliases_and_unknown_keys_are_closed():
    schema = config_schema()
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == {field.alias for field in Config.model_fields.values()}
    assert all("_" not in key for key in schema["properties"])
    assert "batch-size-names" in schema["properties"]


# Each table is checked by both the pydantic model (what the CLI enforces) and the schema (what an
# editor enforces); they must agree.
TABLES = [
    ({"select": ["LSL1", "LSL401"], "ignore": ["LSL104"]}, True),
    ({"per-file-ignores": {"tests/*": ["LSL2"]}, "extend-exclude": ["build"]}, True),
    ({"batch-size-names": ["bs", "cfg.train.batch"], "accumulation-names": ["accum"]}, True),
    ({}, True),
    ({"selct": ["LSL1"]}, False),  # a typo
    ({"select": "LSL1"}, False),  # a string instead of a list
    ({"select": ["E501"]}, False),  # not one of ours
    ({"ignore": ["LSL1000"]}, False),
    ({"per-file-ignores": {"tests/*": ["lsl2"]}}, False),
    ({"batch-size-names": ["batch size"]}, False),
    ({"batch-size-names": [3]}, False),
    ({"exclude": [True]}, False),
]


@pytest.mark.parametrize(("table", "valid"), TABLES)
def test_schema_and_model_agree(validator, table, valid):
    schema_accepts = validator.is_valid(table)
    try:
        Config.model_validate(table)
        model_accepts = True
    except ValidationError:
        model_accepts = False
    assert (schema_accepts, model_accepts) == (valid, valid)


def test_cli_prints_the_schema():
    result = subprocess.run([sys.executable, "-m", "lossscale_lint", "config", "--schema"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == render_schema()
    assert json.loads(result.stdout)["additionalProperties"] is False
