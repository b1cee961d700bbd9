"""Running the per-file jobs (`jobs.run_job`) in worker processes or in this one.

The runner has read every file and answered what the cache knows; what is left comes here as
jobs, plain values that a worker receives whole. They run in worker processes when there are
enough of them to pay for starting them (`IN_PROCESS_BELOW`), else right here. Whatever the
number of workers, each result goes back to its job's index, so `--jobs 1` and `--jobs 8` print
the same bytes.

Workers are forked where the platform allows it: they inherit the imported modules instead of
importing them again, which is most of a worker's start-up cost. Work is handed out in batches,
the most expensive files first, so that one large file does not leave the other cores idle at
the end and small files do not pay one round trip each. Large files, and the files of a pool that
broke, run in a process each instead (`isolation.py`).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from typing import Optional

from lossscale_lint.pipeline.cache import DiagnosticsCache
from lossscale_lint.pipeline.isolation import ignore_interrupts, is_risky, process_context, run_isolated
from lossscale_lint.pipeline.jobs import FileJob, FileResult, Outcome, RunProgress, run_job

Progress = Optional[RunProgress]

# Below this many files to analyse, the run stays in this process. benchmarks/startup.py measured
# on a 2-core machine: two forked workers answer after ~9 ms and one training script takes
# ~12 ms, so on idle cores workers would break even at 1-2 scripts. But the small runs are the
# pre-commit runs, where the machine is rarely idle and the pool's own imports add to the start:
# timed with 5 changed scripts in a hook virtualenv (9 runs each), in process gave a median of
# 0.34-0.37 s and workers 0.36 s, a tie within this machine's noise. 8 keeps those runs simple and
# still starts workers for any run large enough for the cores to matter.
IN_PROCESS_BELOW = 8
# Cost per character of a file that needs LibCST relative to one that only gets the standard
# parser's syntax check: the LibCST parse is ~10x `ast.parse`, and the fact extraction (position
# metadata and the index walk) costs about three parses more. Only used to balance the batches.
LIBCST_COST = 30
# Batches per worker: small enough to balance the load and to stop soon after Ctrl-C.
BATCHES_PER_WORKER = 24


def job_cost(text: str, analysed: bool) -> int:
    """A job's estimated cost, to balance the batches; `analysed`: the pre-check lets it through."""
    return len(text) * (LIBCST_COST if analysed else 1)


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # respects taskset and container CPU sets
    except AttributeError:
        return os.cpu_count() or 1


def job_count(text: str) -> int:
    """`--jobs N`: a whole number of at least 1 (argparse turns the error into a usage line)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of worker processes (1 or more)")
    return value


def worker_count(jobs: int | None) -> int:
    """`--jobs`: None (not given) means every core."""
    return available_cores() if not jobs else max(1, jobs)


def run_batch(batch: Sequence[FileJob], cache: DiagnosticsCache | None, progress: Progress = None) -> list[tuple[int, FileResult]]:
    done = []
    for job in batch:
        done.append((job.index, run_job(job, cache)))
        if progress is not None:
            progress.advance(job_outcome(job))
    return done


def job_outcome(job: FileJob) -> Outcome:
    """How a job's file was answered, in the words of `Progress.advance`."""
    return "cached" if job.known is not None else "analysed" if job.analysed else "prechecked"


def batches(jobs: Sequence[FileJob], workers: int) -> list[list[FileJob]]:
    """Most expensive first, cut into batches of roughly equal estimated cost."""
    ordered = sorted(jobs, key=lambda job: (-job.cost, job.index))
    target = max(1, sum(job.cost for job in ordered) // (workers * BATCHES_PER_WORKER))
    cut: list[list[FileJob]] = []
    current: list[FileJob] = []
    weight = 0
    for job in ordered:
        current.append(job)
        weight += job.cost
        if weight >= target:
            cut.append(current)
            current, weight = [], 0
    if current:
        cut.append(current)
    return cut


def run_in_workers(pending: Sequence[FileJob], workers: int, cache: DiagnosticsCache | None,
                   progress: Progress = None) -> dict[int, FileResult]:
    # Imported here: small runs (the pre-commit case) stay in process and never need them.
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    # The engine (and LibCST) are imported on first use; import them before forking, so that the
    # workers inherit them instead of each importing LibCST again (~0.15 s and its memory each).
    import lossscale_lint.pipeline.engine  # noqa: F401

    if any(job.fix is not None for job in pending):
        import lossscale_lint.fixes.runner  # noqa: F401 - the fixer, likewise

    results: dict[int, FileResult] = {}
    work = batches(pending, workers)
    pool = ProcessPoolExecutor(max_workers=min(workers, len(work)), mp_context=process_context(),
                               initializer=ignore_interrupts)
    try:
        # Batches are answered as they finish (the order of the output is the jobs' indexes), so
        # the progress bar moves with the work.
        futures = {pool.submit(run_batch, batch, cache): batch for batch in work}
        for future in as_completed(futures):
            results.update(future.result())
            if progress is not None:
                for job in futures[future]:
                    progress.advance(job_outcome(job))
    except BrokenProcessPool:
        # A worker died (killed, out of memory, a crash in native code) and the pool with it. The
        # results already in are kept; every file without one runs again in a process of its own,
        # so the file that broke the pool gets its error and the others their results.
        pool.shutdown(wait=True, cancel_futures=True)
        results.update(run_each_isolated([job for job in pending if job.index not in results], cache, progress))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return results


def run_each_isolated(jobs: Sequence[FileJob], cache: DiagnosticsCache | None,
                      progress: Progress = None) -> dict[int, FileResult]:
    """One process per job, one at a time (these are the large files: one at a time bounds memory)."""
    results = {}
    for job in jobs:
        results[job.index] = run_isolated(job, cache)
        if progress is not None:
            progress.advance(job_outcome(job))
    return results


def run_jobs(pending: Sequence[FileJob], jobs: int | None, cache: DiagnosticsCache | None,
             progress: Progress = None) -> dict[int, FileResult]:
    """Each job's result by its index. `jobs`: worker processes (None: one per core). Large files
    run last, each in a process of its own (`isolation.py`), whatever the number of workers."""
    risky: list[FileJob] = []
    ordinary: list[FileJob] = []
    for job in pending:
        (risky if is_risky(job) else ordinary).append(job)
    workers = worker_count(jobs)
    if workers > 1 and len(ordinary) >= IN_PROCESS_BELOW:
        results = run_in_workers(ordinary, workers, cache, progress)
    else:
        results = dict(run_batch(ordinary, cache, progress))
    results.update(run_each_isolated(risky, cache, progress))
    return results
