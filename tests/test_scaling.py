"""lossscale_lint.facts.scaling without torch: message formatting, input checks, rule choice, purity,
and a guard that every formula has an oracle test (tests/oracle/) measuring it with real torch."""

from __future__ import annotations

import ast
import inspect
import math
from pathlib import Path

import pytest

from lossscale_lint.facts import scaling

ORACLE = Path(__file__).parent / "oracle"
# Public names the oracle does not need to measure, each for a stated reason.
NOT_MEASURED = {
    "format_number": "message text, tested below",
    "format_factor": "message text, tested below",
    "batch_size_ratio": "k = B'/B, only a building block of the measured formulas",
    "lr_rule": "a choice between measured formulas; its table is tested below",
}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.025, "0.025"),
        (0.1 * 32 / 128, "0.025"),  # float noise 0.025000000000000001 must not show
        (0.1 * 128, "12.8"),
        (32.0, "32"),
        (1e-5, "1e-5"),
        (2.5e-5, "2.5e-5"),
        (3e-4 / 4, "7.5e-5"),
        (0.001 * math.sqrt(4), "0.002"),
        (1 / 3, "0.333333"),
        (1e20, "1e20"),
        (0.0, "0"),
        (-0.5, "-0.5"),
        (math.inf, "inf"),
    ],
)
def test_format_number(value: float, text: str) -> None:
    assert scaling.format_number(value) == text


@pytest.mark.parametrize(
    ("factor", "text"),
    [
        (4.0, "x4"),
        (0.25, "x0.25"),
        (1 / 3, "x0.3333"),
        (1 / 32, "x0.03125"),
        (128, "x128"),
        (1.0, "x1"),
    ],
)
def test_format_factor(factor: float, text: str) -> None:
    assert scaling.format_factor(factor) == text


def test_messages_for_the_issue_example_32_to_128() -> None:
    # LSL501's example: lr 0.1 with a summed loss and SGD, batch 32 -> 128.
    assert scaling.format_factor(scaling.step_factor("sum", "sgd", 32, 128)) == "x4"
    assert scaling.format_number(scaling.lr_keeping_step(0.1, 32, 128)) == "0.025"


@pytest.mark.parametrize(
    ("reduction", "family", "rule"),
    [
        ("sum", "sgd", "keep-the-step"),
        ("mean", "sgd", "linear"),
        ("mean", "adaptive", "square-root"),
        ("sum", "adaptive", "square-root"),  # the loss scale cancels, so the mean-loss advice holds
    ],
)
def test_lr_rule_choice(reduction: str, family: str, rule: str) -> None:
    assert scaling.lr_rule(reduction, family) == rule


@pytest.mark.parametrize(
    "call",
    [
        lambda: scaling.step_factor("sum", "sgd", 0, 32),
        lambda: scaling.lr_keeping_step(0.1, 32, -1),
        lambda: scaling.reduction_change_factor("sum", "mean", 0),
        lambda: scaling.regularization_factor("decoupled", "mean", 32, 64, 0.0, 0.1),
        lambda: scaling.steps_per_epoch(100, 0),
        lambda: scaling.accumulation_factor(0, 1),
    ],
)
def test_meaningless_inputs_raise_a_clear_value_error(call) -> None:
    with pytest.raises(ValueError, match="must be positive"):
        call()


def test_decay_timescale_without_decay_is_infinite() -> None:
    assert scaling.decay_timescale_epochs(0.1, 0.0, 1000, 32) == math.inf


def test_the_module_imports_neither_torch_nor_libcst() -> None:
    tree = ast.parse(Path(scaling.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported <= {"__future__", "math", "typing"}


def _public_functions() -> set[str]:
    return {
        name
        for name, value in vars(scaling).items()
        if inspect.isfunction(value)
        and not name.startswith("_")
        and value.__module__ == scaling.__name__
    }


def _names_used_by_the_oracle() -> set[str]:
    used = set()
    for path in ORACLE.glob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "scaling"
            ):
                used.add(node.attr)
    return used


def test_every_formula_is_measured_by_an_oracle_test() -> None:
    missing = _public_functions() - set(NOT_MEASURED) - _names_used_by_the_oracle()
    assert not missing, f"formulas without an oracle test in tests/oracle/: {sorted(missing)}"
    assert set(NOT_MEASURED) <= _public_functions()  # no stale exemptions


def test_every_formula_states_its_formula_in_the_docstring() -> None:
    for name in _public_functions():
        doc = inspect.getdoc(getattr(scaling, name)) or ""
        assert doc, name
        if name not in NOT_MEASURED or name == "batch_size_ratio":
            assert any(symbol in doc for symbol in ("=", "->", "/", "*")), name
