"""The rule pages in rules/ are documentation that runs.

Every page has a fixed shape; its Example must make the linter report the page's code and each of
its Corrected blocks must not; pages and registered rules correspond one to one, with the same
name, severity and fix safety; the README's rule table says the same; the code on the pages is
real PyTorch code that trains (run once, with real torch); and where a page says that the corrected
code keeps (or scales) the update, one real optimizer step shows it.

Change-aware rules (`--base`) compare a file with its git base. Their Example section also holds a
```diff block with the changed lines (`-` lines of the base, then the `+` lines that replace them);
the base is the Example with those lines put back, and both the Example and the Corrected blocks
are linted against it.

A section may hold a ```toml block: the configuration (the `[tool.lossscale-lint]` keys) its python
blocks are checked with, as the limits' pages (LSL001, LSL002) set a limit small enough for a
short example. LSL999 reports a bug in a rule, which correct code cannot show: its Example is
linted with a test rule registered that crashes.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import importlib.util
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from lossscale_lint.config.options import AnalysisOptions, RuleSelection
from lossscale_lint.config.settings import Settings
from lossscale_lint.config.table import validate_table
from lossscale_lint.diagnostics import Severity
from lossscale_lint.fixes.apply import apply_fixes
from lossscale_lint.pipeline.engine import lint_source
from lossscale_lint.pipeline.linting import lint_text
from lossscale_lint.rules import ALL_RULES
from lossscale_lint.rules.base import Rule
from run_training_scripts import run_for_real

ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = ROOT / "rules"

# The engine itself produces LSL000 for files that do not parse (its registry entry only describes it).
ENGINE_CODES = {"LSL000": ("syntax-error", "error", "none")}
SECTIONS = ("What it detects", "Why it matters", "Example", "Corrected", "Fix safety")
TITLE = re.compile(r"^# (LSL\d{3}): ([a-z0-9]+(?:-[a-z0-9]+)*)$")
HEADER = re.compile(r"^Severity: (error|warning|info) · Fix: (safe|unsafe|none)$")


@dataclass(frozen=True)
class RulePage:
    code: str
    name: str
    severity: str
    fix: str
    sections: dict[str, str]  # title -> the section's text
    example: str
    corrected: tuple[str, ...]

    @property
    def base(self) -> str | None:
        """The git base a change-aware example is compared with (None for other rules)."""
        diffs = fenced_blocks(self.sections["Example"], "diff")
        if not diffs:
            return None
        assert len(diffs) == 1, f"{self.code}: Example needs at most one diff block"
        return base_from_diff(self.example, diffs[0])


def python_blocks(text: str) -> list[str]:
    """The contents of the ```python fenced blocks of a markdown text."""
    return fenced_blocks(text, "python")


def fenced_blocks(text: str, language: str) -> list[str]:
    blocks, current = [], None
    for line in text.splitlines():
        if current is None and line.strip() == f"```{language}":
            current = []
        elif current is not None and line.strip() == "```":
            blocks.append("\n".join(current) + "\n")
            current = None
        elif current is not None:
            current.append(line)
    assert current is None, f"unclosed ```{language} block"
    return blocks


def base_from_diff(after: str, diff: str) -> str:
    """Undo a diff of replaced lines: each `+` line of `after` goes back to its paired `-` line."""
    removed = [line[1:] for line in diff.splitlines() if line.startswith("-")]
    added = [line[1:] for line in diff.splitlines() if line.startswith("+")]
    assert removed and len(removed) == len(added), "diff must pair each - line with a + line"
    lines = after.splitlines()
    for old, new in zip(removed, added):
        assert lines.count(new) == 1, f"the changed line {new!r} must occur once in the example"
        lines[lines.index(new)] = old
    return "\n".join(lines) + "\n"


