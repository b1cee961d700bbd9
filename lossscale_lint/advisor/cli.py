"""The `advise` subcommand: read one training script and show what a batch-size change does."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lossscale_lint.advisor.advice import AdviceError, advise
from lossscale_lint.config.settings import load_settings
from lossscale_lint.facts.model import ModuleFacts
from lossscale_lint.pipeline.sources import SourceError, read_source

__all__ = ["AdviceError", "add_advise_command"]


def positive_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"'{text}' must be a positive number")
    return int(value) if value == int(value) else value


def positive_integer(text: str) -> int:
    value = positive_number(text)
    if not isinstance(value, int):
        raise argparse.ArgumentTypeError(f"'{text}' must be a whole number")
    return value


def add_advise_command(commands) -> None:
    parser = commands.add_parser("advise", help="show what changing the batch size does, and what to change with it")
    parser.add_argument("path", metavar="PATH", help="the training script")
    parser.add_argument("--batch-size", type=positive_integer, required=True, metavar="NEW",
                        help="the batch size you are considering (per process and micro-batch)")
    parser.add_argument("--from", dest="old_batch", type=positive_integer, metavar="OLD",
                        help="the current batch size (default: read from the code)")
    parser.add_argument("--accumulation", type=positive_integer, metavar="K",
                        help="gradient accumulation steps after the change (default: as in the code)")
    parser.add_argument("--from-accumulation", type=positive_integer, metavar="K",
                        help="accumulation steps today (default: the code's `%% K` step guard, else 1)")
    parser.add_argument("--world-size", type=positive_integer, default=1, metavar="W",
                        help="data-parallel processes after the change (default: 1)")
    parser.add_argument("--from-world-size", type=positive_integer, default=1, metavar="W",
                        help="data-parallel processes today (default: 1)")
    parser.add_argument("--dataset-size", type=positive_integer, metavar="N",
                        help="training examples, for steps per epoch and the decay timescale")
    parser.add_argument("--output-format", choices=("text", "json"), default="text")
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="use this configuration file instead of searching for one")
    parser.set_defaults(handler=run_advise)


def run_advise(args: argparse.Namespace) -> int:
    try:
        source = read_source(args.path)
    except SourceError as error:
        raise AdviceError(f"{args.path}: {error}") from None
    settings = load_settings(Path(args.path), args.config)
    options = settings.analysis_options(args.path)
    from lossscale_lint.pipeline.engine import module_facts  # LibCST: only once a command needs it

    facts = module_facts(source, args.path, options)
    if not isinstance(facts, ModuleFacts):  # the file does not parse
        raise AdviceError(f"{args.path}:{facts.span.line}:{facts.span.column}: {facts.message}")
    advice = advise(
        facts,
        args.batch_size,
        old_batch=args.old_batch,
        accumulation=args.accumulation,
        old_accumulation=args.from_accumulation,
        world_size=args.world_size,
        old_world_size=args.from_world_size,
        dataset_size=args.dataset_size,
    )
    if args.output_format == "json":
        from lossscale_lint.advisor.view import as_data  # rich tables: loaded only for `advise`

        sys.stdout.write(json.dumps(as_data(advice), indent=2) + "\n")
    else:
        from lossscale_lint.advisor.view import render_text
        from lossscale_lint.cli.console import terminal_console

        render_text(advice, terminal_console(piped_width=100))
    return 0
