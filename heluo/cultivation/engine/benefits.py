"""The amount of a 免申即享 grant: a policy's fixed amount, or its rate of a base figure, capped; exact to the 分."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")


def amount_for(policy, base: Decimal | None) -> tuple[Decimal | None, dict]:
    """The grant and its basis; None when a rate-based amount has no base figure. ``policy`` has
    ``amount_fixed``, ``amount_rate``, ``amount_input`` and ``amount_cap`` (a BenefitPolicy)."""
    if policy.amount_fixed is not None:
        amount, basis = policy.amount_fixed, {"fixed": str(policy.amount_fixed)}
    else:
        if base is None or policy.amount_rate is None:
            return None, {"input": policy.amount_input, "value": None}
        amount = base * policy.amount_rate
        basis = {"input": policy.amount_input, "value": str(base), "rate": str(policy.amount_rate)}
    if policy.amount_cap is not None and amount > policy.amount_cap:
        amount, basis["cap"] = policy.amount_cap, str(policy.amount_cap)
    return amount.quantize(FEN, rounding=ROUND_HALF_UP), basis
