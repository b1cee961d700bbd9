"""JAX, Optax and Flax: grad/value_and_grad, optax transforms and updates (room for issue 18)."""

from __future__ import annotations
