"""Gate for the oracle suite: it needs a real PyTorch.

On a user's machine without torch the oracle modules skip themselves (`pytest.importorskip`).
CI sets LOSSSCALE_REQUIRE_TORCH=1: there a missing torch must not turn the suite into a silent
row of skips, so the run stops here with one clear line instead.
"""

from __future__ import annotations

import os

import pytest

REQUIRE_TORCH_VARIABLE = "LOSSSCALE_REQUIRE_TORCH"


def _torch_import_error() -> str | None:
    try:
        import torch  # noqa: F401
    except ImportError as error:  # a broken install raises ImportError subclasses too
        return str(error) or type(error).__name__
    return None


if os.environ.get(REQUIRE_TORCH_VARIABLE) == "1":
    _error = _torch_import_error()
    if _error is not None:
        pytest.exit(
            f"{REQUIRE_TORCH_VARIABLE}=1 but torch cannot be imported ({_error}); "
            "install the test extra (torch==2.13.0, CPU wheel)",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )
