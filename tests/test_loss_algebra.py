"""Loss algebra in the flow: model outputs summed directly, masked per-sample losses, stacked terms.

The rule cases lsl101_*model_output*/*masked*/*stacked* show the diagnostics; these tests pin the flow.
"""

from __future__ import annotations

import pytest

from lossscale_lint.config.options import AnalysisOptions
from lossscale_lint.facts.model import Reduction, ScaleRole
from lossscale_lint.pipeline.engine import module_facts

HEADER = """\
import torch
import torch.nn as nn
import torch.nn.functional as F


class Scorer(nn.Module):
    def forward(self, x):
        return x


class WithLoss(nn.Module):
    def forward(self, x, y):
        return F.mse_loss(x, y)


layer = nn.Linear(3, 3)
scorer = Scorer()
with_loss = WithLoss()
"""


def _flow(expression: str, before: str = ""):
    source = HEADER + before + f"loss = {expression}\nloss.backward()\n"
    [update] = module_facts(source, "case.py", AnalysisOptions()).updates
    return update.flow


@pytest.mark.parametrize("expression, reduction", [
    ("layer(x).sum()", Reduction.SUM),
    ("layer(x).mean()", Reduction.MEAN),
    ("layer(x).float().sum()", Reduction.SUM),
    ("scorer(x).sum()", Reduction.SUM),
    ("out.sum()", Reduction.SUM),
])
def test_model_output_reduced_is_a_hand_written_term(expression, reduction):
    flow = _flow(expression, before="out = layer(x)\n")
    [term] = flow.data_terms
    assert (term.loss.kind, term.reduction) == ("manual", reduction)


@pytest.mark.parametrize("expression", [
    "with_loss(x, y).sum()",  # a forward that takes targets returns a loss, not outputs
    "unknown_model(x).sum()",
    "layer(*xs).sum()",
    "nn.DataParallel(scorer)(x).sum()",  # a wrapper returns what the model returns, maybe a loss per device
    "nn.CrossEntropyLoss()(x).sum()",  # a loss (its own mean term), not a model output
])
def test_other_calls_reduced_are_not_hand_written_terms(expression):
    flow = _flow(expression)
    assert all(term.loss.kind != "manual" for term in (flow.data_terms if flow else ()))


def test_masked_per_sample_loss_keeps_the_mask_as_an_op():
    flow = _flow("(F.mse_loss(a, b, reduction='none') * keep).sum()", before="keep = (b != 0).float()\n")
    [term] = flow.data_terms
    assert term.reduction is Reduction.SUM
    assert [(op.op, op.role) for op in term.ops] == [("mul", ScaleRole.MASK)]


def test_weighted_per_sample_loss_with_unknown_weights_is_other():
    [term] = _flow("(F.mse_loss(a, b, reduction='none') * w).mean()").data_terms
    assert term.reduction is Reduction.MEAN
    assert [op.role for op in term.ops] == [ScaleRole.OTHER]


def test_per_sample_sum_over_other_dims_stays_per_sample():
    flow = _flow("(F.mse_loss(a, b, reduction='none') * w).sum(dim=1)")
    assert flow is None or flow.data_terms == ()


def test_stack_sum_is_the_sum_of_its_terms_and_stack_mean_is_not_followed():
    flow = _flow("torch.stack([F.mse_loss(a, b), F.l1_loss(a, b, reduction='sum')]).sum()")
    assert [(t.loss.name, t.reduction) for t in flow.data_terms] == [("mse_loss", Reduction.MEAN),
                                                                     ("l1_loss", Reduction.SUM)]
    assert _flow("torch.stack([F.l1_loss(a, b, reduction='sum')]).mean()") is None
