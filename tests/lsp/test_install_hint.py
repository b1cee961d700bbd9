"""`lossscale-lint lsp` without pygls: one line saying how to install it, exit code 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

# `sys.modules[name] = None` is Python's own way to make a module unimportable.
WITHOUT_PYGLS = (
    "import sys; sys.modules['pygls'] = None; "
    "from lossscale_lint.cli.main import main; raise SystemExit(main(['lsp']))"
)


@pytest.mark.slow
def test_missing_pygls_says_how_to_install_it():
    result = subprocess.run([sys.executable, "-c", WITHOUT_PYGLS], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("lossscale-lint: error: ") and "pip install 'lossscale-lint[lsp]'" in line
