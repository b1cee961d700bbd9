"""The `lossscale-lint` command: `check`, `rules` and `explain` (more subcommands plug in below).

Exit codes: 0 nothing found, 1 diagnostics reported, 2 usage, configuration or internal error
(including a missing path or a file that cannot be read; the other paths are still checked).
Every error is one line on stderr starting with `lossscale-lint: error:`; there are no tracebacks.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from lossscale_lint import __version__
from lossscale_lint.pipeline.cache import CACHE_DIR_NAME, DiagnosticsCache, project_root
from lossscale_lint.config.settings import ConfigError, SettingsForFiles, load_settings
from lossscale_lint.config.table import SELECTOR_PATTERN
from lossscale_lint.cli.console import print_renderable, terminal_console
from lossscale_lint.rules.pages import PageNotFound, read_rule_page
from lossscale_lint.cli.check_output import (
    OutputChoiceError,
    add_output_arguments,
    config_start,
    output_format,
    read_stdin,
    statistics,
    stdin_path,
)
from lossscale_lint.cli.fix_options import add_fix_arguments, fix_counts, report_diff, report_fix_problems
from lossscale_lint.pipeline.jobs import FixRequest
from lossscale_lint.pipeline.workers import job_count
from lossscale_lint.reporters import REPORTERS, ReportContext
from lossscale_lint.rules import ALL_RULES
from lossscale_lint.pipeline.discovery import discover
from lossscale_lint.pipeline.runner import lint_paths
from lossscale_lint.advisor.cli import AdviceError, add_advise_command
from lossscale_lint.cli.integrations import add_integration_commands
from lossscale_lint.pipeline.git_base import GitBaseError

PROG = "lossscale-lint"
# Below this many columns the rules table leaves its Summary column no room: list the rules instead.
WIDE_RULES_TABLE = 110
EXIT_CLEAN, EXIT_FOUND, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    """A problem with what the user asked for, worded as the one line they will see."""


class CommandParser(argparse.ArgumentParser):
    """argparse with usage errors as one line (argparse prints the whole usage block first)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_ERROR, f"{PROG}: error: {message} (see `{self.prog} --help`)\n")


def error_line(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr)


def selector_list(value: str) -> list[str]:
    """`--select LSL1,LSL401` -> ["LSL1", "LSL401"], each checked to be a code or prefix."""
    selectors = [part.strip().upper() for part in value.split(",") if part.strip()]
    for selector in selectors:
        if not SELECTOR_PATTERN.match(selector):
            raise argparse.ArgumentTypeError(f"'{selector}' is not a rule code or prefix (like LSL101 or LSL1)")
    return selectors


def limit_value(kind):
    """`--max-file-size` (a whole number of bytes) and `--file-timeout` (seconds): 0 or more."""
    noun = "a whole number of bytes" if kind is int else "a number of seconds"

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            value = -1
        if not 0 <= value < float("inf"):
            raise argparse.ArgumentTypeError(f"'{text}' is not {noun} (0 or more; 0: no limit)")
        return value

    return parse


def use_color(choice: str) -> bool:
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return sys.stdout.isatty()


