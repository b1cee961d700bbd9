"""What the analysis needs to know beyond the source; a light module, so that the cache and the
configuration can name it without importing the parser."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

# The family prefix: every rule code starts with it, and selecting it selects every rule but the
# opt-in ones.
RULE_FAMILY = "LSL"
DEFAULT_SELECT = (RULE_FAMILY,)
# Rules that run only when a selector more specific than the bare family names them (`LSL9`,
# `LSL900`), as ruff keeps RUF100 out of its defaults: they judge the user's comments, not the
# training code, and a project turns them on deliberately. `Rule.opt_in` says the same per rule
# (tests/test_rule_metadata.py keeps the two in step).
OPT_IN_CODES = ("LSL900",)
# The per-file limits (`max-file-size`, `file-timeout`; 0 turns one off). Far above real training
# code: the largest scripts seen are ~250 KB and analyse in ~4 s. What they cost when reached was
# measured on this project's 2-core machine: 1 MB of ordinary code takes ~17 s and ~700 MB.
DEFAULT_MAX_FILE_SIZE = 1_048_576  # bytes of Python code (UTF-8)
DEFAULT_FILE_TIMEOUT = 10.0  # seconds


@dataclass(frozen=True)
class RuleSelection:
    """Decides whether a rule code runs. A plain value, so it pickles and hashes (workers, caches).

    Ruff's specificity rule: a code runs when its longest matching `select` entry is longer than
    its longest matching `ignore` entry. An opt-in code ignores a bare family selector."""

    select: tuple[str, ...] = DEFAULT_SELECT
    ignore: tuple[str, ...] = ()

    def __call__(self, code: str) -> bool:
        floor = len(RULE_FAMILY) if code in OPT_IN_CODES else 0
        chosen = max((len(s) for s in self.select if code.startswith(s) and len(s) > floor), default=-1)
        dropped = max((len(s) for s in self.ignore if code.startswith(s)), default=-1)
        return chosen > dropped


@dataclass(frozen=True)
class AnalysisOptions:
    """Extra names for the batch size and the accumulation steps, which rules run, and the limits."""

    batch_size_names: tuple[str, ...] = ()
    accumulation_names: tuple[str, ...] = ()
    # Decides whether a rule code runs; the configuration builds it from select/ignore.
    is_selected: Callable[[str], bool] = field(default=RuleSelection(), compare=False)
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    file_timeout: float = DEFAULT_FILE_TIMEOUT
