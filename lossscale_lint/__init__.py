"""lossscale-lint: find the mistakes in training code that silently change the update size."""

__version__ = "0.1.0"
