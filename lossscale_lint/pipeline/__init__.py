"""The one way through: discover files, read them, pre-check, lint (engine), suppress, cache, workers."""
