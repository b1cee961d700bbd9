"""Shared by the CLI tests: a throwaway rule and helpers to run the command in and out of process.

The throwaway rule (LSL901) fires on every loss constructor the fact extractor finds. It makes the
tests independent of how the real rules evolve, and gives diagnostics with related sites, a factor,
a suggestion and a fix, so that every part of the reporters is exercised.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lossscale_lint.cli.main import main
from lossscale_lint.diagnostics import Edit, Fix, Related, Severity, Span
from lossscale_lint.rules import ALL_RULES
from lossscale_lint.rules.base import Rule, RuleContext

MARKER_CODE = "LSL901"
LOSS_LINE = "crit = nn.MSELoss()\n"
# A summed loss stepped by SGD: LSL101 on line 5, the smallest real finding (issue 13's and 14's tests).
SUMMED_SCRIPT = '''\
import torch
from torch import nn

model = nn.Linear(10, 2)
criterion = nn.CrossEntropyLoss(reduction="sum")
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
for inputs, targets in []:
    criterion(model(inputs), targets).backward()
    optimizer.step()
'''
# Rule-less code that still imports nn, so that a file without losses looks realistic.
CLEAN_SOURCE = "import torch.nn as nn\n\nmodel = nn.Linear(2, 1)\n"


def check_loss_markers(ctx: RuleContext):
    for loss in ctx.facts.losses:
        span = loss.call_span
        yield MARKER_RULE.diagnostic(
            ctx,
            span,
            f"loss {loss.name} constructed here",
            related=(Related(span=Span(line=1, column=1, end_line=1, end_column=7), message="imported here"),),
            factor="x 1 (test factor)",
            suggestion="nothing to do, this is a test rule",
            fix=Fix(
                applicability="unsafe",
                description="rename the call",
                edits=(Edit(span=Span(line=span.line, column=span.column, end_line=span.line,
                                      end_column=span.column + 2), content="zz"),),
            ),
        )


MARKER_RULE = Rule(
    code=MARKER_CODE,
    name="test-loss-marker",
    severity=Severity.WARNING,
    summary="Test only: marks every loss constructor.",
    check=check_loss_markers,
)


@pytest.fixture
def marker_rule(monkeypatch):
    """Register LSL901 for one test (the engine and the CLI read the same ALL_RULES dict)."""
    monkeypatch.setitem(ALL_RULES, MARKER_CODE, MARKER_RULE)
    return MARKER_RULE


def loss_source(extra: str = "") -> str:
    return "import torch.nn as nn\n" + LOSS_LINE + extra


def run_main(argv: list[str], capsys) -> tuple[int, str, str]:
    """Run the CLI in process; returns (exit code, stdout, stderr)."""
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_console_script(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the installed `lossscale-lint` console script for real."""
    return subprocess.run(["lossscale-lint", *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def run_module(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lossscale_lint", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60)


def run_on_a_terminal(args: list[str], cwd: Path | None = None, *, columns: int = 120,
                      stdout_too: bool = True) -> str:
    """Run the console script with stderr (and stdout, unless `stdout_too` is False: then it goes
    to nothing, as with `> report`) on a pseudo-terminal `columns` wide; what it drew, without
    escape sequences."""
    import os
    import pty
    import re

    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": str(columns), "LINES": "50", "TERM": "xterm"}
    stdout = follower if stdout_too else subprocess.DEVNULL
    process = subprocess.Popen(["lossscale-lint", *args], cwd=cwd, stdout=stdout, stderr=follower, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the other end closed: Linux reports EIO
            break
        if not data:
            break
        chunks.append(data)
    process.wait(timeout=120)
    os.close(leader)
    text = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
