"""Cultivation's reads, each scoped by the user it is given. ``scoped_enterprises`` is the one lookup every
page and the API start from."""

from .enterprises import enterprises, scoped_enterprises  # noqa: F401
