"""Suppression comments, parsed on their own and applied by the runner to real diagnostics."""

from __future__ import annotations

import pytest
from cli_support import LOSS_LINE, MARKER_CODE, loss_source, marker_rule  # noqa: F401 - fixture

from lossscale_lint.config.options import AnalysisOptions
from lossscale_lint.pipeline.noqa import parse_suppressions
from lossscale_lint.pipeline.linting import lint_text

ONLY_MARKER = AnalysisOptions(is_selected=lambda code: code == MARKER_CODE)


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        ("# noqa", None),
        ("# NOQA", None),
        ("#noqa:LSL101", frozenset({"LSL101"})),
        ("# noqa: LSL101, LSL102", frozenset({"LSL101", "LSL102"})),
        ("# noqa: LSL101 LSL102", frozenset({"LSL101", "LSL102"})),
        ("# noqa: lsl401", frozenset({"LSL401"})),
        ("# type: ignore  # noqa: E501", frozenset({"E501"})),
    ],
)
def test_noqa_forms(comment, expected):
    suppressions = parse_suppressions(f"x = 1  {comment}\n")
    assert suppressions.lines == {1: expected}
    assert not suppressions.skip_file


def test_noqa_inside_a_string_is_not_a_comment():
    assert parse_suppressions('x = "# noqa"\ny = "# lossscale-lint: skip-file"\n').lines == {}
    assert not parse_suppressions('y = "# lossscale-lint: skip-file"\n').skip_file


def test_text_that_does_not_tokenize_still_has_its_comments_read():
    suppressions = parse_suppressions("x = (  # noqa: LSL000\n")
    assert suppressions.lines == {1: frozenset({"LSL000"})}


def test_noqa_on_the_diagnostic_line_suppresses_it(marker_rule):
    assert [d.code for d in lint_text(loss_source(), "t.py", ONLY_MARKER)] == [MARKER_CODE]
    bare = loss_source().replace(LOSS_LINE, LOSS_LINE.rstrip() + "  # noqa\n")
    assert lint_text(bare, "t.py", ONLY_MARKER) == []
    coded = loss_source().replace(LOSS_LINE, LOSS_LINE.rstrip() + f"  # noqa: LSL101, {MARKER_CODE}\n")
    assert lint_text(coded, "t.py", ONLY_MARKER) == []


def test_noqa_for_other_codes_or_other_lines_does_not_suppress(marker_rule):
    other_code = loss_source().replace(LOSS_LINE, LOSS_LINE.rstrip() + "  # noqa: LSL101\n")
    assert len(lint_text(other_code, "t.py", ONLY_MARKER)) == 1
    other_line = loss_source("x = 1  # noqa\n")
    assert len(lint_text(other_line, "t.py", ONLY_MARKER)) == 1


def test_skip_file_anywhere_skips_everything_even_a_syntax_error(marker_rule):
    assert lint_text(loss_source("\n# lossscale-lint: skip-file\n"), "t.py", ONLY_MARKER) == []
    assert lint_text("x = (\n# lossscale-lint: skip-file\n", "t.py", AnalysisOptions()) == []
    assert [d.code for d in lint_text("x = (\n", "t.py", AnalysisOptions())] == ["LSL000"]
