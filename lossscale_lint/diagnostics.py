"""What a rule reports: a diagnostic with its location, related sites and an optional fix.

Lines are 1-based and columns are 1-based (as people and most CI formats count); the end column
points at the character after the last one. Columns count Unicode code points, as LibCST does.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Literal

# Plain frozen dataclasses, not pydantic models: every value here is built by our own code, so
# validating it again would only cost time (thousands of spans per file, and pydantic's import on
# every start). Input we do not control - a cache entry - is checked where it is read
# (`reporters.json_format.diagnostic_from_object`).
record = dataclass(frozen=True, slots=True, kw_only=True)


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@record
class Span:
    """A range in one source file (1-based lines and columns, end exclusive).

    In a notebook, `cell` is the cell's 1-based position among all its cells (as Jupyter and ruff
    count them) and the lines are counted inside that cell; None for every other file.
    """

    line: int
    column: int
    end_line: int
    end_column: int
    cell: int | None = None
    # The file this span is in, when that is another module of the project than the file being
    # checked (a loss helper imported from `losses.py`); None: the file being checked.
    path: str | None = None


@record
class Edit:
    """Replace the text in `span` by `content` (an insertion when the span is empty)."""

    span: Span
    content: str


@record
class Fix:
    applicability: Literal["safe", "unsafe"]
    description: str
    edits: tuple[Edit, ...]


@record
class Related:
    span: Span
    message: str
    # The file the related site is in; None: the diagnostic's own file.
    path: str | None = None


@record
class Diagnostic:
    code: str
    name: str
    severity: Severity
    message: str
    span: Span
    path: str = ""
    related: tuple[Related, ...] = ()
    # The factor by which the update changes, in words ("x B'/B on every SGD step").
    factor: str | None = None
    # What to do about it, in one sentence; the mechanical version is `fix`.
    suggestion: str | None = None
    fix: Fix | None = None

    @property
    def sort_key(self) -> tuple:
        return (self.path, self.span.cell or 0, self.span.line, self.span.column, self.code)
