"""Every command's --help renders: argparse formats help text with %, so a stray % crashes it."""

from __future__ import annotations

import pytest

from lossscale_lint.cli import main

COMMANDS = [[], ["check"], ["rules"], ["explain"], ["advise"], ["lsp"], ["config"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "top")
def test_help_renders(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: lossscale-lint")
