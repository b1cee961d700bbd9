"""`--fix` and `--unsafe-fixes` on mutated training scripts (issue 14, fuzzing).

The fixer's contract (`lossscale_lint/fixes/apply.py`): it applies the eligible fixes of the
diagnostics in passes, re-linting after each, until nothing eligible is left or MAX_PASSES is
reached; a fix whose result would not parse is dropped and reported. So, for an input that parses:

* the output parses (LibCST's verdict, and CPython's whenever CPython accepted the input);
* `remaining` is what linting the output finds;
* fixing the output again applies nothing and changes nothing (unless the first run stopped at
  the pass bound, which it reports as a skipped "still fixable" fix);
* each pass changes only what its applied fixes' edits name: replaying the recorded edits pass by
  pass (with offsets computed here, independently of `LineOffsets`) gives exactly the output, and
  the lines above the first and below the last line its edits span come out unchanged.

The same run through the file runner (`lint_paths` with a `FixRequest`, writing to disk) leaves
files that parse, hold the fixer's text, and need no fix on a second run.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lossscale_lint.fixes.apply import apply_fixes, is_eligible
from lossscale_lint.pipeline.jobs import FixRequest

from .checks import lint_or_defined_error, lint_project, python_parses
from .corpus import ALL_OPTIONS, SYNTAX_ERROR, mutated_scripts, project_files, write_project
from .profiles import examples

LINE_BREAK = re.compile(r"\r\n|\r|\n")
STILL_FIXABLE = "still fixable after"


def offsets(text: str):
    starts = [0, *(m.end() for m in LINE_BREAK.finditer(text))]
    ends = [m.start() for m in LINE_BREAK.finditer(text)] + [len(text)]

    def offset(line: int, column: int) -> int:
        assert 1 <= line <= len(starts), (line, len(starts))
        assert 1 <= column <= ends[line - 1] - starts[line - 1] + 1, (line, column)
        return starts[line - 1] + column - 1

    return offset


def replay_pass(text: str, fixes) -> str:
    """`text` with the edits of one pass's applied fixes (duplicates, equal edits, counted once)."""
    offset = offsets(text)
    newline = m.group() if (m := LINE_BREAK.search(text)) else "\n"
    planned = set()
    for fix in {d.fix.edits for d in fixes}:
        for edit in fix:
            start = offset(edit.span.line, edit.span.column)
            end = offset(edit.span.end_line, edit.span.end_column)
            assert start <= end
            planned.add((start, end, LINE_BREAK.sub(newline, edit.content)))
    ordered = sorted(planned)
    for (_, end, _), (start, _, _) in zip(ordered, ordered[1:]):
        assert end < start, "two applied fixes touch each other"
    out, cursor = [], 0
    for start, end, content in ordered:
        out += [text[cursor:start], content]
        cursor = end
    return "".join(out) + text[cursor:]


def assert_only_lines_changed(old: str, new: str, first: int, last: int) -> None:
    """Lines of `old` before line `first` and after line `last` are in `new`, unchanged, as its
    first and last lines (no alignment to guess: equal neighbouring lines stay unambiguous)."""
    a, b = LINE_BREAK.split(old), LINE_BREAK.split(new)
    before, after = a[: first - 1], a[last:]
    assert len(before) + len(after) <= len(b), (first, last)
    assert b[: len(before)] == before, f"a line above line {first} changed"
    assert b[len(b) - len(after):] == after, f"a line below line {last} changed"


def assert_fix_contract(source: str, unsafe: bool) -> None:
    path = "train.py"
    found = lint_or_defined_error(source, path, always_report_syntax_errors=True)
    if found is None or any(d.code == SYNTAX_ERROR for d in found):
        return  # the fixer runs only on texts that parse
    outcome = apply_fixes(source, found, unsafe=unsafe, path=path, options=ALL_OPTIONS)
    new = outcome.new_source

    after = lint_or_defined_error(new, path, always_report_syntax_errors=True)
    assert after is not None
    assert [d.message for d in after if d.code == SYNTAX_ERROR] == [], new
    if python_parses(source):
        assert python_parses(new), new
    assert outcome.remaining == after
    for skipped in outcome.skipped:
        assert "\n" not in skipped.reason and skipped.reason

    # Replay: the output is the input with the recorded edits, pass after pass, and each pass
    # changes only the lines its edits span.
    text = source
    for number in range(1, outcome.passes + 1):
        fixes = [a.diagnostic for a in outcome.applied if a.pass_number == number]
        if not fixes:
            continue
        replayed = replay_pass(text, fixes)
        spans = [e.span for d in fixes for e in d.fix.edits]
        assert_only_lines_changed(text, replayed, min(s.line for s in spans), max(s.end_line for s in spans))
        text = replayed
    assert text == new

    # Idempotent: a second run has nothing left to do.
    if not any(STILL_FIXABLE in s.reason for s in outcome.skipped):
        again = apply_fixes(new, after, unsafe=unsafe, path=path, options=ALL_OPTIONS)
        assert [a.diagnostic.code for a in again.applied] == []
        assert again.new_source == new


@settings(max_examples=examples(200))
@given(mutated_scripts())
def test_safe_fixes(named):
    assert_fix_contract(named[1], unsafe=False)


@settings(max_examples=examples(200))
@given(mutated_scripts())
def test_unsafe_fixes(named):
    assert_fix_contract(named[1], unsafe=True)


@pytest.mark.parametrize("unsafe", [False, True], ids=["fix", "unsafe-fixes"])
def test_every_corpus_script_keeps_the_contract(unsafe):
    """The unmutated scripts, every one, whatever hypothesis draws."""
    from .corpus import CORPUS

    fixed = 0
    for source in CORPUS.values():
        assert_fix_contract(source, unsafe)
        found = lint_or_defined_error(source)
        fixed += any(is_eligible(d, unsafe) for d in found)
    assert fixed >= (10 if unsafe else 4)  # the corpus does exercise the fixer


@settings(max_examples=examples(30))
@given(project_files, st.booleans())
def test_fix_through_the_runner_writes_fixed_files(files, unsafe):
    """`check --fix` as the runner does it, on `.py` files and notebooks (whose kind refuses fixes
    it cannot carry back into the cells)."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_project(root, files)
        result = lint_project(root, fix=FixRequest(unsafe=unsafe, write=True))
        assert result.write_errors == []
        for fix in result.fixes:
            on_disk = Path(fix.path).read_bytes().decode("utf-8")
            assert on_disk == fix.file.kind.file_text(fix.file)
            if fix.path.endswith(".ipynb"):
                json.loads(on_disk)  # still a notebook
            else:
                assert on_disk == (fix.outcome.new_source if fix.written else fix.outcome.source)
            if fix.written and not any(SYNTAX_ERROR == d.code for d in fix.original):
                assert not any(d.code == SYNTAX_ERROR for d in fix.outcome.remaining), fix.outcome.new_source
                found = lint_or_defined_error(fix.outcome.new_source, fix.path, always_report_syntax_errors=True)
                assert found is not None and not any(d.code == SYNTAX_ERROR for d in found)

        # A second --fix run finds nothing to do (fix runs that hit the pass bound aside).
        if not any(STILL_FIXABLE in s.reason for f in result.fixes for s in f.skipped):
            before = {p: p.read_bytes() for p in root.iterdir()}
            again = lint_project(root, fix=FixRequest(unsafe=unsafe, write=True))
            assert again.fixes_applied == 0, [(f.path, f.outcome.applied) for f in again.fixes]
            assert {p: p.read_bytes() for p in root.iterdir()} == before
