"""The command line for real: the installed console script and `python -m`, in temporary projects."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from cli_support import run_console_script, run_main, run_module

from lossscale_lint import __version__
from lossscale_lint.rules import ALL_RULES

ROOT = Path(__file__).resolve().parent.parent
LEGACY = "import torch.nn as nn\n\ncrit = nn.MSELoss(size_average=False)\n"  # LSL401 on line 3
CLEAN = "import torch.nn as nn\n\ncrit = nn.MSELoss()\n"


@pytest.fixture
def project(tmp_path):
    (tmp_path / "legacy.py").write_text(LEGACY, encoding="utf-8")
    (tmp_path / "clean.py").write_text(CLEAN, encoding="utf-8")
    return tmp_path


@pytest.fixture
def cli(project, capsys, monkeypatch):
    """Run the command in process inside the project: (exit code, stdout, stderr)."""
    monkeypatch.chdir(project)
    return lambda *args: run_main(list(args), capsys)


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.slow
def test_version_from_the_script_and_the_module(project):
    for run in (run_console_script, run_module):
        result = run(["--version"], project)
        assert (result.returncode, result.stdout.strip()) == (0, f"lossscale-lint {__version__}")


@pytest.mark.slow
def test_exit_codes_and_default_path(project):
    found = run_console_script(["check"], project)  # default: "."
    no_traceback(found)
    assert found.returncode == 1
    assert found.stdout.startswith("legacy.py:3:19: LSL401 ")
    assert found.stdout.rstrip().endswith("Found 1 problem (0 errors, 1 warning) in 1 of 2 files.\n1 fixable with --fix.")
    assert run_console_script(["check", "clean.py"], project).stdout == "Checked 1 file: no problems found.\n"
    assert run_console_script(["check", "clean.py"], project).returncode == 0
    assert run_console_script(["check", "--exit-zero", "."], project).returncode == 0
    module = run_module(["check", "--output-format", "concise", "legacy.py"], project)
    # concise marks the safe-fixable diagnostic with `[*]`; otherwise the same headline as text
    assert (module.returncode, module.stdout.splitlines()[0].replace("[*] ", "")) == (1, found.stdout.splitlines()[0])


@pytest.mark.parametrize(
    ("flags", "expected_code"),
    [
        (["--select", "LSL4"], 1),
        (["--select", "LSL401"], 1),
        (["--select", "LSL1,LSL2"], 0),
        (["--ignore", "LSL4"], 0),
        (["--ignore", "LSL401"], 0),
        (["--ignore", "LSL4", "--extend-select", "LSL401"], 1),  # the more specific selector wins
        (["--ignore", "LSL401", "--extend-select", "LSL401"], 0),  # a tie goes to ignore
        (["--select", "LSL000", "--select", "LSL401"], 1),  # repeated flags add up
        (["--select", "lsl401"], 1),  # codes are case-insensitive on the command line
    ],
)
def test_select_and_ignore(cli, flags, expected_code):
    code, out, err = cli("check", *flags, "legacy.py")
    assert code == expected_code, out + err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "--select", "E501"], "argument --select: 'E501' is not a rule code or prefix"),
        (["check", "--output-format", "xml"], "argument --output-format: invalid choice: 'xml'"),
        (["chek"], "invalid choice: 'chek'"),
        (["explain", "LSL998"], "unknown rule code 'LSL998'"),
    ],
)
def test_usage_errors_exit_2(cli, args, message):
    code, out, err = cli(*args)
    assert (code, out) == (2, "")
    assert message in err and len(err.splitlines()) == 1


@pytest.mark.slow
def test_a_usage_error_from_the_real_script_is_one_line(project):
    result = run_console_script(["check", "--select", "E501"], project)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines() == [
        "lossscale-lint: error: argument --select: 'E501' is not a rule code or prefix (like LSL101 or LSL1)"
        " (see `lossscale-lint check --help`)"
    ]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('[tool.lossscale-lint]\nignor = ["LSL4"]\n', "unknown key 'tool.lossscale-lint.ignor' (did you mean 'ignore'?)"),
        ('[tool.lossscale-lint]\nignore = "LSL4"\n', "key 'tool.lossscale-lint.ignore': expected a list of strings"),
        ('[tool.lossscale-lint\nignore = ["LSL4"]\n', "invalid TOML"),
    ],
)
def test_config_errors_are_one_line_exit_2(project, config, message):
    (project / "pyproject.toml").write_text(config, encoding="utf-8")
    result = run_console_script(["check"], project)
    no_traceback(result)
    assert (result.returncode, result.stdout) == (2, "")
    [line] = result.stderr.splitlines()
    assert line.startswith(f"lossscale-lint: error: {project / 'pyproject.toml'}: ")
    assert message in line


@pytest.mark.slow
def test_no_command_prints_help_and_exits_2(project):
    result = run_console_script([], project)
    assert result.returncode == 2 and "usage: lossscale-lint" in result.stderr


def test_config_file_is_found_from_the_checked_path_and_cli_overrides_it(project, cli, monkeypatch):
    (project / "pyproject.toml").write_text('[tool.lossscale-lint]\nignore = ["LSL4"]\n', encoding="utf-8")
    assert cli("check", ".")[0] == 0
    assert cli("check", "--select", "LSL401", ".")[0] == 1
    # Run from elsewhere: the config is found from the first path, not from the working folder.
    monkeypatch.chdir(project.parent)
    assert cli("check", str(project))[0] == 0


def test_explicit_config_file(cli, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("cfg") / "strict.toml"
    elsewhere.write_text('select = ["LSL1"]\n', encoding="utf-8")
    assert cli("check", "--config", str(elsewhere), ".")[0] == 0
    code, _, err = cli("check", "--config", "nope.toml", ".")
    assert code == 2 and "nope.toml: configuration file not found" in err


def test_per_file_ignores_end_to_end(project, cli):
    (project / "tests").mkdir()
    (project / "tests" / "test_legacy.py").write_text(LEGACY, encoding="utf-8")
    (project / "lossscale-lint.toml").write_text('[per-file-ignores]\n"tests/*" = ["LSL401"]\n', encoding="utf-8")
    _, out, _ = cli("check", "--output-format", "concise", ".")
    assert [line.split(":")[0] for line in out.splitlines() if ": LSL" in line] == ["legacy.py"]


def test_noqa_and_skip_file_end_to_end(project, cli):
    (project / "legacy.py").write_text(LEGACY.replace("False)", "False)  # noqa: LSL401"), encoding="utf-8")
    (project / "other.py").write_text("# lossscale-lint: skip-file\n" + LEGACY, encoding="utf-8")
    (project / "third.py").write_text(LEGACY.replace("False)", "False)  # noqa: LSL101"), encoding="utf-8")
    code, out, _ = cli("check", "--output-format", "concise", ".")
    lines = out.splitlines()
    assert code == 1 and len(lines) == 3 and lines[0].startswith("third.py:3:19: LSL401 [*] ")
    assert lines[2] == "1 fixable with --fix."


def test_json_output_is_the_documented_shape(project, cli):
    (project / "sub").mkdir()
    (project / "sub" / "broken.py").write_text("def f(:\n", encoding="utf-8")
    data = json.loads(cli("check", "--output-format", "json", "sub", "legacy.py")[1])
    assert [(d["path"], d["code"], d["line"], d["column"]) for d in data] == [
        ("legacy.py", "LSL401", 3, 19), ("sub/broken.py", "LSL000", 1, 7)]
    legacy = data[0]
    assert legacy["severity"] == "warning" and legacy["name"] == ALL_RULES["LSL401"].name
    assert legacy["fix"]["applicability"] == "safe"
    assert all({"line", "column", "end_line", "end_column", "content"} == set(e) for e in legacy["fix"]["edits"])


@pytest.mark.slow
def test_text_colour_only_when_asked_or_on_a_terminal(project):
    piped = run_console_script(["check", "legacy.py"], project)
    assert "\x1b[" not in piped.stdout
    forced = run_console_script(["check", "--color", "always", "legacy.py"], project)
    assert "\x1b[" in forced.stdout and "LSL401" in forced.stdout


def test_rules_lists_every_rule_with_its_fix(cli):
    code, out, _ = cli("rules")
    assert code == 0
    for rule in ALL_RULES.values():
        [row] = [line for line in out.splitlines() if f" {rule.code} " in line]
        assert rule.name in row and rule.severity.value in row
        assert (f"yes ({rule.fix})" if rule.fix else " no ") in row
    assert "LSL000" in out


@pytest.mark.slow
def test_explain_renders_the_rule_page(project):
    result = run_console_script(["explain", "lsl401"], project)
    assert result.returncode == 0
    assert "LSL401" in result.stdout and "What it detects" in result.stdout
    assert "## What it detects" not in result.stdout  # rendered, not the raw Markdown


def test_explain_raw_prints_the_page_source(cli):
    code, out, _ = cli("explain", "LSL401", "--raw")
    assert code == 0 and out == (ROOT / "rules" / "LSL401.md").read_text(encoding="utf-8")


def test_the_package_list_covers_every_subpackage():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "lossscale_lint").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert listed == on_disk | {"lossscale_lint._rule_pages"}


@pytest.mark.slow
def test_the_wheel_ships_the_rule_pages_and_explain_works_from_it(tmp_path):
    # Build from a copy so that the build's scratch files never land in the shared checkout.
    source = tmp_path / "src"
    source.mkdir()
    ignore = __import__("shutil").ignore_patterns("__pycache__", "*.pyc")
    for name in ("pyproject.toml", "README.md", "lossscale_lint", "rules"):
        if (ROOT / name).is_dir():
            __import__("shutil").copytree(ROOT / name, source / name, ignore=ignore)
        elif (ROOT / name).exists():
            __import__("shutil").copy(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path / "dist"), str(source)], check=True, capture_output=True, timeout=120)
    [wheel] = (tmp_path / "dist").glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    pages = sorted(n for n in names if re.fullmatch(r"lossscale_lint/_rule_pages/LSL\d{3}\.md", n))
    assert pages == sorted(f"lossscale_lint/_rule_pages/{p.name}" for p in (ROOT / "rules").glob("LSL*.md"))
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    # Run from the unpacked wheel only (the checkout's rules/ folder is not reachable from there).
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(unpacked)!r}); "
         "import lossscale_lint.rules.pages as d; from lossscale_lint.cli.main import main; "
         "assert not d.CHECKOUT_PAGES.is_dir(), d.CHECKOUT_PAGES; raise SystemExit(main(['explain', 'LSL401', '--raw']))"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == (ROOT / "rules" / "LSL401.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_in_process_main_reports_the_same_as_the_script(project, capsys, monkeypatch):
    monkeypatch.chdir(project)
    code, out, err = run_main(["check", "--output-format", "concise", "--no-cache", "."], capsys)
    script = run_console_script(["check", "--output-format", "concise", "--no-cache", "."], project)
    assert (code, out, err) == (script.returncode, script.stdout, script.stderr)
