"""Pure computation of the voucher domain: no Django, no models. The ledger (balances and invariants from
events), the risk detectors (rows in, findings out), the partner calls' signatures, money formatting."""
