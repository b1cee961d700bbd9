"""Keras 3 and tf.keras: losses' reduction, compile/fit, optimizers (room for issue 18)."""

from __future__ import annotations
