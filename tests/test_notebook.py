"""Notebooks as a file kind: parsing, masking IPython syntax, the cell map, and writing fixes back.

The fixtures are real .ipynb files in tests/notebooks/ (written by make_fixtures.py there).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lossscale_lint.diagnostics import Diagnostic, Edit, Fix, Severity, Span
from lossscale_lint.fixes.apply import apply_fixes
from lossscale_lint.fixes.atomic import FileWriteError
from lossscale_lint.fixes.runner import KindFixes
from lossscale_lint.pipeline.engine import lint_source
from lossscale_lint.pipeline.noqa import parse_suppressions, without_suppressed
from lossscale_lint.pipeline.notebook import (
    NotebookError,
    build_module,
    cell_span,
    invalid_notebook,
    notebook_fixes,
    parse_notebook,
    to_cell_coordinates,
    write_back,
)
from lossscale_lint.pipeline.notebook_kind import NotebookKind
from lossscale_lint.pipeline.notebook_mask import MASK_COMMENT, mask_cell
from lossscale_lint.pipeline.notebook_json import replace_sources, source_values
from lossscale_lint.pipeline.sources import SourceError

NOTEBOOKS = Path(__file__).parent / "notebooks"
VALID = ["train_sgd.ipynb", "legacy_crlf.ipynb", "escaped.ipynb", "r_kernel.ipynb"]
KIND = NotebookKind()


def load(name: str):
    return KIND.load(NOTEBOOKS / name)


def lint(loaded) -> list[Diagnostic]:
    """What the pipeline does for a notebook: lint the module text, apply noqa, map to cells."""
    found = lint_source(loaded.text, str(loaded.path))
    kept = without_suppressed(found, parse_suppressions(loaded.text))
    return [KIND.locate(loaded, d) for d in kept]


def restrict_fixes(loaded, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """The diagnostics without the fixes the notebook cannot take (what the fixer's guard keeps)."""
    return notebook_fixes(loaded.layout.module, diagnostics)


def fixed_file_text(loaded, new_text: str) -> str:
    """The notebook JSON that a fixed module text is written back as."""
    return KIND.file_text(KIND.with_text(loaded, new_text))


def masked(lines: list[str]) -> list[int]:
    return [number for number, mask in enumerate(mask_cell(lines), 1) if mask is not None]


# ------------------------------------------------------------------ parsing


def test_code_cells_are_numbered_among_all_cells():
    notebook = load("train_sgd.ipynb").layout.notebook
    assert [c.number for c in notebook.code_cells] == [2, 3, 5, 6, 7, 8]
    assert notebook.code_cells[1].source.endswith('reduction="sum")\nmodel?')


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("invalid_json.ipynb", "not a notebook: invalid JSON (Expecting ',' delimiter)"),
        ("nbformat3.ipynb", "not an nbformat 4 notebook (nbformat is 3)"),
        ("no_cells.ipynb", 'not a notebook: no "cells" list'),
        ("bad_source.ipynb", "cell 2: the source is neither a string nor a list of strings"),
    ],
)
def test_an_invalid_notebook_is_one_clear_line(name, reason):
    with pytest.raises(NotebookError) as raised:
        load(name)
    assert str(raised.value) == reason
    assert "\n" not in str(raised.value)
    assert isinstance(raised.value, SourceError)  # the runner's one-line error path takes it as is


def test_an_invalid_notebook_as_one_diagnostic_at_the_json_error():
    with pytest.raises(NotebookError) as raised:
        load("invalid_json.ipynb")
    diagnostic = invalid_notebook("nb.ipynb", raised.value)
    assert (diagnostic.code, diagnostic.span.line, diagnostic.span.column) == ("LSL000", 5, 2)
    assert diagnostic.message == "cannot read this notebook: not a notebook: invalid JSON (Expecting ',' delimiter)"
    assert diagnostic.span.cell is None


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"[1, 2]", "not a notebook: the JSON is not an object"),
        (b'{"nbformat": 4, "cells": [3]}', "cell 1 is not a cell object with a cell_type"),
        (b'{"cells": []}', "not an nbformat 4 notebook (nbformat is \"missing\")"),
        (b'{"nbformat": 4, "cells": []}\xff', "not a notebook: not valid UTF-8 (byte 0xff on line 1)"),
        (b"[" * 100_000, "not a notebook: JSON nested too deeply"),
    ],
)
def test_other_broken_notebooks(tmp_path, data, reason):
    path = tmp_path / "broken.ipynb"
    path.write_bytes(data)
    with pytest.raises(NotebookError, match=r"\A" + __import__("re").escape(reason) + r"\Z"):
        KIND.load(path)


