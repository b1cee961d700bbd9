"""The configuration's JSON schema: generated from the model, agreeing with it and with the fast
check that runs on every start, and committed in sync."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from pydantic import ValidationError

from lossscale_lint.config.model import Config
from lossscale_lint.config.table import SETTINGS, validate_table
from lossscale_lint.config.schema import SCHEMA_FILE_NAME, config_schema, render_schema

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


# Each table is checked by the fast check (what `check` enforces), the pydantic model and the schema
# (what an editor enforces); all three must agree, and on valid tables give the same values.
TABLES = [
    ({"select": ["LSL1", "LSL401"], "ignore": ["LSL104"]}, True),
    ({"per-file-ignores": {"tests/*": ["LSL2"]}, "extend-exclude": ["build"]}, True),
    ({"batch-size-names": ["bs", "cfg.train.batch"], "accumulation-names": ["accum"]}, True),
    ({"exclude": [], "extend-select": ["LSL"], "per-file-ignores": {}}, True),
    ({"extend_select": ["LSL2"], "batch_size_names": ["bs"]}, True),  # Python names are accepted too
    ({}, True),
    ({"selct": ["LSL1"]}, False),  # a typo
    ({"select": "LSL1"}, False),  # a string instead of a list
    ({"select": ["E501"]}, False),  # not one of ours
    ({"ignore": ["LSL1000"]}, False),
    ({"ignore": ["LSL1", 4]}, False),
    ({"per-file-ignores": {"tests/*": ["lsl2"]}}, False),
    ({"per-file-ignores": {"tests/*": "LSL2"}}, False),
    ({"per-file-ignores": ["tests/*"]}, False),
    ({"batch-size-names": ["batch size"]}, False),
    ({"batch-size-names": [3]}, False),
    ({"accumulation-names": [""]}, False),
    ({"exclude": [True]}, False),
    ({"extend-exclude": "build"}, False),
    ({"max-file-size": 200_000, "file-timeout": 2.5}, True),
    ({"max-file-size": 0, "file-timeout": 0}, True),  # 0: no limit
    ({"file-timeout": 3}, True),  # a whole number of seconds is a number too
    ({"max-file-size": 1.5}, False),  # bytes are whole
    ({"max-file-size": -1}, False),
    ({"file-timeout": -0.5}, False),
    ({"file-timeout": "10s"}, False),
    ({"max-file-size": True}, False),
]


@pytest.mark.parametrize("value", [float("inf"), float("nan")])
def test_an_endless_timeout_is_refused(value):
    # TOML can write `inf` and `nan` (JSON cannot, so the schema has no say); 0 means no limit.
    assert fast_check({"file-timeout": value}) is None
    with pytest.raises(ValidationError):
        Config.model_validate({"file-timeout": value})


def fast_check(table: dict) -> dict | None:
    try:
        return validate_table(table)
    except ValueError:
        return None


@pytest.mark.parametrize(("table", "valid"), TABLES)
def test_fast_check_model_and_schema_agree(validator, table, valid):
    schema_accepts = validator.is_valid({k.replace("_", "-"): v for k, v in table.items()})
    try:
        model = Config.model_validate(table)
    except ValidationError:
        model = None
    checked = fast_check(table)
    assert (checked is not None, model is not None, schema_accepts) == (valid, valid, valid)
    if valid:
        as_lists = {name: (list(v) if isinstance(v, tuple) else
                           {g: list(c) for g, c in v.items()} if isinstance(v, dict) else v)
                    for name, v in checked.items()}
        assert as_lists == model.model_dump()


def test_the_model_has_one_field_per_setting():
    assert {name: field.alias for name, field in Config.model_fields.items()} == {s.name: s.key for s in SETTINGS}


@pytest.mark.slow
def test_cli_prints_the_schema():
    result = subprocess.run([sys.executable, "-m", "lossscale_lint", "config", "--schema"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == render_schema()
    assert json.loads(result.stdout)["additionalProperties"] is False
