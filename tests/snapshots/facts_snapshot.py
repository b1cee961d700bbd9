"""A readable text form of the facts the extractor finds in one module: the snapshots in this
folder (`tests/test_fact_snapshots.py` compares them, `python tests/snapshots/update.py` rewrites them).

Generic on purpose: it walks the dataclass fields of `ModuleFacts`, so a new fact or field shows up
in the snapshots without touching this file. Fields at their default (None, (), False, "") are
left out, spans are written `line:col` (a record's own `span` as `@line:col` after its type), a
record whose fields are all plain values fits on one line, and a record that is also one of the
module's top-level facts (the optimizer a step uses) is written as a reference to it.
"""

from __future__ import annotations

import dataclasses
import json
from enum import Enum
from pathlib import Path
from typing import Any

from lossscale_lint.config.options import AnalysisOptions
from lossscale_lint.diagnostics import Span
from lossscale_lint.pipeline.engine import module_facts

HERE = Path(__file__).resolve().parent
CASES = HERE.parent / "rule_cases"
TITLE = "facts of tests/rule_cases/{name}, as extracted; regenerate with: python tests/snapshots/update.py"
INDENT = "  "


def cases() -> list[Path]:
    return sorted(CASES.glob("*.py"))


def snapshot_path(case: Path) -> Path:
    return HERE / f"{case.stem}.txt"


def snapshot(case: Path) -> str:
    facts = module_facts(case.read_text(encoding="utf-8"), case.name, AnalysisOptions())
    return render_facts(facts, TITLE.format(name=case.name))


def span_text(span: Span) -> str:
    return f"{span.line}:{span.column}"


def is_plain(value: Any) -> bool:
    return not dataclasses.is_dataclass(value) or isinstance(value, Span)


def scalar_text(value: Any) -> str:
    if isinstance(value, Span):
        return span_text(value)
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def shown_fields(record: Any) -> list[tuple[str, Any]]:
    """(name, value) of the fields that differ from their default; the own `span` goes in the title."""
    shown = []
    for field in dataclasses.fields(record):
        value = getattr(record, field.name)
        if field.name == "span" and isinstance(value, Span):
            continue
        if field.default is not dataclasses.MISSING and value == field.default:
            continue
        if value is None or value == ():
            continue
        shown.append((field.name, value))
    return shown


class Renderer:
    def __init__(self, references: dict[int, tuple[Any, str]]):
        # id(record) -> (record, "losses[0]"): the top-level facts, which nested records point at.
        self.references = references

    def title(self, record: Any) -> str:
        span = getattr(record, "span", None)
        return type(record).__name__ + (f" @{span_text(span)}" if isinstance(span, Span) else "")

    def reference(self, record: Any) -> str | None:
        for candidate, label in self.references.values():
            if candidate is record or (type(candidate) is type(record) and candidate == record):
                return label
        return None

    def value_lines(self, name: str, value: Any, depth: int, *, top: bool = False) -> list[str]:
        pad = INDENT * depth
        if isinstance(value, tuple):
            lines = [f"{pad}{name}:"]
            for item in value:
                lines += self.item_lines(item, depth + 1, top=top)
            return lines
        if dataclasses.is_dataclass(value) and not isinstance(value, Span):
            label = None if top else self.reference(value)
            if label is not None:
                return [f"{pad}{name}: = {label}"]
            return self.record_lines(f"{pad}{name}: ", value, depth)
        return [f"{pad}{name}: {scalar_text(value)}"]

    def item_lines(self, item: Any, depth: int, *, top: bool) -> list[str]:
        pad = INDENT * depth
        if not dataclasses.is_dataclass(item) or isinstance(item, Span):
            return [f"{pad}- {scalar_text(item)}"]
        label = None if top else self.reference(item)
        if label is not None:
            return [f"{pad}- = {label}"]
        return self.record_lines(f"{pad}- ", item, depth)

    def record_lines(self, prefix: str, record: Any, depth: int) -> list[str]:
        fields = shown_fields(record)
        if all(is_plain(value) and not isinstance(value, tuple) for _, value in fields):
            inline = ", ".join(f"{name}: {scalar_text(value)}" for name, value in fields)
            return [prefix + self.title(record) + (f" {{{inline}}}" if inline else "")]
        lines = [prefix + self.title(record)]
        for name, value in fields:
            lines += self.value_lines(name, value, depth + 1)
        return lines


def render_facts(facts: Any, title: str) -> str:
    references = {}
    for field in dataclasses.fields(facts):
        value = getattr(facts, field.name)
        if isinstance(value, tuple):
            for index, item in enumerate(value):
                references[id(item)] = (item, f"{field.name}[{index}]")
    renderer = Renderer(references)
    lines = [f"# {title}"]
    for name, value in shown_fields(facts):
        lines += renderer.value_lines(name, value, 0, top=True)
    # What the rules take as the batch size the script trains with (derived from the facts above).
    chosen = getattr(facts, "training_batch_size", None)
    if callable(chosen) and chosen() is not None:
        label = renderer.reference(chosen())
        lines += [f"training_batch_size(): = {label}"] if label else renderer.record_lines("training_batch_size(): ", chosen(), 0)
    return "\n".join(lines) + "\n"
