"""Reads of innovation vouchers. Every function that serves a user starts from the user's scope.

vouchers     programmes, vouchers, their events and redemptions, providers and their records
ledger       the events replayed: balances, invariants, the daily reconciliation
eligibility  whether an enterprise may apply to a programme
reports      the pages' figures: budget use, leverage, work queues, an enterprise's offers
partners     partner cities, our providers' uses of their vouchers, the statement between two cities
risk         the risk detectors' input rows and the bureau's flags
"""

from .eligibility import Eligibility, eligibility, ruleset_qualification
from .ledger import balances_dict, check_programme, ledger_inputs, reconcile
from .vouchers import (
    APPLICATION_DETAILS,
    programme_balance,
    programme_get,
    programme_list,
    provider_get,
    provider_list,
    provider_record,
    provider_records,
    voucher_events,
    voucher_get,
    voucher_list,
    voucher_redemptions,
    voucher_type_by_ref,
)

__all__ = [
    "APPLICATION_DETAILS",
    "Eligibility",
    "balances_dict",
    "check_programme",
    "eligibility",
    "ledger_inputs",
    "programme_balance",
    "programme_get",
    "programme_list",
    "provider_get",
    "provider_list",
    "provider_record",
    "provider_records",
    "reconcile",
    "ruleset_qualification",
    "voucher_events",
    "voucher_get",
    "voucher_list",
    "voucher_redemptions",
    "voucher_type_by_ref",
]
