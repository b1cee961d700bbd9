"""Every output format renders valid output for whatever diagnostics come out (issue 14, fuzzing).

The diagnostics are real: whatever the rules find in the mutated corpus scripts, reported under
file names with characters that formats must escape (spaces, `,` `:` `%` `#` `&` `<` `'` `"`,
non-ASCII, a tab), relative, nested, outside the repository, or absolute; the report context
(colour, quiet, fix run, failed files, counts) is drawn too. A second test takes the diagnostics
of a whole run over `.py` files and notebooks (each script cut into cells) from `lint_paths`.
What "valid" means per format is `conftest.assert_valid_outputs`: json round-trips through the
cache's reader, sarif validates against the 2.1.0 schema with one result per diagnostic and
encoded URIs, gitlab is a JSON array with distinct fingerprints, junit parses as XML with one
failure per diagnostic, github is one `::level file=...` line per diagnostic, and text and concise
carry every diagnostic's `path:line:col: CODE` headline in order.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lossscale_lint.reporters.base import ReportContext

from .checks import assert_valid_outputs, lint_or_defined_error, lint_project
from .corpus import REPO, mutated_scripts, project_files, write_project
from .profiles import examples

NAME_CHARACTERS = st.sampled_from(list("abcXYZ019_-. ,:%#&<>'\"éß中\t"))
segment = st.text(NAME_CHARACTERS, min_size=1, max_size=8).filter(lambda s: s not in (".", ".."))


@st.composite
def file_paths(draw, suffix: str = ".py") -> str:
    folders = draw(st.lists(segment, max_size=2))
    where = draw(st.sampled_from(["", "../", "/abs/", "./"]))
    return where + "/".join([*folders, draw(segment) + suffix])


contexts = st.fixed_dictionaries({
    "files_checked": st.integers(0, 5), "color": st.booleans(), "fixes_applied": st.integers(0, 3),
    "unsafe_fixes_available": st.integers(0, 3), "files_failed": st.integers(0, 2), "fix_run": st.booleans(),
    "quiet": st.booleans(),
})


@settings(max_examples=examples(150))
@given(st.lists(st.tuples(mutated_scripts(), file_paths()), min_size=1, max_size=3), contexts)
def test_every_format_for_diagnostics_of_mutated_scripts(files, flags):
    diagnostics, sources = [], {}
    for (_, text), path in files:
        found = lint_or_defined_error(text, path)
        if found is not None and path not in sources:
            diagnostics += found
            sources[path] = text
    assume(sources)
    diagnostics.sort(key=lambda d: d.sort_key)
    assert_valid_outputs(diagnostics, ReportContext(cwd=REPO, sources=sources, **flags))


@settings(max_examples=examples(30))
@given(project_files, contexts)
def test_every_format_for_a_run_over_scripts_and_notebooks(files, flags):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_project(root, files, script="train,{n}.py", notebook="nb {n}.ipynb")  # odd names on purpose
        result = lint_project(root)
        flags = {**flags, "files_checked": result.files_checked, "files_failed": len(result.errors)}
        assert_valid_outputs(result.diagnostics, ReportContext(cwd=root, sources=result.sources, **flags))
