"""The `check` options that shape what a run prints, and the input it reads, as ruff spells them:
`--quiet`, `--statistics`, `--show-files`, the output format from the command line, the
environment or the config, and `check -` with `--stdin-filename`."""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from lossscale_lint.diagnostics import Diagnostic
from lossscale_lint.reporters import REPORTERS

# Like RUFF_OUTPUT_FORMAT: between the command line and the config file.
OUTPUT_FORMAT_VARIABLE = "LOSSSCALE_LINT_OUTPUT_FORMAT"
STDIN = "-"


class OutputChoiceError(ValueError):
    """An output format named where it cannot be checked by argparse (the environment)."""


def add_output_arguments(output, files) -> None:
    """The output options into the `output` group, the input ones into `files`."""
    output.add_argument("--output-format", choices=sorted(REPORTERS), default=None,
                        help=f"how to print the diagnostics (default: ${OUTPUT_FORMAT_VARIABLE}, "
                             "then the config's output-format, then text)")
    output.add_argument("--quiet", "-q", action="store_true",
                        help="print the diagnostics and nothing else (no summary, no warnings)")
    output.add_argument("--statistics", action="store_true",
                        help="print how many diagnostics each rule reported (and whether --fix fixes them) "
                             "instead of the diagnostics")
    files.add_argument("--show-files", action="store_true",
                       help="print the files a check would read, one per line, and check nothing")
    files.add_argument("--show-settings", action="store_true",
                       help="print the settings the one file given is checked with, and where each came from")
    files.add_argument("--stdin-filename", metavar="PATH",
                       help="with `check -`: the name the text read from stdin is checked as (its config, "
                            "per-file-ignores and the paths in the output)")


def output_format(args: argparse.Namespace, configured: str | None) -> str:
    """The command line's choice, else the environment's, else the config's, else text."""
    if args.output_format:
        return args.output_format
    from_environment = os.environ.get(OUTPUT_FORMAT_VARIABLE)
    if from_environment:
        if from_environment not in REPORTERS:
            raise OutputChoiceError(f"{OUTPUT_FORMAT_VARIABLE}={from_environment!r} is not an output format "
                                    f"(one of {', '.join(sorted(REPORTERS))})")
        return from_environment
    return configured or "text"


def statistics(diagnostics: Sequence[Diagnostic]) -> str:
    """ruff's `--statistics`: `count<TAB>code<TAB>[*] name`, most frequent first; `[*]` when
    `--fix` fixes every one of them, `[-]` when some, `[ ]` when none."""
    counts = Counter(d.code for d in diagnostics)
    fixable = Counter(d.code for d in diagnostics if d.fix is not None and d.fix.edits and d.fix.applicability == "safe")
    names = {d.code: d.name for d in diagnostics}
    lines = []
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        marker = "[*]" if fixable[code] == count else "[-]" if fixable[code] else "[ ]"
        lines.append(f"{count}\t{code}\t{marker} {names[code]}")
    return "".join(line + "\n" for line in lines)


def stdin_path(args: argparse.Namespace) -> str | None:
    """The name stdin's text is checked as, for `check -` (None: not reading stdin)."""
    if args.paths != [STDIN]:
        if STDIN in args.paths:
            raise OutputChoiceError("`-` (read stdin) cannot be combined with other paths")
        return None
    return args.stdin_filename or "stdin.py"


def read_stdin() -> str:
    data = sys.stdin.buffer.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise OutputChoiceError(f"stdin is not UTF-8 text ({error.reason} at byte {error.start})") from None


def config_start(args: argparse.Namespace) -> Path:
    """Where the configuration search starts: the stdin file's folder, else the first path."""
    if args.paths == [STDIN]:
        return Path(args.stdin_filename or ".").parent if args.stdin_filename else Path(".")
    return Path((args.paths or ["."])[0])
