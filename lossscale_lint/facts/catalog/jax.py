"""JAX, Optax and Flax: grad/value_and_grad, optax transforms and updates (room for issue 18).

Nothing is declared yet. The records this module will fill (ml-scaling-semantics.md section 8):

- `REDUCTIONS`: `jnp.sum` / `jnp.mean` and the `.sum()` / `.mean()` methods of jax arrays; optax
  losses are unreduced, so the reduction is always such a call.
- `OPTIMIZERS`: `OptimizerRecord`s for `optax.sgd` (plain, or momentum with `momentum=`; no decay),
  `optax.adam`, `optax.adamw` (decoupled, default 1e-4), `optax.lion` (decoupled, 1e-3); the
  learning rate is the first positional argument (`lr_position=0`) under the keyword
  `learning_rate`. Whether `optax.add_decayed_weights` in a chain is coupled depends on its place
  before or after `scale_by_adam`.
- `SETTINGS`: accumulation through `optax.MultiSteps(every_k_schedule=K)` (averages) and
  `optax.apply_every(k)` (sums).
"""

from __future__ import annotations