def add_check_arguments(parser: argparse.ArgumentParser) -> None:
    """The `check` options, grouped as ruff groups its own in `--help`."""
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="files or folders to check (default: .); `-` reads the text from stdin")
    rules = parser.add_argument_group("rule selection")
    rules.add_argument("--select", type=selector_list, action="extend", metavar="CODES",
                       help="rule codes or prefixes to run, comma separated (replaces the config's)")
    rules.add_argument("--extend-select", type=selector_list, action="extend", metavar="CODES",
                       help="rule codes or prefixes to run in addition")
    rules.add_argument("--ignore", type=selector_list, action="extend", metavar="CODES",
                       help="rule codes or prefixes not to run, comma separated")
    files = parser.add_argument_group("file selection")
    files.add_argument("--config", type=Path, metavar="FILE",
                       help="use this configuration file instead of searching for one")
    files.add_argument("--force-exclude", action="store_true",
                       help="apply the config's excludes to files named on the command line too")
    add_output_arguments(parser.add_argument_group("output"), files)
    fixing = parser.add_argument_group("fixing")
    add_fix_arguments(fixing)
    fixing.add_argument("--add-noqa", action="store_true",
                        help="add `# noqa: CODE` to every line with a diagnostic (to adopt the tool on old code)")
    other = parser.add_argument_group("miscellaneous")
    other.add_argument("--exit-zero", action="store_true",
                       help="exit with 0 even when diagnostics are reported (errors still give 2)")
    other.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                       help="colour the text output (default: when stdout is a terminal)")
    other.add_argument("--base", metavar="REV",
                       help="also compare each file with its version at git revision REV (LSL5xx rules)")
    other.add_argument("--jobs", "-j", type=job_count, metavar="N",
                       help="worker processes (default: one per core; 1 checks in this process)")
    other.add_argument("--max-file-size", type=limit_value(int), metavar="BYTES",
                       help="skip Python code larger than this, reported as LSL001 (0: no limit)")
    other.add_argument("--file-timeout", type=limit_value(float), metavar="SECONDS",
                       help="stop analysing a file after this long, reported as LSL002 (0: no limit)")
    other.add_argument("--no-cache", action="store_true",
                       help=f"neither read nor write the results cache ({CACHE_DIR_NAME}/ in the project root)")


def unknown_selector(selectors, where: str) -> None:
    """A code or prefix that matches no rule is a typo that would turn checking off: refuse it."""
    for selector in selectors:
        if not any(code.startswith(selector) for code in ALL_RULES):
            raise UsageError(f"{where}: '{selector}' matches no rule (see `{PROG} rules`)")


def check_selectors_known(settings, args: argparse.Namespace) -> None:
    source = str(settings.config_path) if settings.config_path else "configuration"
    unknown_selector((*settings.select, *settings.ignore), source)
    for pattern, codes in settings.per_file_ignores:
        unknown_selector(codes, f"{source}: per-file-ignores '{pattern}'")
    for flag, values in (("--select", args.select), ("--extend-select", args.extend_select), ("--ignore", args.ignore)):
        unknown_selector(values or (), flag)


