"""Build the benchmark corpus: a monorepo-shaped tree of training scripts and unrelated Python.

Deterministic: the same checkout and the same Python produce the same files, byte for byte.
- training/: variants of the project's example scripts and rule test cases. Each variant keeps the
  original training code (so the rules have real work to do) and adds the kind of project code a
  real script carries around it (config, metrics, checkpointing), with names that differ per
  variant so that no two files are equal.
- stdlib/: the standard library's own .py files (`sysconfig.get_paths()["stdlib"]`, without
  site-packages): a large body of code in which nothing should be reported.
- lossscale-lint.toml (empty) marks the corpus folder as the project root, so the cache lives there.
"""

from __future__ import annotations

import os
import shutil
import sysconfig
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MIN_FILES = 3000
MIN_TRAINING_FILES = 1000
TEAMS = 40  # training scripts are spread over this many project folders

PROJECT_CODE = '''

# --- project code around the training loop (variant {v}) ---
import json
import os
import time
from dataclasses import asdict, dataclass, field


@dataclass
class RunConfig{v}:
    name: str = "run-{v}"
    seed: int = {seed}
    epochs: int = {epochs}
    log_every: int = {log_every}
    output_dir: str = "outputs/{team}/{v}"
    tags: list = field(default_factory=lambda: ["team-{team}", "variant-{v}"])


class Meter{v}:
    """Running averages of the values logged during an epoch."""

    def __init__(self):
        self.totals = {{}}
        self.counts = {{}}

    def update(self, name, value, n=1):
        self.totals[name] = self.totals.get(name, 0.0) + float(value) * n
        self.counts[name] = self.counts.get(name, 0) + n

    def averages(self):
        return {{k: self.totals[k] / max(self.counts[k], 1) for k in self.totals}}


def save_checkpoint_{v}(state, config, step):
    os.makedirs(config.output_dir, exist_ok=True)
    path = os.path.join(config.output_dir, f"step-{{step:07d}}.json")
    with open(path, "w") as handle:
        json.dump({{"step": step, "time": time.time(), "config": asdict(config), **state}}, handle)
    return path


def format_metrics_{v}(metrics, width={width}):
    return " | ".join(f"{{k}}={{v:.4f}}".ljust(width) for k, v in sorted(metrics.items()))
'''


def seed_scripts() -> list[tuple[str, str]]:
    seeds = sorted((REPO / "examples").glob("*.py")) + sorted((REPO / "tests" / "rule_cases").glob("*.py"))
    return [(path.stem, path.read_text(encoding="utf-8")) for path in seeds]


def training_variant(stem: str, text: str, v: int, team: int) -> str:
    header = f"# Training script {stem}, variant {v} (team {team:02d}).\n"
    extra = PROJECT_CODE.format(v=v, team=f"{team:02d}", seed=1000 + v, epochs=1 + v % 90,
                                log_every=10 + v % 7, width=8 + v % 5)
    return header + text + extra


def stdlib_files() -> list[tuple[Path, Path]]:
    """(source, path relative to the stdlib folder) of every stdlib .py file, sorted."""
    root = Path(sysconfig.get_paths()["stdlib"])
    found = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(s for s in subfolders if s not in ("site-packages", "__pycache__"))
        for name in sorted(names):
            if name.endswith(".py"):
                source = Path(folder) / name
                found.append((source, source.relative_to(root)))
    return found


def build_corpus(dest: Path) -> dict[str, int]:
    """Write the corpus below `dest` (which must not exist yet); returns counts per part."""
    dest.mkdir(parents=True)
    (dest / "lossscale-lint.toml").write_text("# benchmark corpus: default settings\n")
    copied = 0
    for source, relative in stdlib_files():
        target = dest / "stdlib" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        copied += 1
    seeds = seed_scripts()
    wanted = max(MIN_TRAINING_FILES, MIN_FILES - copied + 100)
    written = 0
    v = 0
    while written < wanted:
        for stem, text in seeds:
            team = (v * len(seeds) + written) % TEAMS
            folder = dest / "training" / f"team_{team:02d}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{stem}_v{v:03d}.py").write_text(training_variant(stem, text, v, team), encoding="utf-8")
            written += 1
            if written >= wanted:
                break
        v += 1
    return {"stdlib": copied, "training": written}


if __name__ == "__main__":
    import sys
    import tempfile

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()) / "corpus"
    print(build_corpus(target), target)
