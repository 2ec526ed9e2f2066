"""The technology market's import kinds (heluo.core.imports): one module per part, each registering its own."""

from . import achievements, contracts, demands  # noqa: F401  (each registers its kind)
