"""The language server and notebooks: an `.ipynb` document sent as its JSON text is linted as a
notebook (diagnostics at their place in the JSON, no fixes offered), never as Python; a notebook
cell document (Python, on a non-file URI) stays Python."""

from __future__ import annotations

from pathlib import Path

from pygls.workspace import TextDocument

from lossscale_lint.integrations.lsp.analysis import analyse
from lossscale_lint.integrations.lsp.server import document_kind
from lossscale_lint.pipeline.kinds import PYTHON
from lossscale_lint.pipeline.notebook_kind import NOTEBOOK

NOTEBOOKS = Path(__file__).parents[1] / "notebooks"


def document(path: str, language: str | None, uri: str | None = None) -> TextDocument:
    return TextDocument(uri or Path(path).as_uri(), "", language_id=language)


def test_the_kind_comes_from_the_suffix_for_notebook_files_and_from_the_language_otherwise(tmp_path):
    notebook = str(tmp_path / "nb.ipynb")
    assert document_kind(document(notebook, "json")) is NOTEBOOK
    assert document_kind(document(notebook, "python")) is NOTEBOOK  # never its JSON as Python
    assert document_kind(document(notebook, None)) is NOTEBOOK
    # A cell of an open notebook (VS Code): Python text on a URI that is no file.
    cell = document(notebook, "python", uri=f"vscode-notebook-cell:{notebook}#W0sZmlsZQ%3D%3D")
    assert document_kind(cell) is PYTHON
    assert document_kind(document(str(tmp_path / "train.py"), "python")) is PYTHON
    assert document_kind(document(str(tmp_path / "train.py"), None)) is PYTHON
    assert document_kind(document(str(tmp_path / "pyproject.toml"), "toml")) is None
    assert document_kind(document(str(tmp_path / "notes.txt"), None)) is None


def test_a_notebook_document_is_linted_in_its_cells_and_placed_in_its_json(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.lossscale-lint]\n")
    text = (NOTEBOOKS / "train_sgd.ipynb").read_text(encoding="utf-8")
    path = str(tmp_path / "train_sgd.ipynb")
    result = analyse(text, 1, path, tmp_path, NOTEBOOK)
    assert result.problem is None
    (found,) = result.diagnostics
    assert found.code == "LSL101" and found.span.cell is None and found.fix is None
    line = text.splitlines()[found.span.line - 1]
    assert line[found.span.column - 1 : found.span.end_column - 1] == 'reduction=\\"sum\\"'
    assert all(text.splitlines()[r.span.line - 1].strip().startswith('"') for r in found.related)


def test_a_broken_notebook_document_is_one_lsl000_and_a_script_is_unchanged(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.lossscale-lint]\n")
    broken = (NOTEBOOKS / "invalid_json.ipynb").read_text(encoding="utf-8")
    result = analyse(broken, 1, str(tmp_path / "b.ipynb"), tmp_path, NOTEBOOK)
    assert [(d.code, d.span.line, d.span.column) for d in result.diagnostics] == [("LSL000", 5, 2)]
    script = "# -*- coding: latin-1 -*-\nimport torch.nn as nn\ncrit = nn.MSELoss(size_average=False)  # é\n"
    result = analyse(script, 1, str(tmp_path / "t.py"), tmp_path, PYTHON)
    (found,) = result.diagnostics
    assert found.code == "LSL401" and found.fix is not None and found.span.line == 3
    assert result.source == script
