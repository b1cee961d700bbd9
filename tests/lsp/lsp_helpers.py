"""Helpers for the language-server tests: opening documents, waiting with a timeout, applying edits."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable
from pathlib import Path
from typing import TypeVar

from lsprotocol import types
from pytest_lsp import LanguageClient

TIMEOUT = 20  # seconds; generous for a loaded CI machine, small enough to fail instead of hanging
T = TypeVar("T")


async def answer(request: Awaitable[T]) -> T:
    """Await a server answer, failing the test instead of hanging when none comes."""
    return await asyncio.wait_for(request, TIMEOUT)


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
        units += {"utf-16": len(char.encode("utf-16-le")) // 2, "utf-8": len(char.encode("utf-8")), "utf-32": 1}[encoding]
    return start + len(line)


def apply_edits(text: str, edits, encoding: str = "utf-16") -> str:
    spans = sorted(((offset_of(text, e.range.start, encoding), offset_of(text, e.range.end, encoding), e.new_text)
                    for e in edits), reverse=True)
    for start, end, new_text in spans:
        text = text[:start] + new_text + text[end:]
    return text


def record_registrations(client: LanguageClient) -> list[types.RegistrationParams]:
    """Answer `client/registerCapability` as an editor would, keeping what the server asked for."""
    registrations: list[types.RegistrationParams] = []

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register_capability(params: types.RegistrationParams) -> None:
        registrations.append(params)

    client.registrations = registrations
    return registrations
