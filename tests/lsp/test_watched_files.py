"""Configuration changes on disk reach the language server through `workspace/didChangeWatchedFiles`
(issue 13): the server registers watchers for the config file names and re-checks the open files
when one of them is created, changed or deleted, without the file being open in the editor."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from lossscale_lint.config.settings import CONFIG_FILE_NAMES
from lsp_helpers import TIMEOUT, answer, next_diagnostics, open_document, record_registrations

SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "lossscale_lint", "lsp"])

TRAIN = (
    "import torch\n"
    "from torch import nn\n\n"
    "model = nn.Linear(20, 5)\n"
    'criterion = nn.MSELoss(reduction="sum")\n'
    "optimizer = torch.optim.SGD(model.parameters(), lr=0.01)\n"
    "for inputs, targets in loader:\n"
    "    optimizer.zero_grad()\n"
    "    loss = criterion(model(inputs), targets)\n"
    "    loss.backward()\n"
    "    optimizer.step()\n"
)


@pytest_lsp.fixture(config=SERVER)
async def watching_client(lsp_client: LanguageClient):
    """A pushing client that can register file watchers dynamically (VS Code and Neovim can)."""
    record_registrations(lsp_client)
    capabilities = types.ClientCapabilities(workspace=types.WorkspaceClientCapabilities(
        did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True)))
    await answer(lsp_client.initialize_session(types.InitializeParams(capabilities=capabilities)))
    yield
    await answer(lsp_client.shutdown_session())


@pytest_lsp.fixture(config=SERVER)
async def static_client(lsp_client: LanguageClient):
    """A client without dynamic registration: it must not be asked to register anything."""
    record_registrations(lsp_client)
    await answer(lsp_client.initialize_session(types.InitializeParams(capabilities=types.ClientCapabilities())))
    yield
    await answer(lsp_client.shutdown_session())


def codes(diagnostics) -> list[str]:
    return [d.code for d in diagnostics]


async def settle(client: LanguageClient, expected: dict[str, list[str]]) -> dict[str, list[str]]:
    """Wait until the diagnostics the client holds for each URI have the expected codes, and return
    what it holds. (Two publishes can arrive in one read; `wait_for_notification` sees only the
    first, but the client records both.)"""
    for _ in range(TIMEOUT * 20):
        held = {uri: codes(client.diagnostics.get(uri, ())) for uri in expected}
        if held == expected:
            break
        await asyncio.sleep(0.05)
    return held


def notify_changed(client: LanguageClient, path: Path, change: types.FileChangeType) -> None:
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
        changes=[types.FileEvent(uri=path.as_uri(), type=change)]))


@pytest.mark.slow
async def test_the_server_registers_watchers_for_every_config_file_name(watching_client: LanguageClient):
    for _ in range(TIMEOUT * 20):
        if watching_client.registrations:
            break
        await asyncio.sleep(0.05)
    [params] = watching_client.registrations
    [registration] = params.registrations
    assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    options = registration.register_options
    # The client gets the options as JSON; accept the structured form too.
    watchers = options["watchers"] if isinstance(options, dict) else [
        {"globPattern": w.glob_pattern} for w in options.watchers]
    assert sorted(w["globPattern"] for w in watchers) == sorted(f"**/{name}" for name in CONFIG_FILE_NAMES)
    assert {"**/pyproject.toml", "**/lossscale-lint.toml", "**/.lossscale-lint.toml"} <= {
        w["globPattern"] for w in watchers}


@pytest.mark.slow
async def test_a_client_without_dynamic_registration_is_not_asked_to_register(static_client: LanguageClient,
                                                                               tmp_path: Path):
    uri = open_document(static_client, tmp_path / "train.py", TRAIN)
    assert codes(await next_diagnostics(static_client, uri)) == ["LSL101"]  # the server is well past `initialized`
    assert static_client.registrations == []


@pytest.mark.slow
async def test_a_config_written_and_deleted_on_disk_re_checks_open_files(watching_client: LanguageClient,
                                                                         tmp_path: Path):
    uri = open_document(watching_client, tmp_path / "train.py", TRAIN)
    assert codes(await next_diagnostics(watching_client, uri)) == ["LSL101"]

    config = tmp_path / "pyproject.toml"  # written to disk, never opened in the editor
    config.write_text('[tool.lossscale-lint]\nignore = ["LSL101"]\n', encoding="utf-8")
    notify_changed(watching_client, config, types.FileChangeType.Created)
    assert codes(await next_diagnostics(watching_client, uri)) == []

    config.unlink()
    notify_changed(watching_client, config, types.FileChangeType.Deleted)
    assert codes(await next_diagnostics(watching_client, uri)) == ["LSL101"]
    assert config.as_uri() not in watching_client.diagnostics


@pytest.mark.slow
async def test_a_change_to_another_file_does_not_re_check(watching_client: LanguageClient, tmp_path: Path):
    uri = open_document(watching_client, tmp_path / "train.py", TRAIN)
    assert codes(await next_diagnostics(watching_client, uri)) == ["LSL101"]
    (tmp_path / "pyproject.toml").write_text('[tool.lossscale-lint]\nignore = ["LSL101"]\n', encoding="utf-8")
    notify_changed(watching_client, tmp_path / "notes.toml", types.FileChangeType.Changed)
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(next_diagnostics(watching_client, uri), 1)


@pytest.mark.slow
async def test_a_config_broken_on_disk_is_reported_once(watching_client: LanguageClient, tmp_path: Path):
    first = open_document(watching_client, tmp_path / "train.py", TRAIN)
    assert codes(await next_diagnostics(watching_client, first)) == ["LSL101"]
    second = open_document(watching_client, tmp_path / "other.py", TRAIN)
    assert codes(await next_diagnostics(watching_client, second)) == ["LSL101"]

    config = tmp_path / "lossscale-lint.toml"
    config.write_text('selct = ["LSL1"]\n', encoding="utf-8")
    notify_changed(watching_client, config, types.FileChangeType.Created)
    assert await settle(watching_client, {first: [], second: []}) == {first: [], second: []}
    [message] = [m for m in watching_client.messages if "selct" in m.message]
    assert message.type == types.MessageType.Error and "lossscale-lint.toml" in message.message

    config.write_text('ignore = ["LSL2"]\n', encoding="utf-8")
    notify_changed(watching_client, config, types.FileChangeType.Changed)
    fixed = {first: ["LSL101"], second: ["LSL101"]}
    assert await settle(watching_client, fixed) == fixed
    assert len([m for m in watching_client.messages if "selct" in m.message]) == 1
