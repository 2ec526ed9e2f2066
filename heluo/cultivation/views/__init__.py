"""Cultivation pages, one module per concern: ``work`` (hub, pools, listing reserve, service log), ``enterprise``
(an enterprise's own page), ``evaluation`` (one enterprise's evaluation, runs), ``rulesets``, ``benefits``,
``incentives`` and ``points``."""
