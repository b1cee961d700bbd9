"""A value as the facts hold it: an expression as written, with what is statically known about it
(its number, where it came from, whether it is a setting chosen at run time)."""

from __future__ import annotations

from typing import Literal

from lossscale_lint.diagnostics import Span, record


# How a message introduces a setting's name ("with the environment variable GRAD_ACCUM above 1");
# command-line flags and config paths speak for themselves.
_SETTING_KIND_WORDS = {"environment": "the environment variable ", "parameter": "the parameter "}


@record
class RuntimeSetting:
    """A value the user chooses when running the script: its default is one value among those
    it runs with, not a constant."""

    # "argparse", "click", "typer", "fire" (command-line options), "environment" (`os.environ`),
    # "config" (a config object: `cfg.train.grad_accum`, `config["k"]`, a dataclass field,
    # `SimpleNamespace(...)`), "parameter" (a function parameter with a default).
    kind: Literal["argparse", "click", "typer", "fire", "environment", "config", "parameter"]
    name: str  # "--grad-accum", "GRAD_ACCUM", "cfg.train.grad_accum", "batch_size"
    default: float | int | bool | str | None = None  # None: no default we can read


@record
class Value:
    """An expression as written, with its value when it is statically known."""

    source: str
    span: Span
    value: float | int | bool | str | None = None
    # Where a known value came from, in words: "argparse default of --batch-size (line 12)".
    origin: str | None = None
    # The expression after following plain aliases (`k = args.accum` makes `k` read `args.accum`),
    # so that two spellings of one quantity compare equal.
    canonical: str = ""
    # "div" / "mul" when the expression divides or multiplies by the batch size (`base_lr / bs`,
    # `decay * batch_size`): a setting that already follows B.
    batch_scaling: Literal["div", "mul"] | None = None
    # The same for the world size W (`base_lr * world_size`, `global_batch // world_size`).
    world_scaling: Literal["div", "mul"] | None = None
    # Set when the value is a runtime setting: `value` is then only its default, and a rule that
    # needs K > 1 (or a B that varies) must not take the default for the only value.
    setting: RuntimeSetting | None = None

    @property
    def known(self) -> bool:
        return self.value is not None

    @property
    def fixed_at_one(self) -> bool:
        """A literal 1, or a constant of 1 nobody overrides at run time."""
        return self.setting is None and self.number == 1

    def setting_phrase(self, condition: str) -> str:
        """"--grad-accum above 1 (default 1)": when a rule applies to a setting ("" otherwise)."""
        if self.setting is None:
            return ""
        default = f" (default {self.setting.default})" if self.setting.default is not None else ""
        return f"{_SETTING_KIND_WORDS.get(self.setting.kind, '')}{self.setting.name} {condition}{default}"


    @property
    def number(self) -> float | None:
        if isinstance(self.value, bool) or not isinstance(self.value, (int, float)):
            return None
        return self.value
