"""Enterprise cultivation: qualification rule sets as data, and the engine that evaluates them.

Pure Python (Polars for the vectorised pass), importable without Django:

* ``heluo.cultivation.rules``: load and validate the versioned rule sets in ``rulesets/*.json``.
* ``heluo.cultivation.engine``: evaluate one enterprise, or all enterprises of a year in one Polars pass.
* ``heluo.cultivation.qualify_csv``: the stateless ``heluo qualify`` command.
"""
