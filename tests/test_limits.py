"""Issue 14: one pathological file can neither stall nor stop a run.

The size limit (LSL001) and the time limit (LSL002) are configurable and reported, each with its
own diagnostic; the time limit interrupts the analysis in the main thread (the CLI, its workers)
and in any other thread (the language server); large files run in a process of their own, so
that a native abort or a hang there costs that file only.
"""

from __future__ import annotations

import faulthandler
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from cli_support import SUMMED_SCRIPT, run_console_script, run_main

from lossscale_lint.config.options import DEFAULT_FILE_TIMEOUT, DEFAULT_MAX_FILE_SIZE, AnalysisOptions
from lossscale_lint.config.table import SETTINGS
from lossscale_lint.diagnostics import Severity
from lossscale_lint.pipeline import isolation
from lossscale_lint.pipeline.limits import AnalysisTimeout, time_limit
from lossscale_lint.pipeline.linting import lint_text
from lossscale_lint.rules import ALL_RULES
from lossscale_lint.rules.base import Rule

SUMMED = SUMMED_SCRIPT
# A file whose analysis takes a few seconds (20,000 backward calls, 320 KB): slow, not broken.
MANY_BACKWARDS = "import torch\nloss = model(x).sum()\n" + "loss.backward()\n" * 20_000


def codes(diagnostics) -> list[str]:
    return [d.code for d in diagnostics]


def test_the_defaults_are_the_documented_ones():
    defaults = {setting.name: setting.default for setting in SETTINGS}
    assert (defaults["max_file_size"], defaults["file_timeout"]) == (DEFAULT_MAX_FILE_SIZE, DEFAULT_FILE_TIMEOUT)
    assert (DEFAULT_MAX_FILE_SIZE, DEFAULT_FILE_TIMEOUT) == (1_048_576, 10.0)
    assert AnalysisOptions().max_file_size == DEFAULT_MAX_FILE_SIZE


# --- size ---------------------------------------------------------------------------------------

def test_code_over_the_size_limit_is_reported_and_not_analysed():
    options = AnalysisOptions(max_file_size=len(SUMMED) - 1)
    [too_large] = lint_text(SUMMED, "train.py", options)
    assert (too_large.code, too_large.name, too_large.severity) == ("LSL001", "file-too-large", Severity.WARNING)
    assert too_large.message == (f"not analysed: {len(SUMMED)} bytes of Python code is over the limit of "
                                 f"{len(SUMMED) - 1} bytes (max-file-size)")
    assert codes(lint_text(SUMMED, "train.py", AnalysisOptions(max_file_size=len(SUMMED)))) == ["LSL101"]
    assert codes(lint_text(SUMMED, "train.py", AnalysisOptions(max_file_size=0))) == ["LSL101"]  # 0: no limit


def test_the_size_is_counted_in_utf8_bytes():
    source = SUMMED + "# " + "é" * 100 + "\n"  # 2 bytes each
    assert codes(lint_text(source, "t.py", AnalysisOptions(max_file_size=len(source) + 50))) == ["LSL001"]


def test_a_large_file_without_training_code_is_skipped_silently():
    table = "TABLE = [\n" + "    1.0,\n" * 1000 + "]\n"
    assert lint_text(table, "generated.py", AnalysisOptions(max_file_size=100)) == []
    broken = "x = (\n" * 100
    assert lint_text(broken, "broken.py", AnalysisOptions(max_file_size=100)) == []  # not even parsed


def test_an_ignored_lsl001_skips_the_file_silently():
    options = AnalysisOptions(max_file_size=100, is_selected=lambda code: code != "LSL001")
    assert lint_text(SUMMED, "train.py", options) == []


@pytest.mark.slow
def test_a_50_mb_file_is_skipped_and_the_other_files_are_checked(tmp_path):
    # Issue 14: LibCST's native parser aborted the whole process on this (exit -6), losing every
    # other file's results.
    (tmp_path / "huge.py").write_text(SUMMED + "loss.backward()\n" * 3_300_000, encoding="utf-8")
    (tmp_path / "train.py").write_text(SUMMED, encoding="utf-8")
    started = time.monotonic()
    result = run_console_script(["check", "--no-cache", "--output-format", "concise", "."], tmp_path)
    assert time.monotonic() - started < 60
    assert result.returncode == 1 and result.stderr == ""
    assert "huge.py:1:1: LSL001 not analysed: 50.4 MiB of Python code is over the limit of 1.0 MiB" in result.stdout
    assert "train.py:5:" in result.stdout and "LSL101" in result.stdout


