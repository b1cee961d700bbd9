"""Applying fixes to text and writing fixed files atomically."""
