"""The update-site fact: every torch shape parsed end to end, and Keras / JAX shapes built by hand.

Rule cases (tests/rule_cases) show the diagnostics; these tests pin the fact itself, so that a
change in how an update site is read shows here first.
"""

from __future__ import annotations

import ast
from pathlib import Path
from textwrap import dedent

import pytest

from lossscale_lint.config.options import AnalysisOptions
from lossscale_lint.diagnostics import Span
from lossscale_lint.facts import catalog
from lossscale_lint.facts.model import (
    AccumulationGuard,
    DataTerm,
    LossFlow,
    LossSite,
    ModuleFacts,
    OptimizerSite,
    Reduction,
    ScaleOp,
    ScaleRole,
    StepSite,
    UpdateSite,
    Value,
)
from lossscale_lint.pipeline.engine import module_facts
from lossscale_lint.pipeline.precheck import may_have_backward_call
from lossscale_lint.rules.accumulation import MISSING_DIVISION
from lossscale_lint.rules.base import RuleContext
from lossscale_lint.rules.reduction import SUM_WITH_SGD

PACKAGE = Path(__file__).resolve().parent.parent / "lossscale_lint"


def updates(source: str) -> tuple[UpdateSite, ...]:
    return module_facts(dedent(source), "case.py", AnalysisOptions()).updates


HEADER = """
import torch
import torch.nn.functional as F
K = 4
model = torch.nn.Linear(4, 2)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
"""

