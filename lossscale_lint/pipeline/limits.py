"""The per-file limits and the containment of crashes: what keeps one file from stalling or
stopping a run.

- Size (`max-file-size`, LSL001): larger Python code is not parsed at all. LibCST's native parser
  aborts the whole process (its allocator fails) on tens of megabytes, and the analysis costs about
  17 s and 700 MB per megabyte of ordinary code. A large file that the text pre-check proves no
  rule could report on (generated tables, vendored code) is skipped silently.
- Time (`file-timeout`, LSL002): the analysis is interrupted when its time is up. In the main
  thread (the CLI and its worker processes) a SIGALRM timer raises `AnalysisTimeout`; in any other
  thread (the language server analyses in one) a timer thread raises it in the analysing thread
  through CPython's `PyThreadState_SetAsyncExc`. Either way it lands between two Python bytecodes,
  so a long native call (the parse) finishes first; the size limit bounds those.
- Crashes (LSL999): an exception in one rule becomes that rule's diagnostic and the other rules
  still run (`engine.py`); `workers.py` runs large files in a process of their own, so even a
  native abort loses only that file.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import traceback

from lossscale_lint.config.options import AnalysisOptions
from lossscale_lint.diagnostics import Diagnostic
from lossscale_lint.pipeline.sources import human_size
from lossscale_lint.rules.limits import ANALYSIS_TIMEOUT, FILE_TOO_LARGE, INTERNAL_ERROR, whole_file_diagnostic

PACKAGE_FOLDER = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class AnalysisTimeout(BaseException):
    """The file's time is up. A BaseException, so that no `except Exception` on the way (a rule's
    containment, a library's own handler) can swallow it."""


def describe_exception(error: BaseException) -> str:
    """`Type: message (at lossscale_lint/module.py:line)`: enough for a bug report, in one line."""
    where = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
    text = " ".join(str(error).split())  # a message over several lines would break the one-line rule
    if where is None:
        return f"{type(error).__name__}: {text}"
    filename = where.filename
    if filename.startswith(PACKAGE_FOLDER + os.sep):
        filename = os.path.relpath(filename, os.path.dirname(PACKAGE_FOLDER)).replace(os.sep, "/")
    return f"{type(error).__name__}: {text} (at {filename}:{where.lineno})"


def code_size(source: str) -> int:
    return len(source.encode("utf-8", "surrogatepass"))


def too_large(source: str, path: str, options: AnalysisOptions) -> Diagnostic | None:
    """LSL001 when the code is over `max-file-size` (whether or not it is selected: the caller
    skips the file either way). Only the length is looked at here."""
    limit = options.max_file_size
    if not limit or len(source) * 4 <= limit:  # a character is at most 4 bytes: no need to encode
        return None
    size = code_size(source)
    if size <= limit:
        return None
    return whole_file_diagnostic(
        FILE_TOO_LARGE, path,
        f"not analysed: {human_size(size)} of Python code is over the limit of {human_size(limit)} (max-file-size)",
        "Exclude the file if it is generated; else raise `max-file-size` (0: no limit) in the configuration.")


def timed_out(path: str, options: AnalysisOptions) -> Diagnostic:
    return whole_file_diagnostic(
        ANALYSIS_TIMEOUT, path,
        f"not analysed: the analysis took longer than {options.file_timeout:g} s (file-timeout) and was stopped",
        "Raise `file-timeout` (0: no limit) for a large file; a small file that takes this long is a bug to report.")


def internal_error(path: str, error: BaseException, where: str, consequence: str) -> Diagnostic:
    """LSL999 for an exception raised in `where` ("rule LSL101 (name)"), saying what did not run."""
    return whole_file_diagnostic(
        INTERNAL_ERROR, path, f"internal error in {where}: {describe_exception(error)}; {consequence}",
        "This is a bug in lossscale-lint: please report it with the file (or the lines around the training loop).")


