"""One source for rule metadata: the registry entry of each rule (LSL000 included) is what the
`rules` listing, the README table, the JSON `url`, SARIF's `helpUri` and the text pre-check read,
and each rule's `reads` declaration holds on every rule case."""

from __future__ import annotations

import dataclasses
import json
import tomllib
from pathlib import Path

import pytest
from cli_support import run_main

from lossscale_lint.config.options import AnalysisOptions
from lossscale_lint.config.settings import RuleSelection
from lossscale_lint.diagnostics import Severity
from lossscale_lint.pipeline import engine, precheck
from lossscale_lint.pipeline.engine import lint_source, module_facts
from lossscale_lint.reporters.base import ReportContext
from lossscale_lint.reporters.json_format import (
    MalformedDiagnostic,
    diagnostic_from_object,
    diagnostic_object,
    report_json,
)
from lossscale_lint.reporters.sarif import report_sarif
from lossscale_lint.rules import ALL_RULES, table
from lossscale_lint.rules.base import RULE_PAGE_URL, Rule, RuleContext
from lossscale_lint.rules.reads import FACT_KINDS

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "tests" / "rule_cases").glob("*.py")) + sorted((ROOT / "examples").glob("*.py"))
BROKEN = "import torch\nfor step in range(3)\n    pass\n"


# --- LSL000 is a rule like the others -------------------------------------------------------------

def test_syntax_error_is_registered_and_the_engine_reports_it_as_registered():
    rule = ALL_RULES["LSL000"]
    assert (rule.name, rule.severity, rule.fix) == ("syntax-error", Severity.ERROR, None)
    [diagnostic] = lint_source(BROKEN, "broken.py")
    assert (diagnostic.code, diagnostic.name, diagnostic.severity) == (rule.code, rule.name, rule.severity)
    assert lint_source(BROKEN, "broken.py", AnalysisOptions(is_selected=RuleSelection(ignore=("LSL000",)))) == []


def test_rules_command_lists_every_rule_once(capsys):
    code, out, _ = run_main(["rules"], capsys)
    assert code == 0
    for rule_code in ALL_RULES:
        assert out.count(rule_code) == 1, rule_code


def test_explain_knows_lsl000(capsys):
    code, out, _ = run_main(["explain", "--raw", "LSL000"], capsys)
    assert code == 0 and out.startswith("# LSL000: syntax-error")


# --- `reads`: what each rule declares is what its findings start from ----------------------------

def without(kind: str, ctx: RuleContext) -> RuleContext:
    """The context with every fact of `kind` taken away."""
    facts = ctx.facts
    if kind == "updates":
        return dataclasses.replace(ctx, facts=dataclasses.replace(facts, updates=()))
    if kind == "legacy_args":
        losses = tuple(dataclasses.replace(loss, legacy_args=()) for loss in facts.losses)
        return dataclasses.replace(ctx, facts=dataclasses.replace(facts, losses=losses))
    if kind == "per_sample_reductions":
        losses = tuple(dataclasses.replace(loss, per_sample_reduction=None) for loss in facts.losses)
        return dataclasses.replace(ctx, facts=dataclasses.replace(facts, losses=losses))
    if kind == "data_parallel":
        return dataclasses.replace(ctx, facts=dataclasses.replace(facts, data_parallel=()))
    if kind == "coupled_decay":
        optimizers = tuple(dataclasses.replace(o, coupled_decay_normalised=False) for o in facts.optimizers)
        return dataclasses.replace(ctx, facts=dataclasses.replace(facts, optimizers=optimizers))
    if kind == "removed_uses":
        return dataclasses.replace(ctx, facts=dataclasses.replace(facts, removed_uses=()))
    raise AssertionError(f"teach this test how to take away the fact kind {kind!r}")


# LSL000 is reported by the engine where parsing fails, LSL900 by the linting layer from the
# comments and the other rules' findings, LSL001/LSL002/LSL999 when the analysis did not finish:
# none of them reads module facts.
FACT_RULES = [rule for rule in ALL_RULES.values()
              if not rule.needs_base and "parse_failure" not in rule.reads and not rule.reported_by_the_pipeline]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_a_rule_reports_nothing_without_the_facts_it_reads(path):
    facts = module_facts(path.read_text(encoding="utf-8"), path.name, AnalysisOptions())
    ctx = RuleContext(facts=facts, path=path.name)
    for rule in FACT_RULES:
        for kind in rule.reads:
            ctx = without(kind, ctx)
        assert list(rule.check(ctx)) == [], f"{rule.code} reports without its declared facts {rule.reads}"