# (source, kind, divides_by_accumulation, step kind, loss_edit)
SHAPES = {
    "tensor": (HEADER + """
for i, (x, y) in enumerate([]):
    F.cross_entropy(model(x), y).backward()
    if (i + 1) % K == 0:
        opt.step()
""", "tensor", False, "optimizer", "wrap"),
    "amp_scaler": (HEADER + """
scaler = torch.amp.GradScaler()
for i, (x, y) in enumerate([]):
    scaler.scale(F.cross_entropy(model(x), y)).backward()
    if (i + 1) % K == 0:
        scaler.step(opt)
""", "amp_scaler", False, "optimizer", "plain"),
    "accelerate_with_k": (HEADER + """
from accelerate import Accelerator
accelerator = Accelerator(gradient_accumulation_steps=K)
for x, y in []:
    accelerator.backward(F.cross_entropy(model(x), y))
    opt.step()
""", "accelerate", True, "optimizer", None),
    "accelerate_without_k": (HEADER + """
from accelerate import Accelerator
accelerator = Accelerator()
for x, y in []:
    accelerator.backward(F.cross_entropy(model(x), y))
    opt.step()
""", "accelerate", False, "optimizer", None),
    "fabric": (HEADER + """
from lightning import Fabric
fabric = Fabric()
for x, y in []:
    fabric.backward(F.cross_entropy(model(x), y))
    opt.step()
""", "fabric", False, "optimizer", None),
    "deepspeed": ("""
import deepspeed
import torch.nn.functional as F
def train(model, loader, config):
    engine, optimizer, _, _ = deepspeed.initialize(model=model, config=config)
    for x, y in loader:
        engine.backward(F.cross_entropy(engine(x), y))
        engine.step()
""", "deepspeed", True, "engine", None),
    "unknown_backward": (HEADER + """
helper = make_helper()
for x, y in []:
    helper.backward(F.cross_entropy(model(x), y))
    opt.step()
""", "other", None, "optimizer", None),
    "lightning_manual": ("""
import lightning.pytorch as pl
import torch
import torch.nn.functional as F
class Module(pl.LightningModule):
    def training_step(self, batch, batch_idx):
        opt = self.optimizers()
        x, y = batch
        self.manual_backward(F.cross_entropy(self(x), y))
        opt.step()
""", "lightning_manual", False, "optimizer", None),
    "lightning_automatic": ("""
import lightning.pytorch as pl
import torch
import torch.nn.functional as F
class Module(pl.LightningModule):
    def training_step(self, batch, batch_idx):
        x, y = batch
        return {"loss": F.cross_entropy(self(x), y)}
    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)
trainer = pl.Trainer(accumulate_grad_batches=4)
""", "lightning", True, "automatic", None),
    "manual_data_update": (HEADER + """
for x, y in []:
    F.cross_entropy(model(x), y).backward()
    for p in model.parameters():
        p.data -= 0.1 * p.grad
""", "tensor", False, "manual", "wrap"),
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_each_torch_shape_becomes_one_update_site(name: str) -> None:
    source, kind, divides, step_kind, loss_edit = SHAPES[name]
    [site] = updates(source)
    assert (site.kind, site.divides_by_accumulation, site.loss_edit) == (kind, divides, loss_edit)
    assert site.step is not None and site.step.kind == step_kind
    assert site.flow is not None and site.flow.data_terms  # the loss is followed to its definition


def test_framework_division_says_who_divides() -> None:
    [site] = updates(SHAPES["lightning_automatic"][0])
    division = site.framework_division
    assert division is not None and division.steps.number == 4
    assert "Lightning" in division.who and division.steps_attributes
    [site] = updates(SHAPES["accelerate_with_k"][0])
    assert site.framework_division is not None and "accelerator" in site.framework_division.who


MANUAL_SPELLINGS = {
    "p.data -= lr * p.grad": ("lr", None),
    "p.data -= p.grad * lr": ("lr", None),
    "p.data.add_(p.grad, alpha=-lr)": ("lr", None),
    "p.data -= lr * (p.grad + wd * p.data)": ("lr", "wd"),
    "p.data -= group['lr'] * (wd * p + p.grad)": ("group['lr']", "wd"),
}


@pytest.mark.parametrize("statement", sorted(MANUAL_SPELLINGS))
def test_manual_update_is_plain_sgd_with_its_lr_and_coupled_decay(statement: str) -> None:
    lr, decay = MANUAL_SPELLINGS[statement]
    [site] = updates(HEADER + f"""
lr, wd, group = 0.1, 1e-4, {{"lr": 0.1}}
for x, y in []:
    F.cross_entropy(model(x), y).backward()
    for p in model.parameters():
        {statement}
""")
    optimizer = site.step.optimizer
    assert site.step.kind == "manual" and optimizer.family == "sgd" and not optimizer.decoupled
    assert optimizer.lr.source == lr
    assert (optimizer.weight_decay.source if optimizer.weight_decay else None) == decay


@pytest.mark.parametrize("statement", [
    "p.data -= lr * m / (v.sqrt() + eps)",  # Adam-like: normalised, not plain SGD
    "p.data -= lr / (v.sqrt() + eps) * p.grad",  # RMSprop-like: the rate is computed per element
    "p.data -= lr * q.grad",  # another tensor's gradient
    "p.data.add_(p.grad, alpha=lr)",  # ascent
    "p -= lr * p.grad",  # outside no_grad: autograd would refuse it, so it is not our update
])
def test_look_alike_updates_are_not_manual_sgd(statement: str) -> None:
    [site] = updates(HEADER + f"""
lr, eps, m, v, q = 0.1, 1e-8, 0, 1, None
for x, y in []:
    F.cross_entropy(model(x), y).backward()
    for p in model.parameters():
        {statement}
""")
    assert site.step is None


@pytest.mark.parametrize("statement, op, factor", [
    ("p.grad /= accumulation_steps", "div", "accumulation_steps"),
    ("p.grad *= 1 / accumulation_steps", "div", "accumulation_steps"),
    ("p.grad.mul_(1.0 / accumulation_steps)", "div", "accumulation_steps"),
    ("p.grad.div_(accumulation_steps)", "div", "accumulation_steps"),
    ("p.grad.data.mul_(scale)", "mul", "scale"),
])
def test_gradient_scaling_is_a_typed_scale_op(statement: str, op: str, factor: str) -> None:
    [site] = updates(HEADER + f"""
scale = 0.5
accumulation_steps = 4
for i, (x, y) in enumerate([]):
    F.cross_entropy(model(x), y).backward()
    for p in model.parameters():
        {statement}
    opt.step()
""")
    [scaled] = site.gradient_scale
    assert (scaled.op, scaled.factor.source) == (op, factor)
    assert scaled.role is (ScaleRole.CONSTANT if factor == "scale" else ScaleRole.ACCUMULATION)


def test_gradient_scaling_after_the_step_is_not_part_of_the_update() -> None:
    [site] = updates(HEADER + """
for x, y in []:
    F.cross_entropy(model(x), y).backward()
    opt.step()
    for p in model.parameters():
        p.grad.div_(K)
""")
    assert site.gradient_scale == ()


# -- Keras and JAX: the model fits them, the rules read them ----------------------------------------

def _span(line: int) -> Span:
    return Span(line=line, column=1, end_line=line, end_column=10)


def _value(source: str, number=None) -> Value:
    return Value(source=source, span=_span(9), value=number, canonical=source)


def _hand_built(kind: str, step_kind: str, reduction: Reduction, family: str, *, guard: bool = False,
                scale: tuple[ScaleOp, ...] = ()) -> ModuleFacts:
    loss = LossSite(kind="module", name="SparseCategoricalCrossentropy", call_span=_span(2), reduction=reduction,
                    reduction_arg_span=_span(2))
    term = DataTerm(loss=loss, reduction=reduction, sum_span=_span(2) if reduction is Reduction.SUM else None)
    optimizer = OptimizerSite(qualified_name="keras.optimizers.SGD", name="SGD", family=family, span=_span(3),
                              lr=_value("0.01", 0.01))
    steps = _value("accum_steps", 4)
    step = StepSite(span=_span(8), optimizer=optimizer, kind=step_kind,
                    guard=AccumulationGuard(steps=steps, span=_span(7)) if guard else None)
    site = UpdateSite(kind=kind, span=_span(5), scope="train_step", flow=LossFlow(data_terms=(term,)),
                      value_source="loss", value_span=_span(5), step=step, gradient_scale=scale)
    return ModuleFacts(path="hand_built.py", updates=(site,))


def _codes(rule, facts: ModuleFacts) -> list[str]:
    return [d.code for d in rule.check(RuleContext(facts=facts, path=facts.path))]


def test_keras_tape_update_with_a_summed_loss_and_sgd_fires_lsl101() -> None:
    assert _codes(SUM_WITH_SGD, _hand_built("keras_tape", "apply_gradients", Reduction.SUM, "sgd")) == ["LSL101"]
    assert _codes(SUM_WITH_SGD, _hand_built("keras_fit", "apply_gradients", Reduction.SUM, "sgd")) == ["LSL101"]


def test_keras_tape_update_with_a_mean_loss_or_an_adaptive_optimizer_is_silent() -> None:
    assert _codes(SUM_WITH_SGD, _hand_built("keras_tape", "apply_gradients", Reduction.MEAN, "sgd")) == []
    assert _codes(SUM_WITH_SGD, _hand_built("keras_tape", "apply_gradients", Reduction.SUM, "adaptive")) == []


def test_jax_update_accumulating_without_division_fires_lsl201() -> None:
    facts = _hand_built("jax_grad", "optax", Reduction.MEAN, "adaptive", guard=True)
    assert _codes(MISSING_DIVISION, facts) == ["LSL201"]


def test_jax_update_whose_gradients_are_divided_by_k_is_silent() -> None:
    divided = ScaleOp(op="div", factor=_value("accum_steps", 4), role=ScaleRole.ACCUMULATION, span=_span(6))
    facts = _hand_built("jax_grad", "optax", Reduction.MEAN, "adaptive", guard=True, scale=(divided,))
    assert _codes(MISSING_DIVISION, facts) == []


def test_an_update_that_divides_by_itself_is_not_lsl201s_business() -> None:
    facts = _hand_built("jax_grad", "optax", Reduction.MEAN, "adaptive", guard=True)
    site = facts.updates[0]
    from dataclasses import replace

    for divides in (True, None):
        changed = replace(facts, updates=(replace(site, divides_by_accumulation=divides),))
        assert _codes(MISSING_DIVISION, changed) == []


# -- the catalog is the only place that names frameworks and methods --------------------------------

def test_the_precheck_sees_every_backward_the_catalog_declares() -> None:
    for record in catalog.BACKWARD_CALLS:
        assert may_have_backward_call(f"x.{record.method}(y)\n"), record
    for record in catalog.AUTOMATIC_UPDATES:
        assert may_have_backward_call(f"def {record.step_method}(self):\n    return 1\n"), record


FORBIDDEN = (
    {record.method for record in catalog.BACKWARD_CALLS}
    | set(catalog.STEP_METHODS) | set(catalog.CLIP_METHODS) | set(catalog.GRADIENT_SCALE_METHODS)
    | set(catalog.MANUAL_UPDATE_CALLS) | set(catalog.LOADER_WRAPPERS)
    | {catalog.GRADIENT_ATTRIBUTE, catalog.DATA_ATTRIBUTE}
    | {"torch", "accelerate", "accelerator", "lightning", "fabric", "deepspeed", "keras", "jax", "optax",
       "training_step", "configure_optimizers", "accumulate_grad_batches", "Trainer", "scale"}
)


@pytest.mark.parametrize("module", ["facts/extract.py", "facts/updates.py", "facts/gradients.py",
                                    "rules/accumulation.py"])
def test_no_framework_or_method_name_is_written_outside_the_catalog(module: str) -> None:
    tree = ast.parse((PACKAGE / module).read_text())
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and node.body
                  and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    literals = [node.value for node in ast.walk(tree)
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]
    # f-strings hold message text; only whole literals can be compared against code.
    found = sorted({text for text in literals for word in FORBIDDEN if text.strip(".`()") == word})
    assert found == []
