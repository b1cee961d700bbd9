"""`check` never raises on generated Python (issue 14, fuzzing).

hypothesmith draws syntactically valid Python two ways: from the grammar (`from_grammar`, which
keeps what CPython compiles) and from LibCST's node types (`from_node`). Each is linted with every
rule, and once more spliced between two top-level statements of a corpus training script, so
the rules see their training loop next to code nobody would write by hand. Valid Python must
never be reported as unparsable (LSL000). Drawing from hypothesmith is slow (50-100 ms an
example), hence the `slow` mark.
"""

from __future__ import annotations

import hypothesmith
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .checks import assert_parse_agrees, lint_or_defined_error
from .corpus import CORPUS, CORPUS_FILES, lines_of
from .profiles import examples

# hypothesmith compiles what it generates, and CPython warns about code such as `1()`.
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::SyntaxWarning")]


@settings(max_examples=examples(120))
@given(hypothesmith.from_grammar())
def test_grammar_generated_python(source):
    found = lint_or_defined_error(source, always_report_syntax_errors=True)
    assert_parse_agrees(source, found)


@settings(max_examples=examples(30))
@given(hypothesmith.from_node())
def test_node_generated_python(source):
    found = lint_or_defined_error(source, always_report_syntax_errors=True)
    assert_parse_agrees(source, found)


@settings(max_examples=examples(60))
@given(st.sampled_from(CORPUS_FILES), hypothesmith.from_grammar(), st.integers(0, 10_000))
def test_generated_python_inside_a_training_script(name, snippet, at):
    """A generated module between two top-level statements of a real script: the rules see
    their training loop next to code nobody wrote by hand."""
    lines = lines_of(CORPUS[name])
    tops = [i for i, line in enumerate(lines) if line[:1].isalpha() and not line.startswith(("else", "elif",
                                                                                             "except", "finally"))]
    i = tops[at % len(tops)]
    snippet = snippet if snippet.endswith("\n") or not snippet else snippet + "\n"
    source = "".join(lines[:i] + [snippet] + lines[i:])
    lint_or_defined_error(source)
