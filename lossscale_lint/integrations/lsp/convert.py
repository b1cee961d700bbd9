"""From linter values to LSP values: ranges in the client's unit, diagnostics, code actions, hovers.

Linter spans are 1-based and count code points; LSP positions are 0-based and count the unit the
client negotiated (UTF-16 unless it asked for UTF-8 or UTF-32). The conversion goes through pygls's
position codec, but with lines split where Python and the LSP split them (\\n, \\r\\n, \\r):
`TextDocument.lines` uses str.splitlines, which also breaks at form feeds and other characters that
are ordinary whitespace inside a Python line, and would shift every position below one.
All comparisons with client ranges happen in client units, so no position is converted back.
"""

from __future__ import annotations

from bisect import bisect_right
from pathlib import Path
from collections.abc import Iterable, Sequence

from lsprotocol import types
from pygls.workspace import PositionCodec, ServerTextPosition, ServerTextRange

from lossscale_lint.diagnostics import Diagnostic, Severity, Span
from lossscale_lint.fixes.apply import LINE_BREAK, EditOutOfRange, LineOffsets
from lossscale_lint.pipeline.noqa import with_noqa
from lossscale_lint.reporters.rule_info import rule_info

SOURCE = "lossscale-lint"
FIX_ALL_KIND = "source.fixAll.lossscale-lint"

_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}


class ClientPositions:
    """Converts 1-based code-point positions of one text into the client's 0-based positions."""

    def __init__(self, source: str, codec: PositionCodec) -> None:
        self.lines = LINE_BREAK.split(source)
        self.codec = codec

    def position(self, line: int, column: int) -> types.Position:
        return self.codec.position_to_client_units(self.lines, ServerTextPosition(line - 1, column - 1))

    def range(self, span: Span) -> types.Range:
        server_range = ServerTextRange(
            ServerTextPosition(span.line - 1, span.column - 1),
            ServerTextPosition(span.end_line - 1, span.end_column - 1),
        )
        return self.codec.range_to_client_units(self.lines, server_range)

    def end(self) -> types.Position:
        return self.position(len(self.lines), len(self.lines[-1]) + 1)


def _key(position: types.Position) -> tuple[int, int]:
    return position.line, position.character


def touches(a: types.Range, b: types.Range) -> bool:
    """Whether two ranges share a position, ends included (a cursor just after a squiggle counts)."""
    return _key(a.start) <= _key(b.end) and _key(b.start) <= _key(a.end)


def _other_file_location(path: str, span: Span) -> types.Location:
    """A related site in another project module (not open here): its columns are taken as they
    are counted (code points), which is exact for the ASCII lines training code is made of."""
    start = types.Position(line=span.line - 1, character=span.column - 1)
    end = types.Position(line=span.end_line - 1, character=span.end_column - 1)
    return types.Location(uri=Path(path).resolve().as_uri(), range=types.Range(start=start, end=end))


def to_lsp(d: Diagnostic, positions: ClientPositions, uri: str) -> types.Diagnostic:
    related = [
        types.DiagnosticRelatedInformation(
            location=(_other_file_location(r.path, r.span) if r.path is not None
                      else types.Location(uri=uri, range=positions.range(r.span))),
            message=r.message,
        )
        for r in d.related
    ]
    url = rule_info(d.code, d).url
    data = {key: value for key, value in (("suggestion", d.suggestion), ("factor", d.factor)) if value}
    return types.Diagnostic(
        range=positions.range(d.span),
        severity=_SEVERITY[d.severity],
        code=d.code,
        code_description=types.CodeDescription(href=url) if url else None,  # the rule's page
        source=SOURCE,
        message=d.message,
        related_information=related or None,
        data=data or None,
    )


def same_diagnostic(d: Diagnostic, asked: types.Diagnostic, positions: ClientPositions) -> bool:
    """Whether the client's diagnostic (from a code-action request's context) is `d`."""
    return asked.code == d.code and asked.range == positions.range(d.span)


