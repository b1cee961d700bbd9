"""`check --add-noqa`: suppress every current diagnostic in place, for adopting the linter on an
old codebase (ruff's `--add-noqa`). Each reported line gets `# noqa: CODES` (joined to a noqa
already there). The result must still parse, or the file is left alone; the write is atomic."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from lossscale_lint.diagnostics import Diagnostic
from lossscale_lint.pipeline.noqa import parse_suppressions, with_noqa
from lossscale_lint.pipeline.sources import syntax_problem


def with_noqa_comments(text: str, diagnostics: Sequence[Diagnostic]) -> str:
    """`text` with a noqa for each diagnostic on the line it points at."""
    by_line: dict[int, list[str]] = defaultdict(list)
    for d in diagnostics:
        by_line[d.span.line].append(d.code)
    lines = text.splitlines(keepends=True)
    for number, codes in by_line.items():
        if not 0 < number <= len(lines):
            continue
        line = lines[number - 1]
        body = line.rstrip("\r\n")
        at, insert = with_noqa(body, sorted(codes))
        lines[number - 1] = body[:at] + insert + body[at:] + line[len(body):]
    return "".join(lines)


def _all_suppressed(text: str, diagnostics: Sequence[Diagnostic]) -> bool:
    """The edited text still parses and its comments now suppress every diagnostic: a line that
    ends inside a multi-line string would have taken the `# noqa` as string content."""
    if syntax_problem(text) is not None:
        return False
    suppressions = parse_suppressions(text)
    return all(suppressions.suppresses(d) for d in diagnostics)


def add_noqa(diagnostics: Sequence[Diagnostic]) -> tuple[int, list[str]]:
    """Add the comments to every Python file with diagnostics: (lines changed, problems)."""
    from lossscale_lint.fixes.atomic import FileWriteError, write_atomically
    from lossscale_lint.pipeline.kinds import PYTHON, kind_for, load_file
    from lossscale_lint.pipeline.sources import SourceError

    by_path: dict[str, list[Diagnostic]] = defaultdict(list)
    for d in diagnostics:
        if d.code != "LSL000":  # a file that does not parse is not edited
            by_path[d.path].append(d)
    changed, problems = 0, []
    for path, found in sorted(by_path.items()):
        if kind_for(path) is not PYTHON:
            problems.append(f"{path}: not a Python file; add its noqa comments by hand")
            continue
        try:
            loaded = load_file(path)
        except SourceError as error:
            problems.append(str(error))
            continue
        new = with_noqa_comments(loaded.text, found)
        if new == loaded.text:
            continue
        if not _all_suppressed(new, found):
            problems.append(f"{path}: a noqa comment would not be a comment there (inside a string?) "
                            "or would break the file; it was left as it was")
            continue
        try:
            write_atomically(loaded, new)
        except FileWriteError as error:
            problems.append(str(error))
            continue
        changed += sum(1 for a, b in zip(loaded.text.splitlines(), new.splitlines()) if a != b)
    return changed, problems
