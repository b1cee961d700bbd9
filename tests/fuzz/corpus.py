"""The fuzz suite's seed corpus (real training scripts) and the mutations applied to it (see `conftest.py`)."""

from __future__ import annotations

import ast
import json
import re
import warnings
from pathlib import Path

from hypothesis import strategies as st

from lossscale_lint.config.options import AnalysisOptions, RuleSelection

REPO = Path(__file__).resolve().parents[2]

# --- the seed corpus ------------------------------------------------------------------------------

CORPUS_FILES = (
    "examples/accelerate_manual_division.py",
    "examples/accumulation_missing_division.py",
    "examples/clean_mean_loss_sgd_accumulation.py",
    "examples/clean_summed_loss_adamw.py",
    "examples/legacy_size_average.py",
    "examples/summed_loss_sgd_decay_clipping.py",
    "tests/rule_cases/lsl101_bad_legacy_add_update.py",
    "tests/rule_cases/lsl101_bad_manual_sgd.py",
    "tests/rule_cases/lsl102_bad_penalty_helpers.py",
    "tests/rule_cases/lsl103_bad_passed_in_deprecated_clip.py",
    "tests/rule_cases/lsl104_bad_hand_written_batcher.py",
    "tests/rule_cases/lsl104_bad_fixed_divisor.py",
    "tests/rule_cases/lsl201_bad_gradient_scaled_elsewhere.py",
    "tests/rule_cases/lsl201_bad_click_option.py",
    "tests/rule_cases/lsl201_ok_gradient_scaled.py",
    "tests/rule_cases/lsl202_bad_lightning.py",
    "tests/rule_cases/lsl202_bad_environment_variable.py",
    "tests/rule_cases/lsl401_bad_legacy.py",
    "tests/rule_cases/base_head/lsl503_bad_coupled_decay.head.py",
)
CORPUS = {name: (REPO / name).read_text(encoding="utf-8") for name in CORPUS_FILES}

# Every rule, LSL900 (opt-in) included: more rules run, more fixes interact.
ALL_OPTIONS = AnalysisOptions(is_selected=RuleSelection(select=("LSL", "LSL900")))
SYNTAX_ERROR = "LSL000"
# Codes no fuzz input may get: LSL999 is a rule that crashed; LSL002 is an analysis past the
# 10 s time limit, which on files of a few kilobytes means a hang; LSL001 (over 1 MB) cannot
# happen here, so one would be a wrong size check.
FAILURE_CODES = {"LSL001", "LSL002", "LSL999"}

# Words the rules key on, and the words that flip what they decide.
VOCABULARY = (
    ("sum", "mean"), ("SGD", "Adam"), ("SGD", "AdamW"), ("reduction", "size_average"), ("reduce", "reduction"),
    ("backward", "step"), ("accumulation_steps", "batch_size"), ("weight_decay", "lr"), ("/", "*"),
    ("True", "False"), ("clip_grad_norm_", "clip_grad_value_"), ("accelerator", "scaler"), ("self.", ""),
    ("loss", "_"), ("(", "(("), ("drop_last", "shuffle"), ("1", "0"), ("if", "while"),
)
NOQA_CODES = ("LSL101", "LSL104", "LSL201", "LSL202", "LSL401", "LSL900", "LSL1", "LSL", "LSL999", "E501")

# --- mutations ------------------------------------------------------------------------------------

LINE_BREAK = re.compile(r"\r\n|\r|\n")


def lines_of(text: str) -> list[str]:
    """The lines with their own line breaks (as LibCST and the fixer count them)."""
    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)


def _at(index: int, items) -> int:
    return index % len(items)


def delete_lines(text: str, at: int, count: int) -> str:
    lines = lines_of(text)
    if not lines:
        return text
    start = _at(at, lines)
    return "".join(lines[:start] + lines[start + count:])


