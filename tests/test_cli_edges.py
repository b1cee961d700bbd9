"""Command-line edges: every help text renders (argparse formats it with %), and a missing path never reads as a pass."""

from __future__ import annotations

import pytest

from lossscale_lint.cli.main import main

COMMANDS = [[], ["check"], ["rules"], ["explain"], ["advise"], ["lsp"], ["config"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "top")
def test_help_renders(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: lossscale-lint")


def test_a_missing_path_is_never_reported_as_all_passed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--no-cache", "/nonexistent/train.py"]) == 2
    captured = capsys.readouterr()
    assert "All checks passed" not in captured.out
    # The summary counts no checked file and names the one that failed.
    assert captured.out == "Checked 0 files: no problems found.\n1 file could not be checked (errors on stderr).\n"
    assert "no such file or directory" in captured.err
