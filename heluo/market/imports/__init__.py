"""The technology market's import kinds (heluo.core.imports), one module per part, each registering its own."""

from . import achievements  # noqa: F401
