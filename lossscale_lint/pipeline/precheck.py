"""A text-only pre-check: skip LibCST for files on which no selected rule can fire.

Exact in one direction: `skippable` is True only when the text proves that `engine.lint_source`
would return nothing, and `lint_source_prechecked` is `lint_source` with that shortcut, so it
returns exactly the same; the runner lints through it. The proof follows how
the rules read the facts (checked against lossscale_lint/facts and lossscale_lint/rules):

- LSL101-104, LSL201, LSL202 only loop over `facts.backwards`. A backward site is made from a
  call whose callee is an attribute named exactly `backward` or `manual_backward`
  (`facts/extract.py: Extractor.backward`), or from what a method named exactly `training_step`
  returns (`Extractor.lightning_backwards`), so `training_step` then appears verbatim. LibCST keeps identifiers as written (no NFKC
  normalisation), so that name appears verbatim in the text, as a whole identifier, followed by
  the call's `(` with nothing but whitespace, line continuations, comments and the `)` of a
  parenthesised callee (`(loss.backward)()`) in between.
- LSL401 only loops over losses with `legacy_args`, which are keyword arguments named exactly
  `size_average` or `reduce` (`facts/sites.py: SiteBuilder.loss`), so `size_average =` or
  `reduce =` appears (comments and continuations may sit before the `=`). A loss site also needs
  a catalog loss name as its last dotted component, written in the call or in the import it
  resolves through; every catalog name contains one of the stems computed below.
- A selected rule code this module does not know (a rule added later, a test rule) switches the
  pre-check off, so a new rule can never be silently skipped.

LSL000 (syntax errors): a skipped file still gets a syntax check, because users expect a broken
file to be reported whatever it contains. It uses the standard parser (`ast.parse`: parsing only,
nothing is compiled or run), which costs about a tenth of a LibCST parse. When it rejects the file
the full engine runs, so the LSL000 diagnostic is worded and placed exactly as without the
pre-check (and syntax newer than this interpreter, which LibCST may accept, is still analysed).
The one remaining difference: a file the standard parser accepts but LibCST rejects would get
LSL000 only without the pre-check; no such file is known for the grammar LibCST 1.9 covers.
"""

from __future__ import annotations

import ast
import gc
import re
import warnings
from collections.abc import Callable

from lossscale_lint.diagnostics import Diagnostic
from lossscale_lint.facts import catalog
from lossscale_lint.config.options import AnalysisOptions
from lossscale_lint.rules import ALL_RULES

SYNTAX_ERROR = "LSL000"
BACKWARD_RULES = frozenset({"LSL101", "LSL102", "LSL103", "LSL104", "LSL201", "LSL202"})
LEGACY_RULES = frozenset({"LSL401"})

# What may separate two tokens: whitespace, a backslash continuation, a comment.
_GAP = r"(?:\s|\\(?:\r\n|\r|\n)|#[^\r\n]*)"
# Each pattern starts with a literal, which lets `re` jump from candidate to candidate (a leading
# `\b` or alternation makes it try every position: 20x slower); the word start is checked apart.
BACKWARD_CALL = re.compile(rf"backward(?:{_GAP}|\))*\(")
LEGACY_KEYWORDS = (re.compile(rf"size_average{_GAP}*="), re.compile(rf"reduce{_GAP}*="))


def starts_word(source: str, index: int) -> bool:
    """Whether an identifier can start at `index` (what `\b` checks: the previous character is
    not a letter, digit or underscore in the Unicode sense)."""
    return index == 0 or not (source[index - 1].isalnum() or source[index - 1] == "_")


def has_word(pattern: re.Pattern[str], source: str, prefixes: tuple[str, ...] = ("",)) -> bool:
    """Whether `pattern` matches where a whole identifier (optionally one of `prefixes` + the
    pattern's word) starts."""
    for match in pattern.finditer(source):
        start = match.start()
        for prefix in prefixes:
            begin = start - len(prefix)
            if begin >= 0 and source.startswith(prefix, begin) and starts_word(source, begin):
                return True
    return False


def covering_stems(names: set[str], stems: tuple[str, ...]) -> tuple[str, ...]:
    """`stems` plus every name that contains none of them: each name contains one of the result."""
    return stems + tuple(sorted(n for n in names if not any(s in n for s in stems)))


# "Loss" covers the modules (CrossEntropyLoss, NLLLoss2d), "_loss" most functions; the few others
# (cross_entropy, kl_div, ...) are added by name, so a catalog extension is covered automatically.
LOSS_NAME_STEMS = covering_stems(set(catalog.LOSS_MODULES) | set(catalog.LOSS_FUNCTIONS), ("Loss", "_loss"))


def may_have_backward_call(source: str) -> bool:
    if "training_step" in source:  # Lightning calls backward on what training_step returns
        return True
    # The substring test is ~100x faster than the regex and rejects most files on its own.
    return "backward" in source and has_word(BACKWARD_CALL, source, prefixes=("", "manual_"))


def may_have_legacy_loss(source: str) -> bool:
    if "size_average" not in source and "reduce" not in source:
        return False
    keyword = any(has_word(pattern, source) for pattern in LEGACY_KEYWORDS)
    return keyword and any(stem in source for stem in LOSS_NAME_STEMS)


def selected_rules(is_selected: Callable[[str], bool]) -> set[str]:
    # Rules that compare against a git base never run inside lint_source.
    return {code for code, rule in ALL_RULES.items() if not rule.needs_base and is_selected(code)}


def may_report(source: str, is_selected: Callable[[str], bool]) -> bool:
    """Whether any selected rule (LSL000 aside) could fire on this text. False is a proof."""
    selected = selected_rules(is_selected)
    if selected - BACKWARD_RULES - LEGACY_RULES:
        return True  # a rule this pre-check knows nothing about
    if selected & BACKWARD_RULES and may_have_backward_call(source):
        return True
    return bool(selected & LEGACY_RULES) and may_have_legacy_loss(source)


def parses(source: str) -> bool:
    """Whether the standard parser accepts the text (it builds a tree; nothing is run)."""
    # The tree holds no reference cycles, so the cyclic collector only costs time here (~35%).
    collecting = gc.isenabled()
    gc.disable()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for "\d" and the like is not ours to print
            ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    finally:
        if collecting:
            gc.enable()
    return True


def skippable(source: str, options: AnalysisOptions, base_source: str | None = None) -> bool:
    """True only when `lint_source(source, ..., options, base_source)` is proven to return nothing."""
    # With a base version the change-aware rules compare two texts; this check reads only one.
    if base_source is not None or may_report(source, options.is_selected):
        return False
    # A file the standard parser rejects goes to the engine, which words and places LSL000.
    return not options.is_selected(SYNTAX_ERROR) or parses(source)


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
