"""How many files make worker processes worth starting? (the basis of parallel.IN_PROCESS_BELOW)

    python benchmarks/startup.py

Measures, in this process: the cost of starting a pool of forked workers and getting one answer
back, and the in-process cost of analysing one training script (an example script; the mean over
all of them). With W workers, n files cost n*t in process and about start + n*t/W with workers,
so workers pay off from n > start / (t * (1 - 1/W)) files.
"""

from __future__ import annotations

import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from lossscale_lint.config.options import AnalysisOptions  # noqa: E402
from lossscale_lint.pipeline.workers import _context, available_cores  # noqa: E402
from lossscale_lint.pipeline.linting import lint_text  # noqa: E402

ROUNDS = 5


def pool_start(workers: int) -> float:
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers, mp_context=_context()) as pool:
        list(pool.map(abs, range(workers)))
    return time.perf_counter() - start


def main() -> None:
    workers = max(2, available_cores())
    scripts = [(p.name, p.read_text(encoding="utf-8")) for p in sorted((REPO / "examples").glob("*.py"))]
    options = AnalysisOptions()
    for name, text in scripts:  # warm up imports and caches
        lint_text(text, name, options)
    per_file = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for name, text in scripts:
            lint_text(text, name, options)
        per_file.append((time.perf_counter() - start) / len(scripts))
    starts = [pool_start(workers) for _ in range(ROUNDS)]
    t, s = statistics.median(per_file), statistics.median(starts)
    print(f"one training script in process: {t * 1000:.1f} ms (median of {ROUNDS} rounds)")
    print(f"starting {workers} forked workers, first answer back: {s * 1000:.1f} ms (median of {ROUNDS})")
    print(f"workers pay off from about {s / (t * (1 - 1 / workers)):.1f} files that need LibCST")


if __name__ == "__main__":
    main()