def noqa_action(d: Diagnostic, source: str, positions: ClientPositions, uri: str) -> types.CodeAction:
    """`# noqa: CODE` at the end of the diagnostic's line, or the code added to a noqa there."""
    lines = source.split("\n")
    insert_at, text = with_noqa(lines[d.span.line - 1].rstrip("\r"), [d.code])
    position = positions.position(d.span.line, insert_at + 1)
    return types.CodeAction(
        title=f"{d.code}: add `# noqa: {d.code}` on this line",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[to_lsp(d, positions, uri)],
        is_preferred=False,
        edit=types.WorkspaceEdit(changes={uri: [types.TextEdit(range=types.Range(start=position, end=position),
                                                               new_text=text)]}),
    )


def text_edits(d: Diagnostic, source: str, positions: ClientPositions) -> list[types.TextEdit] | None:
    """The LSP edits of a diagnostic's fix, or None when it has none or it does not fit the text."""
    if d.fix is None or not d.fix.edits:
        return None
    index = LineOffsets(source)
    edits = []
    for edit in d.fix.edits:
        try:
            # The fixer's own planning: validates the span and gives new lines the file's line ending.
            planned = index.plan(edit)
        except EditOutOfRange:
            return None
        edits.append(types.TextEdit(range=positions.range(edit.span), new_text=planned.content))
    return edits


def quick_fix(d: Diagnostic, source: str, positions: ClientPositions, uri: str) -> types.CodeAction | None:
    edits = text_edits(d, source, positions)
    if edits is None:
        return None
    safe = d.fix.applicability == "safe"
    title = f"{d.code}: {d.fix.description}" + ("" if safe else " (unsafe: changes training, review it)")
    return types.CodeAction(
        title=title,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[to_lsp(d, positions, uri)],
        is_preferred=safe,
        edit=types.WorkspaceEdit(changes={uri: edits}),
    )


def whole_text_edit(old: str, new: str, positions: ClientPositions) -> types.TextEdit:
    """One edit that turns `old` into `new`, replacing only the part between their common ends
    (so the editor keeps the cursor, folds and marks outside it)."""
    limit = min(len(old), len(new))
    prefix = 0
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[len(old) - 1 - suffix] == new[len(new) - 1 - suffix]:
        suffix += 1
    # Never cut a CRLF pair: a position between \r and \n does not exist for the editor.
    if 0 < prefix < len(old) and old[prefix - 1] == "\r" and old[prefix] == "\n":
        prefix -= 1
    cut = len(old) - suffix
    if 0 < cut < len(old) and old[cut - 1] == "\r" and old[cut] == "\n":
        suffix -= 1
        cut += 1
    index = LineOffsets(old)
    start, end = _line_column(index, prefix), _line_column(index, cut)
    return types.TextEdit(
        range=types.Range(start=positions.position(*start), end=positions.position(*end)),
        new_text=new[prefix : len(new) - suffix],
    )


def _line_column(index: LineOffsets, offset: int) -> tuple[int, int]:
    line = bisect_right(index.starts, offset)
    return line, offset - index.starts[line - 1] + 1


def fix_all(uri: str, old: str, new: str, positions: ClientPositions) -> types.CodeAction:
    return types.CodeAction(
        title="lossscale-lint: apply all safe fixes",
        kind=FIX_ALL_KIND,
        edit=types.WorkspaceEdit(changes={uri: [whole_text_edit(old, new, positions)]}),
    )


def kind_requested(kind: str, only: Sequence[str] | None) -> bool:
    """LSP kinds are hierarchical: asking for `source.fixAll` includes `source.fixAll.lossscale-lint`."""
    return only is None or any(kind == wanted or kind.startswith(wanted + ".") for wanted in only)


def hover_markdown(diagnostics: Iterable[Diagnostic]) -> str:
    parts = []
    for d in diagnostics:
        info = rule_info(d.code, d)
        lines = [f"**{d.code} {info.name}** ({d.severity.value})", "", d.message]
        if d.factor:
            lines += ["", f"Effect on the update: {d.factor}"]
        if d.suggestion:
            lines += ["", f"Suggestion: {d.suggestion}"]
        lines += ["", info.short_form]
        if d.fix is not None:
            lines += ["", f"Fix ({d.fix.applicability}): {d.fix.description}"]
        parts.append("\n".join(lines))
    return "\n\n---\n\n".join(parts)
