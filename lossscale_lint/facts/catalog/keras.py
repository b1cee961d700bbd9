"""Keras 3 and tf.keras: losses' reduction, compile/fit, optimizers (room for issue 18).

Nothing is declared yet; the analysis does not read Keras code. The records this module will fill
(ml-scaling-semantics.md section 7):

- `LOSSES`: `LossRecord`s for `keras.losses.*` classes and functions. Their `reduction=` strings
  differ from torch ("sum_over_batch_size" is the default and divides by the elements of the
  last-axis-reduced values: `MeanDivisor.ELEMENTS`; "mean_with_sample_weight" divides by the summed
  sample weights), so they get their own `Reductions` table.
- `OPTIMIZERS`: `OptimizerRecord`s for `keras.optimizers.*`: every `weight_decay` is decoupled
  (`decoupled_by_default=True`, SGD included), AdamW's default decay is 0.004, and
  `gradient_accumulation_steps=K` averages (a setting that divides by K).
- `SETTINGS`: `batch_size=` of `fit`, `steps_per_execution`.
"""

from __future__ import annotations
