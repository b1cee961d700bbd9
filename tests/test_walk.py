"""`facts.walk.Walker` visits what LibCST's own visitor visits, in the same order, with the same
nesting of visit and leave: the index built on it sees the tree exactly as before, only faster.

Checked on every rule case and example, and on every 20th file of the standard library (the whole
library passes too: `python tests/test_walk.py` checks all of it, about 2.5 minutes).
"""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path

import libcst as cst
import pytest

from lossscale_lint.facts.walk import TRIVIA, Walker

TESTS = Path(__file__).resolve().parent
OURS = sorted((TESTS / "rule_cases").glob("*.py")) + sorted((TESTS.parent / "examples").glob("*.py"))
STDLIB = sorted(p for p in Path(sysconfig.get_paths()["stdlib"]).rglob("*.py") if "site-packages" not in p.parts)


class RecordingVisitor(cst.CSTVisitor):
    def __init__(self) -> None:
        self.events: list[tuple[str, str, int]] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if not isinstance(node, TRIVIA):
            self.events.append(("visit", type(node).__name__, id(node)))
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if not isinstance(original_node, TRIVIA):
            self.events.append(("leave", type(original_node).__name__, id(original_node)))


class RecordingWalker(Walker):
    """Records through the hooks a subclass gets, for every node type."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, str, int]] = []

    def _plan(self, kind: type):
        name = kind.__name__
        _, _, fields = super()._plan(kind)
        plan = (lambda node: self.events.append(("visit", name, id(node))),
                lambda node: self.events.append(("leave", name, id(node))), fields)
        self._plans[kind] = plan
        return plan


def first_difference(path: Path) -> str | None:
    try:
        module = cst.parse_module(path.read_bytes())
    except (cst.ParserSyntaxError, SyntaxError, UnicodeDecodeError, RecursionError):
        return None  # files LibCST cannot read (the engine reports those as LSL000)
    expected, walked = RecordingVisitor(), RecordingWalker()
    try:
        module.visit(expected)
    except RecursionError:
        return None
    walked.walk(module)
    for index, (want, got) in enumerate(zip(expected.events, walked.events)):
        if want != got:
            context = [e[:2] for e in expected.events[max(0, index - 3):index]]
            return f"{path}: event {index}: LibCST {want[:2]}, walker {got[:2]}, after {context}"
    if len(expected.events) != len(walked.events):
        return f"{path}: LibCST {len(expected.events)} events, walker {len(walked.events)}"
    return None


# The standard library sample is the slow part (marked `slow`: `pytest -m "not slow"` skips it).
WALKED = [*OURS, *(pytest.param(path, marks=pytest.mark.slow) for path in STDLIB[::20])]


@pytest.mark.parametrize("path", WALKED, ids=lambda p: p.name)
def test_walk_order_is_libcsts(path: Path) -> None:
    assert first_difference(path) is None


def test_a_false_visit_skips_the_children_but_still_leaves() -> None:
    class Skipping(Walker):
        def __init__(self) -> None:
            super().__init__()
            self.seen: list[str] = []

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            self.seen.append("visit " + node.name.value)
            return False

        def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
            self.seen.append("leave " + node.name.value)

        def visit_Call(self, node: cst.Call) -> None:
            self.seen.append("call")

    walker = Skipping()
    walker.walk(cst.parse_module("f()\ndef g():\n    h()\n"))
    assert walker.seen == ["call", "visit g", "leave g"]


if __name__ == "__main__":
    problems = [p for p in map(first_difference, OURS + STDLIB) if p]
    print("\n".join(problems) or f"{len(OURS + STDLIB)} files: the walker matches LibCST's visitor")
    sys.exit(1 if problems else 0)
