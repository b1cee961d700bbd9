"""TensorFlow: GradientTape, tf.distribute and reduce_sum/reduce_mean (room for issue 18)."""

from __future__ import annotations
