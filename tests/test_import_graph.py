"""The package has no import cycle, counting every import statement wherever it sits.

The graph is read from the source with `ast` (nothing is imported): an edge for each `import` and
`from ... import` of a `lossscale_lint` module, at module level or inside a function, a class or an
`if TYPE_CHECKING:` block. A function-level import hides a cycle from Python until the function
runs; it does not make the modules any less entangled, so it counts here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import lossscale_lint

PACKAGE = "lossscale_lint"


def module_names(root: Path) -> dict[str, Path]:
    """Every module of the package under `root`, by dotted name (a package by its __init__)."""
    names = {}
    for source in root.rglob("*.py"):
        parts = list(source.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = source
    return names


def imported(module: str, is_package: bool, tree: ast.AST, known: set[str]) -> set[str]:
    """The package's modules that `tree` imports: `from a import b` names module a.b when there
    is one, else the module a (b is then a name defined in it)."""
    targets: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolved against this module's package
                anchor = module.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                targets.add(submodule if submodule in known else base)
    return {target for target in targets if target in known and target != module}


def import_graph(root: Path) -> dict[str, set[str]]:
    modules = module_names(root)
    known = set(modules)
    return {
        name: imported(name, path.name == "__init__.py", ast.parse(path.read_text("utf-8")), known)
        for name, path in modules.items()
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as [a, b, ..., a], or None; an iterative depth-first search (no recursion limit)."""
    state: dict[str, str] = {}  # "open" while on the current path, "done" once fully explored
    for start in sorted(graph):
        if start in state:
            continue
        path = [start]
        stack = [iter(sorted(graph[start]))]
        state[start] = "open"
        while stack:
            step = next(stack[-1], None)
            if step is None:
                state[path.pop()] = "done"
                stack.pop()
            elif state.get(step) == "open":
                return path[path.index(step):] + [step]
            elif step not in state:
                state[step] = "open"
                path.append(step)
                stack.append(iter(sorted(graph[step])))
    return None


def write_package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / PACKAGE / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / PACKAGE


def test_the_package_has_no_import_cycle():
    graph = import_graph(Path(lossscale_lint.__file__).parent)
    assert len(graph) > 50 and "lossscale_lint.pipeline.runner" in graph  # the real package was read
    assert find_cycle(graph) is None


def test_a_cycle_through_a_function_level_import_is_found(tmp_path):
    # Today's shape before this test existed: runner imported workers inside a function.
    package = write_package(tmp_path, {
        "__init__.py": "",
        "pipeline/__init__.py": "",
        "pipeline/runner.py": "def lint_paths():\n    from lossscale_lint.pipeline.workers import lint_files\n",
        "pipeline/workers.py": "from lossscale_lint.pipeline.runner import FileResult\n",
    })
    assert find_cycle(import_graph(package)) == [
        "lossscale_lint.pipeline.runner", "lossscale_lint.pipeline.workers", "lossscale_lint.pipeline.runner"
    ]


def test_relative_type_checking_and_package_imports_count_too(tmp_path):
    package = write_package(tmp_path, {
        "__init__.py": "",
        "a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import b\n",
        "b.py": "from lossscale_lint import c\n",
        "c/__init__.py": "from .. import a\n",
    })
    assert find_cycle(import_graph(package)) == ["lossscale_lint.a", "lossscale_lint.b", "lossscale_lint.c",
                                                 "lossscale_lint.a"]


def test_imports_of_names_and_of_other_packages_are_no_cycle(tmp_path):
    package = write_package(tmp_path, {
        "__init__.py": "",
        "a.py": "import os\nfrom lossscale_lint.b import helper\n",
        "b.py": "import json\nfrom lossscale_lint import __version__\n\ndef helper():\n    import ast\n",
    })
    graph = import_graph(package)
    assert graph["lossscale_lint.a"] == {"lossscale_lint.b"}
    assert graph["lossscale_lint.b"] == {"lossscale_lint"}
    assert find_cycle(graph) is None
