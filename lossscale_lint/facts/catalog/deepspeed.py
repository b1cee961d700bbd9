"""DeepSpeed: the engine's backward and step, and its JSON configuration keys."""

from __future__ import annotations
