"""The carriers tests' fixture (tests/carriers/carriers_world.py)."""

from .carriers_world import carriers  # noqa: F401