def test_unreadable_paths_are_source_errors(tmp_path):
    with pytest.raises(SourceError, match="is a directory"):
        KIND.load(tmp_path)
    with pytest.raises(SourceError, match="cannot read"):
        KIND.load(tmp_path / "missing.ipynb")


def test_a_notebook_of_another_language_lints_nothing():
    loaded = load("r_kernel.ipynb")
    assert loaded.text == "" and lint(loaded) == []


# ------------------------------------------------------------------ masking


def test_magics_shell_and_help_lines_are_masked():
    lines = ["%matplotlib inline", "!pip install x", "files = !ls", "a, b = %who_ls", "model?", "??model",
             "model.fit??", "x = 1", "print('why?')  # really?", "y = a % b", "z = not_a_magic != 2"]
    assert masked(lines) == [1, 2, 3, 4, 5, 6, 7]


def test_look_alikes_inside_strings_and_brackets_are_kept():
    lines = ['s = """', "!not shell", "%not magic", 'what?"""', "t = (a", "     % b)", "u = [", "  !x",
             "]", "v = 1 + \\", "    2", "w = '!'  # %comment?"]
    # `!x` inside brackets is not where IPython looks for a shell line: left to the parser.
    assert masked(lines) == []
    assert mask_cell(["if x:", "    %time f()"])[1] == "    pass  " + MASK_COMMENT


def test_cell_magics_mask_the_cell_unless_the_body_is_python():
    assert masked(["%%bash", "echo (", "ls"]) == [1, 2, 3]
    assert masked(["", "%%writefile x.py", "import os"]) == [1, 2, 3]
    assert masked(["%%time", "x = 1", "!ls"]) == [1, 3]
    assert masked(["%%timeit -n 3", "f()"]) == [1]


def test_a_continued_magic_line_is_masked_to_its_end():
    assert masked(["%time x = f(a, \\", "        b)", "y = 2"]) == [1, 2]


def test_every_fixture_module_parses_and_keeps_its_line_count():
    for name in VALID:
        loaded = load(name)
        assert not [d for d in lint_source(loaded.text, name) if d.code == "LSL000"], name
        cells = loaded.layout.notebook.code_cells if loaded.layout.notebook.python else ()
        expected = sum(len(c.source.splitlines()) + 1 for c in cells)
        assert len(loaded.text.splitlines()) == expected == len(loaded.layout.module.lines)


# ------------------------------------------------------------------ diagnostics in cells


def test_summed_loss_with_sgd_is_reported_in_cell_3():
    (diagnostic,) = lint(load("train_sgd.ipynb"))
    assert diagnostic.code == "LSL101"
    assert diagnostic.span == Span(line=3, column=33, end_line=3, end_column=48, cell=3)
    assert [(r.span.cell, r.span.line) for r in diagnostic.related] == [(3, 2), (5, 7)]
    cell3 = load("train_sgd.ipynb").layout.module.cell_lines[3]
    assert cell3[2][32:47] == 'reduction="sum"'


def test_noqa_works_per_line_and_crlf_cells_map_right():
    loaded = load("legacy_crlf.ipynb")
    assert "\r\n" in loaded.text and "\n" not in loaded.text.replace("\r\n", "")
    (diagnostic,) = lint(loaded)  # the L1Loss line carries `# noqa: LSL401`
    assert (diagnostic.code, diagnostic.span.cell, diagnostic.span.line, diagnostic.span.column) == ("LSL401", 3, 1, 19)
    assert diagnostic.fix.edits[0].span.cell == 3


def test_same_code_as_a_script_gives_the_same_findings_shifted():
    loaded = load("train_sgd.ipynb")
    # The masked cells without the marker comments, as a plain script.
    script = "".join(line for line in loaded.text.splitlines(keepends=True) if not line.startswith("# %% [lossscale"))
    assert [d.code for d in lint_source(script, "x.py")] == [d.code for d in lint(loaded)]


