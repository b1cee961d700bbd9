"""The catalog: every record well-formed, and the facts of ml-scaling-semantics.md it declares."""

from __future__ import annotations

import dataclasses

import libcst as cst
import pytest

from lossscale_lint.facts import catalog
from lossscale_lint.facts.catalog.records import LossKind, OptimizerFamily, Reachable
from lossscale_lint.facts.extract import extract_facts
from lossscale_lint.facts.model import MeanDivisor, Reduction



def _records():
    for module in catalog.MODULES:
        for attribute, value in vars(module).items():
            if attribute.isupper() and not attribute.startswith("_"):
                items = value if isinstance(value, tuple) else (value,)
                for item in items:
                    if dataclasses.is_dataclass(item):
                        yield f"{module.__name__}.{attribute}", item


def _reachables(value):
    if isinstance(value, Reachable):
        yield value
    elif dataclasses.is_dataclass(value):
        for field in dataclasses.fields(value):
            yield from _reachables(getattr(value, field.name))
    elif isinstance(value, tuple):
        for item in value:
            yield from _reachables(item)


@pytest.mark.parametrize(("where", "record"), list(_records()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_record_is_frozen_and_names_are_identifiers(where, record):
    assert dataclasses.fields(record)[0].name  # a dataclass with fields
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(record, dataclasses.fields(record)[0].name, None)
    for reachable in _reachables(record):
        assert reachable.name.isidentifier() and reachable.modules, where
        for qualified in reachable.qualified_names:
            assert all(part.isidentifier() for part in qualified.split(".")), qualified


def test_no_qualified_name_is_declared_twice_for_one_kind():
    for records in (catalog.LOSSES, catalog.OPTIMIZERS, catalog.DATALOADERS, catalog.ACCELERATORS, catalog.CLIPS):
        names = [q for r in records for q in r.callable.qualified_names]
        assert len(names) == len(set(names))


def test_every_loss_reads_reduction_and_module_losses_take_one_positional():
    for loss in catalog.LOSSES:
        assert loss.keywords.reduction == "reduction"
        assert loss.mean_divisor is not MeanDivisor.UNKNOWN
        assert loss.max_positional == (1 if loss.kind is LossKind.MODULE else 3)


@pytest.mark.parametrize(("qualified", "divisor"), [
    ("torch.nn.MSELoss", MeanDivisor.ELEMENTS),  # "mean" divides by every element, B*D
    ("torch.nn.functional.mse_loss", MeanDivisor.ELEMENTS),
    ("torch.nn.L1Loss", MeanDivisor.ELEMENTS),
    ("torch.nn.BCEWithLogitsLoss", MeanDivisor.ELEMENTS),
    ("torch.nn.HuberLoss", MeanDivisor.ELEMENTS),
    ("torch.nn.KLDivLoss", MeanDivisor.ELEMENTS),
    ("torch.nn.CrossEntropyLoss", MeanDivisor.TARGET_WEIGHTS),  # weighted mean over non-ignored targets
    ("torch.nn.modules.loss.NLLLoss", MeanDivisor.TARGET_WEIGHTS),
    ("torch.nn.functional.cross_entropy", MeanDivisor.TARGET_WEIGHTS),
    ("torch.nn.CTCLoss", MeanDivisor.LENGTH_NORMALISED_BATCH),
    ("torch.nn.TripletMarginLoss", MeanDivisor.BATCH),
])
def test_what_each_mean_divides_by(qualified, divisor):
    assert catalog.loss_record(qualified).mean_divisor is divisor


def test_per_sample_means_are_the_batch_divisors_only():
    assert catalog.loss_record("torch.nn.CrossEntropyLoss").mean_divisor.per_sample
    assert catalog.loss_record("torch.nn.TripletMarginLoss").mean_divisor.per_sample
    assert not catalog.loss_record("torch.nn.MSELoss").mean_divisor.per_sample
    assert not catalog.loss_record("torch.nn.CTCLoss").mean_divisor.per_sample  # / target length first


def test_kl_batchmean_divides_by_the_batch():
    kl = catalog.loss_record("torch.nn.functional.kl_div")
    assert kl.divisor(Reduction.BATCHMEAN) is MeanDivisor.BATCH
    assert kl.divisor(Reduction.MEAN) is MeanDivisor.ELEMENTS
    assert catalog.loss_record("torch.nn.MSELoss").divisor(Reduction.SUM) is None


@pytest.mark.parametrize(("name", "legacy"), [("MSELoss", True), ("HuberLoss", False), ("CTCLoss", False),
                                              ("CrossEntropyLoss", True)])
def test_which_losses_take_size_average_and_reduce(name, legacy):
    assert catalog.loss_record(f"torch.nn.{name}").accepts_legacy is legacy


def test_look_alike_names_are_no_loss():
    assert catalog.loss_record("torch.MSELoss") is None
    assert catalog.loss_record("mylib.nn.MSELoss") is None
    assert catalog.loss_record("torch.nn.functional.MSELoss") is None  # a class is no function


@pytest.mark.parametrize(("size_average", "reduce", "reduction"), [
    (None, None, Reduction.MEAN), (True, True, Reduction.MEAN), (False, None, Reduction.SUM),
    (False, True, Reduction.SUM), (None, False, Reduction.NONE), (False, False, Reduction.NONE),
])
def test_legacy_flags_map_as_legacy_get_string(size_average, reduce, reduction):
    assert catalog.legacy_reduction(size_average, reduce) is reduction


def test_reduction_strings_include_the_deprecated_spelling():
    assert catalog.REDUCTION_STRINGS["elementwise_mean"] is Reduction.MEAN
    assert catalog.REDUCTION_STRINGS["sum"] is Reduction.SUM
    assert "unknown" not in catalog.REDUCTION_STRINGS


@pytest.mark.parametrize(("qualified", "family", "proportional", "decoupled"), [
    ("torch.optim.SGD", OptimizerFamily.PLAIN, True, False),
    ("torch.optim.sgd.SGD", OptimizerFamily.PLAIN, True, False),  # a submodule of torch.optim
    ("torch.optim.ASGD", OptimizerFamily.PLAIN, True, False),
    ("torch.optim.Adam", OptimizerFamily.ADAPTIVE, False, False),
    ("torch.optim.AdamW", OptimizerFamily.ADAPTIVE, False, True),
    ("torch.optim.RAdam", OptimizerFamily.UNKNOWN, False, False),
    ("transformers.optimization.Adafactor", OptimizerFamily.ADAPTIVE, False, True),
])
def test_optimizer_facts(qualified, family, proportional, decoupled):
    record = catalog.optimizer_record(qualified)
    assert record.family is family
    assert record.step_proportional_to_gradient is proportional
    assert record.decoupled_by_default is decoupled


def test_optimizer_keywords_and_defaults():
    adam, adamw, sgd = (catalog.optimizer_record(f"torch.optim.{n}") for n in ("Adam", "AdamW", "SGD"))
    assert adam.keywords.decoupled_flag == "decoupled_weight_decay" and adamw.keywords.decoupled_flag is None
    assert adamw.default_weight_decay == 1e-2 and sgd.default_weight_decay == 0.0
    assert sgd.keywords.momentum == "momentum" and adam.keywords.momentum is None
    assert {r.lr_position for r in catalog.OPTIMIZERS} == {1}
    assert sgd.scaling_family == "sgd" and adam.scaling_family == "adaptive"


def test_look_alike_optimizers_are_unknown():
    assert catalog.optimizer_record("mylib.optim.SGD") is None
    assert catalog.optimizer_record("torch.optimizer.SGD") is None
    assert catalog.optimizer_record("transformers.SGD") is None


def test_clip_functions_and_their_thresholds():
    assert catalog.CLIP_FUNCTIONS["torch.nn.utils.clip_grad_norm"] == "clip_grad_norm_"  # deprecated alias
    assert catalog.clip_record("clip_grad_norm_").threshold_keyword == "max_norm"
    assert catalog.clip_record("clip_grad_value_").threshold_keyword == "clip_value"


def test_same_object_calls():
    assert catalog.SAME_OBJECT_CALLS["to"].returns_receiver
    assert catalog.SAME_OBJECT_CALLS["prepare"].returns_argument and catalog.SAME_OBJECT_CALLS["prepare"].unpacks_arguments
    assert catalog.SAME_OBJECT_CALLS["initialize"].unpacks_arguments
    assert not catalog.SAME_OBJECT_CALLS["initialize"].returns_argument


def test_settings_are_joined_over_the_frameworks():
    assert {"batch_size", "per_device_train_batch_size"} <= catalog.BATCH_SIZE_NAMES
    assert {"gradient_accumulation_steps", "accumulate_grad_batches", "accum_iter"} <= catalog.ACCUMULATION_NAMES
    assert {"world_size", "num_processes"} <= catalog.WORLD_SIZE_NAMES
    assert "lr" in catalog.LEARNING_RATE_NAMES
    assert catalog.is_world_size_function("dist.get_world_size")
    assert catalog.is_no_grad_context("torch.no_grad") and not catalog.is_no_grad_context("torch.enable_grad")


def test_the_frameworks_left_for_later_declare_nothing_yet():
    from lossscale_lint.facts.catalog import jax, keras, tensorflow

    for module in (keras, tensorflow, jax):
        assert module.__doc__ and not [a for a in vars(module) if a.isupper()]


# --- the facts rules read, as the extractor builds them --------------------------------------------


def _loss_sites(source: str):
    return extract_facts(cst.parse_module(source), "train.py").losses


def test_loss_sites_say_how_their_mean_divides():
    sites = _loss_sites(
        "import torch.nn as nn\nimport torch.nn.functional as F\n"
        "a = nn.MSELoss()\nb = nn.CrossEntropyLoss(reduction='sum')\nc = F.triplet_margin_loss(x, y, z)\n"
    )
    assert [(s.name, s.mean_divides_by, s.mean_is_per_sample) for s in sites] == [
        ("MSELoss", MeanDivisor.ELEMENTS, False),
        ("CrossEntropyLoss", MeanDivisor.TARGET_WEIGHTS, True),
        ("triplet_margin_loss", MeanDivisor.BATCH, True),
    ]


def test_a_look_alike_loss_makes_no_site():
    assert _loss_sites("import mylib.nn as nn\na = nn.MSELoss(reduction='sum')\n") == ()


def test_reductions_print_as_their_value():
    assert f"{Reduction.SUM}" == "sum" and Reduction.MEAN == "mean"


# --- a rule asking the fact: LSL101's keep-the-step fix needs a per-sample mean ----------------------

SUMMED_WITH_SGD = """\
import torch.nn as nn
from torch import optim
from torch.utils.data import DataLoader

BATCH_SIZE = 32
model = nn.Linear(20, 5)
optimizer = optim.SGD(model.parameters(), lr=0.01)
criterion = nn.{loss}(reduction="sum")
loader = DataLoader(data, batch_size=BATCH_SIZE)
for inputs, targets in loader:
    optimizer.zero_grad()
    loss = criterion(model(inputs), targets)
    loss.backward()
    optimizer.step()
"""


@pytest.mark.parametrize(("loss", "fixable"), [
    ("CrossEntropyLoss", True), ("TripletMarginLoss", True),  # sum -> mean divides by exactly B
    ("MSELoss", False), ("CTCLoss", False),  # by B*D elements / by target lengths first: no exact fix
])
def test_lsl101_offers_the_keep_step_fix_only_for_per_sample_means(loss, fixable):
    from lossscale_lint.pipeline.engine import lint_source

    found = [d for d in lint_source(SUMMED_WITH_SGD.format(loss=loss), "train.py") if d.code == "LSL101"]
    assert len(found) == 1
    assert (found[0].fix is not None) is fixable
