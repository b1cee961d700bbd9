"""Pre-check evidence: the framework names that must appear in a file's text before a fact can be
extracted from it. `rules/reads.py` builds each fact kind's evidence from these lists and
`pipeline/precheck.py` searches the text for them; nothing else reads this module.

Each list must hold every name the extractor reacts to for that fact (a missing name would let the
pre-check skip a file with a finding; `tests/test_precheck.py` compares results with and without
it), so the update-site lists are derived from the catalog's records, never repeated here.
"""

from __future__ import annotations

from lossscale_lint.facts.catalog import (AUTOMATIC_UPDATES, DATA_PARALLEL, LOSS_FUNCTIONS, LOSS_MODULES, LOSSES, OPTIMIZERS,
                                         REMOVED_USES)
from lossscale_lint.facts.catalog import BACKWARD_METHODS as BACKWARD_CALL_METHODS

# Methods whose call is a backward site: `loss.backward()`, `accelerator.backward(loss)`,
# `fabric.backward(loss)`, `engine.backward(loss)` (DeepSpeed) and Lightning's manual optimization.
BACKWARD_METHODS = tuple(sorted(BACKWARD_CALL_METHODS))
# Methods whose returned loss the framework backpropagates itself (Lightning's automatic optimization).
BACKWARD_HOOKS = tuple(sorted({update.step_method for update in AUTOMATIC_UPDATES}))
# Deprecated reduction keywords of torch losses (`size_average=`, `reduce=`).
LEGACY_REDUCTION_KEYWORDS = ("size_average", "reduce")
# The loss names a loss site needs as its last dotted component (in the call or its import).
LOSS_NAMES = tuple(sorted({*LOSS_MODULES, *LOSS_FUNCTIONS}))
# Losses whose "mean" is not per sample while another reduction is (`KLDivLoss`, `kl_div`).
PER_SAMPLE_REDUCTION_LOSSES = tuple(sorted({loss.name for loss in LOSSES if loss.per_sample_reduction is not None}))
# Optimizers whose coupled weight decay goes through the adaptive normalisation (`Adam`, `RMSprop`).
COUPLED_DECAY_OPTIMIZERS = tuple(sorted({o.name for o in OPTIMIZERS if o.coupled_decay_normalised}))
# Their weight-decay keywords (`weight_decay`), written in the call or in a parameter group.
COUPLED_DECAY_KEYWORDS = tuple(sorted({o.keywords.weight_decay for o in OPTIMIZERS if o.coupled_decay_normalised}))
# The calls that make training data-parallel (`DistributedDataParallel`, `DistributedOptimizer`...).
DATA_PARALLEL_NAMES = tuple(sorted({record.callable.name for record in DATA_PARALLEL}))
# Keywords and members a framework's new version removed (`auto_lr_find`, `tune`), and the
# packages that reach the class in that version (`lightning`).
REMOVED_KEYWORDS = tuple(sorted({keyword for r in REMOVED_USES for keyword, _ in r.keywords}))
REMOVED_MEMBERS = tuple(sorted({member for r in REMOVED_USES for member, _ in r.members}))
REMOVED_USE_PACKAGES = tuple(sorted({module.split(".")[0] for r in REMOVED_USES for module in r.callable.modules}))
