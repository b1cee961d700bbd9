"""A text-only pre-check: skip LibCST for files on which no selected rule can fire.

Exact in one direction: `skippable` is True only when the text proves that `engine.lint_source`
would return nothing, and `lint_source_prechecked` is `lint_source` with that shortcut, so it
returns exactly the same; the runner lints through it.

The proof is derived from the rules: each rule declares the fact kinds its findings start from
(`Rule.reads`), and each fact kind declares the evidence without which it cannot exist
(`rules/reads.py: FACT_KINDS`, with the framework names from `facts/catalog/evidence.py`). A file
is skipped when no selected rule reads a fact whose evidence is present. Today:

- `updates` (LSL101-104, LSL201, LSL202): an update site is made from a call whose callee is an
  attribute named exactly like one of the catalog's backward calls (`backward`, `manual_backward`;
  `facts/updates.py: UpdateBuilder.backward`), or from what a framework's automatic-update hook
  (`training_step`) returns (`UpdateBuilder.automatic`); the names come from the catalog records.
  LibCST keeps identifiers as written (no NFKC normalisation), so the name appears verbatim in the
  text, as a whole identifier, followed by the call's `(` with nothing but whitespace, line
  continuations, comments and the `)` of a parenthesised callee (`(loss.backward)()`) in between.
- `legacy_args` (LSL401): keyword arguments named exactly `size_average` or `reduce`
  (`facts/sites.py: SiteBuilder.loss`), so `size_average =` or `reduce =` appears (comments and
  continuations may sit before the `=`), on a loss site, which needs a catalog loss name as its last
  dotted component, written in the call or in the import it resolves through.
- `base` (LSL5xx): only with a base version (`check --base`); the engine never runs them without.
- `parse_failure` (LSL000): a skipped file still gets a syntax check, because users expect a broken
  file to be reported whatever it contains. It uses the standard parser (`ast.parse`: parsing only,
  nothing is compiled or run), which costs about a tenth of a LibCST parse, and runs after every
  text test. When it rejects the file the full engine runs, so the LSL000 diagnostic is worded and
  placed exactly as without the pre-check (and syntax newer than this interpreter, which LibCST may
  accept, is still analysed). The one remaining difference: a file the standard parser accepts but
  LibCST rejects would get LSL000 only without the pre-check; no such file is known for the grammar
  LibCST 1.9 covers.

A selected rule that declares no fact kinds, or reads one without declared evidence (a rule added
later, a test rule), switches the pre-check off, so a new rule can never be silently skipped.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable

from lossscale_lint.diagnostics import Diagnostic
from lossscale_lint.config.options import AnalysisOptions
from lossscale_lint.pipeline.sources import syntax_problem
from lossscale_lint.rules import ALL_RULES
from lossscale_lint.rules.reads import (
    FACT_KINDS,
    BaseVersion,
    Call,
    Clue,
    Evidence,
    Keyword,
    ParseFailure,
    PipelineReport,
    Text,
    TextEvidence,
)

# What may separate two tokens: whitespace, a backslash continuation, a comment.
_GAP = r"(?:\s|\\(?:\r\n|\r|\n)|#[^\r\n]*)"


def call_pattern(name: str) -> re.Pattern[str]:
    # Each pattern starts with a literal, which lets `re` jump from candidate to candidate (a leading
    # `\b` or alternation makes it try every position: 20x slower); the word start is checked apart.
    return re.compile(rf"{re.escape(name)}(?:{_GAP}|\))*\(")


def keyword_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"{re.escape(name)}{_GAP}*=")


def starts_word(source: str, index: int) -> bool:
    """Whether an identifier can start at `index` (what `\b` checks: the previous character is
    not a letter, digit or underscore in the Unicode sense)."""
    return index == 0 or not (source[index - 1].isalnum() or source[index - 1] == "_")


def has_word(pattern: re.Pattern[str], source: str) -> bool:
    """Whether `pattern` matches where a whole identifier starts."""
    return any(starts_word(source, match.start()) for match in pattern.finditer(source))


def covering_stems(names: set[str], stems: tuple[str, ...]) -> tuple[str, ...]:
    """`stems` plus every name that contains none of them: each name contains one of the result."""
    return stems + tuple(sorted(n for n in names if not any(s in n for s in stems)))


# A group of `Text` clues is searched as a few stems that every one of its texts contains: "Loss"
# covers the loss modules (CrossEntropyLoss, NLLLoss2d), "_loss" most functions; the few others
# (cross_entropy, kl_div, ...) stay whole, so a catalog extension is covered automatically.
COMMON_STEMS = ("Loss", "_loss")

ClueTest = Callable[[str], bool]


def group_test(group: tuple[Clue, ...]) -> tuple[ClueTest, tuple[str, ...]]:
    """A test for "one of these clues appears", and the substrings it searches for `Text` clues."""
    texts = {clue.text for clue in group if isinstance(clue, Text)}
    stems = covering_stems(texts, tuple(s for s in COMMON_STEMS if any(s in t for t in texts)))
    patterns = [(clue.name, call_pattern(clue.name)) for clue in group if isinstance(clue, Call)]
    patterns += [(clue.name, keyword_pattern(clue.name)) for clue in group if isinstance(clue, Keyword)]

    def test(source: str) -> bool:
        if any(stem in source for stem in stems):
            return True
        # The substring test is ~100x faster than the regex and rejects most files on its own.
        return any(name in source and has_word(pattern, source) for name, pattern in patterns)

    return test, stems


EvidenceTest = Callable[[str, "str | None"], bool]


def evidence_test(evidence: Evidence) -> EvidenceTest:
    if isinstance(evidence, BaseVersion):
        return lambda source, base_source: base_source is not None
    if isinstance(evidence, ParseFailure):
        return lambda source, base_source: not parses(source)
    if isinstance(evidence, PipelineReport):
        return lambda source, base_source: False
    assert isinstance(evidence, TextEvidence), evidence
    groups = [group_test(group)[0] for group in evidence.all_of]
    return lambda source, base_source: all(test(source) for test in groups)


# Every declared kind's test, cheapest first: the text tests, then the base, then the parse.
EVIDENCE_TESTS: dict[str, EvidenceTest] = {
    kind.name: evidence_test(kind.evidence)
    for kind in sorted(
        (k for k in FACT_KINDS.values() if k.evidence is not None),
        key=lambda k: (isinstance(k.evidence, ParseFailure), isinstance(k.evidence, BaseVersion)),
    )
}
# Kept by name for the tests and for readers: the stems the LSL401 loss-name test searches.
LOSS_NAME_STEMS = group_test(FACT_KINDS["legacy_args"].evidence.all_of[1])[1]


def may_have_backward_call(source: str) -> bool:
    return EVIDENCE_TESTS["updates"](source, None)


def read_kinds(is_selected: Callable[[str], bool]) -> list[str] | None:
    """The fact kinds the selected rules read, cheapest test first; None when one of those rules
    reads something without declared evidence (then nothing can be proven)."""
    kinds: set[str] = set()
    for code, rule in ALL_RULES.items():
        if not is_selected(code):
            continue
        if not rule.reads or any(kind not in EVIDENCE_TESTS for kind in rule.reads):
            return None
        kinds.update(rule.reads)
    return [kind for kind in EVIDENCE_TESTS if kind in kinds]


def may_report(source: str, is_selected: Callable[[str], bool], base_source: str | None = None,
               *, parse: bool = False) -> bool:
    """Whether any selected rule could fire on this text. False is a proof. Without `parse` the
    parse failure (LSL000) is left aside: the workers use this as a cheap cost estimate."""
    kinds = read_kinds(is_selected)
    if kinds is None:
        return True
    return any(
        EVIDENCE_TESTS[kind](source, base_source)
        for kind in kinds
        if parse or not isinstance(FACT_KINDS[kind].evidence, ParseFailure)
    )


def parses(source: str) -> bool:
    """Whether the standard parser accepts the text (it builds a tree; nothing is run)."""
    # The tree holds no reference cycles, so the cyclic collector only costs time here (~35%).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return syntax_problem(source) is None
    finally:
        if collecting:
            gc.enable()


def skippable(source: str, options: AnalysisOptions, base_source: str | None = None) -> bool:
    """True only when `lint_source(source, ..., options, base_source)` is proven to return nothing."""
    return not may_report(source, options.is_selected, base_source, parse=True)


def lint_source_prechecked(
    source: str,
    path: str,
    options: AnalysisOptions | None = None,
    base_source: str | None = None,
) -> list[Diagnostic]:
    """`engine.lint_source`, without the LibCST parse when the text proves nothing can be reported."""
    options = options or AnalysisOptions()
    if skippable(source, options, base_source):
        return []
    # Imported on the first file that needs it: a run that the cache and the pre-check answer
    # completely never imports LibCST (about 0.15 s of start-up).
    from lossscale_lint.pipeline.engine import lint_source

    return lint_source(source, path, options, base_source)
