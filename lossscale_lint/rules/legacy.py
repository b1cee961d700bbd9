"""LSL401: the deprecated `size_average=` / `reduce=` arguments of PyTorch losses."""

from __future__ import annotations

from collections.abc import Iterator

from lossscale_lint.diagnostics import Diagnostic, Edit, Fix, Related, Severity
from lossscale_lint.facts.model import Reduction
from lossscale_lint.rules.base import Rule, RuleContext


def check_legacy_arguments(ctx: RuleContext) -> Iterator[Diagnostic]:
    for loss in ctx.facts.losses:
        if not loss.legacy_args:
            continue
        written = ", ".join(f"{a.keyword}={a.value.source}" for a in loss.legacy_args)
        known = loss.reduction is not Reduction.UNKNOWN
        equivalent = f'reduction="{loss.reduction.value}"'
        fix = None
        if known:
            target = loss.reduction_arg_span or loss.legacy_args[0].span
            fix = Fix(
                applicability="safe",
                description=f"replace {written} with {equivalent}",
                edits=(Edit(span=target, content=equivalent),
                       *(Edit(span=span, content="") for span in loss.legacy_removal)),
            )
        related = ()
        if loss.reduction_arg_span is not None:
            related = (Related(span=loss.reduction_arg_span, message="this `reduction=` is overridden by the legacy arguments"),)
        yield LEGACY_ARGUMENTS.diagnostic(
            ctx,
            loss.legacy_args[0].span,
            f"`{written}` on {loss.name} is deprecated"
            + (f"; it means {equivalent}" if known else "; use `reduction=` instead"),
            related=related,
            suggestion=f"write {equivalent}" if known else 'write reduction="mean", "sum" or "none"',
            fix=fix,
        )


LEGACY_ARGUMENTS = Rule("LSL401", "deprecated-size-average-reduce", Severity.WARNING,
                        "The deprecated size_average= / reduce= arguments on a PyTorch loss.",
                        check_legacy_arguments, fix="safe", reads=("legacy_args",),
                        finds="`size_average=` / `reduce=` on a loss; the message names the "
                              "equivalent `reduction=`.")

RULES = (LEGACY_ARGUMENTS,)