def test_the_reads_test_above_can_fail():
    # With the facts left in place the same rules do report on the corpus.
    fired = set()
    for path in SOURCES:
        ctx = RuleContext(facts=module_facts(path.read_text(encoding="utf-8"), path.name, AnalysisOptions()),
                          path=path.name)
        fired |= {rule.code for rule in FACT_RULES if list(rule.check(ctx))}
    assert fired == {rule.code for rule in FACT_RULES}


def test_every_declared_kind_is_known_and_has_evidence():
    for rule in ALL_RULES.values():
        assert rule.reads, f"{rule.code} declares no facts: the pre-check is off while it is selected"
        for kind in rule.reads:
            assert kind in FACT_KINDS and FACT_KINDS[kind].evidence is not None, (rule.code, kind)


def test_opt_in_rules_are_the_selection_s_opt_in_codes():
    from lossscale_lint.config.options import OPT_IN_CODES

    assert {c for c, r in ALL_RULES.items() if r.opt_in} == set(OPT_IN_CODES) == {"LSL900"}
    everything = RuleSelection()
    assert [c for c in ALL_RULES if not everything(c)] == ["LSL900"]
    assert RuleSelection(select=("LSL9",))("LSL900") and RuleSelection(select=("LSL", "LSL900"))("LSL900")


def test_base_rules_are_the_ones_that_read_the_base():
    assert {c for c, r in ALL_RULES.items() if r.needs_base} == {"LSL501", "LSL502", "LSL503", "LSL505"}


# --- the pre-check follows the declarations -------------------------------------------------------

@pytest.fixture
def parses_with_libcst(monkeypatch):
    calls = []
    real = engine.lint_source

    def counting(source, path, options=None, base_source=None):
        calls.append(path)
        return real(source, path, options, base_source)

    monkeypatch.setattr(engine, "lint_source", counting)
    return calls


def probe_rule(monkeypatch, reads: tuple[str, ...]) -> AnalysisOptions:
    """Register LSL902, which reads `reads` and reports nothing, and select only it."""
    rule = Rule("LSL902", "test-probe", Severity.INFO, "Test only.", lambda ctx: iter(()), reads=reads)
    monkeypatch.setitem(ALL_RULES, rule.code, rule)
    return AnalysisOptions(is_selected=lambda code: code == rule.code)


WITH_BACKWARD = "loss = model(x).sum()\nloss.backward()\n"
WITHOUT_BACKWARD = "loss = model(x).sum()\nprint(loss)\n"


def test_a_new_rule_reading_backwards_gets_the_backward_evidence(monkeypatch, parses_with_libcst):
    options = probe_rule(monkeypatch, ("updates",))
    precheck.lint_source_prechecked(WITHOUT_BACKWARD, "skipped.py", options)
    precheck.lint_source_prechecked(WITH_BACKWARD, "parsed.py", options)
    assert parses_with_libcst == ["parsed.py"]


@pytest.mark.parametrize("reads", [(), ("no_such_fact",), ("updates", "no_such_fact")])
def test_a_rule_reading_an_undeclared_fact_turns_the_precheck_off(monkeypatch, parses_with_libcst, reads):
    options = probe_rule(monkeypatch, reads)
    precheck.lint_source_prechecked(WITHOUT_BACKWARD, "parsed.py", options)
    assert parses_with_libcst == ["parsed.py"]


def test_base_rules_are_skipped_without_a_base_and_run_with_one(monkeypatch, parses_with_libcst):
    options = AnalysisOptions(is_selected=RuleSelection(select=("LSL5",)))
    precheck.lint_source_prechecked(WITHOUT_BACKWARD, "no-base.py", options)
    precheck.lint_source_prechecked(WITHOUT_BACKWARD, "with-base.py", options, base_source=WITHOUT_BACKWARD)
    assert parses_with_libcst == ["with-base.py"]


# --- page URLs: one constant, in pyproject.toml too, in JSON and SARIF ---------------------------

def test_the_page_url_is_the_one_in_pyproject():
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]
    assert RULE_PAGE_URL == urls["Rule pages"] + "{code}.md"
    assert ALL_RULES["LSL101"].url == "https://github.com/lossscale-lint/lossscale-lint/blob/main/rules/LSL101.md"


def test_every_rule_url_names_a_page_in_the_checkout():
    for code, rule in ALL_RULES.items():
        relative = rule.url.removeprefix(urls_base())
        assert (ROOT / "rules" / relative).is_file(), code


def urls_base() -> str:
    return RULE_PAGE_URL.removesuffix("{code}.md")