def module_of(*cells: str):
    cell_json = [{"cell_type": "code", "metadata": {}, "outputs": [], "source": source} for source in cells]
    text = json.dumps({"cells": cell_json, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)
    notebook = parse_notebook(text)
    return notebook, build_module(notebook)


def test_positions_on_markers_and_beyond_the_end_fall_in_a_cell():
    _, module = module_of("a = 1\nb = 2", "c = (")
    # module: 1 marker, 2 `a = 1`, 3 `b = 2`, 4 marker, 5 `c = (`
    assert cell_span(module, Span(line=4, column=1, end_line=4, end_column=1)) == Span(line=2, column=6, end_line=2, end_column=6, cell=1)
    assert cell_span(module, Span(line=1, column=1, end_line=1, end_column=1)) == Span(line=1, column=1, end_line=1, end_column=1, cell=1)
    assert cell_span(module, Span(line=9, column=1, end_line=9, end_column=1)).cell == 2
    crossing = cell_span(module, Span(line=3, column=1, end_line=5, end_column=3))
    assert crossing == Span(line=2, column=1, end_line=2, end_column=6, cell=1)


def diagnostic_with_fix(*edits: Edit) -> Diagnostic:
    return Diagnostic(code="LSL401", name="x", severity=Severity.WARNING, message="m",
                      span=edits[0].span, fix=Fix(applicability="safe", description="d", edits=edits))


def test_fixes_on_masked_lines_or_across_cells_are_refused():
    _, module = module_of("%time f()\nx = 1", "y = 2")
    on_magic = diagnostic_with_fix(Edit(span=Span(line=2, column=1, end_line=2, end_column=5), content="g"))
    across = diagnostic_with_fix(Edit(span=Span(line=3, column=1, end_line=5, end_column=2), content=""))
    on_marker = diagnostic_with_fix(Edit(span=Span(line=1, column=1, end_line=1, end_column=1), content="import os\n"))
    fine = diagnostic_with_fix(Edit(span=Span(line=3, column=5, end_line=3, end_column=6), content="2"),
                               Edit(span=Span(line=5, column=5, end_line=5, end_column=6), content="3"))
    kept = notebook_fixes(module, [on_magic, across, on_marker, fine])
    assert [d.fix is not None for d in kept] == [False, False, False, True]
    assert to_cell_coordinates(module, on_magic).fix is None
    mapped = to_cell_coordinates(module, fine).fix.edits
    assert [(e.span.cell, e.span.line) for e in mapped] == [(1, 2), (2, 1)]


# ------------------------------------------------------------------ writing back


def fix_notebook(name: str, unsafe: bool = False):
    loaded = load(name)
    found = without_suppressed(lint_source(loaded.text, name), parse_suppressions(loaded.text))
    found = restrict_fixes(loaded, found)
    outcome = apply_fixes(loaded.text, found, unsafe=unsafe, path=name)
    return loaded, outcome, fixed_file_text(loaded, outcome.new_source)


def changed_lines(old: str, new: str) -> list[tuple[str, str]]:
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    assert len(old_lines) == len(new_lines)
    return [(a, b) for a, b in zip(old_lines, new_lines) if a != b]


def test_a_safe_fix_changes_only_that_source_line_of_a_crlf_notebook():
    loaded, outcome, written = fix_notebook("legacy_crlf.ipynb")
    assert [a.diagnostic.code for a in outcome.applied] == ["LSL401"]
    assert changed_lines(loaded.layout.notebook.text, written) == [
        ('    "crit = nn.MSELoss(size_average=False)\\r\\n",\r\n', '    "crit = nn.MSELoss(reduction=\\"sum\\")\\r\\n",\r\n')
    ]
    document = json.loads(written)
    assert document["cells"][2]["outputs"] == json.loads(loaded.layout.notebook.text)["cells"][2]["outputs"]
    # Read back, the notebook's module is the fixed text, and a second run changes nothing.
    again = KIND.from_text(loaded.path, written)
    assert again.text == outcome.new_source
    assert lint(again) == []


def test_a_fix_keeps_another_tools_layout_and_ascii_escapes():
    loaded, outcome, written = fix_notebook("escaped.ipynb")
    assert outcome.applied
    old = loaded.layout.notebook.text
    ((before, after),) = changed_lines(old, written)
    assert "nn.MSELoss(reduce=False)" in json.loads('{' + before.strip().rstrip(",") + '}')["source"]
    assert after == before.replace("reduce=False", 'reduction=\\"none\\"')
    assert "\\u00e9t\\u00e9" in after and written.isascii()


def test_outputs_images_and_other_cells_stay_byte_identical():
    loaded = load("train_sgd.ipynb")
    fixed = loaded.text.replace('reduction="sum"', 'reduction="mean"')
    written = fixed_file_text(loaded, fixed)
    assert changed_lines(loaded.layout.notebook.text, written) == [
        ('    "criterion = nn.CrossEntropyLoss(reduction=\\"sum\\")\\n",\n',
         '    "criterion = nn.CrossEntropyLoss(reduction=\\"mean\\")\\n",\n')
    ]
    assert KIND.from_text(loaded.path, written).text == fixed


def test_rewriting_every_cell_with_its_own_source_is_byte_identical():
    for name in VALID:
        text = (NOTEBOOKS / name).read_text(encoding="utf-8")
        document = json.loads(text)
        same = {i: "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                for i, c in enumerate(document["cells"])}
        assert set(source_values(text)) == set(same)
        assert replace_sources(text, same) == text, name


def test_new_lines_in_a_cell_follow_the_list_layout():
    loaded = load("train_sgd.ipynb")
    fixed = loaded.text.replace("    model.train()\n", "    model.train()\n    steps = 0\n")
    written = fixed_file_text(loaded, fixed)
    assert '    "    model.train()\\n",\n    "    steps = 0\\n",\n    "    for inputs' in written
    # A cell without a trailing newline keeps none; an empty cell gets the file's list layout.
    fixed = loaded.text.replace("model?", "model?").replace(
        "# %% [lossscale-lint cell 8]\n", "# %% [lossscale-lint cell 8]\nx = 1\ny = 2\n")
    written = fixed_file_text(loaded, fixed)
    assert '   "source": [\n    "x = 1\\n",\n    "y = 2\\n"\n   ]\n' in written
    assert json.loads(written)["cells"][2]["source"][-1] == "model?"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda t: t.replace("pass  # masked IPython syntax\nimport torch", "import torch"), "changes masked IPython syntax in cell 2"),
        (lambda t: t.replace("# %% [lossscale-lint cell 3]\n", ""), "crosses a cell boundary"),
        (lambda t: "import os\n" + t, "adds code before the first cell"),
        (lambda t: t.replace("print(len(files))\n# %%", "print(len(files))# %%"), "crosses a cell boundary"),
    ],
)
def test_writes_that_touch_masks_or_markers_are_refused(change, reason):
    loaded = load("train_sgd.ipynb")
    with pytest.raises(NotebookError, match=reason):
        fixed_file_text(loaded, change(loaded.text))


