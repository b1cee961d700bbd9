"""Oracle for LSL402: clipping before `scaler.unscale_` compares the threshold with S x ||g||; the
step shrinks by max_norm / (S x ||g||), as the factor says, and the fix restores the true step.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the oracle suite needs torch (test extra)")

from lossscale_lint.config.options import AnalysisOptions  # noqa: E402
from lossscale_lint.fixes.apply import apply_fixes  # noqa: E402
from lossscale_lint.pipeline.linting import lint_text  # noqa: E402

pytestmark = [pytest.mark.oracle, pytest.mark.slow]

MAX_NORM = 1.0


def step(unscale_first: bool) -> tuple[torch.Tensor, float, float]:
    """One AMP step with clipping; the update, the norm the clip saw and the scaler's scale."""
    torch.manual_seed(0)
    model = torch.nn.Linear(10, 2, dtype=torch.float64)  # float32 would lose the tiny clipped step
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler("cpu")
    inputs, targets = torch.randn(32, 10, dtype=torch.float64), torch.randint(0, 2, (32,))
    before = [p.detach().clone() for p in model.parameters()]
    scaler.scale(torch.nn.functional.cross_entropy(model(inputs), targets)).backward()
    if unscale_first:
        scaler.unscale_(optimizer)
    seen = float(torch.nn.utils.clip_grad_norm_(model.parameters(), MAX_NORM))
    scale = scaler.get_scale()
    scaler.step(optimizer)
    scaler.update()
    update = torch.cat([(p.detach() - b).flatten() for p, b in zip(model.parameters(), before)])
    return update, seen, scale


def test_the_step_shrinks_by_max_norm_over_the_scaled_norm():
    clipped, seen, scale = step(unscale_first=False)
    true, true_norm, _ = step(unscale_first=True)
    assert scale == 65536.0 and true_norm < MAX_NORM < seen  # the true gradient needed no clipping
    assert seen == pytest.approx(scale * true_norm, rel=1e-5)  # the clip saw S x ||g||
    torch.testing.assert_close(clipped, true * (MAX_NORM / (seen + 1e-6)), rtol=1e-6, atol=1e-15)


def test_the_fix_gives_the_unscaled_order():
    source = (
        "import torch\nmodel = torch.nn.Linear(2, 2)\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "scaler = torch.amp.GradScaler('cpu')\nfor x, y in []:\n"
        "    scaler.scale(model(x).mean()).backward()\n"
        "    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n"
        "    scaler.step(optimizer)\n    scaler.update()\n"
    )
    options = AnalysisOptions()
    [diagnostic] = lint_text(source, "t.py", options)
    assert diagnostic.code == "LSL402" and diagnostic.factor.startswith("step x max_norm / (S x ||g||)")
    fixed = apply_fixes(source, [diagnostic], unsafe=False, path="t.py", options=options).new_source
    assert "    scaler.unscale_(optimizer)\n    torch.nn.utils.clip_grad_norm_" in fixed
    assert lint_text(fixed, "t.py", options) == []
