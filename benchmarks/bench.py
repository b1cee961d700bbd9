"""Benchmark: lossscale-lint on a >= 3000-file corpus against a bare LibCST parse of the same files.

    python benchmarks/bench.py [--repeat N] [--keep DIR]

Builds the corpus (benchmarks/corpus.py) in a temporary folder, then measures in one run, so that
the ratios compare like with like on whatever load the machine has:
- cold, `--jobs 1 --no-cache`;
- cold, all cores, with an empty cache (this run fills it);
- warm: the same command again, every file answered from the cache;
- the floor: a single-process loop of `libcst.parse_module` over exactly the files the tool checks
  (the loop alone, without interpreter start-up);
- the pre-commit case: 5 changed training scripts named on the command line, wall time including
  interpreter start (median of 5, each with freshly changed files), run the way pre-commit runs the
  hook: the `lossscale-lint check` console script of a fresh virtualenv into which this checkout
  was pip-installed (falling back to this interpreter, said so, when that cannot be built); once
  with the corpus's empty configuration and once with a non-empty table, which is validated with
  pydantic;
- peak memory: the largest resident set of any process of a run (`os.wait4`, which also counts
  the worker processes the run waited for), and on Linux the largest total over the process tree
  (proportional set sizes sampled every 0.2 s, so that pages a forked worker shares with its
  parent count once).
Every tool run is a subprocess (`python -m lossscale_lint check`) of a snapshot of the package, so
its times include interpreter start and imports. Wall and CPU time are both shown: on a shared
machine other processes stretch wall times (and take the cores the workers need), CPU time much
less. With `--repeat N` each full run is measured N times and the fastest kept. The three full
runs must print the same diagnostics; the exit status is 1 if they do not.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run from a clean clone

from benchmarks.corpus import build_corpus  # noqa: E402
from lossscale_lint.config.settings import load_settings  # noqa: E402
from lossscale_lint.pipeline.discovery import discover  # noqa: E402
from lossscale_lint.pipeline.workers import available_cores  # noqa: E402

PRE_COMMIT_FILES = 5
PRE_COMMIT_REPEATS = 5
# A table that changes nothing about the analysis but must be validated.
CONFIGURED = 'extend-exclude = ["no-such-folder"]\n'
OTHER_LINTERS = {"TorchFix": ("torchfix", ["-m", "torchfix"]), "Fixit": ("fixit", ["-m", "fixit", "lint"])}


@dataclass
class Run:
    seconds: float  # wall time
    cpu: float  # user + system time of the process and every worker it waited for
    peak_mb: float  # the largest resident set of any one process
    total_mb: float  # the largest sum of proportional set sizes over the process tree (Linux)
    stdout: str
    returncode: int


def fastest(runs: list[Run]) -> Run:
    return min(runs, key=lambda run: run.seconds)


# The tool runs from a copy of the package taken at start, so that edits to the working tree
# during the benchmark (or a stale install) cannot change what is measured halfway through.
SNAPSHOT_ENV: dict[str, str] = {}


def snapshot_package(workdir: Path) -> None:
    target = workdir / "snapshot"
    shutil.copytree(REPO / "lossscale_lint", target / "lossscale_lint",
                    ignore=shutil.ignore_patterns("__pycache__"))
    # Compiled once here, as an installed package is: with PYTHONDONTWRITEBYTECODE set (some CI
    # images set it) every run would otherwise compile the whole package again.
    compileall.compile_dir(target, quiet=1)
    SNAPSHOT_ENV.update(os.environ, PYTHONPATH=str(target))


def process_tree(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return [pid]
    return [pid, *(p for child in children for p in process_tree(int(child)))]


def proportional_kb(pid: int) -> int:
    """PSS: resident memory with pages shared by several processes (a forked worker and its
    parent) divided among them, so that the sum over processes is the memory really used."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def sample_memory(pid: int, done: threading.Event, peak: list[int]) -> None:
    while not done.wait(0.2):
        peak[0] = max(peak[0], sum(proportional_kb(p) for p in process_tree(pid)))


