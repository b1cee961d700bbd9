"""The fuzz suite's hypothesis profiles (see `conftest.py`) and `examples`, the number of examples of a test."""

from __future__ import annotations

import os
import tempfile

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir


# --- profiles -------------------------------------------------------------------------------------

PROFILE_VARIABLE = "LOSSSCALE_FUZZ"
LONG_FACTOR = 30
# Hypothesmith's strategies are slow to draw, and the mutated files are large by hypothesis's
# standards; neither is a problem with the code under test.
_SLOW_STRATEGIES = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

settings.register_profile("ci", database=None, deadline=None, derandomize=True, print_blob=False,
                          suppress_health_check=_SLOW_STRATEGIES)
settings.register_profile("long", database=None, deadline=None, derandomize=False, print_blob=True,
                          suppress_health_check=_SLOW_STRATEGIES)
PROFILE = os.environ.get(PROFILE_VARIABLE) or "ci"
if PROFILE not in ("ci", "long"):
    raise pytest.UsageError(f"{PROFILE_VARIABLE}={PROFILE!r}: expected 'ci' or 'long'")
settings.load_profile(PROFILE)
# Hypothesis keeps more than its database under its home folder (in recent versions, a cache of
# the constants it finds in the code under test); none of it belongs in the repository.
set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), f"lossscale-fuzz-hypothesis-{os.getuid()}"))


def examples(ci: int) -> int:
    """The number of examples of a test: `ci` in the ci profile, LONG_FACTOR times that in the long one."""
    return ci * LONG_FACTOR if PROFILE == "long" else ci
