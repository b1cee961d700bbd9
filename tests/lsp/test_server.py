"""The language server end to end: a pytest-lsp client drives `python -m lossscale_lint lsp`."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from lossscale_lint.config.options import AnalysisOptions
from lossscale_lint.pipeline.engine import lint_source
from lossscale_lint.pipeline.linting import lint_text
from lsp_helpers import answer, apply_edits, next_diagnostics, open_document

# Non-ASCII text before the diagnostic on the same line: "ü" is 1 UTF-16 unit and 2 UTF-8 bytes,
# "🙂" is 2 UTF-16 units and 4 UTF-8 bytes, but each is one code point for LibCST.
BAD = 'import torch.nn as nn\nlabel = "ü🙂"; crit = nn.MSELoss(size_average=False)\n'
CLEAN = 'import torch.nn as nn\nlabel = "ü🙂"; crit = nn.MSELoss(reduction="sum")\n'
ARGUMENT = "size_average=False"


def expected_range(text: str, needle: str, encoding: str) -> types.Range:
    lines = text.split("\n")  # only \n: str.splitlines would also split at form feeds
    line_number = next(n for n, line in enumerate(lines) if needle in line)
    line = lines[line_number]
    before = line[: line.index(needle)]
    width = {"utf-16": lambda s: len(s.encode("utf-16-le")) // 2, "utf-8": lambda s: len(s.encode("utf-8")),
             "utf-32": len}[encoding]
    return types.Range(
        start=types.Position(line=line_number, character=width(before)),
        end=types.Position(line=line_number, character=width(before + needle)),
    )


def codes(diagnostics) -> list[str]:
    return [d.code for d in diagnostics]


def code_action_params(uri: str, rng: types.Range, diagnostics=(), only=None) -> types.CodeActionParams:
    return types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=rng,
        context=types.CodeActionContext(diagnostics=list(diagnostics), only=only),
    )


@pytest.mark.slow
async def test_push_client_gets_diagnostics_in_utf16_with_code_severity_and_source(client: LanguageClient, project):
    capabilities = client.initialize_result.capabilities
    assert capabilities.diagnostic_provider is None  # this client cannot pull, so nothing to pull from
    assert capabilities.position_encoding in (None, types.PositionEncodingKind.Utf16)

    uri = open_document(client, project / "train.py", BAD)
    [d] = await next_diagnostics(client, uri)
    assert d.code == "LSL401" and d.source == "lossscale-lint"
    assert d.severity == types.DiagnosticSeverity.Warning
    assert "http" not in d.message and "reduction" in d.message
    assert d.range == expected_range(BAD, ARGUMENT, "utf-16")

    # A buffer that was never saved has no path; it is linted with the workspace's configuration.
    untitled = "untitled:Untitled-1"
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=untitled, language_id="python", version=1, text=BAD)))
    assert codes(await next_diagnostics(client, untitled)) == ["LSL401"]


@pytest.mark.slow
async def test_related_sites_and_an_unsafe_fix_that_is_offered_but_not_preferred(client: LanguageClient, project):
    text = (
        "import torch\n"
        "from torch import nn\n"
        "from torch.utils.data import DataLoader, TensorDataset\n\n"
        "data = TensorDataset(torch.randn(256, 20), torch.randint(0, 5, (256,)))\n"
        "loader = DataLoader(data, batch_size=64, shuffle=True)\n"
        "model = nn.Linear(20, 5)\n"
        'criterion = nn.CrossEntropyLoss(reduction="sum")\n'
        "optimizer = torch.optim.SGD(model.parameters(), lr=0.001)\n"
        "for inputs, targets in loader:\n"
        "    optimizer.zero_grad()\n"
        "    loss = criterion(model(inputs), targets)\n"
        "    loss.backward()\n"
        "    optimizer.step()\n"
    )
    uri = open_document(client, project / "train.py", text)
    [d] = await next_diagnostics(client, uri)
    assert d.code == "LSL101" and d.severity == types.DiagnosticSeverity.Error
    assert d.range == expected_range(text, 'reduction="sum"', "utf-16")
    related = {r.message: r.location for r in d.related_information}
    assert related["backward here"].uri == uri
    assert related["backward here"].range == expected_range(text, "loss.backward()", "utf-16")
    assert any("optimizer" in message for message in related)
    actions = await answer(client.text_document_code_action_async(code_action_params(uri, d.range, [d])))
    [quick_fix] = [a for a in actions if a.kind == types.CodeActionKind.QuickFix and "noqa" not in a.title]
    assert "unsafe" in quick_fix.title and not quick_fix.is_preferred
    # Fix-all applies safe fixes only, as `check --fix` does: nothing to offer here.
    assert not [a for a in actions if a.kind == "source.fixAll.lossscale-lint"]


@pytest.mark.slow
async def test_form_feed_lines_do_not_shift_positions(client: LanguageClient, project):
    # A form feed is whitespace inside a Python line, not a line break (pygls's TextDocument.lines
    # would split there and measure the wrong line's text).
    text = 'import torch.nn as nn\n\x0c\nx = "🙂🙂"\nlabel = "ü"; crit = nn.MSELoss(size_average=False)\n'
    uri = open_document(client, project / "train.py", text)
    [d] = await next_diagnostics(client, uri)
    assert d.range == expected_range(text, ARGUMENT, "utf-16")


@pytest.mark.slow
async def test_did_change_updates_and_did_close_clears(client: LanguageClient, project):
    uri = open_document(client, project / "train.py", BAD)
    assert codes(await next_diagnostics(client, uri)) == ["LSL401"]

    # A whole-document change that fixes the problem.
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangePartial(
            range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=2, character=0)),
            text=CLEAN)]))
    assert codes(await next_diagnostics(client, uri)) == []

    # An incremental change that brings it back, on a line below (line numbers move).
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=3),
        content_changes=[types.TextDocumentContentChangePartial(
            range=types.Range(start=types.Position(line=2, character=0), end=types.Position(line=2, character=0)),
            text="\nloss_fn = nn.L1Loss(size_average=False)\n")]))
    [d] = await next_diagnostics(client, uri)
    assert d.code == "LSL401" and d.range.start.line == 3

    client.text_document_did_close(types.DidCloseTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    assert codes(await next_diagnostics(client, uri)) == []


@pytest.mark.slow
async def test_quick_fix_edit_fixes_the_file(client: LanguageClient, project):
    uri = open_document(client, project / "train.py", BAD)
    [d] = await next_diagnostics(client, uri)
    # The client sends the diagnostic without `data` (as eglot does): the server recomputes the fix.
    actions = await answer(client.text_document_code_action_async(code_action_params(uri, d.range, [d])))
    quick_fixes = [a for a in actions if a.kind == types.CodeActionKind.QuickFix and "noqa" not in a.title]
    assert len(quick_fixes) == 1 and quick_fixes[0].is_preferred
    assert quick_fixes[0].diagnostics[0].code == "LSL401"

    fixed = apply_edits(BAD, quick_fixes[0].edit.changes[uri], "utf-16")
    assert 'reduction="sum"' in fixed and "size_average" not in fixed
    assert "LSL401" not in codes(lint_source(fixed, "train.py"))
    assert fixed.startswith('import torch.nn as nn\nlabel = "ü🙂"; crit = nn.MSELoss(')


@pytest.mark.slow
async def test_eglot_negotiates_utf32_gets_pushed_diagnostics_and_a_working_quick_fix(emacs_client: LanguageClient,
                                                                                     project):
    # eglot lists utf-32 first, so positions are plain code points, like LibCST's.
    assert emacs_client.initialize_result.capabilities.position_encoding == types.PositionEncodingKind.Utf32
    uri = open_document(emacs_client, project / "train.py", BAD)
    [d] = await next_diagnostics(emacs_client, uri)
    assert d.range == expected_range(BAD, ARGUMENT, "utf-32")
    actions = await answer(emacs_client.text_document_code_action_async(code_action_params(uri, d.range, [d])))
    [quick_fix] = [a for a in actions if a.kind == types.CodeActionKind.QuickFix and "noqa" not in a.title]
    assert "LSL401" not in codes(lint_source(apply_edits(BAD, quick_fix.edit.changes[uri], "utf-32"), "train.py"))


@pytest.mark.slow
async def test_fix_all_source_action(client: LanguageClient, project):
    text = BAD + "other = nn.L1Loss(reduce=False)\n"
    uri = open_document(client, project / "train.py", text)
    assert codes(await next_diagnostics(client, uri)) == ["LSL401", "LSL401"]
    whole = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0))
    actions = await answer(client.text_document_code_action_async(
        code_action_params(uri, whole, only=[types.CodeActionKind.SourceFixAll])))
    assert [a.kind for a in actions] == ["source.fixAll.lossscale-lint"]
    fixed = apply_edits(text, actions[0].edit.changes[uri], "utf-16")
    assert codes(lint_source(fixed, "train.py")) == []
    assert 'reduction="none"' in fixed and fixed.startswith('import torch.nn as nn\nlabel = "ü🙂"')
    # Asking only for quick fixes must not return the source action.
    quick_only = await answer(client.text_document_code_action_async(
        code_action_params(uri, whole, only=[types.CodeActionKind.QuickFix])))
    assert all(a.kind == types.CodeActionKind.QuickFix for a in quick_only)


@pytest.mark.slow
async def test_hover_on_a_diagnostic_shows_the_rule_page_short_form(client: LanguageClient, project):
    uri = open_document(client, project / "train.py", BAD)
    [d] = await next_diagnostics(client, uri)
    inside = types.Position(line=d.range.start.line, character=d.range.start.character + 3)
    hover = await answer(client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=inside)))
    assert hover.contents.kind == types.MarkupKind.Markdown
    assert "LSL401" in hover.contents.value
    assert "What it detects" not in hover.contents.value  # the section body, not the page
    assert "deprecated `size_average=` or `reduce=` keyword" in hover.contents.value
    assert hover.range == d.range
    outside = types.Position(line=0, character=0)
    assert await answer(client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=outside))) is None


@pytest.mark.slow
async def test_pull_client_gets_utf8_diagnostics_and_no_push(nvim_client: LanguageClient, project):
    capabilities = nvim_client.initialize_result.capabilities
    assert capabilities.position_encoding == types.PositionEncodingKind.Utf8
    assert capabilities.diagnostic_provider.identifier == "lossscale-lint"

    uri = open_document(nvim_client, project / "train.py", BAD)
    request = types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
    report = await answer(nvim_client.text_document_diagnostic_async(request))
    assert report.kind == "full"
    [d] = report.items
    assert d.code == "LSL401" and d.range == expected_range(BAD, ARGUMENT, "utf-8")

    # Quick fixes arrive in UTF-8 units too.
    actions = await answer(nvim_client.text_document_code_action_async(code_action_params(uri, d.range, [d])))
    quick_fix = next(a for a in actions if a.kind == types.CodeActionKind.QuickFix)
    assert "size_average" not in apply_edits(BAD, quick_fix.edit.changes[uri], "utf-8")

    # One more round trip after the open, then check that nothing was ever pushed.
    await answer(nvim_client.text_document_diagnostic_async(request))
    assert uri not in nvim_client.diagnostics


@pytest.mark.slow
async def test_project_configuration_and_noqa_apply_as_on_the_command_line(client: LanguageClient, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.lossscale-lint]\nper-file-ignores = {"legacy/*" = ["LSL401"]}\n', encoding="utf-8")
    (tmp_path / "legacy").mkdir()
    ignored = open_document(client, tmp_path / "legacy" / "old.py", BAD)
    assert codes(await next_diagnostics(client, ignored)) == []
    checked = open_document(client, tmp_path / "new.py", BAD)
    assert codes(await next_diagnostics(client, checked)) == ["LSL401"]
    suppressed = open_document(client, tmp_path / "quiet.py", BAD.replace("False)\n", "False)  # noqa: LSL401\n"))
    assert codes(await next_diagnostics(client, suppressed)) == []


@pytest.mark.slow
async def test_broken_configuration_is_reported_once_and_nothing_is_linted(client: LanguageClient, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[tool.lossscale-lint]\nselct = ["LSL1"]\n', encoding="utf-8")
    uri = open_document(client, tmp_path / "train.py", BAD)
    assert codes(await next_diagnostics(client, uri)) == []
    [message] = [m for m in client.messages if "selct" in m.message]
    assert message.type == types.MessageType.Error
    assert "selct" in message.message and "pyproject.toml" in message.message


@pytest.mark.slow
async def test_slow_analysis_does_not_block_other_requests(client: LanguageClient, project):
    small = open_document(client, project / "small.py", BAD)
    [d] = await next_diagnostics(client, small)
    # A big file keeps a worker thread busy for a while; the loop must still answer a hover at once.
    big_text = "import torch.nn as nn\n" + "".join(
        f"def f{i}(x):\n    return nn.MSELoss(size_average=False)(x, x)\n" for i in range(400))
    big = open_document(client, project / "big.py", big_text)
    order: list[str] = []

    async def hover_small():
        await answer(client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=small), position=d.range.start)))
        order.append("hover")

    async def big_diagnostics():
        found = await next_diagnostics(client, big)
        order.append("big")
        return found

    waiting = asyncio.create_task(big_diagnostics())
    await asyncio.sleep(0.05)  # the open is on its way and its analysis has started
    await hover_small()
    found = await waiting
    assert order == ["hover", "big"]
    assert len(found) == 400


@pytest.mark.slow
async def test_saving_the_configuration_re_checks_open_files(client: LanguageClient, project):
    uri = open_document(client, project / "train.py", BAD)
    assert codes(await next_diagnostics(client, uri)) == ["LSL401"]
    config = project / "pyproject.toml"
    config.write_text('[tool.lossscale-lint]\nignore = ["LSL401"]\n', encoding="utf-8")
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=config.as_uri(), language_id="toml", version=1, text=config.read_text(encoding="utf-8"))))
    client.text_document_did_save(types.DidSaveTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=config.as_uri())))
    assert codes(await next_diagnostics(client, uri)) == []
    assert config.as_uri() not in client.diagnostics  # a TOML file is never linted as Python


@pytest.mark.slow
async def test_pull_client_is_asked_to_refresh_after_a_configuration_save(refreshing_client: LanguageClient, project):
    uri = open_document(refreshing_client, project / "train.py", BAD)
    request = types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
    assert codes((await answer(refreshing_client.text_document_diagnostic_async(request))).items) == ["LSL401"]
    config = project / "pyproject.toml"
    config.write_text('[tool.lossscale-lint]\nignore = ["LSL401"]\n', encoding="utf-8")
    open_document(refreshing_client, config, config.read_text(encoding="utf-8"))
    refreshing_client.text_document_did_save(types.DidSaveTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=config.as_uri())))
    for _ in range(100):
        if refreshing_client.diagnostic_refresh_count:
            break
        await asyncio.sleep(0.05)
    assert refreshing_client.diagnostic_refresh_count == 1
    assert codes((await answer(refreshing_client.text_document_diagnostic_async(request))).items) == []


NESTED_LEGACY = 'import torch.nn as nn\ncrit = nn.MSELoss(size_average=False)\n'


@pytest.mark.slow
async def test_nested_configuration_agrees_with_every_way_the_cli_is_called(client: LanguageClient, project):
    """Issue 13: each file uses its nearest configuration, so `check .`, `check a.py sub/train.py`
    (pre-commit), `check sub/train.py` and the language server report the same on every file."""
    import subprocess

    (project / "pyproject.toml").write_text('[tool.lossscale-lint]\nselect = ["LSL"]\n', encoding="utf-8")
    (project / "sub").mkdir()
    (project / "sub" / "pyproject.toml").write_text('[tool.lossscale-lint]\nignore = ["LSL401"]\n', encoding="utf-8")
    for name in ("a.py", "sub/train.py"):
        (project / name).write_text(NESTED_LEGACY, encoding="utf-8")

    def reported(*paths: str) -> set[str]:
        out = subprocess.run(["lossscale-lint", "check", "--no-cache", "--output-format", "concise", *paths],
                             cwd=project, capture_output=True, text=True, timeout=60).stdout
        return {line.split(":", 1)[0] for line in out.splitlines() if ": LSL" in line}

    assert reported(".") == {"a.py"}
    assert reported("a.py", "sub/train.py") == {"a.py"}
    assert reported("sub/train.py") == set()
    assert reported("sub") == set()
    editor = {}
    for name in ("a.py", "sub/train.py"):
        uri = open_document(client, project / name, NESTED_LEGACY)
        editor[name] = codes(await next_diagnostics(client, uri))
    assert editor == {"a.py": ["LSL401"], "sub/train.py": []}


SHARED_SPAN = (
    "import torch\n"
    "from torch import nn\n"
    "from torch.utils.data import DataLoader\n\n"
    "loader = DataLoader(data, batch_size=64)\n"
    "model = nn.Linear(20, 5)\n"
    'criterion = nn.CrossEntropyLoss(reduction="sum")\n'
    "optimizer = torch.optim.SGD(model.parameters(), lr=0.001, weight_decay=1e-4)\n"
    "for inputs, targets in loader:\n"
    "    optimizer.zero_grad()\n"
    "    criterion(model(inputs), targets).backward()\n"
    "    optimizer.step()\n"
)


@pytest.mark.slow
async def test_code_actions_are_for_the_diagnostic_asked_about_and_offer_noqa(client: LanguageClient, project):
    """Issue 13: LSL101 and LSL102 sit on the same `reduction="sum"`; asking on LSL102 must not
    return LSL101's fix. Every diagnostic offers `# noqa: CODE`; each links its rule page and
    carries its suggestion."""
    uri = open_document(client, project / "train.py", SHARED_SPAN)
    found = {d.code: d for d in await next_diagnostics(client, uri)}
    assert set(found) == {"LSL101", "LSL102"} and found["LSL101"].range == found["LSL102"].range
    for code, d in found.items():
        assert d.code_description.href.endswith(f"/rules/{code}.md")
        assert d.data["suggestion"]

    on_102 = await answer(client.text_document_code_action_async(
        code_action_params(uri, found["LSL102"].range, [found["LSL102"]])))
    assert [a.diagnostics[0].code for a in on_102 if a.kind == types.CodeActionKind.QuickFix] == ["LSL102"]
    [noqa] = on_102
    assert noqa.title.startswith("LSL102: add `# noqa: LSL102`")
    silenced = apply_edits(SHARED_SPAN, noqa.edit.changes[uri], "utf-16")
    assert 'criterion = nn.CrossEntropyLoss(reduction="sum")  # noqa: LSL102\n' in silenced
    assert codes(lint_text(silenced, "train.py", AnalysisOptions())) == ["LSL101"]  # lint_text reads noqa

    on_101 = await answer(client.text_document_code_action_async(
        code_action_params(uri, found["LSL101"].range, [found["LSL101"]])))
    titles = [a.title for a in on_101 if a.kind == types.CodeActionKind.QuickFix]
    assert len(titles) == 2 and titles[0].startswith("LSL101: use reduction") and "noqa: LSL101" in titles[1]
    # On the edited document, LSL101's noqa joins the code already there.
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=silenced)]))
    [remaining] = await next_diagnostics(client, uri)
    assert remaining.code == "LSL101"
    joined = await answer(client.text_document_code_action_async(code_action_params(uri, remaining.range, [remaining])))
    both = apply_edits(silenced, joined[-1].edit.changes[uri], "utf-16")
    assert 'reduction="sum")  # noqa: LSL102, LSL101\n' in both

    hover = await answer(client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=found["LSL102"].range.start)))
    assert "Suggestion:" in hover.contents.value
