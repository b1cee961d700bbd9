"""The README's rule table, generated from the registry.

    python -m lossscale_lint.rules.table            # rewrite the table in README.md
    python -m lossscale_lint.rules.table --check    # exit 1 when README.md is out of date

The table sits between the two marker comments below; everything else in the README is left as
it is. `tests/test_rule_metadata.py` fails when the checked-in README differs from what this
writes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from lossscale_lint.rules import ALL_RULES
from lossscale_lint.rules.base import Rule

START = "<!-- rule-table: generated from the rule registry by `python -m lossscale_lint.rules.table`; edit the rules, not this table -->"
END = "<!-- end of rule-table -->"
README = Path(__file__).resolve().parents[2] / "README.md"
HEADER = ("| Code | Name | Severity | Fix | What it finds |", "|---|---|---|---|---|")


class MarkersMissing(ValueError):
    pass


def table_row(rule: Rule) -> str:
    cells = (
        f"[{rule.code}](rules/{rule.code}.md)",
        f"`{rule.name}`",
        rule.severity.value,
        rule.fix or "none",
        (rule.finds or rule.summary).replace("|", "\\|"),
    )
    return "| " + " | ".join(cells) + " |"


def rule_table(rules: Iterable[Rule]) -> str:
    return "\n".join((*HEADER, *(table_row(rule) for rule in rules)))


def with_table(readme: str, rules: Iterable[Rule]) -> str:
    """`readme` with the text between the markers replaced by the table of `rules`."""
    start, end = readme.find(START), readme.find(END)
    if start < 0 or end < start:
        raise MarkersMissing(f"the README needs the markers {START!r} and {END!r}, in this order")
    before, after = readme[: start + len(START)], readme[end:]
    return f"{before}\n{rule_table(rules)}\n{after}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lossscale_lint.rules.table", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report whether the README is up to date")
    parser.add_argument("readme", nargs="?", type=Path, default=README, help="default: the checkout's README.md")
    args = parser.parse_args(argv)
    try:
        current = args.readme.read_text(encoding="utf-8")
        updated = with_table(current, ALL_RULES.values())
    except (OSError, UnicodeDecodeError, MarkersMissing) as error:
        print(f"rule table: error: {args.readme}: {error}", file=sys.stderr)
        return 2
    if updated == current:
        return 0
    if args.check:
        print(f"rule table: {args.readme} is out of date; run python -m lossscale_lint.rules.table", file=sys.stderr)
        return 1
    args.readme.write_text(updated, encoding="utf-8")
    print(f"rule table: rewrote {args.readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
