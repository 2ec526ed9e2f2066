"""Cultivation's pure computations: no Django, no database, tested directly.

* ``rules``: load and validate the versioned qualification rule sets (``rulesets/*.json``); ``ruleset_builder``
  turns the editor's simple rows into a rule-set definition and back.
* ``evaluation``: one enterprise through a rule set (with gaps and what-if); ``frames``: all enterprises of a
  year in one Polars pass, with the same arithmetic.
* ``qualify``: the stateless CSV path behind ``heluo qualify``.
* ``pools``: the pools' configuration, the distance to qualifying and the gaps; ``benefits``: a 免申即享 amount.
* ``incentive_config``, ``incentive_rows``, ``incentives``, ``super_deduction``: the R&D incentives (十强十快,
  基础+增量 subsidy, 加计扣除 estimate) in exact Decimal money arithmetic.
* ``points_config``, ``points``: the innovation-points indicator system, scores, ranks and bank lists.
"""
