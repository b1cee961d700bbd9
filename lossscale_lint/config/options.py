"""What the analysis needs to know beyond the source; a light module, so that the cache and the
configuration can name it without importing the parser."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class AnalysisOptions:
    """Extra names for the batch size and the accumulation steps, and which rules run."""

    batch_size_names: tuple[str, ...] = ()
    accumulation_names: tuple[str, ...] = ()
    # Decides whether a rule code runs; the configuration builds it from select/ignore.
    is_selected: Callable[[str], bool] = field(default=lambda code: True, compare=False)