def test_a_cell_line_that_looks_like_a_marker_makes_the_notebook_unwritable():
    notebook, module = module_of("# %% [lossscale-lint cell 7]\nx = 1\n")
    assert module.unwritable
    with pytest.raises(NotebookError, match="looks like the linter's cell marker"):
        write_back(notebook, module, module.text.replace("x = 1", "x = 2"))
    assert write_back(notebook, module, module.text) == notebook.text


def test_write_is_atomic_keeps_a_bom_and_refuses_a_file_changed_meanwhile(tmp_path):
    path = tmp_path / "nb.ipynb"
    path.write_bytes(b"\xef\xbb\xbf" + (NOTEBOOKS / "legacy_crlf.ipynb").read_bytes())
    loaded = KIND.load(path)
    fixed = loaded.text.replace("size_average=False)\r\n", 'reduction="sum")\r\n', 1)
    KIND.write(loaded, fixed)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b'reduction=\\"sum\\"' in data
    stale = loaded  # read before the write above
    with pytest.raises(FileWriteError, match="changed on disk"):
        KIND.write(stale, fixed.replace("MSELoss", "L1Loss"))
    refused = KIND.load(path)
    with pytest.raises(FileWriteError, match="crosses a cell boundary"):
        KIND.write(refused, refused.text.replace("# %% [lossscale-lint cell 3]\r\n", ""))
    assert path.read_bytes() == data


def test_unchanged_text_writes_nothing(tmp_path):
    path = tmp_path / "nb.ipynb"
    shutil.copy(NOTEBOOKS / "train_sgd.ipynb", path)
    loaded = KIND.load(path)
    before = path.stat().st_mtime_ns
    KIND.write(loaded, loaded.text)
    assert path.stat().st_mtime_ns == before


# ------------------------------------------------------------------ JSON layouts other tools write


def notebook_text(source_json: str, extra: str = "") -> str:
    return ('{"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], ' + extra + '"source": ' + source_json
            + '}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')


def rewrite(text: str, old: str, new: str) -> str:
    loaded = KIND.from_text(Path("nb.ipynb"), text)
    assert old in loaded.text
    return fixed_file_text(loaded, loaded.text.replace(old, new, 1))


