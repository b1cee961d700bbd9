"""The shipped examples/ report exactly the codes their docstrings promise, and they really train.

Each example's module docstring has a line `Expected: LSL101, LSL102` (or `Expected: none`).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lossscale_lint.pipeline.engine import lint_source
from run_training_scripts import run_for_real

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
EXPECTED_LINE = re.compile(r"^Expected: (none|LSL\d{3}(?:, LSL\d{3})*)$", re.MULTILINE)


def expected_codes(path: Path) -> set[str]:
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    assert docstring, f"{path.name} has no module docstring"
    matches = EXPECTED_LINE.findall(docstring)
    assert len(matches) == 1, f"{path.name}: needs exactly one 'Expected: ...' line"
    return set() if matches[0] == "none" else set(matches[0].split(", "))


def test_examples_cover_problems_and_clean_code():
    expectations = [expected_codes(path) for path in EXAMPLES]
    assert 4 <= len(EXAMPLES) <= 6
    assert any(expectations) and not all(expectations), "want both bad and clean examples"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_reports_exactly_the_expected_codes(path):
    diagnostics = lint_source(path.read_text(encoding="utf-8"), f"examples/{path.name}")
    assert {d.code for d in diagnostics} == expected_codes(path), [
        f"{d.span.line}:{d.span.column} {d.code} {d.message}" for d in diagnostics
    ]


@pytest.mark.slow
def test_readme_quick_start_command_reports_the_examples():
    # `lossscale-lint check examples/` from the README, as JSON so that we can compare per file
    # (and without the result cache, which would otherwise be written into the checkout).
    completed = subprocess.run(
        [sys.executable, "-m", "lossscale_lint", "check", "examples/", "--output-format", "json",
         "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 1, completed.stderr
    reported: dict[str, set[str]] = {}
    for diagnostic in json.loads(completed.stdout):
        reported.setdefault(Path(diagnostic["path"]).name, set()).add(diagnostic["code"])
        assert not Path(diagnostic["path"]).is_absolute(), "paths stay as the user gave them"
    expected = {path.name: codes for path in EXAMPLES if (codes := expected_codes(path))}
    assert reported == expected


@pytest.mark.slow
def test_examples_train_with_real_torch():
    has_accelerate = importlib.util.find_spec("accelerate") is not None
    # Accelerate is not a test dependency (the linter never imports the code it reads).
    scripts = [p for p in EXAMPLES if has_accelerate or "accelerate" not in p.read_text("utf-8")]
    failures = {path: error for path, error in run_for_real(scripts).items() if error}
    assert not failures, "\n".join(f"{path}:\n{error}" for path, error in failures.items())
