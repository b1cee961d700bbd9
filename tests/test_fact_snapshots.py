"""The facts extracted from each rule case, compared with the snapshots in tests/snapshots/.

A change in the extractor shows as a diff of those text files. When the change is intended,
regenerate them with `python tests/snapshots/update.py` and review the diff with the change.
"""

from __future__ import annotations

import dataclasses
import difflib
from pathlib import Path

import pytest
from snapshots.facts_snapshot import HERE, cases, render_facts, snapshot, snapshot_path

from lossscale_lint.diagnostics import Span, record
from lossscale_lint.facts.model import ModuleFacts, OptimizerSite, StepSite, Value

CASES = cases()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.stem)
def test_facts_match_the_snapshot(case: Path) -> None:
    path = snapshot_path(case)
    assert path.is_file(), f"no snapshot for {case.name}: run python tests/snapshots/update.py"
    expected, actual = path.read_text(encoding="utf-8"), snapshot(case)
    diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), path.name, "extracted now"))
    assert actual == expected, f"the facts of {case.name} changed (python tests/snapshots/update.py rewrites it):\n{diff}"


def test_no_snapshot_without_its_case():
    assert sorted(p.name for p in HERE.glob("*.txt")) == sorted(snapshot_path(c).name for c in CASES)


SPAN = Span(line=3, column=5, end_line=3, end_column=9)
SGD = OptimizerSite(qualified_name="torch.optim.SGD", name="SGD", family="sgd", span=SPAN,
                    lr=Value(source="0.1", span=Span(line=3, column=20, end_line=3, end_column=23), value=0.1))


def test_defaults_are_left_out_and_spans_are_line_col():
    text = render_facts(ModuleFacts(path="m.py", optimizers=(SGD,)), "t")
    assert text == (
        '# t\npath: "m.py"\noptimizers:\n'
        '  - OptimizerSite @3:5\n'
        '    qualified_name: "torch.optim.SGD"\n    name: "SGD"\n    family: "sgd"\n'
        '    lr: Value @3:20 {source: "0.1", value: 0.1}\n'
    )
    assert "decoupled" not in text and "weight_decay" not in text and "3:9" not in text


def test_a_nested_top_level_fact_is_a_reference():
    step = StepSite(span=SPAN, optimizer=SGD)

    @record
    class Facts:  # a facts model with a field the renderer has never heard of
        path: str
        optimizers: tuple = ()
        steps: tuple = ()
        updates_seen: int = 0

    text = render_facts(Facts(path="m.py", optimizers=(SGD,), steps=(step,), updates_seen=2), "t")
    assert "  - StepSite @3:5\n    optimizer: = optimizers[0]\n" in text
    assert text.endswith("updates_seen: 2\n")


def test_a_changed_fact_changes_the_snapshot():
    facts = ModuleFacts(path="m.py", optimizers=(SGD,))
    adam = dataclasses.replace(SGD, family="adaptive")
    assert render_facts(facts, "t") != render_facts(dataclasses.replace(facts, optimizers=(adam,)), "t")
