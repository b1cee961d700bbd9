"""The text pre-check never changes a result: with and without it, every file gets the same
diagnostics. It only saves the LibCST parse of files that cannot contain what the rules look for."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import MARKER_CODE, marker_rule  # noqa: F401 - fixture
from test_rule_docs import python_blocks

from lossscale_lint.pipeline import engine, precheck
from lossscale_lint.config.settings import RuleSelection
from lossscale_lint.pipeline.engine import lint_source
from lossscale_lint.facts import catalog
from lossscale_lint.config.options import AnalysisOptions
from lossscale_lint.pipeline.precheck import lint_source_prechecked
from lossscale_lint.rules import ALL_RULES

ROOT = Path(__file__).resolve().parent.parent


def corpus() -> list[tuple[str, str]]:
    """(name, text) of every test case, example script and rule-page code block."""
    items = [(p.name, p.read_text()) for p in sorted((ROOT / "tests" / "rule_cases").glob("*.py"))]
    items += [(f"examples/{p.name}", p.read_text()) for p in sorted((ROOT / "examples").glob("*.py"))]
    for page in sorted((ROOT / "rules").glob("*.md")):
        items += [(f"{page.name}#{i}", block) for i, block in enumerate(python_blocks(page.read_text()))]
    return items


def tweak(case: str, old: str, new: str) -> str:
    source = (ROOT / "tests" / "rule_cases" / case).read_text()
    assert old in source, f"{case} no longer contains {old!r}"
    return source.replace(old, new)


# Legal spellings a looser or stricter text check could get wrong; each must still be reported.
TRICKY = {
    "parenthesised callee": ("LSL201", tweak(
        "lsl201_bad_missing_division.py", "scaler.scale(loss).backward()", "(scaler.scale(loss).backward)()")),
    "comment before the call parenthesis": ("LSL201", tweak(
        "lsl201_bad_missing_division.py", "scaler.scale(loss).backward()",
        "(scaler.scale(loss).backward  # the call follows\n         ())")),
    "backslash continuation": ("LSL201", tweak(
        "lsl201_bad_missing_division.py", "scaler.scale(loss).backward()", "scaler.scale(loss).backward \\\n()")),
    "comment before the keyword's =": ("LSL401", tweak(
        "lsl401_bad_legacy.py", "nn.MSELoss(size_average=False)", "nn.MSELoss(size_average  # old API\n = False)")),
    "CRLF line endings": ("LSL201", tweak(
        "lsl201_bad_missing_division.py", "scaler.scale(loss).backward()", "(scaler.scale(loss).backward \\\n())",
    ).replace("\n", "\r\n")),
}

SELECTIONS = {
    "all": RuleSelection(),
    "backward rules": RuleSelection(select=("LSL1", "LSL2")),
    "LSL401 only": RuleSelection(select=("LSL401",)),
    "syntax only": RuleSelection(select=("LSL000",)),
}


def same_with_and_without(source: str, name: str) -> list:
    results = []
    for selection in SELECTIONS.values():
        options = AnalysisOptions(is_selected=selection)
        full = lint_source(source, name, options)
        assert lint_source_prechecked(source, name, options) == full, selection
        results.append(full)
    return results


CORPUS = corpus()


@pytest.mark.parametrize(("name", "source"), CORPUS, ids=[name for name, _ in CORPUS])
def test_corpus_results_are_identical(name, source):
    same_with_and_without(source, name)


def test_corpus_is_a_real_check():
    # The comparison above means something only if the corpus holds findings of every rule.
    found = {d.code for _, source in CORPUS for d in lint_source(source, "case.py")}
    # (LSL900 is judged above the engine, from the comments; tests/test_unused_noqa.py has it. The
    # limits and crashes, LSL001/LSL002/LSL999, have tests/test_limits.py.)
    engine_rules = {code for code, rule in ALL_RULES.items() if not rule.needs_base and not rule.reported_by_the_pipeline}
    assert engine_rules <= found


@pytest.mark.parametrize("spelling", sorted(TRICKY))
def test_tricky_spellings_are_not_skipped(spelling):
    code, source = TRICKY[spelling]
    everything = same_with_and_without(source, "tricky.py")[0]
    assert code in {d.code for d in everything}


@pytest.fixture
def parse_count(monkeypatch):
    calls = []
    real = engine.lint_source

    def counting(source, path, options=None, base_source=None):
        calls.append(path)
        return real(source, path, options, base_source)

    monkeypatch.setattr(engine, "lint_source", counting)
    return calls


UNRELATED = '''"""Kept for backward compatibility; see functools.reduce."""
from functools import reduce

def total(xs, reduce_first=False):
    return reduce(lambda a, b: a + b, xs)  # the backward pass of nothing
'''


def test_unrelated_text_is_not_parsed_with_libcst(parse_count):
    assert lint_source_prechecked(UNRELATED, "util.py") == []
    real_module = (ROOT / "lossscale_lint" / "diagnostics.py").read_text()
    assert lint_source_prechecked(real_module, "diagnostics.py") == []
    assert parse_count == []


def test_a_backward_call_is_parsed(parse_count):
    source = UNRELATED + "loss.backward()\n"
    lint_source_prechecked(source, "train.py")
    assert parse_count == ["train.py"]


def test_a_skipped_file_still_gets_its_syntax_error(parse_count):
    broken = UNRELATED + "def f(:\n"
    [error] = lint_source_prechecked(broken, "broken.py")
    assert error.code == "LSL000"
    assert [error] == lint_source(broken, "broken.py")
    nothing_selected = AnalysisOptions(is_selected=RuleSelection(select=("LSL401",)))
    assert lint_source_prechecked(broken, "broken.py", nothing_selected) == []  # LSL000 not selected


@pytest.mark.parametrize("newer", ["type Pair = tuple[int, int]\n", "def first[T](xs: list[T]) -> T:\n    return xs[0]\n"])
def test_syntax_newer_than_this_python_is_handed_to_libcst(newer):
    # This interpreter's parser rejects it, LibCST accepts it: the results must still agree.
    assert not precheck.parses(newer)
    assert lint_source_prechecked(newer, "new.py") == lint_source(newer, "new.py") == []


def test_an_unknown_selected_rule_turns_the_precheck_off(marker_rule, parse_count):
    source = "import torch.nn as nn\ncrit = nn.MSELoss()\n"
    options = AnalysisOptions(is_selected=lambda code: code == MARKER_CODE)
    assert [d.code for d in lint_source_prechecked(source, "m.py", options)] == [MARKER_CODE]
    assert parse_count == ["m.py"]


def test_every_rule_is_accounted_for():
    # A new rule still runs (it turns the pre-check off), but it should get its own trigger words:
    # every registered rule reads only fact kinds whose evidence the pre-check can test.
    known = {code for code, rule in ALL_RULES.items() if rule.reads and set(rule.reads) <= set(precheck.EVIDENCE_TESTS)}
    assert known == set(ALL_RULES)
    assert precheck.read_kinds(lambda code: True) is not None


def test_every_catalog_loss_contains_a_stem():
    names = set(catalog.LOSS_MODULES) | set(catalog.LOSS_FUNCTIONS)
    assert all(any(stem in name for stem in precheck.LOSS_NAME_STEMS) for name in names)
    assert "Loss" in precheck.LOSS_NAME_STEMS and "cross_entropy" in precheck.LOSS_NAME_STEMS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("loss.backward()", True),
        ("self.manual_backward(loss)", True),
        ("backward(x)", True),  # at the very start
        ("é.backward ()", True),
        ("x.backwards()", False),
        ("my_manual_backward(loss)", False),
        ("xbackward(loss)", False),
        ("ébackward(loss)", False),  # a longer identifier, in the Unicode sense
        ("backward_hook(m)", False),
        ("# keeps backward compatibility\n", False),
        ("xbackward(a); y.backward(b)", True),  # a non-match before a match
    ],
)
def test_backward_calls_are_recognised_as_whole_identifiers(text, expected):
    assert precheck.may_have_backward_call(text) is expected