def test_the_size_limit_comes_from_the_configuration_and_the_command_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "train.py").write_text(SUMMED, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.lossscale-lint]\nmax-file-size = 100\n", encoding="utf-8")
    code, out, _ = run_main(["check", "--no-cache", "--output-format", "concise", "train.py"], capsys)
    assert code == 1 and "train.py:1:1: LSL001 " in out and "LSL101" not in out
    code, out, _ = run_main(["check", "--no-cache", "--output-format", "concise", "--max-file-size", "0",
                             "train.py"], capsys)
    assert code == 1 and "LSL001" not in out and "LSL101" in out
    code, out, _ = run_main(["check", "--show-settings", "train.py", "--max-file-size", "5000"], capsys)
    assert "max-file-size = 5000  (command line)" in out and "file-timeout = 10.0  (default)" in out


@pytest.mark.parametrize(("flag", "value"), [("--max-file-size", "-1"), ("--max-file-size", "1.5"),
                                             ("--file-timeout", "soon"), ("--file-timeout", "inf")])
def test_a_bad_limit_on_the_command_line_is_a_usage_error(tmp_path, capsys, monkeypatch, flag, value):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_main(["check", flag, value, "."], capsys)
    assert code == 2 and f"'{value}' is not" in err and "Traceback" not in err


def test_a_bad_limit_in_the_configuration_names_the_file_and_key(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.lossscale-lint]\nfile-timeout = "10s"\n', encoding="utf-8")
    code, _, err = run_main(["check", "."], capsys)
    [line] = err.splitlines()
    assert code == 2 and "pyproject.toml" in line and "tool.lossscale-lint.file-timeout" in line


# --- time ---------------------------------------------------------------------------------------

def test_an_analysis_past_the_time_limit_is_stopped_and_reported():
    started = time.monotonic()
    [timed_out] = lint_text(MANY_BACKWARDS, "slow.py", AnalysisOptions(file_timeout=0.3))
    assert time.monotonic() - started < 3  # the whole analysis takes several seconds
    assert (timed_out.code, timed_out.name, timed_out.severity) == ("LSL002", "analysis-timeout", Severity.WARNING)
    assert timed_out.message == "not analysed: the analysis took longer than 0.3 s (file-timeout) and was stopped"
    options = AnalysisOptions(file_timeout=0.3, is_selected=lambda code: code != "LSL002")
    assert lint_text(MANY_BACKWARDS, "slow.py", options) == []


def test_the_time_limit_also_stops_an_analysis_in_another_thread():
    # The language server analyses in a worker thread, where no signal can be delivered.
    found = {}

    def analyse():
        started = time.monotonic()
        found["first"] = lint_text(MANY_BACKWARDS, "slow.py", AnalysisOptions(file_timeout=0.3))
        found["took"] = time.monotonic() - started
        found["then"] = lint_text(SUMMED, "train.py", AnalysisOptions(file_timeout=5))  # the thread is fine after

    worker = threading.Thread(target=analyse)
    worker.start()
    worker.join(60)
    assert codes(found["first"]) == ["LSL002"] and found["took"] < 3
    assert codes(found["then"]) == ["LSL101"]


@pytest.mark.parametrize("in_thread", [False, True], ids=["main-thread", "other-thread"])
def test_a_limit_that_is_not_reached_leaves_nothing_behind(in_thread):
    errors = []

    def run():
        try:
            for _ in range(20):
                with time_limit(0.05):
                    pass
            time.sleep(0.2)  # past every timer: a late timeout would land here
        except AnalysisTimeout as error:  # pragma: no cover - the failure this test looks for
            errors.append(error)

    if in_thread:
        worker = threading.Thread(target=run)
        worker.start()
        worker.join(10)
    else:
        handler = signal.getsignal(signal.SIGALRM)
        run()
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # no timer left armed
        assert signal.getsignal(signal.SIGALRM) == handler  # and the handler given back
    assert errors == []


def test_an_enclosing_limit_still_holds_after_an_inner_one():
    with pytest.raises(AnalysisTimeout):
        with time_limit(0.3):
            with time_limit(5):
                pass
            time.sleep(2)


def test_a_timed_out_result_is_not_cached(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "slow.py").write_text(MANY_BACKWARDS, encoding="utf-8")
    (tmp_path / "train.py").write_text(SUMMED, encoding="utf-8")
    for _ in range(2):  # the second run analyses slow.py again: its LSL002 was not stored
        code, out, _ = run_main(["check", "--output-format", "concise", "--file-timeout", "0.3", "."], capsys)
        assert code == 1 and "slow.py:1:1: LSL002" in out and "train.py:5:" in out
    entries = list((tmp_path / ".lossscale_lint_cache").rglob("*.json"))
    assert len(entries) == 1  # train.py's


@pytest.mark.slow
def test_200k_backward_calls_end_within_the_limits(tmp_path):
    # Issue 14: this file ran for more than 300 s. Past the size limit it is not analysed; with no
    # size limit the time limit stops it.
    (tmp_path / "many.py").write_text("import torch\nloss = model(x).sum()\n" + "loss.backward()\n" * 200_000)
    result = run_console_script(["check", "--no-cache", "--output-format", "concise", "many.py"], tmp_path)
    assert result.returncode == 1 and result.stdout.startswith("many.py:1:1: LSL001 ")
    started = time.monotonic()
    result = run_console_script(["check", "--no-cache", "--output-format", "concise", "--max-file-size", "0",
                                 "--file-timeout", "2", "many.py"], tmp_path)
    assert time.monotonic() - started < 40  # the limit, the parse it waits for, the start-up
    assert result.returncode == 1 and result.stdout.startswith("many.py:1:1: LSL002 "), result.stdout + result.stderr