def test_json_carries_the_url_and_round_trips(monkeypatch):
    [syntax] = lint_source(BROKEN, "broken.py")
    [item] = json.loads(report_json([syntax], ReportContext()))
    assert item["url"] == ALL_RULES["LSL000"].url
    assert diagnostic_from_object(item) == syntax
    assert diagnostic_object(diagnostic_from_object(item)) == item
    unregistered = dataclasses.replace(syntax, code="LSL998")
    assert diagnostic_object(unregistered)["url"] is None
    assert diagnostic_from_object(diagnostic_object(unregistered)) == unregistered


@pytest.mark.parametrize("url", ["https://example.invalid/LSL000.md", None, 3])
def test_json_with_a_url_that_does_not_follow_from_the_code_is_malformed(url):
    [syntax] = lint_source(BROKEN, "broken.py")
    with pytest.raises(MalformedDiagnostic):
        diagnostic_from_object({**diagnostic_object(syntax), "url": url})
    without_url = diagnostic_object(syntax)
    del without_url["url"]
    with pytest.raises(MalformedDiagnostic):
        diagnostic_from_object(without_url)


def test_sarif_rule_descriptors_have_help_uri(tmp_path):
    diagnostics = lint_source(BROKEN, "broken.py") + [
        dataclasses.replace(lint_source(BROKEN, "broken.py")[0], code="LSL998", name="unknown")
    ]
    run = json.loads(report_sarif(diagnostics, ReportContext(cwd=str(tmp_path))))["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert rules["LSL000"]["helpUri"] == ALL_RULES["LSL000"].url
    assert "helpUri" not in rules["LSL998"]  # no page is published for a code the registry lacks


# --- the README table ------------------------------------------------------------------------------

def test_readme_rule_table_is_generated_from_the_registry():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert table.with_table(readme, ALL_RULES.values()) == readme, (
        "README.md's rule table is out of date: run `python -m lossscale_lint.rules.table`"
    )


def test_table_script_rewrites_only_between_the_markers(tmp_path, capsys):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    stale = tmp_path / "README.md"
    stale.write_text(readme.replace("| `sum-loss-with-sgd` |", "| `old-name` |"), encoding="utf-8")
    assert table.main(["--check", str(stale)]) == 1
    assert table.main([str(stale)]) == 0
    assert stale.read_text(encoding="utf-8") == readme
    assert table.main(["--check", str(stale)]) == 0


def test_table_script_without_markers_is_one_clear_error(tmp_path, capsys):
    plain = tmp_path / "README.md"
    plain.write_text("# A readme without the table\n", encoding="utf-8")
    assert table.main([str(plain)]) == 2
    assert "needs the markers" in capsys.readouterr().err
    assert plain.read_text(encoding="utf-8") == "# A readme without the table\n"


def test_table_row_uses_finds_and_escapes_pipes():
    rule = Rule("LSL998", "x", Severity.INFO, "plain summary", lambda ctx: iter(()), reads=("updates",),
                finds="a | b")
    assert table.table_row(rule) == "| [LSL998](rules/LSL998.md) | `x` | info | none | a \\| b |"
    assert table.table_row(dataclasses.replace(rule, finds="")).endswith("| plain summary |")


# --- evidence: names from the catalog, searched as the declarations say --------------------------

def test_the_evidence_names_come_from_the_catalog():
    from lossscale_lint.facts import catalog
    from lossscale_lint.rules.reads import Call, Keyword, Text

    backwards = {clue for group in FACT_KINDS["updates"].evidence.all_of for clue in group}
    assert {Call("backward"), Call("manual_backward"), Text("training_step")} == backwards
    keywords, names = FACT_KINDS["legacy_args"].evidence.all_of
    assert set(keywords) == {Keyword("size_average"), Keyword("reduce")}
    assert {clue.text for clue in names} == set(catalog.LOSS_MODULES) | set(catalog.LOSS_FUNCTIONS)


def test_text_groups_are_folded_into_stems_only_where_the_stems_occur():
    from lossscale_lint.rules.reads import Text

    assert precheck.group_test((Text("training_step"),))[1] == ("training_step",)
    test, stems = precheck.group_test((Text("MSELoss"), Text("l1_loss"), Text("kl_div")))
    assert stems == ("Loss", "_loss", "kl_div")
    assert test("x = HuberLoss()") and test("F.kl_div(a, b)") and not test("kl = div(a, b)")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("crit = nn.MSELoss(size_average=False)", True),
        ("crit = nn.MSELoss(reduce  # old\n = False)", True),
        ("crit = nn.MSELoss(reduction='sum')", False),  # no legacy keyword
        ("total = functools.reduce(add, xs, size_average=1)", False),  # no loss name
        ("crit = nn.MSELoss(my_reduce=False)", False),  # not the whole identifier
    ],
)
def test_legacy_evidence_needs_a_keyword_and_a_loss_name(text, expected):
    assert precheck.EVIDENCE_TESTS["legacy_args"](text, None) is expected
