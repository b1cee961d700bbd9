"""Runtime settings (`Value.setting`): values read from the command line, the environment, a
config object or a function parameter's default are settings, not constants. The rule cases show
the diagnostics; these tests pin which reader each one is, its name and its default, and the
look-alikes that are not settings."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import libcst as cst
import pytest

from lossscale_lint.facts.extract import extract_facts
from lossscale_lint.facts.model import RuntimeSetting, Value
from lossscale_lint.pipeline.engine import lint_source

CASES = Path(__file__).parent / "rule_cases"


def _steps(source: str, path: str = "case.py") -> Value:
    """K of the one accumulating update site: the guard's, or the one a framework divides by."""
    facts = extract_facts(cst.parse_module(source), path)
    found = [u.step.guard.steps for u in facts.updates if u.step is not None and u.step.guard is not None]
    found += [u.framework_division.steps for u in facts.updates if u.framework_division is not None]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(("case", "setting"), [
    ("lsl201_bad_argparse_default_one", RuntimeSetting(kind="argparse", name="--accumulate", default=1)),
    ("lsl202_bad_argparse_default_one", RuntimeSetting(kind="argparse", name="--grad-accum", default=1)),
    ("lsl201_bad_click_option", RuntimeSetting(kind="click", name="--accum-steps", default=1)),
    ("lsl201_bad_typer_option", RuntimeSetting(kind="typer", name="--steps-per-update", default=1)),
    ("lsl201_bad_fire_command", RuntimeSetting(kind="fire", name="--grad-accum", default=1)),
    ("lsl201_bad_parameter_default", RuntimeSetting(kind="parameter", name="accum_steps", default=1)),
    ("lsl202_bad_environment_variable", RuntimeSetting(kind="environment", name="MICRO_STEPS", default=1)),
    ("lsl201_bad_omegaconf_config", RuntimeSetting(kind="config", name="cfg.train.grad_accum")),
    ("lsl201_bad_hydra_config", RuntimeSetting(kind="config", name="cfg.trainer.accumulate")),
    ("lsl201_bad_dict_config_parameter", RuntimeSetting(kind="config", name='config["batch_accumulation"]')),
    ("lsl201_bad_dataclass_field", RuntimeSetting(kind="config", name="TrainConfig.accumulation", default=1)),
    ("lsl202_bad_simple_namespace", RuntimeSetting(kind="config", name="hparams.accumulate_every", default=1)),
    ("lsl202_bad_hf_argument_parser", RuntimeSetting(
        kind="config", name="script_args.gradient_accumulation_steps", default=1)),
])
def test_each_reader_kind_is_a_setting_with_its_default(case: str, setting: RuntimeSetting) -> None:
    steps = _steps((CASES / f"{case}.py").read_text())
    assert steps.setting == setting
    assert not steps.fixed_at_one


@pytest.mark.parametrize("case", sorted(p.stem for p in CASES.glob("lsl20[12]_bad_*.py")))
def test_a_message_about_a_setting_says_it_applies_above_one(case: str) -> None:
    source = (CASES / f"{case}.py").read_text()
    facts = extract_facts(cst.parse_module(source), f"{case}.py")
    steps = [u.step.guard.steps for u in facts.updates if u.step is not None and u.step.guard is not None]
    steps += [u.framework_division.steps for u in facts.updates if u.framework_division is not None]
    phrases = {f", with {k.setting_phrase('above 1')}" for k in steps if k.setting is not None}
    messages = [d.message for d in lint_source(source, f"{case}.py") if d.code in ("LSL201", "LSL202")]
    assert messages and steps
    for message in messages:
        if phrases:
            assert any(message.endswith(phrase) for phrase in phrases), (message, phrases)
        else:  # K is a literal or a constant: nothing to say about other values
            assert "above 1" not in message, message


def test_the_message_names_the_reader() -> None:
    environment = lint_source((CASES / "lsl202_bad_environment_variable.py").read_text(), "e.py")
    assert environment[0].message.endswith("with the environment variable MICRO_STEPS above 1 (default 1)")
    parameter = lint_source((CASES / "lsl201_bad_parameter_default.py").read_text(), "p.py")
    assert parameter[0].message.endswith("with the parameter accum_steps above 1 (default 1)")
    # A default of 1 gives no numeric factor: the factor is K itself.
    assert parameter[0].factor == "gradient x K"


