"""Shared by the fuzz suite (issue 14): hypothesis profiles, the seed corpus, the mutations and the
checks that every test in this folder applies.

Profiles
    ci (default)  every test runs a fixed, small number of examples (see `examples`), chosen by
                  `derandomize=True`: the examples are a function of the test alone, so a CI
                  failure is the same failure on a laptop, and a run never flickers. New inputs
                  come from the long runs, not from CI.
    long          `LOSSSCALE_FUZZ=long`: LONG_FACTOR times as many examples, randomly seeded (each
                  run explores new inputs; `pytest --hypothesis-seed=N` repeats one), and a failure
                  prints the `@reproduce_failure` blob that replays it.
Neither profile keeps a database (`database=None`), and the hypothesis home folder is moved to a
temporary folder, so no `.hypothesis/` is ever left in the repository.

The corpus is a set of real-looking training scripts from `examples/` and `tests/rule_cases/` that
between them make every rule with a fix fire (LSL101, LSL104, LSL201 unsafe; LSL202, LSL401 safe;
LSL900 once a mutation adds a `# noqa`). The mutations are what a half-edited file in an editor or
a bad merge looks like: deleted, duplicated, re-indented and foreign lines, swapped call arguments,
swapped vocabulary (`sum` for `mean`, `SGD` for `Adam`), `# noqa` comments, other line endings,
flipped bytes and truncation.
"""

from __future__ import annotations

import pytest

from . import profiles  # noqa: F401 - registers and loads the profile


def pytest_collection_modifyitems(items):
    # The whole folder runs in the full suite (CI), not in the fast inner loop (`-m "not slow"`): at
    # its ci bound it takes ~45 s.
    for item in items:
        if "tests/fuzz/" in item.nodeid:
            item.add_marker(pytest.mark.slow)
