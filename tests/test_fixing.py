"""apply_fixes on hand-made diagnostics: span arithmetic, passes, conflicts and broken fixes."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from lossscale_lint.diagnostics import Diagnostic, Edit, Fix, Severity, Span
from lossscale_lint.config.options import AnalysisOptions
from lossscale_lint.fixes.runner import count_fixable, split_lines, unified_diff
from lossscale_lint.fixes.apply import LineOffsets, apply_fixes


def span(line, column, end_line, end_column):
    return Span(line=line, column=column, end_line=end_line, end_column=end_column)


def fixed(code, edits, applicability="safe", at=None):
    """A diagnostic whose fix is `edits` (pairs of Span and new text)."""
    return Diagnostic(
        code=code,
        name=f"name-of-{code}",
        severity=Severity.WARNING,
        message="test",
        span=at or edits[0][0],
        fix=Fix(
            applicability=applicability,
            description=f"fix {code}",
            edits=tuple(Edit(span=s, content=c) for s, c in edits),
        ),
    )


def position(text, offset):
    """1-based line and column of an offset; an independent count for the test rules."""
    before = text[:offset]
    line_start = max(before.rfind("\n"), before.rfind("\r")) + 1
    return len(re.findall(r"\r\n|\r|\n", before)) + 1, offset - line_start + 1


class RegexRules:
    """A stand-in for re-linting: each (code, pattern, replacement) fires on every match."""

    def __init__(self, *rules, applicability="safe"):
        self.rules = rules
        self.applicability = applicability
        self.calls = 0

    def __call__(self, text):
        self.calls += 1
        found = []
        for code, pattern, replacement in self.rules:
            for match in re.finditer(pattern, text):
                where = span(*position(text, match.start()), *position(text, match.end()))
                found.append(fixed(code, [(where, match.expand(replacement))], self.applicability))
        return sorted(found, key=lambda d: d.sort_key)


def no_rules(text):
    return []


def test_replacement_keeps_everything_outside_the_span():
    source = 'crit = nn.MSELoss(size_average=False)  # legacy, keep this comment\n'
    diag = fixed("LSL401", [(span(1, 19, 1, 37), 'reduction="sum"')])
    outcome = apply_fixes(source, [diag], unsafe=False, lint=no_rules)
    assert outcome.new_source == 'crit = nn.MSELoss(reduction="sum")  # legacy, keep this comment\n'
    assert [a.diagnostic for a in outcome.applied] == [diag]
    assert outcome.skipped == [] and outcome.passes == 1


def test_insertion_deletion_and_multiline_edit():
    source = "for x, y in data:\n    loss = crit(m(x), y)\n    loss.backward()\n    # done\n"
    insert = fixed("LSL201", [(span(3, 5, 3, 5), "loss = loss / K\n    ")], "unsafe")
    delete = fixed("X1", [(span(4, 1, 5, 1), "")])
    outcome = apply_fixes(source, [insert, delete], unsafe=True, lint=no_rules)
    assert outcome.new_source == (
        "for x, y in data:\n    loss = crit(m(x), y)\n    loss = loss / K\n    loss.backward()\n"
    )
    multiline = fixed("X2", [(span(1, 5, 2, 20), "(x, y) in data:\n    loss = crit(m(x")])
    again = apply_fixes(source, [multiline], unsafe=False, lint=no_rules)
    assert again.new_source == (
        "for (x, y) in data:\n    loss = crit(m(x), y)\n    loss.backward()\n    # done\n"
    )


def test_crlf_offsets_and_new_lines_take_the_files_line_ending():
    source = "import torch\r\ncrit = nn.MSELoss(reduce=False)\r\nloss.backward()\r\n"
    replace = fixed("LSL401", [(span(2, 19, 2, 31), 'reduction="none"')])
    insert = fixed("LSL201", [(span(3, 1, 3, 1), "loss = loss / K\n")], "unsafe")
    outcome = apply_fixes(source, [replace, insert], unsafe=True, lint=no_rules)
    assert outcome.new_source == (
        'import torch\r\ncrit = nn.MSELoss(reduction="none")\r\nloss = loss / K\r\nloss.backward()\r\n'
    )
    assert "\n" not in outcome.new_source.replace("\r\n", "")


def test_columns_count_code_points_after_non_ascii_text():
    source = 'label = "ü🙂"; crit = nn.L1Loss(size_average=False)\n'
    start = source.index("size_average") + 1
    diag = fixed("LSL401", [(span(1, start, 1, start + len("size_average=False")), 'reduction="sum"')])
    outcome = apply_fixes(source, [diag], unsafe=False, lint=no_rules)
    assert outcome.new_source == 'label = "ü🙂"; crit = nn.L1Loss(reduction="sum")\n'


def test_form_feed_and_lone_cr_follow_the_python_tokenizer():
    # A form feed is whitespace inside a line for Python; a lone CR is a line break.
    index = LineOffsets("a = 1\x0c; b = 2\rc = 3")
    assert index.starts == [0, 14]
    assert index.offset(2, 5) == 18 and index.line_length(1) == 13
    assert split_lines("a\r\nb\rc\x0cd\n") == ["a\r\n", "b\r", "c\x0cd\n"]


def test_unsafe_fixes_wait_for_the_flag():
    source = "opt = SGD(params, lr=0.1)\n"
    unsafe = fixed("LSL101", [(span(1, 22, 1, 25), "0.1 * batch_size")], "unsafe")
    kept = apply_fixes(source, [unsafe], unsafe=False, lint=no_rules)
    assert kept.new_source == source and kept.applied == [] and kept.remaining == [unsafe]
    assert count_fixable(kept.remaining) == {"unsafe": 1}
    applied = apply_fixes(source, [unsafe], unsafe=True, lint=no_rules)
    assert applied.new_source == "opt = SGD(params, lr=0.1 * batch_size)\n"


def test_overlapping_fixes_go_in_separate_passes():
    # B rewrites the call that contains A's argument: B waits, and is re-found on A's result.
    rules = RegexRules(
        ("A", r"size_average=False", 'reduction="sum"'),
        ("B", r"nn\.MSELoss\((.*?)\)", r"MSELoss(\1)"),
    )
    source = "crit = nn.MSELoss(size_average=False)\n"
    outcome = apply_fixes(source, rules(source), unsafe=False, lint=rules)
    assert outcome.new_source == 'crit = MSELoss(reduction="sum")\n'
    assert [(a.diagnostic.code, a.pass_number) for a in outcome.applied] == [("B", 1), ("A", 2)]
    assert outcome.remaining == [] and outcome.skipped == []


def test_touching_fixes_also_wait_but_distant_ones_share_a_pass():
    rules = RegexRules(("A", r"\bab\b", "AB"), ("C", r"cd", "CD"), ("Z", r"(?<=\w)\+(?=\w)", " + "))
    source = "x = ab+cd\ny = cd\n"
    outcome = apply_fixes(source, rules(source), unsafe=False, lint=rules)
    assert outcome.new_source == "x = AB + CD\ny = CD\n"
    assert outcome.passes == 2


def test_identical_fixes_are_applied_once_and_counted_for_each_diagnostic():
    edit = [(span(1, 5, 1, 8), "x.size(0)")]
    first, second = fixed("LSL104", edit, "unsafe"), fixed("LSL104", edit, "unsafe", at=span(2, 1, 2, 5))
    outcome = apply_fixes("y = 128\n", [first, second], unsafe=True, lint=no_rules)
    assert outcome.new_source == "y = x.size(0)\n" and len(outcome.applied) == 2


def test_a_fix_that_breaks_parsing_is_dropped_and_the_others_applied():
    source = "x = 1\ny = 2\n"
    broken = fixed("X9", [(span(1, 5, 1, 6), "(")])
    good = fixed("X1", [(span(2, 5, 2, 6), "3")])
    outcome = apply_fixes(source, [broken, good], unsafe=False)  # the real engine re-lints
    assert outcome.new_source == "x = 1\ny = 3\n"
    assert [a.diagnostic.code for a in outcome.applied] == ["X1"]
    [skip] = outcome.skipped
    assert skip.diagnostic == broken and "would not parse" in skip.reason


def test_a_lone_broken_fix_leaves_the_text_unchanged():
    source = "def f():\n    return 1\n"
    broken = fixed("X9", [(span(2, 1, 2, 5), "")])  # removes the indentation of the body
    outcome = apply_fixes(source, [broken], unsafe=False)
    assert outcome.new_source == source and not outcome.changed and outcome.applied == []
    assert len(outcome.skipped) == 1 and outcome.remaining == [broken]


def test_edits_outside_the_text_or_overlapping_each_other_are_reported():
    source = "a = 1\n"
    outside = fixed("X1", [(span(1, 3, 1, 40), "")])
    beyond = fixed("X2", [(span(7, 1, 7, 1), "x")])
    tangled = fixed("X3", [(span(1, 1, 1, 4), "b ="), (span(1, 2, 1, 5), "c")])
    outcome = apply_fixes(source, [outside, beyond, tangled], unsafe=False, lint=no_rules)
    assert outcome.new_source == source
    reasons = {s.diagnostic.code: s.reason for s in outcome.skipped}
    assert reasons == {
        "X1": "column 40 is outside line 1",
        "X2": "line 7 is outside the file (2 lines)",
        "X3": "the fix's own edits overlap",
    }


def test_fixes_that_never_settle_stop_at_the_pass_bound():
    grows = RegexRules(("G", r"x$", "xx"))  # every fix creates the next finding
    source = "v = x"
    outcome = apply_fixes(source, grows(source), unsafe=False, lint=grows, max_passes=3)
    assert outcome.new_source == "v = xxxx" and outcome.passes == 3
    [skip] = outcome.skipped
    assert skip.reason == "still fixable after 3 passes; not applied"


def test_fixing_the_result_again_changes_nothing():
    rules = RegexRules(("A", r"size_average=False", 'reduction="sum"'), ("B", r"\t", "    "))
    source = "if x:\n\tcrit = L1Loss(size_average=False)\n"
    first = apply_fixes(source, rules(source), unsafe=False, lint=rules)
    assert first.new_source == 'if x:\n    crit = L1Loss(reduction="sum")\n'
    second = apply_fixes(first.new_source, first.remaining, unsafe=False, lint=rules)
    assert second.new_source == first.new_source and second.applied == [] and second.passes == 0


def test_diff_marks_a_missing_final_newline_and_applies_with_patch(tmp_path):
    old = "a = 1\r\nb = 2"
    new = "a = 1\r\nb = 3"
    diff = unified_diff("t.py", old, new)
    assert diff == (
        "--- t.py\n+++ t.py\n@@ -1,2 +1,2 @@\n a = 1\r\n"
        "-b = 2\n\\ No newline at end of file\n+b = 3\n\\ No newline at end of file\n"
    )
    if shutil.which("patch") is None:
        pytest.skip("patch is not installed")
    (tmp_path / "t.py").write_bytes(old.encode())
    subprocess.run(["patch", "-s", "-p0"], input=diff.encode(), cwd=tmp_path, check=True)
    assert (tmp_path / "t.py").read_bytes() == new.encode()


def test_a_noqa_comment_cannot_hide_a_fix_that_breaks_parsing():
    source = "x = f(1)  # noqa\n"
    broken = fixed("X9", [(span(1, 7, 1, 9), "")])  # deletes "1)": the call is never closed
    outcome = apply_fixes(source, [broken], unsafe=False, options=AnalysisOptions(is_selected=lambda c: False))
    assert outcome.new_source == source and "would not parse" in outcome.skipped[0].reason
