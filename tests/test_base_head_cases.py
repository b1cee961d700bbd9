"""The change-aware rules (LSL5xx) against base/head pairs, without git.

Each case is a pair in tests/rule_cases/base_head/: `<case>.base.py` (the file at the git base) and
`<case>.head.py` (the file now), linted as `check --base` would: `lint_source(head, path,
base_source=base)`. The head's first line says what must be reported, as in tests/rule_cases:
`# expect: LSL101, LSL501@9` (codes, optionally with the line in the head) or `# expect: nothing`.
The case name starts with the rule it is about and `bad` or `ok`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_rules import expected

from lossscale_lint.pipeline.engine import lint_source
from lossscale_lint.rules import ALL_RULES

PAIRS = Path(__file__).parent / "rule_cases" / "base_head"
HEADS = sorted(PAIRS.glob("*.head.py"))


def case_name(head: Path) -> str:
    return head.name.removesuffix(".head.py")


def lint_pair(head: Path) -> list:
    base = head.with_name(f"{case_name(head)}.base.py")
    return lint_source(head.read_text(encoding="utf-8"), head.name, base_source=base.read_text(encoding="utf-8"))


@pytest.mark.parametrize("head", HEADS, ids=case_name)
def test_base_head_case(head: Path) -> None:
    codes, located = expected(head.read_text(encoding="utf-8"))
    diagnostics = lint_pair(head)
    assert {d.code for d in diagnostics} == codes, [f"{d.code}@{d.span.line}: {d.message}" for d in diagnostics]
    assert located <= {(d.code, d.span.line) for d in diagnostics}


@pytest.mark.parametrize("head", HEADS, ids=case_name)
def test_without_the_base_no_change_rule_runs(head: Path) -> None:
    alone = lint_source(head.read_text(encoding="utf-8"), head.name)
    assert not [d.code for d in alone if ALL_RULES[d.code].needs_base]


def test_every_case_has_its_base():
    bases = {p.name.removesuffix(".base.py") for p in PAIRS.glob("*.base.py")}
    assert bases == {case_name(head) for head in HEADS}
    assert not [p.name for p in PAIRS.glob("*.py") if not p.name.endswith((".base.py", ".head.py"))]


def test_pairs_cover_every_change_rule_both_ways():
    change_rules = {code for code, rule in ALL_RULES.items() if rule.needs_base}
    assert change_rules == {"LSL501", "LSL502", "LSL503", "LSL505"}
    positive = {code for head in HEADS for code in expected(head.read_text(encoding="utf-8"))[0]}
    negative = {case_name(head).split("_")[0].upper() for head in HEADS if case_name(head).split("_")[1] == "ok"}
    assert change_rules <= positive and change_rules <= negative
    for head in HEADS:  # an `ok` pair about a rule never expects that rule
        rule, kind = case_name(head).split("_")[:2]
        assert kind in ("bad", "ok") and ((rule.upper() in expected(head.read_text())[0]) == (kind == "bad")), head.name