def test_strings_split_oddly_keep_their_split_where_the_fix_did_not_reach():
    text = notebook_text('["a = 1\\nb = 2\\n", "c = \\/3\\/\\n", "d = 4"]')
    written = rewrite(text, "d = 4", "d = 5")
    assert written == text.replace('"d = 4"', '"d = 5"')
    written = rewrite(text, "b = 2", "b = 0")
    assert written == text.replace('"a = 1\\nb = 2\\n"', '"a = 1\\n", "b = 0\\n"')


def test_the_last_of_repeated_source_keys_is_the_one_read_and_written():
    text = notebook_text('"x = 1\\n"', extra='"source": "ignored = 0\\n", ')
    assert KIND.from_text(Path("nb.ipynb"), text).layout.module.cell_lines[1] == ("x = 1",)
    assert rewrite(text, "x = 1", "x = 2") == text.replace('"x = 1\\n"', '"x = 2\\n"')


def test_carriage_returns_alone_are_line_breaks_too():
    text = notebook_text('"import torch.nn as nn\\rcrit = nn.MSELoss(reduce=False)\\r"')
    loaded = KIND.from_text(Path("nb.ipynb"), text)
    (diagnostic,) = lint(loaded)
    assert (diagnostic.span.cell, diagnostic.span.line) == (1, 2)
    outcome = apply_fixes(loaded.text, lint_source(loaded.text, "nb.ipynb"), unsafe=False)
    written = fixed_file_text(loaded, outcome.new_source)
    assert json.loads(written)["cells"][0]["source"] == 'import torch.nn as nn\rcrit = nn.MSELoss(reduction="none")\r'


def test_a_notebook_without_code_cells_is_empty_text_and_writes_nothing():
    text = '{"cells": [{"cell_type": "markdown", "metadata": {}, "source": "# hi"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    loaded = KIND.from_text(Path("nb.ipynb"), text)
    assert loaded.text == "" and lint(loaded) == []
    assert fixed_file_text(loaded, "") == text


def test_new_non_ascii_text_follows_the_files_escaping():
    ascii_file = notebook_text('["s = \\"caf\\u00e9\\"\\n", "t = 1\\n"]')
    assert rewrite(ascii_file, "t = 1", "t = 'é'") == ascii_file.replace('"t = 1\\n"', '"t = \'\\u00e9\'\\n"')
    plain_file = notebook_text('["s = \\"café\\"\\n", "t = 1\\n"]')
    assert rewrite(plain_file, "t = 1", "t = 'é'") == plain_file.replace('"t = 1\\n"', '"t = \'é\'\\n"')


def test_a_loaded_notebook_and_the_kind_travel_to_worker_processes():
    import pickle

    loaded = load("train_sgd.ipynb")
    copy = pickle.loads(pickle.dumps((KIND, loaded)))[1]
    assert copy == loaded and copy.stamp == loaded.stamp
    assert lint(copy) == lint(loaded)


# ------------------------------------------------------------------ every rule case as a notebook


RULE_CASES = sorted((Path(__file__).parent / "rule_cases").glob("*.py"))


