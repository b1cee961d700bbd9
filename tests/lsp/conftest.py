"""A real LSP client (pytest-lsp) talking to `python -m lossscale_lint lsp` over stdio."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "lossscale_lint.lsp"])
TIMEOUT = 20  # seconds; generous for a loaded CI machine, small enough to fail instead of hanging


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient):
    """A client that cannot pull diagnostics (no capabilities at all): the server must push."""
    lsp_client.initialize_result = await lsp_client.initialize_session(
        types.InitializeParams(capabilities=types.ClientCapabilities())
    )
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=SERVER)
async def nvim_client(lsp_client: LanguageClient):
    """Neovim 0.11 as it really initializes: pulls diagnostics and prefers UTF-8 positions."""
    lsp_client.initialize_result = await lsp_client.initialize_session(
        types.InitializeParams(capabilities=client_capabilities("neovim@v0.11.0"))
    )
    yield
    await lsp_client.shutdown_session()


def open_document(client: LanguageClient, path: Path, text: str, version: int = 1) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)
        )
    )
    return uri


async def next_diagnostics(client: LanguageClient, uri: str) -> tuple[types.Diagnostic, ...]:
    """Wait for the next publishDiagnostics for `uri` (others are skipped) and return its list."""

    async def wait() -> tuple[types.Diagnostic, ...]:
        while True:
            params = await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
            if params.uri == uri:
                return tuple(params.diagnostics)

    return await asyncio.wait_for(wait(), TIMEOUT)


def offset_of(text: str, position: types.Position, encoding: str) -> int:
    """An LSP position in `encoding` units -> index into `text` (written independently of pygls)."""
    lines = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)  # LSP line breaks only
    start = sum(len(line) for line in lines[: position.line])
    line = lines[position.line] if position.line < len(lines) else ""
    units = 0
    for index, char in enumerate(line):
        if units >= position.character:
            return start + index
        units += len(char.encode("utf-16-le")) // 2 if encoding == "utf-16" else len(char.encode("utf-8"))
    return start + len(line)


def apply_edits(text: str, edits, encoding: str = "utf-16") -> str:
    spans = sorted(((offset_of(text, e.range.start, encoding), offset_of(text, e.range.end, encoding), e.new_text)
                    for e in edits), reverse=True)
    for start, end, new_text in spans:
        text = text[:start] + new_text + text[end:]
    return text


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder with a pyproject.toml that has no lossscale-lint table (defaults apply)."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n', encoding="utf-8")
    return tmp_path
