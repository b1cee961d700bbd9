"""The persistent cache: a re-run over an unchanged tree parses nothing, and any change that could
change a result - the file, the configuration, the selection - is a miss. A broken or foreign
entry is never trusted."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import libcst
import pytest
from cli_support import run_main

from lossscale_lint.pipeline.cache import CACHE_DIR_NAME, DiagnosticsCache, options_fingerprint, project_root
from lossscale_lint.config.settings import RuleSelection
from lossscale_lint.config.options import AnalysisOptions

CASES = Path(__file__).parent / "rule_cases"
# Three files LibCST must read (two with findings, one clean training script) and one it need not.
FILES = {
    "sgd.py": "lsl101_bad_basic.py",
    "decay.py": "lsl102_bad_coupled_decay_adam.py",
    "clean_train.py": "lsl101_ok_mean.py",
}
UNRELATED = "def add(a, b):\n    return a + b\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "lossscale-lint.toml").write_text("")
    for name, case in FILES.items():
        shutil.copyfile(CASES / case, tmp_path / name)
    (tmp_path / "util.py").write_text(UNRELATED)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def parses(monkeypatch):
    """The paths of the modules LibCST parsed, recorded by wrapping the one parser entry point."""
    seen: list[str] = []
    real = libcst.parse_module

    def counting(source, *args, **kwargs):
        seen.append(source.splitlines()[0] if isinstance(source, str) and source else "")
        return real(source, *args, **kwargs)

    monkeypatch.setattr(libcst, "parse_module", counting)
    return seen


def check(capsys, *args: str) -> tuple[int, str]:
    code, out, err = run_main(["check", "--output-format", "concise", *args], capsys)
    assert err == ""
    return code, out


def entries(project: Path) -> list[Path]:
    return sorted((project / CACHE_DIR_NAME).glob("*/*.json"))


def test_a_rerun_parses_nothing_and_reports_the_same(project, capsys, parses):
    first = check(capsys, ".")
    assert first[0] == 1 and "sgd.py" in first[1] and "decay.py" in first[1]
    assert len(parses) == 3  # util.py never needed LibCST
    parses.clear()
    assert check(capsys, ".") == first
    assert parses == []
    assert len(entries(project)) == 4  # a clean file's empty result is worth caching too


def test_the_cache_folder_is_ignored_by_git_and_left_clean(project, capsys):
    check(capsys, ".")
    folder = project / CACHE_DIR_NAME
    assert (folder / ".gitignore").read_text().splitlines()[-1] == "*"
    assert [p.name for p in folder.rglob("*.tmp")] == []  # atomic writes leave no debris


def test_a_changed_file_is_parsed_again(project, capsys, parses):
    check(capsys, ".")
    parses.clear()
    sgd = project / "sgd.py"
    sgd.write_text(sgd.read_text().replace('reduction="sum"', 'reduction="mean"'))
    code, out = check(capsys, ".")
    assert len(parses) == 1
    assert "sgd.py" not in out and "decay.py" in out


@pytest.mark.parametrize(
    ("change", "args"),
    [
        ("config file", ()),
        ("--select", ("--select", "LSL101")),
        ("--ignore", ("--ignore", "LSL102,LSL404")),
    ],
)
def test_a_configuration_change_is_a_miss(project, capsys, parses, change, args):
    check(capsys, ".")
    parses.clear()
    if change == "config file":
        (project / "lossscale-lint.toml").write_text('ignore = ["LSL102", "LSL404"]\n')
    code, out = check(capsys, ".", *args)
    assert parses, "the old results must not be reused under another configuration"
    assert "decay.py" not in out and "sgd.py" in out


def test_names_from_the_config_are_part_of_the_key():
    plain = AnalysisOptions(is_selected=RuleSelection())
    named = AnalysisOptions(batch_size_names=("global_bs",), is_selected=RuleSelection())
    assert options_fingerprint(plain) != options_fingerprint(named)
    # Equal selections written differently are one configuration.
    assert options_fingerprint(plain) == options_fingerprint(AnalysisOptions(is_selected=lambda code: code != "LSL900"))


# Damage to one diagnostic inside an otherwise valid entry: JSON that parses, in the right format
# and with the right key, but that `check --output-format json` would never have written.
DAMAGED_DIAGNOSTIC = {
    "line as text": lambda d: {**d, "line": str(d["line"])},
    "column as bool": lambda d: {**d, "column": True},
    "unknown severity": lambda d: {**d, "severity": "fatal"},
    "unknown key": lambda d: {**d, "extra": 1},
    "missing key": lambda d: {k: v for k, v in d.items() if k != "message"},
    "related not a list": lambda d: {**d, "related": {}},
    "bad fix": lambda d: {**d, "fix": {"applicability": "maybe", "description": "", "edits": []}},
}


@pytest.mark.parametrize(
    "damage",
    ["garbage", "truncated", "empty", "foreign key", "other format", "wrong shape", *DAMAGED_DIAGNOSTIC],
)
def test_a_damaged_or_foreign_entry_is_ignored(project, capsys, parses, damage):
    expected = check(capsys, ".")
    damaged = 0
    for entry in entries(project):
        data = entry.read_text()
        record = json.loads(data)
        if damage in DAMAGED_DIAGNOSTIC:
            if not record["diagnostics"]:
                continue
            first = DAMAGED_DIAGNOSTIC[damage](record["diagnostics"][0])
            replacement = json.dumps({**record, "diagnostics": [first, *record["diagnostics"][1:]]})
        else:
            replacement = {
                "garbage": "\x00\xffnot json",
                "truncated": data[: len(data) // 2],
                "empty": "",
                "foreign key": json.dumps({**record, "key": "0" * 64, "diagnostics": []}),
                "other format": json.dumps({**record, "format": 999, "diagnostics": []}),
                "wrong shape": json.dumps({**record, "diagnostics": [{"code": 1}]}),
            }[damage]
        entry.write_text(replacement, encoding="utf-8", errors="surrogateescape")
        damaged += 1
    parses.clear()
    assert check(capsys, ".") == expected
    # Every damaged entry is a miss; util.py's entry (no diagnostics) needs no parse to be rebuilt.
    assert len(parses) == (damaged if damage in DAMAGED_DIAGNOSTIC else len(FILES)) and damaged >= 2
    parses.clear()
    assert check(capsys, ".") == expected and parses == []  # and the entries were repaired


def test_what_other_versions_left_is_pruned_once_unused_for_a_week(project, capsys):
    top = project / CACHE_DIR_NAME
    old, recent = top / "0123456789abcdef", top / "fedcba9876543210"
    for folder in (old, recent):
        folder.mkdir(parents=True)
        (folder / ("b" * 64 + ".json")).write_text("{}")
    first_layout = top / ("a" * 64 + ".json")  # entries once lay directly in the cache folder
    first_layout.write_text("{}")
    eight_days_ago = time.time() - 8 * 24 * 3600
    for stale in (old, first_layout):
        os.utime(stale, (eight_days_ago, eight_days_ago))
    check(capsys, ".")
    assert not old.exists() and not first_layout.exists()
    assert (recent / ("b" * 64 + ".json")).exists()  # another version, used this week: kept
    [current] = {p.parent for p in entries(project)} - {recent}
    assert len(list(current.glob("*.json"))) == 4 and (top / ".gitignore").exists()


def test_no_cache_neither_reads_nor_writes(project, capsys, parses):
    check(capsys, ".", "--no-cache")
    assert not (project / CACHE_DIR_NAME).exists()
    check(capsys, ".")
    parses.clear()
    check(capsys, ".", "--no-cache")
    assert len(parses) == 3


def test_the_cache_lives_in_the_project_root(project, capsys):
    (project / "sub").mkdir()
    shutil.copyfile(CASES / "lsl101_bad_basic.py", project / "sub" / "train.py")
    code, out, err = run_main(["check", str(project / "sub")], capsys)
    assert code == 1 and (project / CACHE_DIR_NAME).is_dir()
    assert not (project / "sub" / CACHE_DIR_NAME).exists()


def test_project_root_is_the_config_folder_then_git_then_cwd(tmp_path, monkeypatch):
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "pkg").mkdir()
    config = tmp_path / "repo" / "pkg" / "lossscale-lint.toml"
    assert project_root(tmp_path / "repo" / "pkg" / "train.py", config) == config.parent.resolve()
    assert project_root(tmp_path / "repo" / "pkg" / "train.py", None) == (tmp_path / "repo").resolve()
    monkeypatch.chdir(tmp_path)
    assert project_root(tmp_path / "elsewhere", None) == tmp_path


def test_an_unwritable_cache_folder_means_no_cache(tmp_path):
    (tmp_path / CACHE_DIR_NAME).write_text("a file where the folder should be")
    assert DiagnosticsCache.open(tmp_path) is None