def run_check(args: argparse.Namespace) -> int:
    paths = args.paths or ["."]
    stdin_name = stdin_path(args)
    settings = load_settings(config_start(args), args.config)
    check_selectors_known(settings, args)
    overrides = {"select": args.select, "extend_select": args.extend_select, "ignore": args.ignore,
                 "max_file_size": args.max_file_size, "file_timeout": args.file_timeout}
    settings = settings.with_overrides(**overrides)
    # Each file is checked with its nearest configuration, however the run was started.
    settings_for = SettingsForFiles(settings, overrides, explicit=args.config is not None,
                                    validate=lambda found: check_selectors_known(found, args))
    chosen_format = output_format(args, settings.output_format)
    if args.show_files:
        return show_files(paths, settings, args, settings_for)
    if args.show_settings:
        from lossscale_lint.cli.show_settings import show_settings

        if len(paths) != 1 or not Path(paths[0]).is_file():
            raise UsageError("--show-settings takes one file: the settings are per file")
        sys.stdout.write(show_settings(paths[0], settings_for(paths[0]), args))
        return EXIT_CLEAN
    if stdin_name is not None:
        return check_stdin(args, settings_for(stdin_name), stdin_name, chosen_format)
    if args.add_noqa and (args.fix or args.diff or args.base is not None):
        raise UsageError("--add-noqa cannot be combined with --fix, --diff or --base")
    if args.base is not None and (args.fix or args.diff):
        raise UsageError("--base only reports; it cannot be combined with --fix or --diff")
    fix = FixRequest(unsafe=args.unsafe_fixes, write=not args.diff) if args.fix or args.diff else None
    cache = None
    if not args.no_cache:
        # A fix run uses the cache a check made but creates none in the tree it rewrites.
        root = project_root(Path(paths[0]), settings.config_path)
        cache = DiagnosticsCache.open(root, create=fix is None)
    from lossscale_lint.cli.progress import progress_for

    with progress_for(chosen_format, args.quiet) as progress:
        result = lint_paths(paths, settings, force_exclude=args.force_exclude, jobs=args.jobs, cache=cache,
                            base=args.base, fix=fix, settings_for=settings_for, progress=progress)
    if args.diff:
        return report_diff(result, unsafe=args.unsafe_fixes)
    if args.add_noqa:
        from lossscale_lint.cli.add_noqa import add_noqa

        changed, problems = add_noqa(result.diagnostics)
        print(f"Added noqa comments to {changed} line{'s' if changed != 1 else ''}.")
        for problem in [*problems, *(f"{m}: no such file or directory" for m in result.missing), *map(str, result.errors)]:
            error_line(problem)
        return EXIT_ERROR if problems or result.missing or result.errors else EXIT_CLEAN
    context = ReportContext(
        files_checked=result.files_checked,
        color=use_color(args.color),
        sources=result.sources,
        files_failed=len(result.errors) + len(result.missing),  # a missing path is not a pass either
        fix_run=bool(args.fix),
        quiet=args.quiet,
        **fix_counts(result if args.fix else None, args.unsafe_fixes),
    )
    report = statistics if args.statistics else lambda found: REPORTERS[chosen_format](found, context)
    sys.stdout.write(report(result.diagnostics))
    sys.stdout.flush()
    if not result.files_checked and not result.missing and not result.errors and not args.quiet:
        # As ruff does: an empty selection is not a pass anyone asked for.
        print(f"{PROG}: warning: no Python files found under the given paths", file=sys.stderr)
    for missing in result.missing:
        error_line(f"{missing}: no such file or directory")
    for file_error in result.errors:
        error_line(str(file_error))
    write_failed = args.fix and report_fix_problems(result, show_fixes=args.show_fixes)
    if result.missing or result.errors or write_failed:
        return EXIT_ERROR
    return EXIT_FOUND if result.diagnostics and not args.exit_zero else EXIT_CLEAN


def show_files(paths: list[str], settings, args: argparse.Namespace, settings_for) -> int:
    """`--show-files`: what a check of these paths would read, and nothing checked."""
    found = discover(paths, settings, force_exclude=args.force_exclude, settings_for=settings_for)
    sys.stdout.write("".join(f"{path}\n" for path in found.files))
    for missing in found.missing:
        error_line(f"{missing}: no such file or directory")
    return EXIT_ERROR if found.missing else EXIT_CLEAN


def check_stdin(args: argparse.Namespace, settings, path: str, chosen_format: str) -> int:
    """`check - --stdin-filename train.py`: the text on stdin, checked as that file. With --fix
    the fixed text goes to stdout and the remaining diagnostics to stderr (as ruff does)."""
    from lossscale_lint.pipeline.linting import lint_text

    if args.base is not None or args.diff:
        raise UsageError("`check -` reads stdin: --base and --diff need files")
    text = read_stdin()
    options = settings.analysis_options(path)
    diagnostics = lint_text(text, path, options)
    out = sys.stdout
    if args.fix:
        from lossscale_lint.fixes.apply import apply_fixes

        outcome = apply_fixes(text, diagnostics, unsafe=args.unsafe_fixes, path=path, options=options)
        sys.stdout.write(outcome.new_source)
        text, diagnostics, out = outcome.new_source, list(outcome.remaining), sys.stderr
    context = ReportContext(files_checked=1, color=use_color(args.color) and out is sys.stdout,
                            sources={path: text}, quiet=args.quiet, fix_run=bool(args.fix))
    out.write(statistics(diagnostics) if args.statistics else REPORTERS[chosen_format](diagnostics, context))
    return EXIT_FOUND if diagnostics and not args.exit_zero else EXIT_CLEAN


