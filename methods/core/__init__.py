"""Shared building blocks: layer 1, imports nothing above it."""