def duplicate_line(text: str, at: int, times: int) -> str:
    lines = lines_of(text)
    if not lines:
        return text
    i = _at(at, lines)
    line = lines[i] if LINE_BREAK.search(lines[i]) else lines[i] + "\n"
    return "".join(lines[:i] + [line] * (times + 1) + lines[i + 1:])


def reindent_line(text: str, at: int, indent: str) -> str:
    lines = lines_of(text)
    if not lines:
        return text
    i = _at(at, lines)
    lines[i] = indent + lines[i].lstrip(" \t")
    return "".join(lines)


def foreign_line(text: str, at: int, donor: str, pick: int) -> str:
    """A line of another corpus file, inserted before line `at` (what a bad merge leaves)."""
    lines, others = lines_of(text), lines_of(CORPUS[donor])
    line = others[_at(pick, others)]
    line = line if LINE_BREAK.search(line) else line + "\n"
    i = _at(at, lines) if lines else 0
    return "".join(lines[:i] + [line] + lines[i:])


def swap_words(text: str, pair: int, nth: int, backwards: bool) -> str:
    old, new = VOCABULARY[pair % len(VOCABULARY)]
    old, new = (new, old) if backwards else (old, new)
    places = [m.start() for m in re.finditer(re.escape(old), text)]
    if not places:
        return text
    start = places[_at(nth, places)]
    return text[:start] + new + text[start + len(old):]


def add_noqa(text: str, at: int, codes: list[str], bare: bool) -> str:
    lines = lines_of(text)
    if not lines:
        return text
    i = _at(at, lines)
    body = lines[i].rstrip("\r\n")
    comment = "  # noqa" if bare else f"  # noqa: {', '.join(codes)}"
    lines[i] = body + comment + lines[i][len(body):]
    return "".join(lines)


