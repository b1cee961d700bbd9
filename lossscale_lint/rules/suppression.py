"""LSL900: a `# noqa` code that suppresses nothing, or names no rule.

A stale `# noqa: LSL101` hides the next real finding on its line, and a mistyped one
(`# noqa: LSL10l`) hides nothing while looking as if it did. The rule judges comments against the
diagnostics of the other rules, so the linting layer runs it after them (`pipeline/linting.py`);
like LSL000 its registry entry describes it and its `check` over facts finds nothing. Off by
default (`RuleSelection`'s opt-in codes), as ruff's RUF100.

Only codes of this tool are judged: `E501` or `BLE001` belong to other linters, and a bare `# noqa`
may be silencing one of them. A code is called unused only when every rule it names ran on the file
(selected, and for change-aware rules a git base to compare with): a rule that did not run cannot
have needed the comment, and cannot show it did not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

from lossscale_lint.config.options import RULE_FAMILY
from lossscale_lint.diagnostics import Diagnostic, Edit, Fix, Severity, Span
from lossscale_lint.pipeline.noqa import NoqaDirective
from lossscale_lint.rules.base import Rule, RuleContext


def no_facts_needed(ctx: RuleContext) -> Iterator[Diagnostic]:
    return iter(())


UNUSED_NOQA = Rule(
    "LSL900", "unused-noqa", Severity.WARNING,
    "A `# noqa` code of this tool that suppresses nothing on its line, or names no rule (off by default).",
    no_facts_needed, fix="safe", reads=("noqa_comments",), opt_in=True,
    finds="`# noqa: LSL…` codes that suppress nothing on their line or name no rule (opt-in, like ruff's RUF100)",
)

RULES = (UNUSED_NOQA,)


def judged_codes(directive: NoqaDirective, found: Sequence[Diagnostic], known: Iterable[str],
                 ran: Callable[[str], bool]) -> tuple[list[str], list[str]]:
    """The directive's (unused, unknown) codes of this tool."""
    known = tuple(known)
    reported = {d.code for d in found if d.span.line == directive.line}
    unused, unknown = [], []
    for code in dict.fromkeys(directive.codes or ()):
        if not code.startswith(RULE_FAMILY):
            continue
        named = [rule for rule in known if rule.startswith(code)]
        if not named:
            unknown.append(code)
        elif not any(rule.startswith(code) for rule in reported) and all(ran(rule) for rule in named):
            unused.append(code)
    return unused, unknown


def removal(directive: NoqaDirective, dropped: set[str]) -> Edit:
    """The edit that takes `dropped` out of the directive, and the directive (or the whole
    comment) out of the line when nothing of it is left."""
    kept = [code for code in directive.codes or () if code not in dropped]
    if kept:
        return edit(directive.line, directive.codes_start, directive.codes_end, ", ".join(kept))
    before = directive.comment[: directive.start - directive.comment_start]
    after = directive.comment[directive.end - directive.comment_start:]
    if before.strip():  # `# type: ignore  # noqa: LSL101`: keep the other comment
        return edit(directive.line, directive.comment_start + len(before.rstrip()), directive.end, "")
    if after.strip():  # `# noqa: LSL101 explanation`: keep the explanation as a comment
        return edit(directive.line, directive.start, directive.end, "#")
    return edit(directive.line, directive.code_end, directive.comment_start + len(directive.comment), "")


def edit(line: int, start: int, end: int, content: str) -> Edit:
    return Edit(span=Span(line=line, column=start + 1, end_line=line, end_column=end + 1), content=content)


def unused_noqa(directives: Sequence[NoqaDirective], found: Sequence[Diagnostic],
                known: Iterable[str], ran: Callable[[str], bool], path: str) -> list[Diagnostic]:
    """An LSL900 diagnostic for each directive with unused or unknown codes of this tool."""
    known = tuple(known)
    diagnostics = []
    for directive in directives:
        if directive.codes is None or any(UNUSED_NOQA.code.startswith(c) for c in directive.codes):
            continue  # bare: other tools may need it; naming LSL900 itself: the user said so
        unused, unknown = judged_codes(directive, found, known, ran)
        if not unused and not unknown:
            continue
        parts = [f"{label} `noqa` code{'s' * (len(codes) > 1)} {', '.join(codes)}"
                 for label, codes in (("unused", unused), ("unknown", unknown)) if codes]
        dropped = [*unused, *unknown]
        diagnostics.append(Diagnostic(
            code=UNUSED_NOQA.code, name=UNUSED_NOQA.name, severity=UNUSED_NOQA.severity,
            message="; ".join(parts)[0].upper() + "; ".join(parts)[1:],
            span=Span(line=directive.line, column=directive.start + 1, end_line=directive.line,
                      end_column=directive.end + 1),
            path=path,
            suggestion=f"Remove {', '.join(dropped)} from the comment: an unused code hides the next real "
                       "finding on this line, an unknown one hides nothing.",
            fix=Fix(applicability="safe", description=f"Remove {', '.join(dropped)} from the `noqa` comment",
                    edits=(removal(directive, set(dropped)),)),
        ))
    return diagnostics
