"""The fix options of `lossscale-lint check`: --fix, --diff, --unsafe-fixes, --show-fixes.

`cli.run_check` runs `lint_paths` with a `FixRequest` for both and calls in here: `--diff` is its
own small report (a diff on stdout, nothing written, exit 1 when there is something to fix, like
ruff); `--fix` reports what remains through the normal reporters. Messages about fixing go to
stderr so that stdout stays the chosen output format.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from lossscale_lint.reporters.summary import plural

# The fix machinery is imported where it is used: a plain `check` (the pre-commit case) should not
# pay for loading it at start-up.
if TYPE_CHECKING:
    from lossscale_lint.pipeline.runner import RunResult

PREFIX = "lossscale-lint"  # cli.PROG; cli imports this module, so it cannot be imported here


def add_fix_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fix", action="store_true",
                        help="apply the safe fixes in place, then report what remains")
    parser.add_argument("--diff", action="store_true",
                        help="print the fixes as a unified diff and write nothing (exit 1 if there is anything to fix)")
    parser.add_argument("--unsafe-fixes", action="store_true",
                        help="with --fix or --diff, also the fixes that change training behaviour on purpose")
    parser.add_argument("--show-fixes", action="store_true",
                        help="with --fix, list the fixes that were applied (on stderr)")


def fix_counts(run: RunResult | None, unsafe: bool) -> dict[str, int]:
    """The ReportContext fields for the summary line."""
    if run is None:
        return {}
    from lossscale_lint.fixes.runner import count_fixable

    hidden = 0 if unsafe else count_fixable(run.diagnostics)["unsafe"]
    return {"fixes_applied": run.fixes_applied, "unsafe_fixes_available": hidden}


def report_fix_problems(run: RunResult, *, show_fixes: bool) -> bool:
    """Print skipped fixes, write errors and (if asked) the applied fixes; True if a write failed."""
    from lossscale_lint.fixes.runner import describe_applied, describe_skipped

    out = sys.stderr
    if show_fixes:
        out.write(describe_applied(run.fixes))
    for line in describe_skipped(run.fixes):
        out.write(f"{PREFIX}: warning: {line}\n")
    for error in run.write_errors:
        out.write(f"{PREFIX}: error: {error}\n")
    return bool(run.write_errors)


def report_diff(run: RunResult, *, unsafe: bool) -> int:
    """`--diff`: the fixes as a patch on stdout, a summary on stderr; the exit code."""
    changed = [fix for fix in run.fixes if fix.changed]
    for fix in changed:
        sys.stdout.write(fix.diff())  # of the file's own text (a notebook's JSON)
    sys.stdout.flush()
    report_fix_problems(run, show_fixes=False)
    for missing in run.missing:
        sys.stderr.write(f"{PREFIX}: error: {missing}: no such file or directory\n")
    for file_error in run.errors:
        sys.stderr.write(f"{PREFIX}: error: {file_error}\n")
    would_apply = sum(len(fix.outcome.applied) for fix in changed)
    hidden = fix_counts(run, unsafe)["unsafe_fixes_available"]
    summary = f"Would apply {plural(would_apply, 'fix', 'fixes')}" if would_apply else "No fixes to apply"
    if hidden:
        summary += f" ({plural(hidden, 'more fix', 'more fixes')} with --unsafe-fixes)"
    sys.stderr.write(summary + ".\n")
    if run.missing or run.errors:
        return 2
    return 1 if changed else 0
