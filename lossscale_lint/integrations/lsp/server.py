"""The language server: pygls 2 handlers around `analysis` and `convert`.

Diagnostics are pushed (`textDocument/publishDiagnostics`) only to clients that cannot pull them;
a client that advertises `textDocument.diagnostic` gets a diagnostic provider and pulls, and is never
pushed to, so no editor shows everything twice. Analysis runs in a worker thread: the message loop
keeps answering while a big file is linted, and a result for an outdated version is not published.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument

from lossscale_lint import __version__
from lossscale_lint.config.settings import CONFIG_FILE_NAMES
from lossscale_lint.integrations.lsp import convert
from lossscale_lint.integrations.lsp.analysis import Analysis, analyse, fix_all, is_config_file
from lossscale_lint.pipeline.kinds import PYTHON, FileKind, known_kind

log = logging.getLogger(__name__)

CONFIG_WATCHERS_ID = "lossscale-lint-config-watchers"


def document_kind(doc: TextDocument) -> FileKind | None:
    """The file kind that lints this document; None for a document that is not linted.

    Some clients send every open buffer (pyproject.toml included); only the kinds' files are
    linted. A file whose suffix names a kind other than Python (an `.ipynb` sent as its JSON text)
    is linted as that kind, whatever language the client calls it; otherwise the language decides
    (a notebook cell document is Python, and its URI is no file). Without either, the suffix does.
    """
    kind = known_kind(doc.path) if doc.path and doc.uri.startswith("file:") else None
    if kind is not None and kind is not PYTHON:
        return kind
    if doc.language_id:
        return PYTHON if doc.language_id == "python" else None
    return known_kind(doc.path) if doc.path else None


class LossScaleServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(convert.SOURCE, __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.pull = False
        self.analyses: dict[str, Analysis] = {}
        self._running: set[str] = set()
        self._stale: set[str] = set()
        self._reported_problems: set[str] = set()

    # -- analysis ---------------------------------------------------------------------------------

    def fallback_folder(self) -> Path:
        root = self.workspace.root_path
        return Path(root) if root else Path.cwd()

    async def analysis(self, uri: str) -> Analysis:
        """The analysis of the document's current version, computed off the event loop if needed."""
        doc = self.workspace.get_text_document(uri)
        cached = self.analyses.get(uri)
        if cached is not None and cached.version == doc.version and cached.source == doc.source:
            return cached
        source, version = doc.source, doc.version
        kind = document_kind(doc)
        if kind is None:
            return Analysis(version, source)
        path = doc.path if uri.startswith("file:") else None
        result = await asyncio.to_thread(analyse, source, version, path, self.fallback_folder(), kind)
        if result.problem and result.problem not in self._reported_problems:
            # Once per distinct problem: a broken config would otherwise pop up on every keystroke.
            self._reported_problems.add(result.problem)
            log.error("%s", result.problem)
            self.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Error, message=f"lossscale-lint: {result.problem}")
            )
        if uri in self.workspace.text_documents and self.workspace.get_text_document(uri).version == version:
            self.analyses[uri] = result
        return result

    def positions(self, doc: TextDocument, source: str) -> convert.ClientPositions:
        return convert.ClientPositions(source, doc.position_codec)

    def lsp_diagnostics(self, uri: str, result: Analysis) -> list[types.Diagnostic]:
        positions = self.positions(self.workspace.get_text_document(uri), result.source)
        return [convert.to_lsp(d, positions, uri) for d in result.diagnostics]

    async def refresh(self, uri: str) -> None:
        """Re-lint a document and push the result; edits that arrive meanwhile are coalesced into
        one more run instead of one thread per keystroke."""
        if self.pull or document_kind(self.workspace.get_text_document(uri)) is None:
            return
        if uri in self._running:
            self._stale.add(uri)
            return
        self._running.add(uri)
        try:
            while True:
                self._stale.discard(uri)
                result = await self.analysis(uri)
                still_open = uri in self.workspace.text_documents
                current = still_open and self.workspace.get_text_document(uri).version == result.version
                if current:
                    self.text_document_publish_diagnostics(
                        types.PublishDiagnosticsParams(
                            uri=uri, diagnostics=self.lsp_diagnostics(uri, result), version=result.version
                        )
                    )
                if not still_open or (current and uri not in self._stale):
                    break
        finally:
            self._running.discard(uri)

    async def config_changed(self) -> None:
        """A configuration file changed (saved in the editor or changed on disk): forget every
        analysis, since any of them may have used it, and lint the open documents afresh."""
        self.analyses.clear()
        self._reported_problems.clear()
        if self.pull:
            workspace_caps = self.client_capabilities.workspace
            diagnostics_caps = workspace_caps.diagnostics if workspace_caps else None
            if diagnostics_caps and diagnostics_caps.refresh_support:
                self.workspace_diagnostic_refresh(None)
            return
        await asyncio.gather(*(self.refresh(uri) for uri in list(self.workspace.text_documents)))


