"""Money as the voucher domain writes it: yuan, Decimal, two places (pure)."""

from decimal import Decimal

ZERO = Decimal("0")
CENT = Decimal("0.01")
# The largest amount the voucher tables hold (DecimalField max_digits=14, decimal_places=2): anything larger is
# refused as input, never left to fail in the database or in Decimal arithmetic.
MAX_AMOUNT = Decimal("999999999999.99")


def yuan_str(value) -> str:
    """Money as text with exactly two decimals, whatever the database returned (SQLite drops them)."""
    return str(Decimal(value or 0).quantize(CENT))


def yuan_text(value: Decimal) -> str:
    """Money in a sentence: thousands separated (12,500.00)."""
    return f"{value:,.2f}"
