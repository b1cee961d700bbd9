"""Position conversion and edit construction, without a client (the fast, exhaustive part)."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pygls.workspace import PositionCodec

from lossscale_lint.diagnostics import Span
from lossscale_lint.integrations.lsp.convert import ClientPositions, kind_requested, whole_text_edit
from lsp_helpers import apply_edits

UTF16 = PositionCodec(types.PositionEncodingKind.Utf16)
UTF8 = PositionCodec(types.PositionEncodingKind.Utf8)


@pytest.mark.parametrize(("codec", "encoding"), [(UTF16, "utf-16"), (UTF8, "utf-8")])
def test_span_columns_become_client_units(codec, encoding):
    text = 'a = "ü🙂"\r\nb = "x" + "€" + c\n'
    # `c` is at code-point column 17 (1-based) on line 2.
    rng = ClientPositions(text, codec).range(Span(line=2, column=17, end_line=2, end_column=18))
    before = 'b = "x" + "€" + '
    width = len(before.encode("utf-16-le")) // 2 if encoding == "utf-16" else len(before.encode("utf-8"))
    assert rng == types.Range(start=types.Position(line=1, character=width),
                              end=types.Position(line=1, character=width + 1))


@pytest.mark.parametrize(("old", "new"), [
    ("a = 1\r\nb = 2\r\n", "a = 1\r\nb = 3\r\n"),
    ("x\r\ny\r\n", "x\r\nz\r\ny\r\n"),  # an inserted CRLF line: the cut must not split a pair
    ("x\r\ny\r\n", "x\r\n"),
    ("ü🙂 = f(size_average=False)\n", 'ü🙂 = f(reduction="sum")\n'),
    ("same\n", "same\n"),
    ("", "new\n"),
])
@pytest.mark.parametrize(("codec", "encoding"), [(UTF16, "utf-16"), (UTF8, "utf-8")])
def test_whole_text_edit_turns_old_into_new(old, new, codec, encoding):
    edit = whole_text_edit(old, new, ClientPositions(old, codec))
    assert apply_edits(old, [edit], encoding) == new
    assert len(edit.new_text) <= len(new)


def test_whole_text_edit_replaces_only_the_changed_middle():
    old = "header\n" * 50 + "crit = nn.MSELoss(size_average=False)\n" + "footer\n" * 50
    new = old.replace("size_average=False", 'reduction="sum"')
    edit = whole_text_edit(old, new, ClientPositions(old, UTF16))
    assert edit.range.start.line == edit.range.end.line == 50
    assert len(edit.new_text) < 20


def test_requested_kinds_are_hierarchical():
    fix_all = "source.fixAll.lossscale-lint"
    assert kind_requested(fix_all, None)
    assert kind_requested(fix_all, ["source"]) and kind_requested(fix_all, ["source.fixAll"])
    assert not kind_requested(fix_all, ["quickfix"]) and not kind_requested(fix_all, ["source.fix"])
    assert kind_requested("quickfix", ["quickfix"]) and not kind_requested("quickfix", ["source"])
