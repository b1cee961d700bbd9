"""Gate for the oracle suite: it needs a real PyTorch.

On a user's machine without torch the oracle modules skip themselves (`pytest.importorskip`).
CI sets LOSSSCALE_REQUIRE_TORCH=1: there a missing torch must not turn the suite into a silent
row of skips, so the run stops here with one clear message instead.
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


def pytest_configure(config: pytest.Config) -> None:
    # A UsageError here stops the run with the message and a failing exit code: "ERROR: ..." and
    # code 4 when this folder is named on the command line, a collection error naming tests/oracle
    # and code 2 when pytest finds this conftest while collecting tests/.
    if os.environ.get(REQUIRE_TORCH_VARIABLE) != "1":
        return
    error = _torch_import_error()
    if error is not None:
        raise pytest.UsageError(
            f"{REQUIRE_TORCH_VARIABLE}=1 but torch cannot be imported ({error}); "
            "install the test extra (torch==2.13.0, CPU wheel)"
        )
