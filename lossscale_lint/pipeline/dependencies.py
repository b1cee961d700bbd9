"""Which other project modules a file's result was computed from, for the result cache.

`engine.lint_source` adds the modules each lint read (absolute path -> SHA-256 of the bytes) to
the collection opened by `recording_dependencies`, so that callers reaching the engine through
layers that return diagnostics only (runner -> pre-check -> engine) can still hand them to
`DiagnosticsCache.store`. This module imports nothing heavy: the runner opens a collection for
every file, also for those the pre-check answers without LibCST.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

_collection: ContextVar[dict[str, str] | None] = ContextVar("lossscale_lint_dependencies", default=None)


@contextmanager
def recording_dependencies() -> Iterator[dict[str, str]]:
    """Collect the project modules (path -> hash) the lints run inside this block read."""
    found: dict[str, str] = {}
    token = _collection.set(found)
    try:
        yield found
    finally:
        _collection.reset(token)


def record(dependencies: Mapping[str, str] | tuple[tuple[str, str], ...]) -> None:
    collection = _collection.get()
    if collection is not None:
        collection.update(dependencies)
