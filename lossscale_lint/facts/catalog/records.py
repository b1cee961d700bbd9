"""The record types every framework module of the catalog fills in.

A record says what a framework does, in data: the extractor, resolver, flow algebra and rules read
these records and never name a framework, a class, a method or a keyword themselves. Records are
plain frozen dataclasses; nothing here imports a framework or parses code.

A class or function is known by its `name` and the `modules` it is reachable from
(`torch.nn.MSELoss` and `torch.nn.modules.loss.MSELoss`); `qualified_names` lists them all.

A framework module declares its records in module-level tuples named after what they hold
(`LOSSES`, `OPTIMIZERS`, `DATALOADERS`, `ACCELERATORS`, `CLIPS`, `SAME_OBJECT_CALLS`,
`NO_GRAD_CONTEXTS`, `SETTINGS`, ...); `catalog/__init__.py` joins them over every framework.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum

from lossscale_lint.facts.vocabulary import LossEdit, MeanDivisor, Reduction


@dataclass(frozen=True)
class Reachable:
    """A callable reachable as `module.name` for each of `modules`."""

    name: str
    modules: tuple[str, ...]
    # True when any submodule of `modules` also exports the name (`torch.optim.sgd.SGD`).
    submodules: bool = False

    @property
    def qualified_names(self) -> tuple[str, ...]:
        return tuple(f"{module}.{self.name}" for module in self.modules)

    def reached_by(self, qualified: str) -> bool:
        module, _, name = qualified.rpartition(".")
        if name != self.name:
            return False
        return module in self.modules or (
            self.submodules and any(module.startswith(f"{m}.") for m in self.modules)
        )


# --- losses, optimizers and the calls the sites read (the catalog engineer's records) -------------


class LossKind(StrEnum):
    MODULE = "module"  # a class whose instance is called: nn.MSELoss()(input, target)
    FUNCTIONAL = "functional"  # a function called on the tensors: F.mse_loss(input, target)


@dataclass(frozen=True)
class LossKeywords:
    """The keyword arguments a loss call is read for."""

    reduction: str
    legacy: tuple[str, ...] = ()  # deprecated flags that override `reduction` (size_average, reduce)


@dataclass(frozen=True)
class IgnoredTargets:
    """How a loss leaves targets out of its "mean" (CrossEntropy / NLL): the class weights it
    divides by the sum of (`weight=`, with its positional index) and the target value it skips
    (`ignore_index=`, and its default when not written)."""

    weight_keyword: str
    weight_position: int
    ignore_keyword: str
    default_ignore_index: int


@dataclass(frozen=True)
class LossRecord:
    callable: Reachable
    kind: LossKind
    mean_divisor: MeanDivisor  # what reduction="mean" divides the summed loss by
    keywords: LossKeywords
    accepts_legacy: bool = False  # still takes the `keywords.legacy` flags
    # Positional arguments that cannot be a legacy flag (the module's `weight`; a function's input,
    # target and weight); more positional arguments make the reduction unknown.
    max_positional: int = 1
    # The reduction strings the call accepts beyond the common ones, with their divisor.
    extra_divisors: tuple[tuple[Reduction, MeanDivisor], ...] = ()
    # For a "mean" over the summed target weights: where the weights and the ignored target are
    # passed (None: the loss has neither).
    ignored_targets: IgnoredTargets | None = None

    @property
    def name(self) -> str:
        return self.callable.name

    @property
    def per_sample_reduction(self) -> Reduction | None:
        """The reduction that divides by the number of samples when "mean" divides by more (the KL
        losses' "batchmean"): None when "mean" is already per sample, or there is no such one."""
        if self.mean_divisor is MeanDivisor.BATCH:
            return None
        return next((reduction for reduction, divisor in self.extra_divisors if divisor is MeanDivisor.BATCH), None)

    def divisor(self, reduction: Reduction) -> MeanDivisor | None:
        """What the loss divides its sum by under `reduction` (None: it does not divide)."""
        if reduction is Reduction.MEAN:
            return self.mean_divisor
        return dict(self.extra_divisors).get(reduction)


class OptimizerFamily(StrEnum):
    PLAIN = "plain"  # the step is lr * gradient (SGD without momentum, ASGD)
    MOMENTUM = "momentum"  # a running sum of gradients, still proportional to the gradient
    ADAPTIVE = "adaptive"  # normalised by a running gradient magnitude: a constant loss scale cancels
    UNKNOWN = "unknown"  # neither, or only for some steps (RAdam's first steps, LBFGS)


@dataclass(frozen=True)
class OptimizerKeywords:
    params: str
    lr: str
    weight_decay: str
    momentum: str | None = None  # heavy-ball momentum; the step stays proportional to the gradient
    decoupled_flag: str | None = None  # `decoupled_weight_decay=True` switches to lr*wd*w decay


@dataclass(frozen=True)
class OptimizerRecord:
    callable: Reachable
    family: OptimizerFamily
    keywords: OptimizerKeywords
    decoupled_by_default: bool = False  # AdamW-style decay lr * wd * w, independent of the loss scale
    lr_position: int = 1  # positional index of lr (params is 0)
    default_weight_decay: float = 0.0
    # Coupled decay (`weight_decay` added to the gradient) goes through the adaptive normalisation,
    # so its strength falls as 1/c when the loss is scaled by c (Adam, RMSprop, Adagrad, ...).
    coupled_decay_normalised: bool = False
    # The optimizer of the same module that decouples the decay (Adam -> AdamW), if any.
    decoupled_counterpart: str | None = None

    @property
    def name(self) -> str:
        return self.callable.name

    @property
    def step_proportional_to_gradient(self) -> bool:
        """A loss scaled by c makes every step c times larger (SGD with or without momentum)."""
        return self.family in (OptimizerFamily.PLAIN, OptimizerFamily.MOMENTUM)

    @property
    def scaling_family(self) -> str:
        """The family as the scaling math names it: "sgd", "adaptive" or "unknown"."""
        if self.step_proportional_to_gradient:
            return "sgd"
        return "adaptive" if self.family is OptimizerFamily.ADAPTIVE else "unknown"


@dataclass(frozen=True)
class DataLoaderRecord:
    callable: Reachable
    batch_size_keyword: str
    batch_size_position: int
    drop_last_keyword: str


@dataclass(frozen=True)
class AcceleratorRecord:
    """An object whose backward divides by the accumulation steps configured on it."""

    callable: Reachable
    accumulation_keyword: str  # Accelerator(gradient_accumulation_steps=K)


@dataclass(frozen=True)
class ClipFunction:
    """A gradient-clipping function and where its threshold is passed."""

    callable: Reachable
    function: str  # the canonical name facts use ("clip_grad_norm_"; deprecated aliases map to it)
    threshold_keyword: str
    threshold_position: int = 1


@dataclass(frozen=True)
class SameObjectCall:
    """A method whose result is (for our purposes) an object it was given: `model.to(device)` is
    `model`, `accelerator.prepare(opt)` is `opt`, `a, b = accelerator.prepare(a, b)` unpacks them."""

    method: str
    returns_receiver: bool = False  # called with at most one argument, returns its receiver
    returns_argument: bool = False  # called with one argument, returns it
    unpacks_arguments: bool = False  # returns its positional arguments, in order, as a tuple


@dataclass(frozen=True)
class TensorMethods:
    """Tensor methods the flow algebra treats alike."""

    transparent: frozenset[str]  # return the same value for our purposes (.float(), .to(), .clone())
    elementwise: frozenset[str]  # per element (.pow(), .log()): a later .sum() makes a summed loss
    # Methods whose result counts this batch (x.size(0), y.numel(), mask.sum()).
    counts: frozenset[str]
    count_conversions: frozenset[str]  # keep a count a count (.item(), .float())
    size_method: str  # x.size(0)
    shape_attribute: str  # x.shape[0]
    parameter_iterators: frozenset[str]  # model.parameters(): a sum over them is a penalty
    gradient_attribute: str  # p.grad
    data_attribute: str  # p.data / p.grad.data: the same tensor without autograd
    # A loss-scaling wrapper that returns its one argument scaled by a constant (GradScaler.scale).
    loss_scale_method: str | None = None
    # Methods that count the ones of a mask (`mask.sum()`): the valid elements of this batch.
    mask_counts: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Reductions:
    """Calls that reduce a tensor: methods (`x.sum()`) and functions (`torch.sum(x)`)."""

    methods: tuple[tuple[str, Reduction], ...]
    functions: tuple[tuple[str, Reduction], ...]
    dim_keyword: str  # x.sum(dim=0)
    # The strings a `reduction=` argument may hold (and the deprecated spellings they mean).
    strings: tuple[tuple[str, Reduction], ...] = ()


@dataclass(frozen=True)
class SettingNames:
    """Identifiers that name a training setting, as people spell them in scripts and configs."""

    batch_size: frozenset[str] = frozenset()
    accumulation: frozenset[str] = frozenset()
    learning_rate: frozenset[str] = frozenset()
    world_size: frozenset[str] = frozenset()
    world_size_functions: tuple[Reachable, ...] = ()  # torch.distributed.get_world_size()
    # World-size functions whose name alone says nothing (`hvd.size()`): only when the call
    # resolves to them.
    world_size_resolved_functions: tuple[Reachable, ...] = ()


@dataclass(frozen=True)
class SettingReader:
    """An argparse-like parser: where options are declared and where their values are read."""

    declare_method: str  # parser.add_argument("--batch-size", default=32)
    parse_methods: frozenset[str]  # args = parser.parse_args()
    default_keyword: str
    dest_keyword: str


@dataclass(frozen=True)
class RuntimeSettingReaders:
    """Where a script reads values its user chooses at run time (besides argparse): each is a
    setting whose default is one value among those it runs with."""

    environment_getters: frozenset[str]  # os.environ.get("K", "1"), os.getenv("K", "1")
    environment_mapping: str  # os.environ["K"]
    # Decorators that turn a function parameter into a command-line option, by reader kind:
    # @click.option("--grad-accum", default=1) on `def main(grad_accum)`.
    option_decorators: dict[str, frozenset[str]]
    # Parameter defaults that declare an option: `k: int = typer.Option(1)`; the default is the
    # first positional argument or `default=`.
    option_defaults: dict[str, frozenset[str]]
    default_keyword: str
    # `fire.Fire(main)`: every parameter of `main` is a command-line option.
    command_runners: dict[str, frozenset[str]]
    namespaces: frozenset[str]  # SimpleNamespace(grad_accum=1).grad_accum
    dataclass_decorators: frozenset[str]  # @dataclass class Config: grad_accum: int = 1
    dataclass_fields: frozenset[str]  # grad_accum: int = field(default=1)
    # Calls whose result is a config read from outside the code (a file, the command line).
    config_loaders: frozenset[str]
    # HfArgumentParser(...).parse_args_into_dataclasses(): a tuple of dataclass instances.
    dataclass_parse_methods: frozenset[str]


@dataclass(frozen=True)
class PythonBuiltins:
    length: str  # len(y)
    number_casts: frozenset[str]  # int(x), float(x): the value stays what it was
    counter: str  # range(K)
    iteration_wrappers: frozenset[str]  # enumerate(loader), iter(loader), tqdm(loader)
    zipper: str  # zip(xb, yb): walks several sequences item by item
    adder: str  # sum(losses): the terms of a list added up
    list_append: str  # losses.append(l): how a list of terms is built
    enumerator: str = "enumerate"  # for i, batch in enumerate(loader): the index counts the batches



# -- update sites: where gradients are made and become a parameter update -------------------------

class LossAt(Enum):
    """Where a backward call finds the loss it backpropagates."""

    RECEIVER = "receiver"  # `loss.backward()`
    SCALED_RECEIVER = "scaled_receiver"  # `scaler.scale(loss).backward()`
    ARGUMENT = "argument"  # `accelerator.backward(loss)`


class AccumulationDivision(Enum):
    """Whether a backward call divides the loss by the accumulation steps K itself."""

    NEVER = "never"
    ALWAYS = "always"  # the engine reads K from its own configuration
    WHEN_CONFIGURED = "when_configured"  # the receiver was built with K
    UNKNOWN = "unknown"  # a backward we know nothing about


@dataclass(frozen=True)
class BackwardCall:
    """A call that backpropagates a loss, and what it does to that loss on the way.

    The extractor tries the records in catalog order and takes the first that matches the call's
    method name, its shape and (when given) what its receiver was built by.
    """

    kind: str  # the update site's kind: "tensor", "amp_scaler", "accelerate", ...
    method: str  # "backward", "manual_backward"
    loss_at: LossAt  # with SCALED_RECEIVER, the scaling call is named by `scale_method`
    scale_method: str | None = None
    # fnmatch patterns for the qualified name of the call that made the receiver (`accelerator =
    # Accelerator(...)`); empty: any receiver.
    receiver_made_by: tuple[str, ...] = ()
    divides_by_accumulation: AccumulationDivision = AccumulationDivision.NEVER
    # A keyword that turns that division off when passed False (DeepSpeed's
    # `engine.backward(loss, scale_wrt_gas=False)`); any other value than a literal makes it unknown.
    division_switch: str | None = None
    # How a fix may divide the loss by K: "wrap" rewrites `loss` as `(loss / K)` (a receiver),
    # "plain" as `loss / K` (an argument); None: no fix.
    loss_edit: LossEdit | None = None


@dataclass(frozen=True)
class AutomaticUpdate:
    """A framework that calls backward and step itself on what a method returns (Lightning)."""

    kind: str
    base_class_suffixes: tuple[str, ...]  # the class must derive from one of these (qualified)
    step_method: str  # returns the loss: "training_step"
    loss_key: str  # the loss's key when the method returns a dict
    optimizers_method: str  # returns the optimizer: "configure_optimizers"
    trainer_suffixes: tuple[str, ...]  # the object that configures accumulation
    accumulation_keyword: str  # "accumulate_grad_batches"
    # Spellings inside the module that read the framework's own K (`self.trainer.accumulate_grad_batches`).
    steps_attributes: tuple[str, ...] = ()


@dataclass(frozen=True)
class FrameworkDivisionWords:
    """How a diagnostic names a framework that divides by K, and where K is configured."""

    framework: str
    who: str  # "`accelerator.backward`"
    configured_here: str  # "Accelerator with gradient accumulation created here"
    steps_attributes: tuple[str, ...] = ()


class ScaleDirection(Enum):
    """Whether a scaling call divides or multiplies by its factor (the `ScaleOp.op` of the facts)."""

    DIV = "div"
    MUL = "mul"


@dataclass(frozen=True)
class GradientScaleCall:
    """An in-place scaling of gradients: `p.grad.div_(K)` (a method on a gradient) or
    `torch._foreach_div_(grads, K)` (a function over a list of gradients)."""

    op: ScaleDirection
    method: str | None = None  # a method called on a gradient tensor
    function: str | None = None  # a qualified function taking (gradients, factor)


@dataclass(frozen=True)
class ManualUpdateCall:
    """`p.add_(p.grad, alpha=-lr)`: an in-place method that adds (or subtracts) the gradient times
    `alpha`, or a single product `p.sub_(lr * p.grad)`."""

    method: str  # "add_"
    scale_keyword: str  # "alpha": holds -lr
    adds: bool = True  # add_: a descent step passes -lr; sub_: it passes lr
    # The overload `add_(value, other)`, deprecated in torch 1.5 but all over older code:
    # `p.data.add_(-lr, p.grad)`.
    legacy_scale_first: bool = False


@dataclass(frozen=True)
class ReturnedLossRecord:
    """Library models whose forward returns their own loss (`model(**batch).loss`), and its reduction.

    A model is known by the class its constructor is called on: `home.<Class>.<constructor>(...)`
    (`transformers.AutoModelForCausalLM.from_pretrained`) where the class name contains one of
    `class_markers` ("For", as in `BertForSequenceClassification`) or ends with one of
    `class_suffixes` ("LMHeadModel").
    """

    home: str
    constructors: tuple[str, ...]
    class_markers: tuple[str, ...]
    class_suffixes: tuple[str, ...]
    loss_attribute: str  # `outputs.loss`, `outputs["loss"]`
    reduction: Reduction
    mean_divides_by: MeanDivisor
    # Class names (containing one of these) whose loss is a mean over the micro-batch's valid label
    # tokens (`labels != -100`), a count that changes from batch to batch: language-model and
    # token-classification heads (a sequence classifier's loss is a mean over samples).
    token_class_markers: tuple[str, ...] = ()
    # The forward keyword that makes the loss a sum divided by a count the caller passes (the
    # token count of the whole accumulation window): `num_items_in_batch=`.
    window_count_keyword: str | None = None

    def averages_tokens(self, model_class: str) -> bool:
        return any(marker in model_class for marker in self.token_class_markers)

    def model_class(self, qualified: str) -> str | None:
        """The model class a constructor call `qualified` builds, when this record covers it."""
        head, _, constructor = qualified.rpartition(".")
        home, _, cls = head.rpartition(".")
        if home != self.home or constructor not in self.constructors or not cls.isidentifier():
            return None
        known = any(m in cls for m in self.class_markers) or cls.endswith(self.class_suffixes)
        return cls if known else None


@dataclass(frozen=True)
class PenaltyNames:
    """How a parameter penalty is recognised when it is computed out of sight: a call named like
    one (`model.kl_loss()`, `l2_penalty(model)`, `kl_divergence(model)`) on the model itself, or an
    attribute named like one summed over the model's modules (`sum(m.kl for m in model.modules())`).

    A word matches one `_`-separated part of the name, lower-cased ("kl" in `compute_kl`). The model
    must be the receiver or the only argument: `kl_divergence(q_z, p_z)` of two distributions in a
    VAE is a per-sample term, not a penalty.
    """

    words: frozenset[str]
    module_iterators: frozenset[str]  # model.modules(): the layers a Bayesian net keeps its KL in


@dataclass(frozen=True)
class IgnoredTargetNames:
    """Identifiers that show a script sets targets to the default ignore index: a name containing
    one of `parts`, lower-cased (`IGNORE_INDEX`, `ignore_label`, `DataCollatorForSeq2Seq`, whose
    `label_pad_token_id` defaults to -100)."""

    parts: tuple[str, ...]


@dataclass(frozen=True)
class OutputWidthLayers:
    """How many values per example a model built in the script outputs, when it says so itself:
    `nn.Linear(in, out)` or an `nn.Sequential` whose last width-setting layer is one (element-wise
    layers after it keep the width). An element-wise mean divides by B times this."""

    layer: Reachable  # torch.nn.Linear
    out_keyword: str  # out_features
    out_position: int  # Linear(in_features, out_features)
    container: Reachable  # torch.nn.Sequential
    width_keeping: frozenset[str]  # ReLU, Sigmoid, Dropout...: the width passes through


# --- data parallelism (ml-scaling-semantics.md sections 2.4, 4 and 9) ------------------------------


class GradientReduction(StrEnum):
    """What a data-parallel wrapper does with the ranks' gradients."""

    AVERAGE = "average"  # DDP, FSDP, Horovod's default op: the mean of the W per-rank gradients
    SUM = "sum"  # Horovod with op=hvd.Sum: the sum over the ranks
    OTHER = "other"  # an op the catalog does not know (`hvd.Adasum`), or a variable


@dataclass(frozen=True)
class DataParallelRecord:
    """A call that makes training data-parallel: it wraps a model (`DistributedDataParallel(model)`)
    or an optimizer (`hvd.DistributedOptimizer(opt)`) so that gradients are reduced over the ranks."""

    callable: Reachable
    who: str  # how a message names it: "DistributedDataParallel"
    reduction: GradientReduction = GradientReduction.AVERAGE
    # Where the reduction can be changed (`op=hvd.Sum`): the keyword, and what each op written as
    # an attribute (`hvd.Sum`) does; any other op is GradientReduction.OTHER.
    op_keyword: str | None = None
    op_reductions: tuple[tuple[str, GradientReduction], ...] = ()
    # For an object that is data-parallel only when launched on several processes (an Accelerator):
    # attribute names whose use in the script shows it is written for several processes. Empty: the
    # call itself is the evidence.
    multi_process_attributes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class GatherNames:
    """Calls that gather tensors from every rank (`dist.all_gather`, `accelerator.gather`): a loss
    built from gathered features legitimately multiplies by the world size."""

    functions: tuple[Reachable, ...] = ()
    # Any callee whose dotted name holds this word (`GatherLayer.apply`, a project's `all_gather_with_grad`).
    word: str = "gather"


@dataclass(frozen=True)
class RemovedUses:
    """Constructor keywords and members that a framework's new major version removed from a class
    its old versions had: the call fails there (TypeError, AttributeError) instead of doing what the
    script expects. `callable` lists only the packages that are always the new version; a package
    name both versions used is left out, since the script may run the old one."""

    framework: str  # "Lightning"
    removed_in: tuple[int, ...]  # the version that removed them: (2, 0)
    callable: Reachable  # the class whose calls and instances are read (`lightning.pytorch.Trainer`)
    # Removed constructor keyword -> what replaces it.
    keywords: tuple[tuple[str, str], ...] = ()
    # Removed method or attribute of an instance, used as `obj.member(...)` or `obj.member.x(...)`
    # -> what replaces it.
    members: tuple[tuple[str, str], ...] = ()
    what_it_did: str = ""  # what the removed uses did in the old version, for the message
    reference: str = ""  # where the removal is documented
