"""Notebooks end to end through the real `lossscale-lint` console script: check in text, json and
SARIF, the cache, workers, --fix, --diff | patch -p0, an invalid notebook, noqa and CRLF.

The fixtures are the real .ipynb files in tests/notebooks/ (several cells, magics, outputs, CRLF).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = Path(__file__).parent / "notebooks"
SUM_LINE = 'criterion = nn.CrossEntropyLoss(reduction=\\"sum\\")'


def lint(args: list[str], cwd: Path, text: bool = True) -> subprocess.CompletedProcess:
    """The installed console script, importing this checkout (`text=False`: stdout as bytes, line
    endings untranslated)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    return subprocess.run(["lossscale-lint", *args], cwd=cwd, capture_output=True, text=text, timeout=120, env=env)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder (a git-less root with a config) holding copies of the fixtures."""
    (tmp_path / "pyproject.toml").write_text("[tool.lossscale-lint]\n")
    for name in ("train_sgd.ipynb", "legacy_crlf.ipynb"):
        shutil.copy(NOTEBOOKS / name, tmp_path / name)
    return tmp_path


@pytest.mark.slow
def test_text_names_the_cell_frames_its_lines_and_honours_noqa_in_a_crlf_cell(project):
    done = lint(["check", "--no-cache", "."], project)
    assert (done.returncode, done.stderr) == (1, "")
    out = done.stdout
    assert out.startswith("legacy_crlf.ipynb:cell 3:1:19: LSL401 "), out
    assert "train_sgd.ipynb:cell 3:3:33: LSL101 " in out
    assert '3 | criterion = nn.CrossEntropyLoss(reduction="sum")\n' in out
    assert "train_sgd.ipynb:cell 5:7:9: note: backward here\n" in out
    # The L1Loss line of the CRLF notebook carries `# noqa: LSL401`: one LSL401, not two.
    assert out.count("LSL401") == 1 and "L1Loss" not in out


@pytest.mark.slow
def test_json_and_sarif_carry_the_cell_and_the_place_in_the_ipynb_text(project):
    done = lint(["check", "--no-cache", "--output-format", "json", "train_sgd.ipynb"], project)
    (found,) = json.loads(done.stdout)
    assert (found["code"], found["cell"], found["line"], found["column"]) == ("LSL101", 3, 3, 33)
    done = lint(["check", "--no-cache", "--output-format", "sarif", "train_sgd.ipynb"], project)
    (result,) = json.loads(done.stdout)["runs"][0]["results"]
    region = result["locations"][0]["physicalLocation"]["region"]
    line = (project / "train_sgd.ipynb").read_text(encoding="utf-8").splitlines()[region["startLine"] - 1]
    assert SUM_LINE in line
    assert line[region["startColumn"] - 1 : region["endColumn"] - 1] == 'reduction=\\"sum\\"'


@pytest.mark.slow
def test_the_second_run_is_answered_by_the_cache(project):
    first = lint(["check", "train_sgd.ipynb"], project)
    entries = list((project / ".lossscale_lint_cache").glob("*/*.json"))
    assert first.returncode == 1 and len(entries) == 1
    # Cached in the engine's positions; reported through the notebook's map of cells.
    entry = json.loads(entries[0].read_text())
    (cached,) = entry["diagnostics"]
    assert "cell" not in cached
    # A doctored message shows that the second run reads the entry instead of linting again.
    original, cached["message"] = cached["message"], "FROM THE CACHE"
    entries[0].write_text(json.dumps(entry))
    second = lint(["check", "train_sgd.ipynb"], project)
    assert second.stdout == first.stdout.replace(original, "FROM THE CACHE")
    assert "train_sgd.ipynb:cell 3:3:33: LSL101 FROM THE CACHE" in second.stdout


@pytest.mark.slow
def test_an_outputs_only_change_still_hits_and_a_new_cell_renumbers(project):
    lint(["check", "train_sgd.ipynb"], project)
    path = project / "train_sgd.ipynb"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["cells"][1]["outputs"] = []  # re-run without output: the code is the same
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    assert "train_sgd.ipynb:cell 3:3:33: LSL101" in lint(["check", "train_sgd.ipynb"], project).stdout
    document["cells"].insert(0, {"cell_type": "markdown", "metadata": {}, "source": ["new\n"]})
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    assert "train_sgd.ipynb:cell 4:3:33: LSL101" in lint(["check", "train_sgd.ipynb"], project).stdout


@pytest.mark.slow
def test_two_workers_print_what_one_process_prints(project):
    for number in range(10):
        shutil.copy(NOTEBOOKS / "train_sgd.ipynb", project / f"copy_{number}.ipynb")
    shutil.copy(NOTEBOOKS / "invalid_json.ipynb", project / "broken.ipynb")
    for output in ("text", "json"):
        serial = lint(["check", "--no-cache", "--jobs", "1", "--output-format", output, "."], project)
        parallel = lint(["check", "--no-cache", "--jobs", "2", "--output-format", output, "."], project)
        assert (parallel.returncode, parallel.stdout, parallel.stderr) == (serial.returncode, serial.stdout, serial.stderr)
        # Each code once per diagnostic (json's rule page url also names it: `.../LSL101.md`).
        mentions = {code: serial.stdout.count(code) - serial.stdout.count(f"{code}.md") for code in ("LSL101", "LSL000")}
        assert mentions == {"LSL101": 11, "LSL000": 1}
    for number in range(10):  # and fixes: the refused, diffed and written results travel back too
        shutil.copy(NOTEBOOKS / "legacy_crlf.ipynb", project / f"crlf_{number}.ipynb")
    serial = lint(["check", "--no-cache", "--jobs", "1", "--diff", "."], project, text=False)
    parallel = lint(["check", "--no-cache", "--jobs", "2", "--diff", "."], project, text=False)
    assert (parallel.returncode, parallel.stdout, parallel.stderr) == (serial.returncode, serial.stdout, serial.stderr)
    assert serial.stdout.count(b"+++ crlf_") == 10 and b"Would apply 11 fixes" in serial.stderr


@pytest.mark.slow
def test_an_invalid_notebook_is_one_diagnostic_and_the_run_goes_on(project):
    shutil.copy(NOTEBOOKS / "invalid_json.ipynb", project / "broken.ipynb")
    done = lint(["check", "--no-cache", "--output-format", "concise", "."], project)
    assert (done.returncode, done.stderr) == (1, "")
    broken = [line for line in done.stdout.splitlines() if line.startswith("broken.ipynb")]
    assert broken == ["broken.ipynb:5:2: LSL000 cannot read this notebook: not a notebook: invalid JSON (Expecting ',' delimiter)"]
    assert "train_sgd.ipynb:cell 3:3:33: LSL101" in done.stdout
    done = lint(["check", "--no-cache", "--ignore", "LSL000", "broken.ipynb"], project)
    assert (done.returncode, done.stderr) == (0, "")


@pytest.mark.slow
def test_fix_changes_only_the_fixed_source_line_and_keeps_crlf_and_outputs(project):
    path = project / "legacy_crlf.ipynb"
    before = path.read_bytes()
    done = lint(["check", "--fix", "legacy_crlf.ipynb"], project)
    assert (done.returncode, done.stderr) == (0, ""), done.stdout
    after = path.read_bytes()
    changed = [(a, b) for a, b in zip(before.split(b"\r\n"), after.split(b"\r\n")) if a != b]
    assert changed == [(b'    "crit = nn.MSELoss(size_average=False)\\r\\n",',
                        b'    "crit = nn.MSELoss(reduction=\\"sum\\")\\r\\n",')]
    assert before.count(b"\r\n") == after.count(b"\r\n") and b"\n" not in after.replace(b"\r\n", b"")
    assert not list(project.glob(".*.lsl-fix"))  # the atomic write left no temporary file
    assert lint(["check", "--no-cache", "legacy_crlf.ipynb"], project).returncode == 0


@pytest.mark.skipif(shutil.which("patch") is None, reason="needs the patch tool")
@pytest.mark.slow
def test_diff_is_a_patch_of_the_ipynb_file_that_patch_applies(project, tmp_path_factory):
    shutil.copy(NOTEBOOKS / "escaped.ipynb", project / "escaped.ipynb")  # LF, ASCII escapes
    twin = tmp_path_factory.mktemp("twin")
    shutil.copytree(project, twin, dirs_exist_ok=True)
    original = (project / "legacy_crlf.ipynb").read_bytes()
    done = lint(["check", "--diff", "--unsafe-fixes", "."], project, text=False)
    assert done.returncode == 1 and b"Would apply" in done.stderr
    assert done.stdout.startswith(b"--- escaped.ipynb\n+++ escaped.ipynb\n")
    assert b"--- legacy_crlf.ipynb\n+++ legacy_crlf.ipynb\n" in done.stdout
    assert b"lossscale-lint cell" not in done.stdout  # a diff of the file, not of the module text
    assert b'-    "crit = nn.MSELoss(size_average=False)\\r\\n",\r\n' in done.stdout  # the file's CRLF
    assert (project / "legacy_crlf.ipynb").read_bytes() == original  # --diff writes nothing
    patched = subprocess.run(["patch", "-p0"], cwd=project, input=done.stdout, capture_output=True)
    assert patched.returncode == 0, patched.stdout + patched.stderr
    fixed = lint(["check", "--fix", "--unsafe-fixes", "."], twin)
    assert fixed.returncode in (0, 1)
    for name in ("escaped.ipynb", "legacy_crlf.ipynb", "train_sgd.ipynb"):
        assert (project / name).read_bytes() == (twin / name).read_bytes(), name
    assert (project / "legacy_crlf.ipynb").read_bytes() != original


# ------------------------------------------------------------------ fixes a notebook cannot take (in process)


def drop_line_above(ctx):
    """Test rule: on every loss constructor, a safe fix that deletes the line above it."""
    from lossscale_lint.diagnostics import Edit, Fix, Span

    for loss in ctx.facts.losses:
        line = loss.call_span.line
        edit = Edit(span=Span(line=line - 1, column=1, end_line=line, end_column=1), content="")
        yield DROP_RULE.diagnostic(ctx, loss.call_span, "loss here",
                                   fix=Fix(applicability="safe", description="drop the line above", edits=(edit,)))


def make_drop_rule():
    from lossscale_lint.diagnostics import Severity
    from lossscale_lint.rules.base import Rule

    return Rule(code="LSL902", name="test-drop-line-above", severity=Severity.WARNING,
                summary="Test only: deletes the line above a loss.", check=drop_line_above)


DROP_RULE = make_drop_rule()


def code_notebook(*sources: str) -> str:
    cells = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": s} for s in sources]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


def test_fixes_on_masked_syntax_or_a_cell_start_are_refused_with_a_warning(tmp_path, monkeypatch, capsys):
    from cli_support import run_main

    from lossscale_lint.rules import ALL_RULES

    monkeypatch.setitem(ALL_RULES, DROP_RULE.code, DROP_RULE)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.lossscale-lint]\nextend-select = [\"LSL902\"]\n")
    magic = code_notebook("import torch.nn as nn\n%time 1\ncrit = nn.MSELoss()\n")
    first = code_notebook("import torch.nn as nn\n", "crit = nn.MSELoss()\n")
    (tmp_path / "magic.ipynb").write_text(magic)
    (tmp_path / "first.ipynb").write_text(first)
    (tmp_path / "script.py").write_text("import torch.nn as nn\nx = 1\ncrit = nn.MSELoss()\n")  # look-alike: fixed
    code, out, err = run_main(["check", "--no-cache", "--select", "LSL902", "--fix", "."], capsys)
    assert (tmp_path / "magic.ipynb").read_text() == magic and (tmp_path / "first.ipynb").read_text() == first
    assert "x = 1" not in (tmp_path / "script.py").read_text()  # a script takes the same fix
    assert err.splitlines() == [
        "lossscale-lint: warning: first.ipynb:cell 2:1:8: LSL902 fix not applied: the fix edits the start of a cell,"
        " which the file cannot take",
        "lossscale-lint: warning: magic.ipynb:cell 1:3:8: LSL902 fix not applied: the fix edits masked IPython syntax"
        " (cell 1, line 2), which the file cannot take",
    ]
    # What remains is reported in the cells, without the fix the notebook cannot take.
    assert "first.ipynb:cell 2:1:8: LSL902" in out and "magic.ipynb:cell 1:3:8: LSL902" in out and code == 1
    assert "fix (safe)" not in out


# ------------------------------------------------------------------ --base compares with the base notebook


def script_notebook(script: str, outputs: list | None = None) -> str:
    """The script as a notebook: a markdown cell, then one code cell per blank-line block."""
    blocks = [block + "\n" for block in script.rstrip("\n").split("\n\n")]
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# Train\n"]}]
    for block in blocks:
        cells.append({"cell_type": "code", "execution_count": None, "metadata": {},
                      "outputs": list(outputs or []), "source": block.splitlines(keepends=True)})
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


def test_base_compares_the_notebook_with_its_version_at_the_revision(tmp_path, capsys):
    from test_change_aware import BATCH_128, SCRIPT, check_against_base, commit, edited, git

    git(tmp_path, "init", "-q")
    commit(tmp_path, {"train.ipynb": script_notebook(SCRIPT)})
    # Outputs only: the code is what it was, nothing to report.
    stream = [{"name": "stdout", "output_type": "stream", "text": ["epoch 1\n"]}]
    (tmp_path / "train.ipynb").write_text(script_notebook(SCRIPT, stream), encoding="utf-8")
    _, diagnostics, err = check_against_base(tmp_path, capsys, "--select", "LSL5")
    assert (diagnostics, err) == ([], "")
    (tmp_path / "train.ipynb").write_text(script_notebook(edited(BATCH_128)), encoding="utf-8")
    _, diagnostics, err = check_against_base(tmp_path, capsys, "--select", "LSL5")
    assert err == ""
    (finding,) = diagnostics
    # SCRIPT line 8 (the argparse default) is line 2 of cell 4 (markdown, two import blocks, args).
    assert (finding["code"], finding["cell"], finding["line"]) == ("LSL501", 4, 2)
    assert "from 32 to 128" in finding["message"]