# Thread id -> the innermost time limit running in that thread. The timeout can surface as another
# exception: raised inside a C function (`ast.parse` building its tree) it comes out as a
# SystemError, so whoever contains errors asks `time_is_up()` first.
_running: dict[int, time_limit] = {}
# Seconds after which a timeout that was raised but swallowed is raised again.
AGAIN_AFTER = 0.05


def time_is_up() -> bool:
    limit = _running.get(threading.get_ident())
    return limit is not None and limit.fired


class time_limit:
    """`with time_limit(seconds) as limit:` raises AnalysisTimeout in this thread once `seconds`
    have passed (0: no limit). The caller catches it around the `with` and, for any exception,
    asks `limit.fired`: the timeout may arrive just as the block ends, or inside a C function as
    another error.

    Arming is the last step of `__enter__`, inside a `try`, and disarming is done twice in
    `__exit__`: a timeout that lands in either cannot leave a timer or a handler behind (with a
    limit of a microsecond it lands there every time)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.fired = False
        self._outer: time_limit | None = None
        self._thread = threading.get_ident()
        self._alarm = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._done = False
        self._previous_handler = None
        self._outer_alarm = 0.0  # what was left of an enclosing limit's alarm when this one began
        self._started = 0.0
        self._armed = self._disarmed = False

    def __enter__(self) -> time_limit:
        if not self.seconds or (not self._alarm and _set_async_exc is None):
            return self  # no limit, or no way to interrupt this thread (not CPython)
        self._outer = _running.get(self._thread)
        _running[self._thread] = self
        self._armed, self._started = True, time.monotonic()
        try:
            if self._alarm:
                self._previous_handler = signal.signal(signal.SIGALRM, self._on_alarm)
                self._outer_alarm, _ = signal.setitimer(signal.ITIMER_REAL, self.seconds)
            else:
                self._timer = self._start_timer(self.seconds)
            return self
        except BaseException:
            self._stop()
            raise

    def __exit__(self, *exc_info) -> None:
        if not self._armed:
            return
        try:
            self._stop()
        finally:
            self._stop()  # once more: a timeout that landed in the first has armed again

    # -- the main thread: SIGALRM --------------------------------------------------------------
    def _on_alarm(self, signum, frame) -> None:
        self.fired = True
        # Raised where the signal lands, which may be a `__del__` or a gc callback that only
        # prints and drops it: ask again soon, until the block ends.
        signal.setitimer(signal.ITIMER_REAL, AGAIN_AFTER)
        raise AnalysisTimeout

    # -- any other thread: a timer thread that raises in this one ------------------------------
    def _start_timer(self, delay: float) -> threading.Timer:
        timer = threading.Timer(delay, self._on_timer)
        timer.daemon = True
        timer.start()
        return timer

    def _on_timer(self) -> None:
        with self._lock:
            if not self._done:
                self.fired = True
                _set_async_exc(ctypes.c_ulong(self._thread), ctypes.py_object(AnalysisTimeout))
                self._timer = self._start_timer(AGAIN_AFTER)  # in case it is dropped (see `_on_alarm`)

    def _stop(self) -> None:
        # Each step is done at most once, so that the second call completes what a timeout cut short.
        if self._alarm:
            if not self._disarmed:
                signal.setitimer(signal.ITIMER_REAL, 0)
                if self._previous_handler is not None:
                    signal.signal(signal.SIGALRM, self._previous_handler)
                self._disarmed = True
            if self._outer_alarm:  # an enclosing limit: give it back what it has left (at least a moment)
                left = self._outer_alarm - (time.monotonic() - self._started)
                self._outer_alarm = 0.0
                signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3))
        else:
            with self._lock:
                self._done = True
                if self._timer is not None:
                    self._timer.cancel()
                if self.fired:
                    _set_async_exc(ctypes.c_ulong(self._thread), None)  # withdraw it if it has not arrived
        if self._outer is None:
            _running.pop(self._thread, None)
        else:
            _running[self._thread] = self._outer


try:
    import ctypes

    _set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
except (ImportError, AttributeError):  # not CPython: threads cannot be interrupted
    _set_async_exc = None
