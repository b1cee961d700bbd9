"""A read-only walk over a LibCST tree, without LibCST's visitor machinery.

LibCST's `visit` is built for transforms: on the way back up it rebuilds (and re-validates) every
node it passed, which was half the cost of indexing a file. The index only reads, so `Walker`
follows each node's child fields directly, with the same hooks (`visit_<Node>` returning False to
skip the children, `leave_<Node>` always) in the order LibCST's own visitor calls them, and it
skips whitespace, comments and punctuation, which nothing here reads. `tests/test_walk.py` checks
the order against LibCST's visitor on the test corpus and the whole standard library.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import cache
from typing import Any

import libcst as cst

# Never read by the index, and holding nothing that is.
TRIVIA = (
    cst.BaseParenthesizableWhitespace,
    cst.EmptyLine,
    cst.TrailingWhitespace,
    cst.Newline,
    cst.Comment,
    cst.LeftParen,
    cst.RightParen,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftCurlyBrace,
    cst.RightCurlyBrace,
    cst.Comma,
    cst.Semicolon,
    cst.Colon,
    cst.Dot,
    cst.AssignEqual,
)
# Node types whose dataclass fields are not declared in source order: their children in the
# order LibCST visits them (fields not named here are trivia).
SOURCE_ORDER: dict[type, tuple[str, ...]] = {
    cst.FunctionDef: ("decorators", "asynchronous", "name", "type_parameters", "params", "returns", "body"),
    cst.ClassDef: ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    cst.ExceptHandler: ("type", "name", "body"),
    cst.ExceptStarHandler: ("type", "name", "body"),
    cst.Arg: ("keyword", "value"),
    cst.IfExp: ("body", "test", "orelse"),
    cst.Parameters: ("posonly_params", "posonly_ind", "params", "star_arg", "kwonly_params", "star_kwarg"),
    cst.For: ("asynchronous", "target", "iter", "body", "orelse"),
    cst.With: ("asynchronous", "items", "body"),
    cst.CompFor: ("asynchronous", "target", "iter", "ifs", "inner_for_in"),
    cst.MatchCase: ("pattern", "guard", "body"),
}

Hook = Callable[[Any], Any]


@cache
def child_fields(kind: type) -> tuple[str, ...]:
    """The fields of `kind` to walk into, in LibCST's visit order; worked out once per node type."""
    if kind in SOURCE_ORDER:  # (`type_parameters` only exists in newer LibCST releases)
        return tuple(name for name in SOURCE_ORDER[kind] if name in kind.__dataclass_fields__)
    return tuple(f.name for f in dataclasses.fields(kind))


class Walker:
    """Subclasses define `visit_<NodeType>(node)` (return False to skip its children) and
    `leave_<NodeType>(node)`, as on a `libcst.CSTVisitor`; `walk(node)` runs them."""

    def __init__(self) -> None:
        self._plans: dict[type, tuple[Hook | None, Hook | None, tuple[str, ...]]] = {}

    def _plan(self, kind: type) -> tuple[Hook | None, Hook | None, tuple[str, ...]]:
        name = kind.__name__
        plan = (getattr(self, "visit_" + name, None), getattr(self, "leave_" + name, None), child_fields(kind))
        self._plans[kind] = plan
        return plan

    def walk(self, node: cst.CSTNode) -> None:
        kind = type(node)
        visit, leave, fields = self._plans.get(kind) or self._plan(kind)
        if visit is None or visit(node) is not False:
            for name in fields:
                value = getattr(node, name)
                if isinstance(value, (tuple, list)):
                    for item in value:
                        if isinstance(item, cst.CSTNode) and not isinstance(item, TRIVIA):
                            self.walk(item)
                elif isinstance(value, cst.CSTNode) and not isinstance(value, TRIVIA):
                    self.walk(value)
        if leave is not None:
            leave(node)
