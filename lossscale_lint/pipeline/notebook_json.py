"""Where each cell's `source` sits in a notebook's JSON text, and rewriting only those values.

`json.loads` says what a notebook contains but not where; writing a fixed notebook with
`json.dumps` would re-serialise all of it (indentation, escapes, number forms, the outputs too).
So the text is walked once more with the standard library's own pieces (`JSONDecoder.raw_decode`
skips a value and tells where it ends, `scanstring` reads a key), recording the character range of
every cell's `source` value and of each string in it. A rewrite then replaces just those ranges;
everything else - outputs, metadata, indentation, key order, escapes, line endings - is copied.

Only text that `json.loads` accepted is walked, so the walk can trust its shape.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from json.decoder import scanstring

WHITESPACE = re.compile(r"[ \t\n\r]*")
LINE_BREAK = re.compile(r"\r\n|\r|\n")
# A \u escape of a non-ASCII character: the sign of a file written with ensure_ascii=True.
NON_ASCII_ESCAPE = re.compile(r"\\u(?:00[89a-fA-F][0-9a-fA-F]|0[1-9a-fA-F][0-9a-fA-F]{2}|[1-9a-fA-F][0-9a-fA-F]{3})")
_DECODER = json.JSONDecoder()


@dataclass(frozen=True)
class RawString:
    """A JSON string literal: text[start:end] including its quotes, and what it decodes to."""

    start: int
    end: int
    value: str


@dataclass(frozen=True)
class SourceValue:
    """A cell's `source` value: text[start:end]; `elements` for the list form, else `string`."""

    start: int
    end: int
    elements: tuple[RawString, ...] | None
    string: RawString | None


def _skip(text: str, at: int) -> int:
    return WHITESPACE.match(text, at).end()


def _value_end(text: str, at: int) -> int:
    _, end = _DECODER.raw_decode(text, at)
    return end


def _walk_object(text: str, at: int, visit) -> int:
    """Walk the object at `at`: visit(key, value_start) returns where the value ends; returns the
    object's end."""
    at = _skip(text, at + 1)
    while text[at] != "}":
        key, at = scanstring(text, at + 1)
        at = _skip(text, _skip(text, at) + 1)  # past ":"
        at = _skip(text, visit(key, at))
        if text[at] == ",":
            at = _skip(text, at + 1)
    return at + 1


def _walk_array(text: str, at: int, visit) -> int:
    """Walk the array at `at`: visit(index, item_start) returns where the item ends."""
    at, index = _skip(text, at + 1), 0
    while text[at] != "]":
        at = _skip(text, visit(index, at))
        index += 1
        if text[at] == ",":
            at = _skip(text, at + 1)
    return at + 1


def _string(text: str, start: int) -> RawString:
    value, end = scanstring(text, start + 1)
    return RawString(start, end, value)


def _source_value(text: str, at: int) -> SourceValue:
    if text[at] == '"':
        string = _string(text, at)
        return SourceValue(at, string.end, None, string)
    if text[at] != "[":  # not a source json.loads-based checks accept; skip it
        return SourceValue(at, _value_end(text, at), (), None)
    elements: list[RawString] = []

    def element(_: int, start: int) -> int:
        if text[start] != '"':
            return _value_end(text, start)
        elements.append(_string(text, start))
        return elements[-1].end

    end = _walk_array(text, at, element)
    return SourceValue(at, end, tuple(elements), None)


def source_values(text: str) -> dict[int, SourceValue]:
    """Per 0-based cell index, where that cell's `source` value is (the last one, as json.loads)."""
    found: dict[int, SourceValue] = {}

    def cell(index: int, start: int) -> int:
        if text[start] != "{":
            return _value_end(text, start)

        def member(key: str, value_start: int) -> int:
            if key != "source":
                return _value_end(text, value_start)
            found[index] = _source_value(text, value_start)
            return found[index].end

        return _walk_object(text, start, member)

    def top_member(key: str, start: int) -> int:
        if key == "cells" and text[start] == "[":
            found.clear()  # a repeated "cells" key: json.loads keeps the last
            return _walk_array(text, start, cell)
        return _value_end(text, start)

    _walk_object(text, _skip(text, 0), top_member)
    return found


