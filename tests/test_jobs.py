"""`--jobs`: worker processes give the same output, in the same order, as a serial run; small runs
stay in process; a worker that dies becomes a per-file error, not a hang or a traceback."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from cli_support import run_main, run_module

from lossscale_lint.pipeline import workers as parallel
from lossscale_lint.diagnostics import Severity
from lossscale_lint.rules import ALL_RULES
from lossscale_lint.rules.base import Rule

CASES = sorted((Path(__file__).parent / "rule_cases").glob("*.py"))


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """Every rule case in nested folders, plus files that take the other paths through a run."""
    for i, case in enumerate(CASES):
        folder = tmp_path / f"team_{i % 3}" / ("deep" if i % 2 else "")
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(case, folder / case.name)
    (tmp_path / "broken.py").write_text("def f(:\n    pass\n")
    (tmp_path / "util.py").write_text("def add(a, b):\n    return a + b\n")
    (tmp_path / "latin.py").write_bytes(b'name = "caf\xe9"\n')
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def worker_runs(monkeypatch):
    calls = []
    real = parallel.run_in_workers

    def spy(pending, workers, cache, progress=None):
        calls.append((len(pending), workers))
        return real(pending, workers, cache, progress)

    monkeypatch.setattr(parallel, "run_in_workers", spy)
    return calls


def check(capsys, *args: str):
    return run_main(["check", "--no-cache", "--output-format", "concise", *args], capsys)


@pytest.mark.parametrize("jobs", ["2", "3"])
def test_workers_give_the_serial_output(tree, capsys, worker_runs, jobs):
    serial = check(capsys, ".", "--jobs", "1")
    assert worker_runs == []
    parallel_run = check(capsys, ".", "--jobs", jobs)
    assert worker_runs == [(len(CASES) + 2, int(jobs))]  # latin.py fails to decode before any work
    assert parallel_run == serial
    code, out, err = serial
    assert code == 2 and "latin.py" in err and "broken.py:1:7: LSL000" in out


def test_a_few_files_stay_in_process(tree, capsys, worker_runs):
    few = [str(p) for p in sorted(tree.glob("team_0/*.py"))][: parallel.IN_PROCESS_BELOW - 1]
    check(capsys, *few, "--jobs", "4")
    assert worker_runs == []


@pytest.mark.slow
def test_the_real_command_with_workers_matches_serial(tree):
    serial = run_module(["check", "--no-cache", ".", "--jobs", "1"], tree)
    with_workers = run_module(["check", "--no-cache", ".", "--jobs", "2"], tree)
    assert serial.returncode == with_workers.returncode == 2
    assert (with_workers.stdout, with_workers.stderr) == (serial.stdout, serial.stderr)
    assert "Traceback" not in with_workers.stderr


def test_a_dying_worker_costs_only_its_file(tree, capsys, monkeypatch):
    parent = os.getpid()

    def die_in_worker(ctx):
        if os.getpid() != parent and ctx.path.endswith("lsl401_bad_legacy.py"):
            os._exit(3)  # what the kernel's OOM killer or a crash in native code looks like
        return []

    # Forked workers inherit the registry as it is when the run starts.
    monkeypatch.setitem(ALL_RULES, "LSL997", Rule("LSL997", "dies", Severity.ERROR, "test", die_in_worker))
    code, out, err = check(capsys, ".", "--jobs", "2")
    serial = check(capsys, ".", "--jobs", "1")  # no worker processes: nothing dies
    assert code == 2
    assert "Traceback" not in err
    # The files the broken pool had not answered ran again, one process each: only the file that
    # kills its process is lost, and every other file has the result a run without workers gives.
    [line] = [line for line in err.splitlines() if "not analysed" in line]
    assert line.endswith("lsl401_bad_legacy.py: not analysed: the process analysing it exited with status 3; "
                         "the other files were checked")
    findings = [line for line in out.splitlines() if ": LSL" in line]
    assert findings and findings == [line for line in serial[1].splitlines()
                                     if ": LSL" in line and "lsl401_bad_legacy.py" not in line]


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_jobs_must_be_a_positive_number(tree, capsys, value):
    code, out, err = check(capsys, ".", "--jobs", value)
    assert code == 2
    assert "--jobs" in err and "Traceback" not in err


def test_batches_hold_every_file_once_most_expensive_first():
    jobs = [parallel.FileJob(i, f"f{i}.py", "", None, None, cost) for i, cost in enumerate([5, 500, 50, 1, 50])]
    cut = parallel.batches(jobs, workers=2)
    flat = [job.index for batch in cut for job in batch]
    assert sorted(flat) == [0, 1, 2, 3, 4]
    assert flat[0] == 1 and [jobs[i].cost for i in flat] == sorted((j.cost for j in jobs), reverse=True)
