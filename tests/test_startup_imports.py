"""What a `check` run imports, in a fresh interpreter: the pre-commit case lives on start-up time.

LibCST (~0.15 s), pydantic (~0.1 s) and rich (~0.05 s) dominate start-up. A run imports each one
only when it needs it: LibCST when a file must be parsed, pydantic only to print the configuration
schema (the table is checked in plain Python), rich when output goes to a colour terminal or a
table is drawn. These are
structural checks (which modules are loaded), not timings; `benchmarks/bench.py` measures time.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CASES = Path(__file__).parent / "rule_cases"
HEAVY = ("libcst", "pydantic", "rich")
PROBE = """
import contextlib, io, json, sys
from lossscale_lint.cli.main import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
print(json.dumps({"code": code, "loaded": [m for m in %r if m in sys.modules]}))
""" % (HEAVY,)


def loaded(project: Path, *args: str) -> tuple[int, set[str]]:
    result = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=project, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    return report["code"], set(report["loaded"])


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copyfile(CASES / "lsl101_bad_basic.py", tmp_path / "train.py")
    (tmp_path / "util.py").write_text("def add(a, b):\n    return a + b\n")
    (tmp_path / "lossscale-lint.toml").write_text("# defaults\n")
    return tmp_path


@pytest.mark.slow
@pytest.mark.parametrize("output_format", ["text", "concise", "json", "sarif", "github"])
def test_a_pre_commit_run_loads_libcst_only(project, output_format):
    code, modules = loaded(project, "check", "--no-cache", "--output-format", output_format, "train.py", "util.py")
    assert code == 1 and modules == {"libcst"}


@pytest.mark.slow
def test_files_the_pre_check_skips_need_no_libcst(project):
    assert loaded(project, "check", "--no-cache", "util.py") == (0, set())


@pytest.mark.slow
def test_a_rerun_the_cache_answers_loads_none_of_them(project):
    assert loaded(project, "check", "train.py", "util.py") == (1, {"libcst"})
    assert loaded(project, "check", "train.py", "util.py") == (1, set())


@pytest.mark.slow
def test_a_configuration_table_is_checked_without_pydantic(project):
    (project / "lossscale-lint.toml").write_text('ignore = ["LSL4"]\nper-file-ignores = { "x/*" = ["LSL1"] }\n')
    assert loaded(project, "check", "--no-cache", "train.py") == (1, {"libcst"})
    (project / "lossscale-lint.toml").write_text('ignore = "LSL4"\n')
    assert loaded(project, "check", "--no-cache", "train.py") == (2, set())  # and a bad one is refused


@pytest.mark.slow
def test_the_schema_comes_from_the_pydantic_model(project):
    assert loaded(project, "config", "--schema") == (0, {"pydantic"})
