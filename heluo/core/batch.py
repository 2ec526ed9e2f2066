"""Settings for a long batch build in this process (the demo, a migration from scratch)."""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def collect_rarely(threshold: int = 100_000):
    """A batch build allocates millions of objects that live until it ends, and Python's cyclic collector would
    walk them again every few hundred allocations (a quarter of `heluo demo`'s time, measured). Objects alive at
    the start are set aside and collections run rarely; both are restored at the end."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(threshold, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
