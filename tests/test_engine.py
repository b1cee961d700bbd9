"""The engine itself (what the flake8 plugin and the LSP call directly): bad input is a
diagnostic, never a crash."""

from __future__ import annotations

import pytest

from lossscale_lint.pipeline.engine import lint_source


@pytest.mark.parametrize(
    "source",
    [
        "x = " + "(" * 3000 + "1" + ")" * 3000 + "\n",  # LibCST's parser would overflow the C stack
        "x = (\n",
        "def f(:\n    pass\n",
    ],
    ids=["too-deep", "unclosed", "bad-def"],
)
def test_unparsable_code_is_one_syntax_error(source: str) -> None:
    [diagnostic] = lint_source(source, "bad.py")
    assert diagnostic.code == "LSL000"
    assert diagnostic.path == "bad.py"
    assert diagnostic.span.line >= 1


def test_syntax_error_points_at_the_offending_place() -> None:
    [diagnostic] = lint_source("a = 1\nb = (1,\nc = 2 +\n", "bad.py")
    assert (diagnostic.span.line, diagnostic.span.column) == (2, 5)
    assert "never closed" in diagnostic.message


def test_a_base_that_does_not_parse_compares_nothing() -> None:
    source = "import torch.nn as nn\ncriterion = nn.MSELoss(reduction='sum')\n"
    assert lint_source(source, "t.py", base_source="x = (" + "(" * 3000) == []
