"""Writes the notebook fixtures in this folder (run once by hand; the .ipynb files are checked in).

They are written the way Jupyter writes notebooks (json.dumps with indent=1, ensure_ascii=False, a
trailing newline, sources as lists of lines) except where a fixture is about another layout.
"""

import hashlib
import json
from pathlib import Path

HERE = Path(__file__).parent
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==\n"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def code(text: str, outputs=(), count=None) -> dict:
    return {"cell_type": "code", "execution_count": count, "id": f"c{_digest(text)}",
            "metadata": {}, "outputs": list(outputs), "source": lines(text)}


def markdown(text: str) -> dict:
    return {"cell_type": "markdown", "id": f"m{_digest(text)}", "metadata": {}, "source": lines(text)}


def notebook(cells, language="python") -> dict:
    return {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3", "language": language, "name": "python3"},
            "language_info": {"name": language, "version": "3.11.0"}}, "nbformat": 4, "nbformat_minor": 5}


def dump(name: str, document: dict, newline: str = "\n", **options) -> None:
    options = {"indent": 1, "ensure_ascii": False, **options}
    text = json.dumps(document, **options) + "\n"
    (HERE / name).write_bytes(text.replace("\n", newline).encode("utf-8"))


TRAIN = notebook([
    markdown("# Training a classifier\n\nThe loss is summed on purpose (cell 3).\n"),
    code("%matplotlib inline\n!pip install -q torch\nimport torch\nimport torch.nn as nn\nfrom torch import optim\n", count=1,
         outputs=[{"name": "stdout", "output_type": "stream", "text": ["Requirement already satisfied: torch\n"]}]),
    code('model = nn.Linear(20, 5)\noptimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)\n'
         'criterion = nn.CrossEntropyLoss(reduction="sum")\nmodel?', count=2),
    markdown("## The loop\n"),
    code("def train(loader):\n    model.train()\n    for inputs, targets in loader:\n        optimizer.zero_grad()\n"
         "        %time loss = criterion(model(inputs), targets)\n        loss = criterion(model(inputs), targets)\n"
         "        loss.backward()\n        optimizer.step()\n", count=3,
         outputs=[{"data": {"image/png": PNG, "text/plain": ["<Figure size 640x480 with 1 Axes>"]},
                   "metadata": {"needs_background": "light"}, "output_type": "display_data"},
                  {"data": {"text/plain": ["tensor(0.5000)"]}, "execution_count": 3, "metadata": {}, "output_type": "execute_result"}]),
    code("%%bash\necho \"not python (\"\nls -l | wc -l\n", count=4),
    code("%%time\nfiles = !ls\nprint(len(files))", count=5),
    code("", count=None),
])

# CRLF everywhere: in the file and inside the cells; two legacy losses, one silenced by noqa.
LEGACY = notebook([
    code("import torch.nn as nn\r\n", count=1),
    markdown("Two losses with the deprecated argument.\r\n"),
    code("crit = nn.MSELoss(size_average=False)\r\nother = nn.L1Loss(size_average=False)  # noqa: LSL401\r\nprint(crit)", count=2,
         outputs=[{"name": "stdout", "output_type": "stream", "text": ["MSELoss()\r\n"]}]),
])

# Another tool's layout: indent 2, sorted keys, ASCII escapes, sources as one string.
ESCAPED = {"cells": [
    {"cell_type": "markdown", "metadata": {}, "source": "Caf\u00e9 \u2615 notes"},
    {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [],
     "source": "import torch.nn as nn\nlabel = \"caf\u00e9\"  # \u00e9t\u00e9\ncrit = nn.MSELoss(reduce=False)\n"},
], "metadata": {}, "nbformat": 4, "nbformat_minor": 2}

R_KERNEL = notebook([code('crit = nn.MSELoss(size_average=False)\n')], language="R")

if __name__ == "__main__":
    dump("train_sgd.ipynb", TRAIN)
    dump("legacy_crlf.ipynb", LEGACY, newline="\r\n")
    dump("escaped.ipynb", ESCAPED, indent=2, ensure_ascii=True, sort_keys=True)
    dump("r_kernel.ipynb", R_KERNEL)
    (HERE / "invalid_json.ipynb").write_text('{\n "cells": [\n  {"cell_type": "code", "source": ["x = 1\\n"]\n  \n ],\n "nbformat": 4\n}\n')
    (HERE / "nbformat3.ipynb").write_text('{\n "metadata": {},\n "nbformat": 3,\n "nbformat_minor": 0,\n "worksheets": []\n}\n')
    (HERE / "no_cells.ipynb").write_text('{\n "metadata": {},\n "nbformat": 4,\n "nbformat_minor": 5\n}\n')
    (HERE / "bad_source.ipynb").write_text(
        '{\n "cells": [\n  {"cell_type": "markdown", "metadata": {}, "source": "ok"},\n'
        '  {"cell_type": "code", "metadata": {}, "outputs": [], "source": ["x = 1\\n", 2]}\n ],\n'
        ' "metadata": {},\n "nbformat": 4,\n "nbformat_minor": 5\n}\n')