def timed(command: list[str], cwd: Path, snapshot: bool = True) -> Run:
    """Run `command`; with `snapshot`, Python finds the package in the snapshot taken at start."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env=(SNAPSHOT_ENV or None) if snapshot else None)
    done, peak = threading.Event(), [0]
    sampler = threading.Thread(target=sample_memory, args=(process.pid, done, peak), daemon=True)
    sampler.start()
    stdout = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, peak[0] / 1024, stdout,
               process.returncode)


def lint(corpus: Path, *options: str) -> Run:
    return timed([sys.executable, "-m", "lossscale_lint", "check", ".", "--output-format", "concise", *options], corpus)


BARE_PARSE = """
import sys, time, libcst
paths = open(sys.argv[1], encoding="utf-8").read().splitlines()
start, cpu = time.perf_counter(), time.process_time()
for path in paths:
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        libcst.parse_module(data)
    except Exception:
        pass
print(time.perf_counter() - start, time.process_time() - cpu)
"""


def bare_parse(files: list[str], corpus: Path, workdir: Path) -> Run:
    listing = workdir / "files.txt"
    listing.write_text("\n".join(str(corpus / f) for f in files), encoding="utf-8")
    run = timed([sys.executable, "-c", BARE_PARSE, str(listing)], corpus)
    # The loop alone: the floor gets no interpreter start-up, the tool's runs all include it.
    run.seconds, run.cpu = map(float, run.stdout.split())
    return run


@dataclass
class Hook:
    command: list[str]  # the hook's entry, `lossscale-lint check`
    python: str  # the interpreter of its environment
    origin: str  # in words, for the table
    from_snapshot: bool  # whether the package comes from the snapshot (else: installed in the venv)


def hook_environment(workdir: Path) -> Hook:
    """What pre-commit builds for a `language: python` hook: a virtualenv with the repository
    pip-installed (and so compiled, as an installed package is)."""
    venv = workdir / "hook-venv"
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(REPO)],
                       check=True, capture_output=True, timeout=900)
    except (OSError, subprocess.SubprocessError) as error:
        print(f"(no hook virtualenv: {error}; the pre-commit case runs on this interpreter)", flush=True)
        return Hook([sys.executable, "-m", "lossscale_lint", "check"], sys.executable, "this interpreter", True)
    bin_dir = venv / "bin"
    return Hook([str(bin_dir / "lossscale-lint"), "check"], str(bin_dir / "python"), "fresh virtualenv, pip-installed",
                False)


def pre_commit_case(corpus: Path, files: list[str], hook: Hook, label: str) -> list[Run]:
    chosen = [f for f in files if f.startswith("training/")][:: 97][:PRE_COMMIT_FILES]
    runs = []
    # Round 0 is not timed: a hook environment pre-commit uses is on a warm disk cache; a freshly
    # built one is not, and its first run reads every module from disk.
    for repeat in range(-1, PRE_COMMIT_REPEATS):
        for name in chosen:  # a real edit each time, so the cache cannot answer
            with open(corpus / name, "a", encoding="utf-8") as handle:
                handle.write(f"# edited in pre-commit round {label} {repeat}\n")
        run = timed([*hook.command, *chosen], corpus, hook.from_snapshot)  # default text output
        if repeat >= 0:
            runs.append(run)
    return runs


def pre_commit_rows(label: str, runs: list[Run]) -> list[str]:
    times = [r.seconds for r in runs]
    return [
        row(f"{label} (median of {len(times)})", f"{statistics.median(times):.2f} s", "target 0.5 s"),
        row(f"  {label}, fastest / slowest", f"{min(times):.2f}/{max(times):.2f} s"),
    ]


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return (f"{os.cpu_count()} CPUs ({available_cores()} usable), {model}; Python {platform.python_version()}; "
            f"load average at start {load}")


def row(label: str, wall: str = "", wall_ratio: str = "", cpu: str = "", cpu_ratio: str = "") -> str:
    return f"| {label:<44} | {wall:>13} | {wall_ratio:>21} | {cpu:>9} | {cpu_ratio:>9} |"


def timing_row(label: str, run: Run, floor: Run, target: str = "") -> str:
    ratio = f"{run.seconds / floor.seconds:.3f}x" + (f" (target {target})" if target else "")
    return row(label, f"{run.seconds:.2f} s", ratio, f"{run.cpu:.1f} s", f"{run.cpu / floor.cpu:.3f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="build the corpus here and keep it")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="measure each full run N times and keep the fastest (default 1)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="lossscale-bench-"))
    corpus = args.keep or workdir / "corpus"
    try:
        print(f"machine: {machine()}", flush=True)
        snapshot_package(workdir)
        counts = build_corpus(corpus)
        settings = load_settings(corpus)
        files = [os.path.relpath(f, corpus) for f in discover([str(corpus)], settings).files]
        megabytes = sum((corpus / f).stat().st_size for f in files) / 1e6
        print(f"corpus: {corpus} ({counts['training']} training scripts, {counts['stdlib']} stdlib files)", flush=True)

        repeats = range(args.repeat)
        cold_serial = fastest([lint(corpus, "--jobs", "1", "--no-cache") for _ in repeats])
        cold_runs, warm_runs = [], []
        for _ in repeats:
            shutil.rmtree(corpus / ".lossscale_lint_cache", ignore_errors=True)
            cold_runs.append(lint(corpus))  # fills the cache
            warm_runs.append(lint(corpus))
        cold_parallel, warm = fastest(cold_runs), fastest(warm_runs)
        floor = fastest([bare_parse(files, corpus, workdir) for _ in repeats])
        hook = hook_environment(workdir)
        pre_commit = pre_commit_case(corpus, files, hook, "default")
        config = corpus / "lossscale-lint.toml"
        default_config = config.read_text(encoding="utf-8")
        config.write_text(CONFIGURED, encoding="utf-8")
        pre_commit_configured = pre_commit_case(corpus, files, hook, "configured")
        config.write_text(default_config, encoding="utf-8")
        start_up = [timed([*hook.command[:-1], "--version"], corpus, hook.from_snapshot).seconds
                    for _ in range(PRE_COMMIT_REPEATS)]
        bare_start = [timed([hook.python, "-c", "pass"], corpus, hook.from_snapshot).seconds
                      for _ in range(PRE_COMMIT_REPEATS)]

        same = cold_serial.stdout == cold_parallel.stdout == warm.stdout
        print()
        print(row("measure", "wall", "wall / bare parse", "CPU", "CPU / bare"))
        print(row("-" * 44, "-" * 13, "-" * 21, "-" * 9, "-" * 9))
        print(row("files checked", str(len(files))))
        print(row("total size", f"{megabytes:.1f} MB"))
        print(timing_row("bare libcst.parse_module loop, 1 process", floor, floor))
        print(timing_row("cold, --jobs 1", cold_serial, floor))
        print(timing_row(f"cold, all cores ({available_cores()})", cold_parallel, floor, "0.35"))
        print(timing_row("warm cache", warm, floor, "0.03"))
        print(row(f"pre-commit hook: {hook.origin}"))
        for line in (*pre_commit_rows("pre-commit, 5 changed files", pre_commit),
                     *pre_commit_rows("same, config table set", pre_commit_configured)):
            print(line)
        print(row("  hook start-up alone (`--version`, median)", f"{statistics.median(start_up):.2f} s"))
        print(row("  its bare `python -c pass` (median)", f"{statistics.median(bare_start):.2f} s"))
        peak = max(cold_serial.peak_mb, cold_parallel.peak_mb, warm.peak_mb)
        print(row("peak memory of any lint process", f"{peak:.0f} MB", "target 300 MB"))
        total = max(cold_serial.total_mb, cold_parallel.total_mb, warm.total_mb)
        print(row("peak memory of a whole run (sum of PSS)", f"{total:.0f} MB" if total else "n/a"))
        print(row("peak memory of the bare parse loop", f"{floor.peak_mb:.0f} MB"))
        print(row("diagnostics reported (lines)", str(len(cold_serial.stdout.splitlines()))))
        print(row("same output: jobs 1 / all cores / warm", "yes" if same else "NO"))
        for name, (module, command) in OTHER_LINTERS.items():
            if importlib.util.find_spec(module) is None:
                print(row(name, "not installed"))
                continue
            print(timing_row(name, timed([sys.executable, *command, "."], corpus), floor))
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"\nload average at the end: {load} (other work on the machine slows the wall times, CPU less so)")
        return 0 if same else 1
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