def run_rules(args: argparse.Namespace) -> int:
    if args.output_format == "json":
        import json

        listing = [{"code": r.code, "name": r.name, "severity": r.severity.value, "fix": r.fix or None,
                    "summary": r.summary, "finds": r.finds or r.summary, "opt_in": r.opt_in}
                   for r in ALL_RULES.values()]
        sys.stdout.write(json.dumps(listing, indent=2) + "\n")
        return EXIT_CLEAN
    from rich.table import Table  # imported here: `check`, the common command, never needs it

    console = terminal_console(piped_width=160)
    if console.width < WIDE_RULES_TABLE:
        # Too narrow for five columns: one line per rule, its summary wrapped below it.
        import textwrap

        for rule in ALL_RULES.values():
            fix = f"fix: {rule.fix}" if rule.fix else "no fix"
            console.print(f"[bold]{rule.code}[/bold]  {rule.name}  ({rule.severity.value}, {fix})", highlight=False)
            for line in textwrap.wrap(rule.summary, width=max(console.width - 8, 20)):
                console.print(f"        {line}", highlight=False, markup=False)
        return EXIT_CLEAN
    table = Table(title=None, show_lines=False)
    for column in ("Code", "Name", "Severity", "Fix", "Summary"):
        table.add_column(column, no_wrap=column != "Summary", min_width=30 if column == "Summary" else None)
    for rule in ALL_RULES.values():
        fix = f"yes ({rule.fix})" if rule.fix else "no"
        table.add_row(rule.code, rule.name, rule.severity.value, fix, rule.summary)
    console.print(table)
    return EXIT_CLEAN


def run_explain(args: argparse.Namespace) -> int:
    code = args.code.strip().upper()
    if code not in ALL_RULES:
        raise UsageError(f"unknown rule code '{args.code}' (see `{PROG} rules`)")
    try:
        page = read_rule_page(code)
    except PageNotFound as missing:
        raise UsageError(str(missing)) from None
    if args.raw:
        sys.stdout.write(page)
    else:
        from rich.markdown import Markdown  # ~45 ms of imports that only `explain` needs

        print_renderable(Markdown(page), piped_width=100)
    return EXIT_CLEAN


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog=PROG,
        description="Find mistakes in PyTorch training code that silently change the size of each update.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser("check", help="lint files and folders")
    add_check_arguments(check)
    check.set_defaults(handler=run_check)

    rules = commands.add_parser("rules", help="list every rule")
    rules.add_argument("--output-format", choices=("text", "json"), default="text",
                       help="a table (default) or a JSON array of the rules")
    rules.set_defaults(handler=run_rules)

    explain = commands.add_parser("explain", help="show a rule's documentation page")
    explain.add_argument("code", metavar="CODE", help="a rule code such as LSL101")
    explain.add_argument("--raw", action="store_true", help="print the Markdown source")
    explain.set_defaults(handler=run_explain)
    add_advise_command(commands)
    add_integration_commands(commands)  # lsp, config --schema
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_request:  # argparse: --help, --version, or a usage error
        return exit_request.code if isinstance(exit_request.code, int) else EXIT_ERROR
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    try:
        return handler(args)
    except (ConfigError, UsageError, GitBaseError, AdviceError, OutputChoiceError) as problem:
        error_line(str(problem))
    except KeyboardInterrupt:
        error_line("interrupted")
    except BrokenPipeError:
        # The reader went away (`| head`); point stdout at nothing so the exit flush stays quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except Exception as bug:  # noqa: BLE001 - a bug must still end in one clear line, not a traceback
        error_line(f"internal error: {type(bug).__name__}: {bug} (please report this)")
    return EXIT_ERROR
