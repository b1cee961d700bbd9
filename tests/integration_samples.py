"""Diagnostics shaped like the rules' output, for testing the output formats on their own."""

from __future__ import annotations

from lossscale_lint.diagnostics import Diagnostic, Edit, Fix, Related, Severity, Span


def span(line: int, column: int, end_line: int | None = None, end_column: int | None = None) -> Span:
    return Span(line=line, column=column, end_line=end_line or line, end_column=end_column or column + 1)


def sum_loss_with_sgd(path: str = "train.py") -> Diagnostic:
    return Diagnostic(
        code="LSL101",
        name="sum-loss-with-sgd",
        severity=Severity.ERROR,
        message='reduction="sum" loss is stepped by SGD: the update grows with the batch size',
        span=span(3, 32, 3, 37),
        path=path,
        related=(
            Related(span=span(5, 7, 5, 40), message="optimizer created here"),
            Related(span=span(9, 5, 9, 20), message="backward here"),
        ),
        factor="x B'/B on every SGD step",
        suggestion='use reduction="mean" and multiply lr by the batch size',
        fix=Fix(
            applicability="unsafe",
            description='use reduction="mean" and scale lr',
            edits=(Edit(span=span(3, 32, 3, 37), content='"mean"'),),
        ),
    )


def legacy_argument(path: str = "train.py", line: int = 2) -> Diagnostic:
    return Diagnostic(
        code="LSL401",
        name="deprecated-size-average-reduce",
        severity=Severity.WARNING,
        message='size_average=False is deprecated; it means reduction="sum"',
        span=span(line, 17, line, 35),
        path=path,
        fix=Fix(
            applicability="safe",
            description='replace with reduction="sum"',
            edits=(Edit(span=span(line, 17, line, 35), content='reduction="sum"'),),
        ),
    )


def multi_line(path: str = "train.py") -> Diagnostic:
    return Diagnostic(
        code="LSL201",
        name="accumulation-missing-division",
        severity=Severity.ERROR,
        message="gradients of 4 micro-batches are summed, not averaged",
        span=span(10, 9, 12, 5),
        path=path,
    )
