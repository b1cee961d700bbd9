"""Oracle for LSL302-LSL304 with real data parallelism: a gloo process group of 2 (and 4) CPU
processes, each a DistributedDataParallel rank on its share b = B / W of a fixed global batch.

- LSL302: a summed loss gives b x the global-mean gradient, so x W/W' at the same global batch;
- LSL303: `loss * W` gives W x the global-mean gradient, `loss / W` gives 1/W of it;
- LSL304: lr x W with b = B // W makes the step W'/W larger for the same global batch.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the oracle suite needs torch (test extra)")
if not torch.distributed.is_available():
    pytest.skip("this torch build has no torch.distributed", allow_module_level=True)

from ddp_rig import GLOBAL_BATCH, run_ddp, single_process_mean_gradient  # noqa: E402

from lossscale_lint.pipeline.linting import lint_text  # noqa: E402
from lossscale_lint.config.options import AnalysisOptions  # noqa: E402

pytestmark = [pytest.mark.oracle, pytest.mark.slow]

HEADER = (
    "import torch\nimport torch.distributed as dist\nfrom torch.nn.parallel import DistributedDataParallel as DDP\n"
    "world_size = dist.get_world_size()\nmodel = DDP(torch.nn.Linear(4, 3))\n"
)
LOOP = "for x, y in loader:\n    optimizer.zero_grad()\n    {loss}.backward()\n    optimizer.step()\n"


def factor_of(source: str, code: str) -> str:
    [diagnostic] = [d for d in lint_text(source, "t.py", AnalysisOptions()) if d.code == code]
    return diagnostic.factor


@pytest.fixture(scope="module")
def mean_gradient():
    return single_process_mean_gradient()


@pytest.fixture(scope="module")
def ddp(tmp_path_factory):
    """Every case on 2 ranks, and the ones compared across world sizes on 4: {W: {case: result}}."""
    workdir = tmp_path_factory.mktemp("ddp")
    both = ["sum", "mean_lr_times_world_size", "mean_times_world_size"]
    return {2: run_ddp(["mean", *both, "mean_over_world_size"], 2, workdir),
            4: run_ddp(both, 4, workdir)}


def test_a_mean_loss_under_ddp_is_the_global_mean(ddp, mean_gradient):
    torch.testing.assert_close(ddp[2]["mean"]["grad"], mean_gradient, rtol=1e-12, atol=1e-14)


def test_a_summed_loss_follows_the_per_device_batch(ddp, mean_gradient):
    two, four = ddp[2]["sum"], ddp[4]["sum"]
    assert (two["per_device_batch"], four["per_device_batch"]) == (GLOBAL_BATCH // 2, GLOBAL_BATCH // 4)
    torch.testing.assert_close(two["grad"], two["per_device_batch"] * mean_gradient, rtol=1e-12, atol=1e-13)
    # x W/W' at the same global batch, as the factor says: W = 2 -> 4 halves the gradient.
    torch.testing.assert_close(four["grad"], 0.5 * two["grad"], rtol=1e-12, atol=1e-13)
    # Not the summed global batch a single process would see: 1/W of it.
    torch.testing.assert_close(two["grad"], GLOBAL_BATCH * mean_gradient / 2, rtol=1e-12, atol=1e-13)
    source = HEADER + "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n" + LOOP.format(
        loss="torch.nn.functional.cross_entropy(model(x), y, reduction='sum')")
    assert "x W/W'" in factor_of(source, "LSL302") and "W=2 -> 4: x0.5" in factor_of(source, "LSL302")


@pytest.mark.parametrize("case, factor, words", [
    ("mean_times_world_size", 2.0, "x2 at W=2"),
    ("mean_over_world_size", 0.5, "x0.5 at W=2"),
])
def test_a_world_size_factor_on_top_of_the_averaging(ddp, mean_gradient, case, factor, words):
    torch.testing.assert_close(ddp[2][case]["grad"], factor * mean_gradient, rtol=1e-12, atol=1e-14)
    written = "* world_size" if factor > 1 else "/ world_size"
    source = HEADER + "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n" + LOOP.format(
        loss=f"(torch.nn.functional.cross_entropy(model(x), y) {written})")
    assert words in factor_of(source, "LSL303")


def test_lr_times_world_size_with_a_fixed_global_batch(ddp):
    two, four = ddp[2]["mean_lr_times_world_size"], ddp[4]["mean_lr_times_world_size"]
    # The same global batch and the same gradient on 2 and 4 devices, and twice the step on 4.
    torch.testing.assert_close(four["grad"], two["grad"], rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(four["update"], 2.0 * two["update"], rtol=1e-12, atol=1e-14)
    source = HEADER + (
        "loader = torch.utils.data.DataLoader([], batch_size=256 // world_size)\n"
        "optimizer = torch.optim.SGD(model.parameters(), lr=0.1 * world_size)\n"
    ) + LOOP.format(loss="torch.nn.functional.cross_entropy(model(x), y)")
    assert "W=2 -> 4: x2" in factor_of(source, "LSL304")


def test_advise_gives_the_world_size_factor_real_ddp_shows(ddp, tmp_path):
    """`loss * world_size` under DDP: the update on 4 processes is twice that on 2 (same global
    batch), which is what `advise --from-world-size 2 --world-size 4` reports."""
    from lossscale_lint.advisor.advice import advise
    from lossscale_lint.pipeline.engine import module_facts

    two, four = ddp[2]["mean_times_world_size"], ddp[4]["mean_times_world_size"]
    torch.testing.assert_close(four["update"], 2.0 * two["update"], rtol=1e-12, atol=1e-14)
    source = HEADER + (
        "loader = torch.utils.data.DataLoader([], batch_size=8)\n"
        "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
    ) + LOOP.format(loss="(torch.nn.functional.cross_entropy(model(x), y) * world_size)")
    facts = module_facts(source, "t.py", AnalysisOptions())
    [loop] = advise(facts, 4, world_size=4, old_world_size=2).loops
    assert loop.world_size_factor == 2.0
