"""`check`, `check --base`, `check --fix` and `check --diff` go through one `lint_paths`: the same
workers and the same cache for all of them, with the base text in the cache key."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import libcst
import pytest
from cli_support import run_main
from test_change_aware import BATCH_128, SCRIPT, edited

from lossscale_lint.pipeline import workers
from lossscale_lint.pipeline.cache import CACHE_DIR_NAME

CASES = Path(__file__).parent / "rule_cases"
GIT_IDENTITY = ["-c", "user.name=lossscale-lint tests", "-c", "user.email=tests@invalid"]
# Rule cases with safe or unsafe fixes, and clean ones: enough files to start workers.
FIXABLE = sorted(CASES.glob("lsl*_bad_*.py"))
CLEAN = sorted(CASES.glob("lsl*_ok_*.py"))[:4]


@pytest.fixture
def worker_runs(monkeypatch):
    """(jobs handed to workers, workers) for every run that started workers."""
    calls = []
    real = workers.run_in_workers

    def spy(pending, count, cache, progress=None):
        calls.append((len(pending), count))
        return real(pending, count, cache, progress)

    monkeypatch.setattr(workers, "run_in_workers", spy)
    return calls


@pytest.fixture
def parses(monkeypatch):
    """Every text LibCST parsed in this process."""
    seen: list[str] = []
    real = libcst.parse_module

    def counting(source, *args, **kwargs):
        seen.append(source)
        return real(source, *args, **kwargs)

    monkeypatch.setattr(libcst, "parse_module", counting)
    return seen


def fixable_tree(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    for case in FIXABLE + CLEAN:
        shutil.copyfile(case, folder / case.name)
    return folder


def contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.py"))}


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *GIT_IDENTITY, *args], cwd=repo, capture_output=True, check=True)


# --- workers ------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["--fix", "--diff"])
def test_fix_and_diff_with_workers_match_the_serial_run(tmp_path, monkeypatch, capsys, worker_runs, mode):
    serial, parallel = fixable_tree(tmp_path / "serial"), fixable_tree(tmp_path / "parallel")
    args = ["check", "--no-cache", mode, "--unsafe-fixes", "--show-fixes", "--output-format", "concise", "."]
    monkeypatch.chdir(serial)
    serial_run = run_main([*args, "--jobs", "1"], capsys)
    assert worker_runs == []
    monkeypatch.chdir(parallel)
    parallel_run = run_main([*args, "--jobs", "2"], capsys)
    assert worker_runs == [(len(FIXABLE) + len(CLEAN), 2)]
    assert parallel_run == serial_run
    assert contents(parallel) == contents(serial)
    fixed = contents(serial) != {case.name: case.read_bytes() for case in FIXABLE + CLEAN}
    assert fixed == (mode == "--fix")
    if mode == "--diff":
        assert serial_run[1].startswith("---") and "Would apply" in serial_run[2]
    else:
        assert "Fixed " in serial_run[1]


def test_a_write_error_in_a_worker_leaves_the_other_files_fixed(tmp_path, monkeypatch, capsys, worker_runs):
    tree = fixable_tree(tmp_path / "tree")
    monkeypatch.chdir(tree)
    real_replace = os.replace

    def refuse_legacy(src, dst):  # forked workers inherit the patched function
        if Path(dst).name == "lsl401_bad_legacy.py":
            raise PermissionError(30, "Read-only file system")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", refuse_legacy)
    before = contents(tree)
    code, out, err = run_main(["check", "--no-cache", "--fix", "--jobs", "2", "--output-format", "concise", "."],
                              capsys)
    assert worker_runs and code == 2
    assert err == "lossscale-lint: error: lsl401_bad_legacy.py: cannot write: Read-only file system\n"
    after = contents(tree)
    assert after["lsl401_bad_legacy.py"] == before["lsl401_bad_legacy.py"]
    assert after["lsl202_bad_accelerate.py"] != before["lsl202_bad_accelerate.py"]  # a safe fix went in
    assert "lsl401_bad_legacy.py:" in out  # still reported as it is on disk


@pytest.fixture
def repo_with_changes(tmp_path, monkeypatch):
    """A repository of training scripts committed with batch size 32, now edited to 128."""
    git(tmp_path, "init", "-q")
    for i in range(workers.IN_PROCESS_BELOW + 1):
        (tmp_path / f"train_{i}.py").write_text(SCRIPT, encoding="utf-8")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "base")
    for i in range(workers.IN_PROCESS_BELOW + 1):
        if i % 2 == 0:
            (tmp_path / f"train_{i}.py").write_text(edited(BATCH_128), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_base_with_workers_matches_the_serial_run(repo_with_changes, capsys, worker_runs):
    args = ["check", "--no-cache", "--base", "HEAD", "--output-format", "concise", "."]
    serial_run = run_main([*args, "--jobs", "1"], capsys)
    assert worker_runs == []
    parallel_run = run_main([*args, "--jobs", "2"], capsys)
    assert worker_runs == [(workers.IN_PROCESS_BELOW + 1, 2)]
    assert parallel_run == serial_run
    assert serial_run[1].count(": LSL501 ") == 5  # the five edited scripts, none of the others


# --- the cache ----------------------------------------------------------------------------------

def base_check(capsys) -> tuple[int, str]:
    code, out, err = run_main(["check", "--base", "HEAD", "--jobs", "1", "--output-format", "concise", "."], capsys)
    assert err == ""
    return code, out


def test_a_base_run_is_answered_from_the_cache_until_the_base_changes(repo_with_changes, capsys, parses):
    first = base_check(capsys)
    assert first[1].count(": LSL501 ") == 5 and parses
    parses.clear()
    assert base_check(capsys) == first
    assert parses == []
    # A new base for train_2.py (batch size 64): its text is the same, only its base changed.
    (repo_with_changes / "train_2.py").write_text(edited(("default=32", "default=64")), encoding="utf-8")
    git(repo_with_changes, "commit", "-q", "-m", "batch size 64 in train_2", "train_2.py")
    (repo_with_changes / "train_2.py").write_text(edited(BATCH_128), encoding="utf-8")
    second = base_check(capsys)
    assert len(parses) == 2  # train_2.py as it is and at the new base; every other file from the cache
    [message] = [line for line in second[1].splitlines() if line.startswith("train_2.py:8:")]
    assert "from 64 to 128" in message and "from 32 to 128" in first[1]


def test_plain_and_base_runs_keep_apart_entries(repo_with_changes, capsys, parses):
    base_check(capsys)
    code, out, err = run_main(["check", "--jobs", "1", "--output-format", "concise", "."], capsys)
    assert "LSL501" not in out  # not the base run's entries
    parses.clear()
    assert base_check(capsys)[1].count(": LSL501 ") == 5
    assert parses == []  # the plain run did not overwrite the base entries
    parses.clear()
    code, out, err = run_main(["check", "--jobs", "1", "--output-format", "concise", "."], capsys)
    assert parses == [] and "LSL501" not in out


def test_a_fix_run_uses_the_cache_a_check_made(tmp_path, monkeypatch, capsys, parses):
    tree = fixable_tree(tmp_path / "tree")
    (tree / "lossscale-lint.toml").write_text("")
    monkeypatch.chdir(tree)
    originals = {text for text in contents(tree).values()}
    run_main(["check", "--jobs", "1", "."], capsys)
    parses.clear()
    code, out, err = run_main(["check", "--diff", "--jobs", "1", "."], capsys)
    assert code == 1 and out.startswith("---") and "Would apply " in err
    diffed = [line.split()[1] for line in out.splitlines() if line.startswith("--- ")]
    would_apply = err.split("Would apply ")[1].split()[0]
    # Only the fixer's re-lint of a fixed text may parse (the pre-check skips some): the files as
    # read come from the cache, those without a safe fix included.
    assert len(diffed) >= 2 and 1 <= len(parses) <= len(diffed)
    assert not {text.encode() for text in parses} & originals
    parses.clear()
    code, out, err = run_main(["check", "--fix", "--jobs", "1", "."], capsys)
    assert f"Fixed {would_apply} problems." in out
    assert not {text.encode() for text in parses} & originals
    parses.clear()
    code, out, err = run_main(["check", "--fix", "--jobs", "1", "."], capsys)
    # The next fix run lints only the fixed files (their text changed: a miss), and fixes nothing.
    fixed_now = {contents(tree)[name] for name in diffed}
    assert parses and {text.encode() for text in parses} <= fixed_now and "Fixed" not in out


def test_a_fix_run_creates_no_cache_folder(tmp_path, monkeypatch, capsys):
    tree = fixable_tree(tmp_path / "tree")
    monkeypatch.chdir(tree)
    run_main(["check", "--fix", "--jobs", "1", "."], capsys)
    run_main(["check", "--diff", "--jobs", "1", "."], capsys)
    assert not (tree / CACHE_DIR_NAME).exists()
    run_main(["check", "--jobs", "1", "."], capsys)
    assert (tree / CACHE_DIR_NAME).is_dir()
