"""The configuration table as a pydantic model, built from `config_table.SETTINGS`.

It is the source of the JSON schema that `config --schema` prints, and the reference the fast
check in `config_table.validate_table` is tested against (`tests/test_config_schema.py`). It is
never imported by `check`: pydantic's import alone costs about 0.1 s.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, create_model

from lossscale_lint.config.table import SETTINGS, Setting


def _field(setting: Setting) -> tuple[Any, Any]:
    if setting.shape == "bool":
        return bool, Field(setting.flag_default, description=setting.description)
    if setting.shape == "number":
        finite = {"allow_inf_nan": False} if setting.fraction else {}
        return float if setting.fraction else int, Field(setting.number_default, ge=0, description=setting.description,
                                                         **finite)
    if setting.shape == "choice":
        return Literal[setting.choices] | None, Field(None, description=setting.description)
    item: Any = str
    if setting.item is not None and setting.item.pattern is not None:
        item = Annotated[str, StringConstraints(pattern=setting.item.pattern.pattern)]
    kind: Any = list[item] if setting.shape == "list" else dict[str, list[item]]
    if setting.optional:
        return kind | None, Field(None, description=setting.description)
    factory = dict if setting.shape == "table" else list
    return kind, Field(default_factory=factory, description=setting.description)


Config = create_model(
    "Config",
    __config__=ConfigDict(
        alias_generator=lambda name: name.replace("_", "-"),
        populate_by_name=True,
        extra="forbid",
        strict=True,
        title="lossscale-lint configuration",
    ),
    __doc__="The `[tool.lossscale-lint]` table.",
    **{setting.name: _field(setting) for setting in SETTINGS},
)
