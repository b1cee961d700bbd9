"""Running one file's job in a process of its own, so that whatever happens there costs that file
only: a native abort (LibCST's parser when its allocator fails), the kernel's out-of-memory kill,
a hang in native code that the in-process time limit cannot interrupt.

Two kinds of file go this way (`workers.run_jobs`): large files that will be analysed (`is_risky`:
they are the ones that can exhaust memory; a fork costs ~10 ms beside the seconds they take), and,
after a worker pool broke, every file it had not answered, one process each, so that the file that
broke it is found and the others still get their results.
"""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING

from lossscale_lint.pipeline.jobs import FileError, FileJob, FileResult, reported, run_job
from lossscale_lint.pipeline.limits import describe_exception, timed_out, too_large
from lossscale_lint.rules.limits import ANALYSIS_TIMEOUT

if TYPE_CHECKING:
    from lossscale_lint.pipeline.cache import DiagnosticsCache

# Characters of code above which an analysed file runs in its own process. Measured: 256 KiB of
# ordinary code takes ~4 s and ~180 MB to analyse; real training scripts stay far below it.
RISKY_SIZE = 256 * 1024
# How long past its own `file-timeout` a process may take before it is killed from outside: the
# time limit waits for a native call (the parse) to return, which takes ~2 s per MiB.
HARD_LIMIT_GRACE = 30.0


def is_risky(job: FileJob) -> bool:
    return job.analysed and len(job.loaded.text) > RISKY_SIZE and too_large(job.loaded.text, job.path, job.options) is None


def ignore_interrupts() -> None:
    # Ctrl-C reaches the whole process group; the parent alone decides what happens (no child
    # tracebacks on the terminal).
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def process_context():
    """Forked processes where the platform allows it: they inherit the imported modules."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def _child(job: FileJob, cache: DiagnosticsCache | None, sending) -> None:
    ignore_interrupts()
    try:
        result = run_job(job, cache)
    except BaseException as error:  # noqa: BLE001 - whatever it is, the parent gets one line
        result = FileResult(job.path, error=FileError(job.path, f"internal error: {describe_exception(error)}"))
    sending.send(result)
    sending.close()


def how_it_ended(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = " (out of memory?)" if name == "SIGKILL" else ""
        return f"the process analysing it was killed by {name}{hint}"
    return f"the process analysing it exited with status {exitcode}"


def run_isolated(job: FileJob, cache: DiagnosticsCache | None) -> FileResult:
    """`run_job(job, cache)` in a new process; a crash is this file's FileError, a hang its LSL002."""
    context = process_context()
    receiving, sending = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(job, cache, sending), daemon=True)
    process.start()
    sending.close()  # the child holds the sending end: its death reads as the end of the pipe
    # A fix run lints once per pass, each with its own limit: only a plain check has a hard one.
    timeout = job.options.file_timeout
    hard_limit = timeout + HARD_LIMIT_GRACE if timeout and job.fix is None else None
    result, hung = None, False
    try:
        if receiving.poll(hard_limit):
            result = receiving.recv()
        else:
            hung = True
    except (EOFError, OSError):
        pass  # it died before answering
    finally:
        receiving.close()
        if result is None and process.is_alive():
            process.kill()
        process.join()
    if result is not None:
        return result
    if hung:
        return reported(job.loaded, [timed_out(job.path, job.options)] if job.options.is_selected(ANALYSIS_TIMEOUT.code) else [])
    message = f"not analysed: {how_it_ended(process.exitcode)}; the other files were checked"
    return FileResult(job.path, error=FileError(job.path, message))