# --- isolation ----------------------------------------------------------------------------------

@pytest.fixture
def small_risky_size(monkeypatch):
    # Every file over 1 KB runs in a process of its own (forked: it inherits this patch).
    monkeypatch.setattr(isolation, "RISKY_SIZE", 1024)


def project_with_a_large_file(root: Path) -> None:
    (root / "large.py").write_text(SUMMED + "# padding\n" * 200, encoding="utf-8")
    (root / "train.py").write_text(SUMMED, encoding="utf-8")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the test rule reaches the child by forking")
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_native_abort_on_a_large_file_costs_only_that_file(tmp_path, capsys, monkeypatch, small_risky_size, jobs):
    parent = os.getpid()

    def abort_in_child(ctx):
        if os.getpid() != parent and ctx.path.endswith("large.py"):
            faulthandler.disable()  # pytest's, which would print the child's stack
            os.abort()  # what LibCST's parser does when its allocator fails
        return []

    monkeypatch.setitem(ALL_RULES, "LSL997", Rule("LSL997", "aborts", Severity.ERROR, "test", abort_in_child))
    monkeypatch.chdir(tmp_path)
    project_with_a_large_file(tmp_path)
    code, out, err = run_main(["check", "--no-cache", "--output-format", "concise", "--jobs", jobs, "."], capsys)
    assert code == 2 and "Traceback" not in err
    assert "large.py: not analysed: the process analysing it was killed by SIGABRT; the other files were checked" in err
    assert "train.py:5:" in out and "LSL101" in out


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the test rule reaches the child by forking")
def test_a_hang_the_time_limit_cannot_interrupt_is_ended_from_outside(tmp_path, capsys, monkeypatch, small_risky_size):
    parent = os.getpid()

    def hang_in_child(ctx):
        if os.getpid() != parent and ctx.path.endswith("large.py"):
            signal.signal(signal.SIGALRM, signal.SIG_IGN)  # as native code that never returns
            time.sleep(60)
        return []

    monkeypatch.setattr(isolation, "HARD_LIMIT_GRACE", 0.5)
    monkeypatch.setitem(ALL_RULES, "LSL997", Rule("LSL997", "hangs", Severity.ERROR, "test", hang_in_child))
    monkeypatch.chdir(tmp_path)
    project_with_a_large_file(tmp_path)
    started = time.monotonic()
    code, out, err = run_main(["check", "--no-cache", "--output-format", "concise", "--file-timeout", "0.5", "."],
                              capsys)
    assert time.monotonic() - started < 10
    assert (code, err) == (1, "")
    assert "large.py:1:1: LSL002 " in out and "train.py:5:" in out


def test_ordinary_files_are_not_isolated(tmp_path, capsys, monkeypatch):
    runs = []
    monkeypatch.setattr(isolation, "run_isolated", lambda job, cache: runs.append(job.path))
    monkeypatch.chdir(tmp_path)
    project_with_a_large_file(tmp_path)  # 2 KB: far below the real threshold
    code, out, _ = run_main(["check", "--no-cache", "."], capsys)
    assert code == 1 and runs == []


@pytest.mark.parametrize("in_thread", [False, True], ids=["main-thread", "other-thread"])
def test_wherever_the_timeout_lands_the_result_is_whole_or_lsl002(in_thread):
    # The timeout lands between two bytecodes anywhere in the analysis (or inside a C function,
    # where it surfaces as another error): the result is the file's findings or LSL002, nothing else.
    source = (Path(__file__).parent.parent / "examples" / "summed_loss_sgd_decay_clipping.py").read_text()
    source += '\nNOTES = """' + "a long docstring " * 4000 + '"""\n'  # past the size at which `ast` checks the depth
    started = time.monotonic()
    whole = lint_text(source, "train.py", AnalysisOptions(file_timeout=0))
    took = time.monotonic() - started
    outcomes = []

    def run():
        # Limits from 1/20 of the time the analysis takes to twice it, and then ten times it.
        for limit in [took * step / 20 for step in range(1, 41)] + [took * 10]:
            found = lint_text(source, "train.py", AnalysisOptions(file_timeout=limit))
            outcomes.append("whole" if found == whole else "LSL002" if codes(found) == ["LSL002"] else found)

    if in_thread:
        worker = threading.Thread(target=run)
        worker.start()
        worker.join(120)
    else:
        run()
    assert set(outcomes) <= {"whole", "LSL002"}, [o for o in outcomes if o not in ("whole", "LSL002")][:3]
    assert {"whole", "LSL002"} <= set(outcomes)  # both ends were reached: the test can tell them apart
