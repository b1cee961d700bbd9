"""What the integration formats say about a rule: its registry entry plus its documentation page.

SARIF needs short/full/help texts per rule and the language server's hover shows the page's short
form; both come from here so that they always agree with `lossscale-lint explain`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lossscale_lint.diagnostics import Diagnostic, Severity
from lossscale_lint.rules.pages import PageNotFound, read_rule_page
from lossscale_lint.rules import ALL_RULES


@dataclass(frozen=True)
class RuleInfo:
    code: str
    name: str
    severity: Severity
    summary: str
    fix: str | None  # "safe", "unsafe" or None
    page: str  # the rule's markdown page, "" when it has none
    url: str | None = None  # where the page is published (registered rules only)

    @property
    def short_form(self) -> str:
        """The page without its title, up to the second section: what the rule detects and why."""
        return short_form(self.page) or self.summary

    @property
    def help_markdown(self) -> str:
        return self.page or self.summary


def rule_info(code: str, seen: Diagnostic | None = None) -> RuleInfo:
    """The registry entry for `code`; for a code the registry does not know, what `seen` says."""
    page = rule_page(code)
    rule = ALL_RULES.get(code)
    if rule is not None:
        return RuleInfo(code, rule.name, rule.severity, rule.summary, rule.fix, page, rule.url)
    name = seen.name if seen else code
    severity = seen.severity if seen else Severity.WARNING
    return RuleInfo(code, name, severity, seen.message if seen else code, None, page)


@lru_cache(maxsize=None)
def rule_page(code: str) -> str:
    """The markdown page of `code`, or "" when there is none."""
    try:
        return read_rule_page(code)
    except (PageNotFound, OSError, UnicodeDecodeError):
        return ""


_HEADING = re.compile(r"^#{1,6}\s")


def short_form(page: str) -> str:
    """The body of a page's first section ("What it detects"); the page minus its title if it has
    no sections. Code blocks are kept whole: a `#` comment inside one is not a heading."""
    lines = page.strip().splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    sections: list[list[str]] = [[]]
    in_code = False
    for line in lines:
        if line.lstrip().startswith("```"):
            in_code = not in_code
        if not in_code and line.startswith("## "):
            sections.append([])
            continue
        sections[-1].append(line)
    body = sections[1] if len(sections) > 1 else sections[0]
    return "\n".join(body).strip()


def markdown_to_text(markdown: str) -> str:
    """Plain text for consumers that show no markdown: drop heading marks, fences and inline code ticks."""
    out = []
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            continue
        line = _HEADING.sub("", line)
        out.append(line.replace("`", "").replace("**", ""))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()