def split_sections(lines: list[str]) -> dict[str, str]:
    """`## ` headings outside fenced code, in order, with the text under each."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    in_fence = False
    for line in lines:
        if line.startswith("```"):
            in_fence = not in_fence
        if not in_fence and line.startswith("## "):
            title = line[3:].strip()
            assert title not in sections, f"section {title!r} appears twice"
            current = sections[title] = []
        elif current is not None:
            current.append(line)
        elif line.strip():
            raise AssertionError(f"text before the first section: {line!r}")
    return {title: "\n".join(body) for title, body in sections.items()}


def parse_page(path: Path) -> RulePage:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) > 2, f"{path.name} is too short"
    title, header = TITLE.match(lines[0]), HEADER.match(lines[1])
    assert title, f"{path.name}: first line must be '# LSLxxx: rule-name', got {lines[0]!r}"
    assert header, f"{path.name}: second line must be 'Severity: ... · Fix: ...', got {lines[1]!r}"
    sections = split_sections(lines[2:])
    assert tuple(sections) == SECTIONS, f"{path.name}: sections {tuple(sections)}, want {SECTIONS}"
    for section, text in sections.items():
        assert text.strip(), f"{path.name}: section {section!r} is empty"
    examples = python_blocks(sections["Example"])
    corrected = python_blocks(sections["Corrected"])
    assert len(examples) == 1, f"{path.name}: Example needs exactly one python block"
    assert corrected, f"{path.name}: Corrected needs at least one python block"
    return RulePage(
        code=title.group(1),
        name=title.group(2),
        severity=header.group(1),
        fix=header.group(2),
        sections=sections,
        example=examples[0],
        corrected=tuple(corrected),
    )


PAGE_PATHS = sorted(RULES_DIR.glob("LSL*.md"))
PAGES = {path.stem: path for path in PAGE_PATHS}


def page_options(page: RulePage, section: str = "Example") -> AnalysisOptions:
    """Every rule, and the page's own even when it is opt-in (LSL900), with the section's
    configuration block if it has one."""
    [config] = fenced_blocks(page.sections[section], "toml") or [""]
    settings = Settings.from_config(validate_table(tomllib.loads(config)), None, ROOT)
    options = settings.analysis_options(f"{page.code}.py")
    return dataclasses.replace(options, is_selected=RuleSelection(select=("LSL", page.code)))


def crash(ctx):
    raise ZeroDivisionError("a bug in a rule")


@contextlib.contextmanager
def shown(page: RulePage, section: str):
    """What the page's code needs in order to show: for LSL999's Example, a rule that crashes."""
    with pytest.MonkeyPatch.context() as patch:
        if page.code == "LSL999" and section == "Example":
            patch.setitem(ALL_RULES, "LSL998", Rule("LSL998", "crashes", Severity.ERROR, "test", crash,
                                                    reads=("updates",)))
        yield


def diagnostics_on(page: RulePage, source: str, label: str, section: str = "Example"):
    """What `check` reports on `source` (against the page's git base, if it has one), comments
    such as `# noqa` applied."""
    rule = ALL_RULES.get(page.code)
    base = page.base
    if rule is not None and rule.needs_base:
        assert base is not None, f"{page.code} runs only with --base: its Example needs a diff block"
    with shown(page, section):
        return lint_text(source, f"{label}.py", page_options(page, section), base_source=base)


def codes_reported(page: RulePage, source: str, label: str, section: str = "Example") -> set[str]:
    return {d.code for d in diagnostics_on(page, source, label, section)}


def test_pages_exist():
    assert PAGE_PATHS, "no rule pages found in rules/"


@pytest.mark.parametrize("path", PAGE_PATHS, ids=lambda p: p.stem)
def test_page_has_the_documented_shape(path):
    page = parse_page(path)
    assert page.code == path.stem, f"{path.name} documents {page.code}"
    if page.code not in ENGINE_CODES:
        # A rule page explains the update-size effect with a formula, not only in words.
        assert re.search(r"[=*/]", page.sections["Why it matters"]), "Why it matters has no formula"


@pytest.mark.parametrize("path", PAGE_PATHS, ids=lambda p: p.stem)
def test_example_triggers_the_rule(path):
    page = parse_page(path)
    reported = codes_reported(page, page.example, f"{page.code}-example")
    assert page.code in reported, f"{page.code} example: linter reported {sorted(reported)}"


CORRECTED_CASES = [
    pytest.param(path, index, id=f"{path.stem}-corrected-{index + 1}")
    for path in PAGE_PATHS
    for index in range(len(python_blocks(path.read_text(encoding="utf-8"))) - 1)
]


@pytest.mark.parametrize(("path", "index"), CORRECTED_CASES)
def test_corrected_code_does_not_trigger_the_rule(path, index):
    page = parse_page(path)
    reported = codes_reported(page, page.corrected[index], f"{page.code}-corrected-{index + 1}", "Corrected")
    assert page.code not in reported


def fixed_example(page: RulePage) -> str:
    """The page's Example after applying every fix the linter offers on it (safe and unsafe)."""
    diagnostics = diagnostics_on(page, page.example, f"{page.code}-example")
    return apply_fixes(page.example, diagnostics, unsafe=True, path=f"{page.code}-example.py",
                       options=page_options(page)).new_source


@pytest.mark.parametrize("path", PAGE_PATHS, ids=lambda p: p.stem)
def test_fix_on_the_example_is_what_the_page_says(path):
    page = parse_page(path)
    diagnostics = [d for d in diagnostics_on(page, page.example, f"{page.code}-example") if d.code == page.code]
    offered = {d.fix.applicability if d.fix else "none" for d in diagnostics}
    assert offered == {page.fix}, f"{page.code}: page says Fix: {page.fix}, the example gets {offered}"
    if page.fix != "none":
        fixed = fixed_example(page)
        assert fixed != page.example
        assert page.code not in codes_reported(page, fixed, f"{page.code}-fixed")


def test_every_registered_rule_has_a_page():
    assert ALL_RULES, "no rules registered in lossscale_lint.rules.ALL_RULES"
    missing = sorted(set(ALL_RULES) - set(PAGES))
    assert not missing, f"rules without a page in rules/: {missing}"


def test_every_page_documents_a_registered_rule():
    orphans = sorted(set(PAGES) - set(ALL_RULES) - set(ENGINE_CODES))
    assert not orphans, f"pages without a registered rule: {orphans}"


def expected_header(code: str) -> tuple[str, str, str]:
    if code in ENGINE_CODES:
        return ENGINE_CODES[code]
    rule = ALL_RULES[code]
    return rule.name, rule.severity.value, rule.fix or "none"


@pytest.mark.parametrize("path", PAGE_PATHS, ids=lambda p: p.stem)
def test_page_header_matches_the_registered_rule(path):
    page = parse_page(path)
    assert page.code in ALL_RULES or page.code in ENGINE_CODES, f"{page.code} is not registered"
    assert (page.name, page.severity, page.fix) == expected_header(page.code)


def test_syntax_error_page_matches_what_the_engine_reports():
    page = parse_page(PAGES["LSL000"])
    [diagnostic] = lint_source(page.example, "LSL000-example.py")
    assert (diagnostic.code, diagnostic.name, diagnostic.severity.value) == (
        page.code,
        page.name,
        page.severity,
    )
    assert diagnostic.fix is None


def readme_rule_table() -> dict[str, tuple[str, str, str]]:
    """Rows of the README's rule table: code -> (name, severity, fix)."""
    rows = {}
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 4:
            continue
        code = re.search(r"\bLSL\d{3}\b", cells[0])
        if code:
            name, severity, fix = (cell.strip("`* ") for cell in cells[1:4])
            rows[code.group(0)] = (name, severity, fix)
    return rows


def test_readme_rule_table_matches_the_registry():
    expected = {code: expected_header(code) for code in [*ALL_RULES, *ENGINE_CODES]}
    assert readme_rule_table() == expected


def test_readme_links_every_rule_page():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    unlinked = [code for code in PAGES if f"(rules/{code}.md)" not in readme]
    assert not unlinked, f"README does not link {unlinked}"


def missing_imports(source: str) -> list[str]:
    """The top-level modules a block imports that are not installed here (Accelerate, Lightning, DeepSpeed:
    not test dependencies; the linter never imports them)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    modules = {alias.name.partition(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
               for alias in node.names}
    modules |= {node.module.partition(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module and not node.level}
    return sorted(module for module in modules if importlib.util.find_spec(module) is None)


def test_blocks_importing_a_missing_module_are_found():
    assert missing_imports("import torch\nfrom lossscale_lint import rules\n") == []
    assert missing_imports("import no_such_module_here.sub as x\nfrom also_missing import y\n") == [
        "also_missing", "no_such_module_here"]


@pytest.mark.slow
def test_page_code_trains_with_real_torch(tmp_path):
    scripts = []
    for code, path in PAGES.items():
        if code in ENGINE_CODES:
            continue  # LSL000's example does not parse, on purpose
        page = parse_page(path)
        for index, source in enumerate((page.example, *page.corrected)):
            if missing_imports(source):
                continue  # a framework that is not a test dependency (Accelerate, Lightning, DeepSpeed)
            script = tmp_path / f"{code}_{index}.py"
            script.write_text(source, encoding="utf-8")
            scripts.append(script)
    assert scripts
    failures = {path: error for path, error in run_for_real(scripts).items() if error}
    assert not failures, "\n".join(f"{path}:\n{error}" for path, error in failures.items())


# What the pages claim about the first optimizer step, checked by training with real torch:
# (page, block a, block b, factor) means update(b) = factor * update(a); block 0 is the Example,
# block i > 0 the i-th Corrected block, "fix" the Example after its fixes. Both start from the same
# seed, so from the same weights and the same first batch.
STEP_CLAIMS = [
    ("LSL101", 0, 1, 1.0),  # mean reduction with lr * B: today's step at today's batch size
    ("LSL101", 0, 2, 1.0),  # sum / x.size(0) with lr * B: the same
    ("LSL204", 0, "fix", 0.25),  # dividing by the step's K = 8 instead of 2: a quarter of the update
    ("LSL204", 0, 1, 0.25),
    ("LSL107", 0, "fix", 10.0),  # "batchmean" is the per-sample KL: D = 10 classes times the "mean"
    ("LSL107", 0, 1, 10.0),  # and so is the corrected code
    ("LSL101", 0, "fix", 1.0),  # the (unsafe) fix keeps today's update exactly
    ("LSL201", 1, "fix", 1.0),  # the fix divides by K like the corrected code
    ("LSL401", 0, "fix", 1.0),  # the safe fix keeps the update exactly
    ("LSL202", 1, "fix", 1.0),  # the safe fix: Accelerate's own division, as in the corrected code
    ("LSL102", 0, 2, 1.0),  # mean loss, wd / B, Adam: the same (Adam cancels the factor B)
    ("LSL201", 0, 1, 1 / 4),  # dividing by K = 4 makes the accumulated step 4 times smaller
    ("LSL201", 1, 2, 1.0),  # dividing the loss or the accumulated gradients: the same
    ("LSL401", 0, 1, 1.0),  # reduction="sum" is exactly size_average=False
    ("LSL202", 0, 1, 4.0),  # without the manual / K (K = 4) the step is 4 times larger
    ("LSL202", 1, 2, 1.0),  # Accelerate dividing, or a bare Accelerator with / K: the same
    ("LSL900", 0, "fix", 1.0),  # removing unused noqa codes changes no update
]


@pytest.mark.slow
def test_pages_claims_about_the_update_hold_with_real_torch(tmp_path):
    has_accelerate = importlib.util.find_spec("accelerate") is not None
    claims = [claim for claim in STEP_CLAIMS if has_accelerate or claim[0] != "LSL202"]
    blocks = {}
    for code, a, b, _ in claims:
        page = parse_page(PAGES[code])
        for index in (a, b):
            script = tmp_path / f"{code}_{index}.py"
            source = fixed_example(page) if index == "fix" else (page.example, *page.corrected)[index]
            script.write_text(source, encoding="utf-8")
            blocks[code, index] = script
    updates_dir = tmp_path / "updates"
    updates_dir.mkdir()
    results = run_for_real(sorted(set(blocks.values())), first_step_dir=updates_dir)
    failures = {path: error for path, error in results.items() if error}
    assert not failures, failures

    import torch

    for code, a, b, factor in claims:
        first, second = (torch.load(updates_dir / f"{code}_{i}.pt") for i in (a, b))
        assert first.abs().max() > 0, f"{code}: block {a} did not move the weights"
        # Adam's eps makes its invariance to the loss scale approximate, hence the tolerance.
        assert torch.allclose(second, factor * first, rtol=1e-3, atol=1e-4 * first.abs().max()), (
            f"{code}: update of block {b} is not {factor} x that of block {a}"
        )
