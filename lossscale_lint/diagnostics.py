"""What a rule reports: a diagnostic with its location, related sites and an optional fix.

Lines are 1-based and columns are 1-based (as people and most CI formats count); the end column
points at the character after the last one. Columns count Unicode code points, as LibCST does.
"""

from __future__ import annotations

from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Span(BaseModel):
    """A range in one source file (1-based lines and columns, end exclusive)."""

    model_config = ConfigDict(frozen=True)

    line: int
    column: int
    end_line: int
    end_column: int


class Edit(BaseModel):
    """Replace the text in `span` by `content` (an insertion when the span is empty)."""

    model_config = ConfigDict(frozen=True)

    span: Span
    content: str


class Fix(BaseModel):
    model_config = ConfigDict(frozen=True)

    applicability: Literal["safe", "unsafe"]
    description: str
    edits: tuple[Edit, ...]


class Related(BaseModel):
    model_config = ConfigDict(frozen=True)

    span: Span
    message: str


class Diagnostic(BaseModel):
    model_config = ConfigDict(frozen=True)

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
        return (self.path, self.span.line, self.span.column, self.code)
