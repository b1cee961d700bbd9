"""The rule documentation pages (`rules/LSLxxx.md`), as shipped in the package or in a checkout.

An installed wheel carries the pages as the data package `lossscale_lint._rule_pages` (see
pyproject.toml); a source checkout that was not installed has them in the top-level `rules/` folder.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

PAGES_PACKAGE = "lossscale_lint._rule_pages"
CHECKOUT_PAGES = Path(__file__).resolve().parents[2] / "rules"


class PageNotFound(Exception):
    pass


def read_rule_page(code: str) -> str:
    name = f"{code}.md"
    try:
        page = resources.files(PAGES_PACKAGE) / name
        if page.is_file():
            return page.read_text(encoding="utf-8")
    except ModuleNotFoundError:
        pass
    checkout_page = CHECKOUT_PAGES / name
    if checkout_page.is_file():
        return checkout_page.read_text(encoding="utf-8")
    raise PageNotFound(f"no documentation page for {code}")
