"""`check` never raises on mutated training scripts (issue 14, fuzzing).

The library entry points, as `check` calls them: `lint_text` for one text (with and without a git
base, as `check --base` runs it) and `lint_paths` for files on disk (reading, decoding, the text
pre-check, the jobs). Inputs: the corpus scripts of `conftest.py` after text mutations, and after
byte flips and truncation. Generated Python (hypothesmith) is in `test_fuzz_generated.py`.

A defined result is a list of diagnostics that name registered rules, lie inside the text and
come sorted, or the one-line AnalysisError for code too deeply nested to analyse. An "internal
error", an LSL999 (a rule crashed) or an LSL002 (the 10 s limit, on a few kilobytes) fails the test.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from lossscale_lint.config.settings import Settings
from lossscale_lint.pipeline.runner import lint_paths

from .checks import assert_parse_agrees, decoded, lint_or_defined_error
from .corpus import CORPUS, mutated_bytes, mutated_scripts
from .profiles import examples


@settings(max_examples=examples(250))
@given(mutated_scripts())
def test_mutated_training_scripts(named):
    _, source = named
    found = lint_or_defined_error(source, always_report_syntax_errors=True)
    assert_parse_agrees(source, found)


@settings(max_examples=examples(150))
@given(mutated_scripts(), st.booleans())
def test_mutated_scripts_against_their_original_as_base(named, reverse):
    """`check --base`: the LSL5xx rules compare the mutated text with the script it came from."""
    name, source = named
    head, base = (CORPUS[name], source) if reverse else (source, CORPUS[name])
    lint_or_defined_error(head, base_source=base)


@settings(max_examples=examples(200))
@given(mutated_bytes())
def test_flipped_and_truncated_bytes(named):
    _, data = named
    text = decoded(data)
    if text is not None:
        lint_or_defined_error(text, always_report_syntax_errors=True)


@st.composite
def project_files(draw):
    """A few files for one run: mutated texts and mutated bytes, some under a folder."""
    count = draw(st.integers(1, 4))
    out = {}
    for n in range(count):
        folder = draw(st.sampled_from(["", "sub/", "deep/er/"]))
        if draw(st.booleans()):
            out[f"{folder}f{n}.py"] = draw(mutated_scripts())[1].encode("utf-8")
        else:
            out[f"{folder}f{n}.py"] = draw(mutated_bytes())[1]
    return out


@settings(max_examples=examples(40))
@given(project_files())
def test_lint_paths_reports_every_file_and_matches_lint_text(contents):
    """Through the runner: each file gives its diagnostics or one clear error, never a crash, and
    the same diagnostics as linting its text directly."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name, data in contents.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(data)
        run_settings = Settings(root=root, select=("LSL", "LSL900"), respect_gitignore=False)
        result = lint_paths([str(root)], run_settings, jobs=1)

        failed = {Path(e.path).relative_to(root).as_posix(): e.message for e in result.errors}
        for message in failed.values():
            assert "internal error" not in message and "\n" not in message, message
        assert result.files_checked + len(failed) == len(contents)
        for name, data in contents.items():
            text = decoded(data)
            assert (text is None) == (name in failed), (name, failed.get(name))
            if text is None:
                continue
            path = str(root / name)
            expected = lint_or_defined_error(text, path, run_settings.analysis_options(path))
            assert [d for d in result.diagnostics if d.path == path] == expected