def as_notebook(script: str) -> tuple[str, list[int]]:
    """The script as a notebook: a new code cell after every blank line, a markdown cell between
    code cells; and the script line where each code cell starts."""
    cells, starts, current = [], [], []
    for number, line in enumerate(script.splitlines(keepends=True), 1):
        if not current:
            starts.append(number)
        current.append(line)
        if not line.strip():
            cells.append(current)
            current = []
    if current:
        cells.append(current)
    document = []
    for lines in cells:
        document.append({"cell_type": "markdown", "metadata": {}, "source": ["Next:\n"]})
        document.append({"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": lines})
    text = json.dumps({"cells": document, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"
    return text, starts


@pytest.mark.parametrize("case", RULE_CASES, ids=lambda p: p.stem)
def test_a_rule_case_as_a_notebook_finds_and_fixes_the_same(case):
    script = case.read_text(encoding="utf-8")
    text, starts = as_notebook(script)
    loaded = KIND.from_text(Path("nb.ipynb"), text)
    found = lint_source(loaded.text, "nb.ipynb")
    expected = lint_source(script, "nb.ipynb")
    mapped = [KIND.locate(loaded, d) for d in found]
    # Code cell k is cell 2k (a markdown cell before each); its line n is script line start + n - 1.
    assert [(d.code, starts[d.span.cell // 2 - 1] + d.span.line - 1, d.span.column) for d in mapped] == [
        (d.code, d.span.line, d.span.column) for d in expected
    ]
    restricted = restrict_fixes(loaded, found)
    fixed = apply_fixes(loaded.text, restricted, unsafe=True)
    written = fixed_file_text(loaded, fixed.new_source)
    joined = "".join("".join(c["source"]) for c in json.loads(written)["cells"] if c["cell_type"] == "code")
    if all((a.fix is None) == (b.fix is None) for a, b in zip(restricted, expected)):
        assert joined == apply_fixes(script, expected, unsafe=True).new_source
    assert [c["source"] for c in json.loads(written)["cells"] if c["cell_type"] == "markdown"] == [["Next:\n"]] * len(starts)


def test_the_rule_case_oracle_really_fixes_notebooks():
    changed = 0
    for case in RULE_CASES:
        loaded = KIND.from_text(Path("nb.ipynb"), as_notebook(case.read_text(encoding="utf-8"))[0])
        found = restrict_fixes(loaded, lint_source(loaded.text, "nb.ipynb"))
        changed += apply_fixes(loaded.text, found, unsafe=True).changed
    assert changed >= 10  # LSL104, LSL201, LSL202 and LSL401 cases, safe and unsafe fixes


def test_later_fix_passes_judge_fixes_on_the_map_of_the_text_they_see():
    notebook, _ = module_of("x = 1\n%time y\nw = 2\n")
    loaded = KIND.from_text(Path("nb.ipynb"), notebook.text)
    # module: 1 marker, 2 `x = 1`, 3 masked `%time y`, 4 `w = 2`

    def lint_by_hand(text: str) -> list[Diagnostic]:
        if "z = 0" not in text:  # pass 1: add a line below `x = 1`, moving the mask to line 4
            return [diagnostic_with_fix(Edit(span=Span(line=2, column=6, end_line=2, end_column=6), content="\nz = 0"))]
        # pass 2: a fix on line 4, which was `w = 2` before and is the masked line now
        return [diagnostic_with_fix(Edit(span=Span(line=4, column=1, end_line=4, end_column=5), content="oops"))]

    guard = KindFixes(loaded, lint_by_hand, unsafe=False)
    outcome = apply_fixes(loaded.text, guard.keep(loaded, lint_by_hand(loaded.text)), unsafe=False, lint=guard.lint_pass)
    assert len(outcome.applied) == 1 and "oops" not in outcome.new_source
    assert outcome.remaining[0].fix is None
    # The refused fix is reported, placed on the masked line of the text it was found in.
    (refused,) = guard.refused
    assert (refused.diagnostic.span.cell, refused.diagnostic.span.line) == (1, 3)
    assert refused.reason == "the fix edits masked IPython syntax (cell 1, line 3), which the file cannot take"
    after = KIND.with_text(loaded, outcome.new_source)
    assert json.loads(KIND.file_text(after))["cells"][0]["source"] == "x = 1\nz = 0\n%time y\nw = 2\n"
    assert KIND.locate(after, outcome.remaining[0]).span == Span(line=3, column=1, end_line=3, end_column=5, cell=1)


def test_a_fixed_text_the_notebook_cannot_take_back_drops_only_that_fix():
    notebook, _ = module_of("x = 1\ny = 2\n")
    loaded = KIND.from_text("nb.ipynb", notebook.text)
    # module: 1 marker, 2 `x = 1`, 3 `y = 2`; each edit stays in one cell on a plain line
    marker_like = diagnostic_with_fix(Edit(span=Span(line=2, column=1, end_line=2, end_column=1),
                                           content="# %% [lossscale-lint cell 9]\n"))
    fine = diagnostic_with_fix(Edit(span=Span(line=3, column=5, end_line=3, end_column=6), content="3"))

    def lint_by_hand(text: str) -> list[Diagnostic]:
        return [marker_like, fine] if "y = 2" in text and "cell 9" not in text else []

    guard = KindFixes(loaded, lint_by_hand, unsafe=False)
    outcome = apply_fixes(loaded.text, guard.keep(loaded, lint_by_hand(loaded.text)), unsafe=False, lint=guard.lint_pass)
    assert [a.diagnostic for a in outcome.applied] == [fine]
    (skipped,) = guard.located(outcome.skipped)
    assert skipped.diagnostic.span.cell == 1 and "the file cannot take it: a fix crosses a cell boundary" in skipped.reason
    assert json.loads(KIND.file_text(KIND.with_text(loaded, outcome.new_source)))["cells"][0]["source"] == "x = 1\ny = 3\n"
