"""The benchmark corpus is what benchmarks/bench.py promises: deterministic, >= 3000 files, with
training scripts on which the rules really fire (otherwise the benchmark would time the pre-check
skipping everything)."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import MIN_FILES, build_corpus  # noqa: E402
from lossscale_lint.pipeline.engine import lint_source  # noqa: E402
from lossscale_lint.config.options import AnalysisOptions
from lossscale_lint.pipeline.precheck import skippable  # noqa: E402


def digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


@pytest.mark.slow
def test_the_corpus_is_deterministic_and_large_enough(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    counts = build_corpus(first)
    assert build_corpus(second) == counts
    assert digest(first) == digest(second)
    assert counts["training"] + counts["stdlib"] >= MIN_FILES
    training = sorted((first / "training").rglob("*.py"))
    assert len(training) == counts["training"] and len({p.read_bytes() for p in training}) == len(training)
    # Nearly every training variant reaches LibCST, and a sample of them still reports what it should.
    parsed = sum(not skippable(p.read_text(), AnalysisOptions()) for p in training)
    assert parsed >= 0.9 * len(training)
    sample = [p for p in training if "_bad_" in p.name][:: 40]
    assert sample and all(lint_source(p.read_text(), p.name) for p in sample)
