"""Divisions that never reach backward (`UpdateSite.dead_divisions`) and `sum(...)` of known terms.

The rule cases lsl201_*dead*/*logging*/*loop_variable*/*summed* show the diagnostics; these tests pin
the facts and the words of the message.
"""

from __future__ import annotations

from textwrap import dedent

import pytest

from lossscale_lint.config.options import AnalysisOptions
from lossscale_lint.facts.model import ScaleRole
from lossscale_lint.pipeline.engine import module_facts
from lossscale_lint.pipeline.linting import lint_text

HEADER = """\
import torch
import torch.nn.functional as F

K = 4
model = torch.nn.Linear(8, 3)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
"""

LOOP = """
for step, (x, y) in enumerate([]):
    loss = F.cross_entropy(model(x), y)
{body}
    if step % K == K - 1:
        opt.step()
        opt.zero_grad()
"""


def _case(body: str) -> str:
    return HEADER + LOOP.format(body=dedent(body).strip("\n").replace("\n", "\n    ").join(["    ", ""]))


def _update(source: str):
    [update] = module_facts(source, "case.py", AnalysisOptions()).updates
    return update


def _dead_lines(source: str) -> list[int]:
    return [op.span.line for op in _update(source).dead_divisions]


def _codes(source: str) -> list[str]:
    return [d.code for d in lint_text(source, "case.py", AnalysisOptions())]


# Line numbers: HEADER is 6 lines, then a blank line, the `for`, the loss: the body starts at 10.
@pytest.mark.parametrize("body, dead_line", [
    ("scaled = loss / K\nloss.backward()", 10),
    ("print(loss.item() / K)\nloss.backward()", 10),
    ("running = 0.0\nrunning += loss.detach().item() / K\nloss.backward()", 11),
    ("log = {'loss': loss / K}\nloss.backward()", None),  # a dict literal assigned: not followed
    ("if step % 10 == 0:\n    loss = loss / K\nloss.backward()", 11),
])
def test_division_of_a_copy_is_dead_and_named_in_the_message(body, dead_line):
    source = _case(body)
    if dead_line is None:
        assert _dead_lines(source) == []
        return
    assert _dead_lines(source) == [dead_line]
    [diagnostic] = lint_text(source, "case.py", AnalysisOptions())
    assert diagnostic.code == "LSL201"
    assert f"divided by K at line {dead_line}, but that division never reaches backward" in diagnostic.message
    assert any(r.message == "this division never reaches backward" and r.span.line == dead_line
               for r in diagnostic.related)


def test_division_that_reaches_backward_is_not_dead_and_silent():
    source = _case("loss = loss / K\nloss.backward()")
    update = _update(source)
    assert update.dead_divisions == ()
    assert [op.role for op in update.flow.data_terms[0].ops] == [ScaleRole.CONSTANT]
    assert _codes(source) == []


def test_division_by_another_number_is_not_a_dead_accumulation_division():
    source = _case("print(loss.item() / 3)\nloss.backward()")
    assert _dead_lines(source) == []
    [diagnostic] = lint_text(source, "case.py", AnalysisOptions())
    assert "is not divided by K" in diagnostic.message  # the plain LSL201 message


def test_division_of_another_value_is_not_dead():
    source = _case("other = F.mse_loss(model(x), model(x)) / K\nloss.backward()")
    assert _dead_lines(source) == []


def test_setting_branch_is_not_periodic():
    source = _case("if K > 1:\n    loss = loss / K\nloss.backward()")
    assert _dead_lines(source) == []
    assert _codes(source) == []


def test_periodic_branch_with_an_else_is_not_followed():
    source = _case("if step % 10 == 0:\n    loss = loss / K\n    print(loss.item())\nelse:\n    loss = loss / K\n"
                   "loss.backward()")
    assert _dead_lines(source) == []
    assert _codes(source) == []


def test_loop_variable_rebinding_over_a_literal_is_dead():
    source = _case("aux = F.mse_loss(model(x), model(x))\nfor term in (loss, aux):\n    term = term / K\n"
                   "(loss + aux).backward()")
    assert _dead_lines(source) == [12]
    assert _codes(source) == ["LSL201"]


def test_loop_variable_over_an_unknown_sequence_is_not_followed():
    source = _case("for term in get_terms():\n    term = term / K\nloss.backward()")
    assert _dead_lines(source) == []


@pytest.mark.parametrize("body, codes", [
    # every term divided: the sum is divided
    ("terms = [loss / K]\nterms.append(F.mse_loss(model(x), model(x)) / K)\nsum(terms).backward()", []),
    # one appended term undivided: LSL201 would be wrong to stay silent on a plain sum...
    ("terms = []\nterms.append(loss)\nsum(terms).backward()", ["LSL201"]),
    # ...but a list handed to a call we do not follow may hold anything: silent
    ("terms = []\nfill(terms)\nsum(terms).backward()", []),
    ("terms = []\nterms.extend([loss])\nsum(terms).backward()", []),
    ("sum(loss_list).backward()", []),
])
def test_sum_of_terms(body, codes):
    assert _codes(_case(body)) == codes


def test_sum_of_a_literal_is_a_plus_of_its_terms():
    update = _update(_case("aux = F.mse_loss(model(x), model(x))\ntotal = sum([loss, aux]) / K\ntotal.backward()"))
    assert [t.loss.name for t in update.flow.data_terms] == ["cross_entropy", "mse_loss"]
    assert all(len(t.ops) == 1 and t.ops[0].op == "div" for t in update.flow.data_terms)