TRAIN = """
import os
import torch
{setup}
model = torch.nn.Linear(2, 2)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
{function}
    for i, (x, y) in enumerate([]):
        torch.nn.functional.mse_loss(model(x), y).backward()
        if i % {k} == 0:
            opt.step()
"""


def _guard_steps(setup: str, k: str, function: str = "def train(data):") -> Value | None:
    source = dedent(TRAIN).format(setup=setup, k=k, function=function)
    facts = extract_facts(cst.parse_module(source), "t.py")
    guards = [u.step.guard for u in facts.updates if u.step is not None]
    assert len(guards) == 1
    return guards[0].steps if guards[0] is not None else None


@pytest.mark.parametrize(("setup", "k", "function"), [
    ("K = 1", "K", "def train(data):"),  # a constant never overridden
    ("CONFIG = {'k': 1}", "CONFIG['k']", "def train(data):"),  # a literal dict is a constant too
])
def test_constants_of_one_are_not_settings_and_nothing_accumulates(setup, k, function) -> None:
    assert _guard_steps(setup, k, function) is None


@pytest.mark.parametrize(("setup", "k", "function"), [
    ("", "k", "def train(data, k):"),  # a parameter without a default holds the caller's value
    ("", "self.k", "def train(self, data):"),  # an attribute of the object itself
    ("K = 4", "K", "def train(data):"),
])
def test_look_alikes_are_not_settings(setup, k, function) -> None:
    steps = _guard_steps(setup, k, function)
    assert steps is not None and steps.setting is None


def test_environment_readers_through_casts_and_subscripts() -> None:
    by_get = _guard_steps("K = int(os.getenv('ACCUM', '2'))", "K")
    assert by_get.setting == RuntimeSetting(kind="environment", name="ACCUM", default=2)
    by_subscript = _guard_steps("K = int(os.environ['ACCUM'])", "K")
    assert by_subscript.setting == RuntimeSetting(kind="environment", name="ACCUM")


def test_a_parameter_default_is_a_value_only_when_no_caller_overrides_it() -> None:
    alone = _guard_steps("", "k", "def train(data, k=3):")
    assert (alone.number, alone.setting.default) == (3, 3)
    source = dedent(TRAIN).format(setup="", k="k", function="def train(data, k=3):") + "\ntrain([], k=8)\n"
    facts = extract_facts(cst.parse_module(source), "t.py")
    steps = facts.updates[0].step.guard.steps
    assert steps.number is None  # the caller's 8 runs, not the default
    assert steps.setting == RuntimeSetting(kind="parameter", name="k", default=3)


def test_a_dataloader_batch_size_from_a_parameter_default_is_known() -> None:
    source = dedent("""
        import torch
        from torch.utils.data import DataLoader

        def train(model, dataset, batch_size=1024):
            loader = DataLoader(dataset, batch_size=batch_size)
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for x, y in loader:
                torch.nn.functional.cross_entropy(model(x), y, reduction="sum").backward()
                opt.step()
    """)
    facts = extract_facts(cst.parse_module(source), "t.py")
    batch_size = facts.dataloaders[0].batch_size
    assert batch_size.number == 1024
    assert batch_size.setting == RuntimeSetting(kind="parameter", name="batch_size", default=1024)


def test_advise_reads_the_batch_size_from_a_parameter_default(tmp_path, capsys) -> None:
    import json

    from lossscale_lint.cli.main import main

    script = tmp_path / "train.py"
    script.write_text((CASES / "base_head" / "lsl501_bad_parameter_default_grew.head.py").read_text())
    assert main(["advise", str(script), "--batch-size", "2048", "--output-format", "json"]) == 0
    advice = json.loads(capsys.readouterr().out)
    assert advice["batch_size"]["from"] == 1024  # main asked for --from: the default was not a value


def test_a_setting_stored_on_self_stays_a_setting() -> None:
    source = dedent("""
        import torch

        class Trainer:
            def __init__(self, model, accum_steps=1):
                self.model = model
                self.accum_steps = accum_steps
                self.opt = torch.optim.SGD(model.parameters(), lr=0.1)

            def fit(self, data):
                for i, (x, y) in enumerate(data):
                    torch.nn.functional.mse_loss(self.model(x), y).backward()
                    if (i + 1) % self.accum_steps == 0:
                        self.opt.step()
    """)
    assert _steps(source).setting == RuntimeSetting(kind="parameter", name="accum_steps", default=1)
    messages = [d.message for d in lint_source(source, "t.py")]
    assert len(messages) == 1 and messages[0].endswith("with the parameter accum_steps above 1 (default 1)")
