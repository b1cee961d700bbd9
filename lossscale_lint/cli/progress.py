"""The progress bar of a long `check`: on stderr, only on a terminal, only after about a second.

Short runs (a pre-commit hook, a single file) finish before the bar would appear, so they never
draw it; pipes, CI formats and `--quiet` never get it, because there a bar is noise in a log. The
bar counts files answered out of those found, and says how many the text pre-check settled
without the full analysis and how many the cache answered. It is transient: when the run ends it
is erased, and the report follows on stdout as usual.
"""

from __future__ import annotations

import sys
import threading
from collections import Counter
from contextlib import contextmanager
from collections.abc import Iterator

# Seconds a run must take before the bar appears (ruff and pip wait about as long).
SHOW_AFTER = 1.0
# The formats people read in a terminal; the others are parsed by tools or land in CI logs.
HUMAN_FORMATS = frozenset({"text", "concise"})


class TerminalProgress:
    """A `pipeline.runner.RunProgress` drawn with rich; thread-safe (the bar starts from a timer)."""

    def __init__(self, show_after: float = SHOW_AFTER) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.counts: Counter[str] = Counter()
        self._bar = Progress(TextColumn("Checking"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
                             TextColumn("{task.fields[detail]}"), TimeElapsedColumn(),
                             console=Console(stderr=True), transient=True)
        self._task = self._bar.add_task("check", total=None, detail="")
        self._lock = threading.Lock()
        self._shown = self._closed = False
        self._timer = threading.Timer(show_after, self._show)
        self._timer.daemon = True

    def _show(self) -> None:
        with self._lock:
            if not self._closed:
                self._bar.start()
                self._shown = True

    def set_total(self, files: int) -> None:
        self._bar.update(self._task, total=files)

    def advance(self, outcome: str) -> None:
        self.counts[outcome] += 1
        detail = [f"{self.counts['prechecked']} skipped by the pre-check", f"{self.counts['cached']} from cache"]
        self._bar.update(self._task, advance=1, detail="· " + " · ".join(detail))

    def start(self) -> None:
        self._timer.start()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._timer.cancel()
            if self._shown:
                self._bar.stop()


@contextmanager
def progress_for(output_format: str, quiet: bool) -> Iterator[TerminalProgress | None]:
    """A progress bar for this run, or None where one does not belong."""
    if quiet or output_format not in HUMAN_FORMATS or not sys.stderr.isatty():
        yield None
        return
    progress = TerminalProgress()
    progress.start()
    try:
        yield progress
    finally:
        progress.close()
