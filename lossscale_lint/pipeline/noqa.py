"""Suppression comments: `# noqa`, `# noqa: LSL101, LSL102` (or a prefix, `# noqa: LSL1`) and
`# lossscale-lint: skip-file`.

Only real comments count: the source is tokenized, so `"# noqa"` inside a string does nothing.
Tokenizing is slow next to a plain substring test, so it only happens when the text mentions a
marker at all. A file that does not tokenize (it will get LSL000 anyway) falls back to a line scan.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from lossscale_lint.diagnostics import Diagnostic

# `# noqa` alone, or followed by `:` and codes separated by commas and/or spaces (flake8's form).
NOQA_PATTERN = re.compile(
    r"#\s*noqa(?::[\s]*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)
SKIP_FILE_PATTERN = re.compile(r"#\s*lossscale-lint\s*:\s*skip-file\b", re.IGNORECASE)
CODE_SPLIT = re.compile(r"[,\s]+")


@dataclass(frozen=True)
class NoqaDirective:
    """One `# noqa` comment, where it is (0-based columns in its line, in code points) and what it
    names. `codes` is None for a bare `# noqa`; `codes_start`/`codes_end` bound the code list."""

    line: int
    start: int
    end: int
    codes: tuple[str, ...] | None
    codes_start: int
    codes_end: int
    # The whole comment the directive sits in, where that comment starts in the line, and where
    # the code before it ends (trailing spaces left out), so that a fix can take the comment away.
    comment: str
    comment_start: int
    code_end: int


@dataclass(frozen=True)
class Suppressions:
    """What a file's comments suppress: per line, None for a bare `# noqa` or a set of codes."""

    skip_file: bool = False
    lines: dict[int, frozenset[str] | None] = field(default_factory=dict)
    directives: tuple[NoqaDirective, ...] = ()

    def suppresses(self, diagnostic: Diagnostic) -> bool:
        line = diagnostic.span.line
        if line not in self.lines:
            return False
        codes = self.lines[line]
        # A code is a prefix too, as in flake8 and ruff: `# noqa: LSL1` silences LSL101 and LSL104.
        return codes is None or any(diagnostic.code.startswith(code) for code in codes)


def comments(source: str) -> Iterator[tuple[int, int, str, str]]:
    """(line, column, text, the physical line) of every comment; a line scan when the source does
    not tokenize."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        for number, line in enumerate(source.splitlines(), start=1):
            position = line.find("#")
            if position >= 0:
                yield number, position, line[position:], line
        return
    for token in tokens:
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.start[1], token.string, token.line


def split_codes(text: str | None) -> tuple[str, ...]:
    return tuple(c.upper() for c in CODE_SPLIT.split(text or "") if c)


def parse_suppressions(source: str) -> Suppressions:
    lowered = source.lower()
    if "noqa" not in lowered and "lossscale-lint" not in lowered:
        return Suppressions()
    skip_file = False
    lines: dict[int, frozenset[str] | None] = {}
    directives: list[NoqaDirective] = []
    for line, column, text, physical in comments(source):
        if SKIP_FILE_PATTERN.search(text):
            skip_file = True
        match = NOQA_PATTERN.search(text)
        if match is None:
            continue
        bare = match.group("codes") is None
        directives.append(NoqaDirective(
            line=line, start=column + match.start(), end=column + match.end(),
            codes=None if bare else split_codes(match.group("codes")),
            codes_start=column + (match.end() if bare else match.start("codes")),
            codes_end=column + match.end(), comment=text, comment_start=column,
            code_end=len(physical[:column].rstrip()),
        ))
        if bare:
            lines[line] = None
        elif lines.get(line, frozenset()) is not None:
            lines[line] = lines.get(line, frozenset()) | frozenset(split_codes(match.group("codes")))
    return Suppressions(skip_file=skip_file, lines=lines, directives=tuple(directives))


def without_suppressed(diagnostics: Iterable[Diagnostic], suppressions: Suppressions) -> list[Diagnostic]:
    return [d for d in diagnostics if not suppressions.suppresses(d)]


def with_noqa(line: str, codes: Iterable[str]) -> tuple[int, str]:
    """Where to insert text into `line` (no line break) so that it carries `# noqa` for `codes`,
    and the text: the codes joined to a `# noqa:` already there, else `  # noqa: A, B` at the end.
    Codes the line's noqa already names are left out; an empty text means nothing to add."""
    match = NOQA_PATTERN.search(line)
    present = frozenset(split_codes(match.group("codes"))) if match else frozenset()
    if match is not None and match.group("codes") is None:
        return len(line), ""  # a bare `# noqa` already silences everything
    missing = [c for c in dict.fromkeys(codes) if not any(c.startswith(p) for p in present)]
    if not missing:
        return len(line), ""
    if match is not None:
        return match.end("codes"), "".join(f", {c}" for c in missing)
    return len(line.rstrip()), f"  # noqa: {', '.join(missing)}"
