"""A real LSP client (pytest-lsp) talking to `python -m lossscale_lint lsp` over stdio."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from lsp_helpers import answer, record_registrations

SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "lossscale_lint", "lsp"])


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient):
    """A client that cannot pull diagnostics (no capabilities at all): the server must push.

    One server for the whole module (starting one takes a second or two); every test works on
    documents of its own temporary folder, so they do not see each other's files."""
    lsp_client.initialize_result = await answer(lsp_client.initialize_session(
        types.InitializeParams(capabilities=types.ClientCapabilities())
    ))
    yield
    await answer(lsp_client.shutdown_session())


@pytest_lsp.fixture(config=SERVER)
async def nvim_client(lsp_client: LanguageClient):
    """Neovim 0.11 as it really initializes: pulls diagnostics and prefers UTF-8 positions."""
    record_registrations(lsp_client)  # a real editor answers the server's watcher registration
    lsp_client.initialize_result = await answer(lsp_client.initialize_session(
        types.InitializeParams(capabilities=client_capabilities("neovim@v0.11.0"))
    ))
    yield
    await answer(lsp_client.shutdown_session())


@pytest_lsp.fixture(config=SERVER)
async def emacs_client(lsp_client: LanguageClient):
    """Emacs 29.1 eglot as it really initializes: no pull, no related information, UTF-32 first."""
    record_registrations(lsp_client)  # eglot advertises dynamic registration of watched files
    lsp_client.initialize_result = await answer(
        lsp_client.initialize_session(types.InitializeParams(capabilities=client_capabilities("emacs"))))
    yield
    await answer(lsp_client.shutdown_session())


@pytest_lsp.fixture(config=SERVER)
async def refreshing_client(lsp_client: LanguageClient):
    """A pulling client that also accepts `workspace/diagnostic/refresh` (VS Code does; Neovim 0.11
    does not advertise it)."""
    record_registrations(lsp_client)
    capabilities = client_capabilities("neovim@v0.11.0")
    capabilities.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
    await answer(lsp_client.initialize_session(types.InitializeParams(capabilities=capabilities)))
    yield
    await answer(lsp_client.shutdown_session())


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder with a pyproject.toml that has no lossscale-lint table (defaults apply)."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n', encoding="utf-8")
    return tmp_path