def uses_ascii_escapes(text: str) -> bool:
    """Whether the file was written with ensure_ascii=True (non-ASCII only as \\u escapes)."""
    return text.isascii() and NON_ASCII_ESCAPE.search(text) is not None


def split_source_lines(text: str) -> list[str]:
    """Lines with their breaks, the way notebooks store a multi-line source (\\r\\n, \\r, \\n)."""
    starts = [0, *(m.end() for m in LINE_BREAK.finditer(text))]
    pieces = [text[a:b] for a, b in zip(starts, starts[1:] + [len(text)])]
    return [piece for piece in pieces if piece]


def _layout(text: str, value: SourceValue) -> tuple[str, str, str]:
    """(after "[", between items, before "]") as the file lays out this list, or would."""
    items = value.elements or ()
    if items:
        opening = text[value.start + 1 : items[0].start]
        closing = text[items[-1].end : value.end - 1]
        between = text[items[0].end : items[1].start] if len(items) > 1 else "," + opening
        return opening, between, closing
    # An empty list gets the indentation the file uses one level below the "source" key.
    newline = m.group() if (m := LINE_BREAK.search(text)) else ""
    if not newline:
        return "", ", ", ""
    first_member = _skip(text, _skip(text, 0) + 1)
    opening = newline + _indent_before(text, value.start) + (_indent_before(text, first_member) or " ")
    return opening, "," + opening, newline + _indent_before(text, value.start)


def _indent_before(text: str, at: int) -> str:
    """The spaces and tabs that start the line holding offset `at`."""
    line_start = max(text.rfind("\n", 0, at), text.rfind("\r", 0, at)) + 1
    line = text[line_start:at]
    return line[: len(line) - len(line.lstrip(" \t"))]


def _new_list(text: str, value: SourceValue, new_source: str, ascii_only: bool) -> str:
    items = list(value.elements or ())
    # Keep the strings the edit did not reach as they are written (escapes included).
    head = 0
    consumed = 0
    while head < len(items) and new_source.startswith(items[head].value, consumed):
        consumed += len(items[head].value)
        head += 1
    tail = 0
    rest = len(new_source)
    while tail < len(items) - head and new_source.endswith(items[-1 - tail].value, consumed, rest):
        rest -= len(items[-1 - tail].value)
        tail += 1
    if head + tail == len(items) and consumed == rest:
        middle: list[str] = []
    else:
        middle = [json.dumps(line, ensure_ascii=ascii_only) for line in split_source_lines(new_source[consumed:rest])]
    raw = [text[s.start : s.end] for s in items[:head]] + middle + [text[s.start : s.end] for s in items[len(items) - tail :]]
    if not raw:
        return "[]"
    opening, between, closing = _layout(text, value)
    return "[" + opening + between.join(raw) + closing + "]"


def replace_sources(text: str, new_sources: Mapping[int, str]) -> str:
    """`text` with the `source` of each given cell index replaced, in the form the cell had."""
    values = source_values(text)
    ascii_only = uses_ascii_escapes(text)
    replacements = []
    for index, new_source in new_sources.items():
        value = values[index]
        if value.string is not None:
            replacement = json.dumps(new_source, ensure_ascii=ascii_only)
        else:
            replacement = _new_list(text, value, new_source, ascii_only)
        replacements.append((value.start, value.end, replacement))
    pieces, cursor = [], 0
    for start, end, replacement in sorted(replacements):
        pieces += [text[cursor:start], replacement]
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def raw_offset(text: str, string: RawString, decoded: int) -> int:
    """The offset in `text` of the character number `decoded` of a string literal's value."""
    at, count = string.start + 1, 0
    while count < decoded and at < string.end - 1:
        if text[at] != "\\":
            at += 1
        elif text[at + 1] != "u":
            at += 2
        else:
            high = 0xD800 <= int(text[at + 2 : at + 6], 16) < 0xDC00
            at += 12 if high and text.startswith("\\u", at + 6) else 6
        count += 1
    return at
