"""The reporter interface: every output format is a function from diagnostics to text."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lossscale_lint.diagnostics import Diagnostic


@dataclass(frozen=True)
class ReportContext:
    files_checked: int = 0
    cwd: Path = field(default_factory=Path.cwd)
    color: bool = False
    # Source text per diagnostic path, for reporters that show the offending lines.
    sources: dict[str, str] = field(default_factory=dict)
    fixes_applied: int = 0
    unsafe_fixes_available: int = 0
    # Files that could not be read or analysed (their errors go to stderr); the summary mentions them.
    files_failed: int = 0
    # A --fix/--diff run: its summary reports what was fixed, not what could be.
    fix_run: bool = False
    # --quiet: the diagnostics and nothing else (no summary lines).
    quiet: bool = False


Reporter = Callable[[Sequence[Diagnostic], ReportContext], str]
