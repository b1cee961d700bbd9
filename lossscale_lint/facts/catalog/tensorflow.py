"""TensorFlow: GradientTape, tf.distribute and reduce_sum/reduce_mean (room for issue 18).

Nothing is declared yet. The records this module will fill (ml-scaling-semantics.md section 7):

- `REDUCTIONS`: a `Reductions` table for `tf.reduce_sum` / `tf.reduce_mean` (functions) and
  `tf.nn.compute_average_loss` (divides by the global batch size).
- `SETTINGS`: `global_batch_size`, `GLOBAL_BATCH_SIZE`, `num_replicas_in_sync` (world size).
- `NO_GRAD_CONTEXTS`: none (the tape records what it watches); `tf.stop_gradient` is a call.
"""

from __future__ import annotations