server = LossScaleServer()


@server.feature(types.INITIALIZE)
def initialize(ls: LossScaleServer, params: types.InitializeParams) -> None:
    # Runs before pygls computes the server capabilities, so the provider registered here is
    # advertised to exactly the clients that can pull.
    text_document = params.capabilities.text_document
    ls.pull = bool(text_document and text_document.diagnostic)
    if ls.pull:
        ls.feature(
            types.TEXT_DOCUMENT_DIAGNOSTIC,
            types.DiagnosticOptions(
                identifier=convert.SOURCE, inter_file_dependencies=False, workspace_diagnostics=False
            ),
        )(document_diagnostic)


@server.feature(types.INITIALIZED)
async def initialized(ls: LossScaleServer, params: types.InitializedParams) -> None:
    # Ask the client to tell us about configuration files that change on disk (edited outside
    # the editor, a `git checkout`...), not only those saved from an open buffer.
    workspace = ls.client_capabilities.workspace
    watched = workspace.did_change_watched_files if workspace else None
    if not (watched and watched.dynamic_registration):
        return
    watchers = [types.FileSystemWatcher(glob_pattern=f"**/{name}") for name in CONFIG_FILE_NAMES]
    registration = types.Registration(
        id=CONFIG_WATCHERS_ID,
        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
        register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
    )
    try:
        await ls.client_register_capability_async(types.RegistrationParams(registrations=[registration]))
    except JsonRpcException as error:  # the client refused: saving an open config file still works
        log.warning("could not register configuration file watchers: %s", error)


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
async def did_change_watched_files(ls: LossScaleServer, params: types.DidChangeWatchedFilesParams) -> None:
    # Created, changed and deleted all matter: a new or removed file changes which config applies.
    if any(is_config_file(to_fs_path(change.uri)) for change in params.changes):
        await ls.config_changed()


async def document_diagnostic(
    ls: LossScaleServer, params: types.DocumentDiagnosticParams
) -> types.RelatedFullDocumentDiagnosticReport:
    uri = params.text_document.uri
    result = await ls.analysis(uri)
    return types.RelatedFullDocumentDiagnosticReport(items=ls.lsp_diagnostics(uri, result))


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
async def did_open(ls: LossScaleServer, params: types.DidOpenTextDocumentParams) -> None:
    await ls.refresh(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
async def did_change(ls: LossScaleServer, params: types.DidChangeTextDocumentParams) -> None:
    await ls.refresh(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
async def did_save(ls: LossScaleServer, params: types.DidSaveTextDocumentParams) -> None:
    uri = params.text_document.uri
    if is_config_file(ls.workspace.get_text_document(uri).path):
        await ls.config_changed()
    else:
        # The saved file may sit under a config that changed on disk meanwhile: lint afresh.
        ls.analyses.pop(uri, None)
        await ls.refresh(uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: LossScaleServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.analyses.pop(uri, None)
    if not ls.pull:
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, convert.FIX_ALL_KIND], resolve_provider=False
    ),
)
async def code_action(ls: LossScaleServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    # Recomputed from the document: some clients drop a diagnostic's `data`, and the text may
    # have moved on since the diagnostics the client holds were computed.
    uri = params.text_document.uri
    result = await ls.analysis(uri)
    positions = ls.positions(ls.workspace.get_text_document(uri), result.source)
    only = params.context.only
    actions: list[types.CodeAction] = []
    if convert.kind_requested(types.CodeActionKind.QuickFix, only):
        asked = params.context.diagnostics
        for d in result.diagnostics:
            # The diagnostics the client asks about, when it names them (LSL101 and LSL102 may sit
            # on the same span: asking on one must not offer the other's fix); else those under
            # the cursor.
            wanted = (any(convert.same_diagnostic(d, a, positions) for a in asked) if asked
                      else convert.touches(positions.range(d.span), params.range))
            if not wanted:
                continue
            action = convert.quick_fix(d, result.source, positions, uri) if d.fix is not None else None
            if action is not None:
                actions.append(action)
            actions.append(convert.noqa_action(d, result.source, positions, uri))
    if convert.kind_requested(convert.FIX_ALL_KIND, only):
        fixed = await asyncio.to_thread(fix_all, result)
        if fixed is not None:
            actions.append(convert.fix_all(uri, result.source, fixed, positions))
    return actions


@server.feature(types.TEXT_DOCUMENT_HOVER)
async def hover(ls: LossScaleServer, params: types.HoverParams) -> types.Hover | None:
    uri = params.text_document.uri
    result = await ls.analysis(uri)
    positions = ls.positions(ls.workspace.get_text_document(uri), result.source)
    point = types.Range(start=params.position, end=params.position)
    found = [(d, positions.range(d.span)) for d in result.diagnostics]
    found = [(d, r) for d, r in found if convert.touches(r, point)]
    if not found:
        return None
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=convert.hover_markdown(d for d, _ in found)),
        range=found[0][1],
    )
