"""The `lsp` and `config --schema` subcommands, registered into the main parser by `cli.py`."""

from __future__ import annotations

import argparse
import sys


def run_lsp(args: argparse.Namespace) -> int:
    from lossscale_lint.integrations.lsp import main as serve  # pygls is imported only when the server starts

    return serve()


def run_config(args: argparse.Namespace) -> int:
    from lossscale_lint.config.schema import render_schema

    sys.stdout.write(render_schema())
    return 0


def add_integration_commands(commands: argparse._SubParsersAction) -> None:
    lsp = commands.add_parser(
        "lsp", help="run the language server on stdin/stdout (needs the extra: pip install 'lossscale-lint[lsp]')"
    )
    lsp.set_defaults(handler=run_lsp)

    config = commands.add_parser("config", help="show facts about the configuration")
    # The only thing `config` shows so far; required so that a bare `config` is a usage error.
    config.add_argument("--schema", action="store_true", required=True,
                        help="print the JSON schema of the [tool.lossscale-lint] table")
    config.set_defaults(handler=run_config)
