"""The analysis modules name no framework: every class, function, method, keyword or setting name
the catalog knows appears only in `lossscale_lint/facts/catalog/`.

The names are derived from the catalog itself (`catalog.known_names()`: every string a record
holds, every qualified name and its last component), so a name added to the catalog is guarded from
then on. The check reads the modules with `ast` (nothing is imported or run) and looks at string
constants, docstrings excepted; f-string pieces count, since they are constants too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from lossscale_lint.facts import catalog

PACKAGE = Path(catalog.__file__).parents[2]
ANALYSIS_MODULES = [
    # Every module of the analysis outside the catalog itself, so that a new one is covered too;
    # left out: the facts' own vocabulary (the model and its setup and value records, vocabulary,
    # scaling math), the LibCST walker
    # (LibCST's field names) and the documentation tools (rule pages, README table).
    *sorted(str(p.relative_to(PACKAGE)) for p in (PACKAGE / "facts").glob("*.py")
            if p.name not in {"model.py", "model_setup.py", "values.py", "vocabulary.py", "scaling.py", "walk.py"}),
    "advisor/advice.py",
    *sorted(str(p.relative_to(PACKAGE)) for p in (PACKAGE / "rules").glob("*.py")
            if p.name not in {"pages.py", "table.py"}),
]


def _docstrings(tree: ast.Module) -> set[int]:
    """id() of every docstring constant (module, class and function bodies)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def catalog_strings(source: str, names: frozenset[str]) -> list[tuple[int, str]]:
    """(line, string) for each string constant of `source` that is a name in `names`."""
    tree = ast.parse(source)
    skipped = _docstrings(tree)
    return sorted(
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and id(node) not in skipped and node.value in names
    )


NAMES = catalog.known_names()


def test_the_checker_finds_a_catalog_name_in_code():
    snippet = 'x = "MSELoss"\nif method in ("backward", "zero_grad"): pass\ny = f"{a}weight_decay"\n'
    names = frozenset({"MSELoss", "zero_grad", "weight_decay"})
    assert catalog_strings(snippet, names) == [(1, "MSELoss"), (2, "zero_grad"), (3, "weight_decay")]


def test_the_checker_skips_docstrings_and_other_strings():
    snippet = '"""MSELoss"""\ndef f():\n    """MSELoss"""\n    return "a MSELoss here", "mean_loss"\n'
    assert catalog_strings(snippet, frozenset({"MSELoss", "mean"})) == []


def test_the_names_come_from_the_catalog_records():
    # A few names of each kind the boundary must know: qualified, last component, method, keyword.
    assert {"torch.nn.MSELoss", "MSELoss", "mse_loss", "torch.optim.SGD", "SGD", "AdamW",
            "accelerate.Accelerator", "DataLoader", "clip_grad_norm_", "prepare", "to", "parameters",
            "reduction", "size_average", "weight_decay", "batch_size", "drop_last", "max_norm",
            "gradient_accumulation_steps", "add_argument", "parse_args", "sum", "mean"} <= NAMES
    # Vocabulary is not a name: enum members are skipped.
    assert not {"elements", "target_weights", "functional", "adaptive"} & NAMES


@pytest.mark.parametrize("module", ANALYSIS_MODULES)
def test_no_catalog_name_in_an_analysis_module(module):
    found = catalog_strings((PACKAGE / module).read_text(encoding="utf-8"), NAMES)
    assert found == [], f"{module} spells catalog names inline (line, name): {found}"
