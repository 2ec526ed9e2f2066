"""The technology market's import kinds (heluo.core.imports): one module per part, each registering its own."""

from . import demands  # noqa: F401  (registers the kind)
