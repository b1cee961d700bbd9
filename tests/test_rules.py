"""Each rule against small training scripts: the ones it must flag and the look-alikes it must not.

Cases live in tests/rule_cases/*.py. The first line of each file says what must be reported:
`# expect: LSL101@13, LSL102` (code, optionally with the line) or `# expect: nothing`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lossscale_lint.pipeline.engine import lint_source

CASES = sorted((Path(__file__).parent / "rule_cases").glob("*.py"))


def expected(source: str) -> tuple[set[str], set[tuple[str, int]]]:
    header = source.splitlines()[0]
    match = re.match(r"# expect: (.*)", header)
    assert match, "each case starts with '# expect: ...'"
    codes, located = set(), set()
    if match.group(1).strip() == "nothing":
        return codes, located
    for item in match.group(1).split(","):
        code, _, line = item.strip().partition("@")
        codes.add(code)
        if line:
            located.add((code, int(line)))
    return codes, located


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_rule_case(case: Path) -> None:
    source = case.read_text()
    codes, located = expected(source)
    diagnostics = lint_source(source, case.name)
    assert {d.code for d in diagnostics} == codes, [f"{d.code}@{d.span.line}: {d.message}" for d in diagnostics]
    reported = {(d.code, d.span.line) for d in diagnostics}
    assert located <= reported, reported


def test_cases_cover_every_rule_both_ways() -> None:
    from lossscale_lint.rules import ALL_RULES

    positive = {code for case in CASES for code in expected(case.read_text())[0]}
    negative = {case.stem.split("_")[0].upper() for case in CASES if case.stem.split("_")[1] == "ok"}
    # LSL000's cases are files that do not parse, which the other readers of rule_cases (the walk,
    # the facts types, the benchmark corpus) cannot take; tests/test_engine.py covers it.
    engine_reported = {"LSL000"}
    # LSL900 judges `# noqa` comments above the engine (tests/test_unused_noqa.py has both ways);
    # LSL001/LSL002/LSL999 say the analysis did not finish (tests/test_limits.py).
    engine_reported |= {c for c, r in ALL_RULES.items() if r.reported_by_the_pipeline}
    assert set(ALL_RULES) - engine_reported - {c for c, r in ALL_RULES.items() if r.needs_base} <= positive
    assert set(ALL_RULES) - engine_reported - {c for c, r in ALL_RULES.items() if r.needs_base} <= negative


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_facts_and_diagnostics_hold_the_types_they_declare(case: Path) -> None:
    from declared_types import problems

    from lossscale_lint.diagnostics import Diagnostic
    from lossscale_lint.pipeline.engine import module_facts
    from lossscale_lint.facts.model import ModuleFacts
    from lossscale_lint.config.options import AnalysisOptions
    from lossscale_lint.reporters.json_format import diagnostic_from_object, diagnostic_object

    source = case.read_text()
    facts = module_facts(source, case.name, AnalysisOptions())
    assert problems(facts, ModuleFacts, "facts") == []
    for diagnostic in lint_source(source, case.name):
        assert problems(diagnostic, Diagnostic, diagnostic.code) == []
        # and the cache's format gives back exactly what was stored
        assert diagnostic_from_object(diagnostic_object(diagnostic)) == diagnostic