def quiet_parse(text: str) -> ast.Module:
    """`ast.parse` without the warnings CPython gives for mutated code (invalid escapes, `1()`)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text)


def _call_arguments(text: str) -> list[list[tuple[int, int]]]:
    """Per call with two or more arguments, the (start, end) string offsets of each argument."""
    try:
        tree = quiet_parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return []
    # ast counts columns in UTF-8 bytes per line; map them back to string offsets.
    lines = lines_of(text)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(lineno: int, col: int) -> int:
        line = lines[lineno - 1]
        return starts[lineno - 1] + len(line.encode("utf-8")[:col].decode("utf-8", "replace"))

    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            parts = [*node.args, *node.keywords]
            spans = []
            for part in parts:
                if getattr(part, "end_lineno", None) is None:
                    break
                spans.append((offset(part.lineno, part.col_offset), offset(part.end_lineno, part.end_col_offset)))
            else:
                spans.sort()
                if len(spans) >= 2 and all(a[1] <= b[0] for a, b in zip(spans, spans[1:])):
                    calls.append(spans)
    return calls


def swap_arguments(text: str, call: int, first: int, second: int) -> str:
    """Swap two arguments of one call (positional or keyword, as written)."""
    calls = _call_arguments(text)
    if not calls:
        return text
    spans = calls[_at(call, calls)]
    i, j = sorted((_at(first, spans), _at(second, spans)))
    if i == j:
        j = (i + 1) % len(spans)
        i, j = sorted((i, j))
    (a0, a1), (b0, b1) = spans[i], spans[j]
    return text[:a0] + text[b0:b1] + text[a1:b0] + text[a0:a1] + text[b1:]


def line_endings(text: str, ending: str) -> str:
    return LINE_BREAK.sub(ending, text)


# Each mutation as (function, strategy of its arguments after the text).
_index = st.integers(min_value=0, max_value=10_000)
TEXT_MUTATIONS = st.one_of(
    st.tuples(st.just(delete_lines), _index, st.integers(1, 4)),
    st.tuples(st.just(duplicate_line), _index, st.integers(1, 3)),
    st.tuples(st.just(reindent_line), _index, st.sampled_from(["", "    ", "        ", "\t", "  "])),
    st.tuples(st.just(foreign_line), _index, st.sampled_from(CORPUS_FILES), _index),
    st.tuples(st.just(swap_words), _index, _index, st.booleans()),
    st.tuples(st.just(add_noqa), _index, st.lists(st.sampled_from(NOQA_CODES), min_size=1, max_size=3),
              st.booleans()),
    st.tuples(st.just(swap_arguments), _index, _index, _index),
    st.tuples(st.just(line_endings), st.sampled_from(["\r\n", "\r", "\n"])),
)


def flip_bit(data: bytes, at: int, bit: int) -> bytes:
    if not data:
        return data
    i = _at(at, data)
    return data[:i] + bytes([data[i] ^ (1 << bit)]) + data[i + 1:]


def set_byte(data: bytes, at: int, value: int) -> bytes:
    if not data:
        return data
    i = _at(at, data)
    return data[:i] + bytes([value]) + data[i + 1:]


def truncate(data: bytes, at: int) -> bytes:
    return data[: at % (len(data) + 1)]


BYTE_MUTATIONS = st.one_of(
    st.tuples(st.just(flip_bit), _index, st.integers(0, 7)),
    st.tuples(st.just(set_byte), _index, st.sampled_from([0x00, 0x0C, 0x0D, 0x09, 0x5C, 0x22, 0x27, 0x23, 0x80,
                                                          0xFF, 0x28, 0x29, 0x3A, 0x20])),
    st.tuples(st.just(truncate), _index),
)


def apply_mutations(text: str, mutations) -> str:
    for function, *arguments in mutations:
        text = function(text, *arguments)
    return text


@st.composite
def mutated_scripts(draw, max_mutations: int = 4) -> tuple[str, str]:
    """(corpus name, text): a corpus script after zero to `max_mutations` text mutations."""
    name = draw(st.sampled_from(CORPUS_FILES))
    mutations = draw(st.lists(TEXT_MUTATIONS, max_size=max_mutations))
    return name, apply_mutations(CORPUS[name], mutations)


@st.composite
def mutated_bytes(draw) -> tuple[str, bytes]:
    """(corpus name, file bytes): text mutations, then byte mutations (flips, truncation)."""
    name, text = draw(mutated_scripts(max_mutations=2))
    data = text.encode("utf-8")
    for function, *arguments in draw(st.lists(BYTE_MUTATIONS, min_size=1, max_size=3)):
        data = function(data, *arguments)
    return name, data


def as_notebook(text: str, cuts: list[int]) -> bytes:
    """The script as a Jupyter notebook, cut into code cells before the given lines."""
    lines = lines_of(text.replace("\r\n", "\n").replace("\r", "\n"))
    bounds = sorted({0, len(lines), *(c % (len(lines) + 1) for c in cuts)})
    cells = [
        {"cell_type": "code", "execution_count": None, "id": f"c{n}", "metadata": {}, "outputs": [],
         "source": lines[a:b]}
        for n, (a, b) in enumerate(zip(bounds, bounds[1:]))
    ]
    cells.insert(1, {"cell_type": "markdown", "id": "m", "metadata": {}, "source": ["# Training\n"]})
    document = {"cells": cells, "metadata": {"language_info": {"name": "python"}}, "nbformat": 4,
                "nbformat_minor": 5}
    return (json.dumps(document, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


# A small project: one to three mutated scripts, each a `.py` file or a notebook cut into cells.
project_files = st.lists(st.tuples(mutated_scripts(), st.booleans(), st.lists(st.integers(0, 200), max_size=3)),
                         min_size=1, max_size=3)


def write_project(root: Path, files, script: str = "f{n}.py", notebook: str = "nb{n}.ipynb") -> None:
    for n, ((_, text), as_cells, cuts) in enumerate(files):
        if as_cells:
            (root / notebook.format(n=n)).write_bytes(as_notebook(text, cuts))
        else:
            (root / script.format(n=n)).write_bytes(text.encode("utf-8"))
