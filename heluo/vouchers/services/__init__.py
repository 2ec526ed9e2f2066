"""Writes for innovation vouchers. The web, the API, the command line, the demo and the benchmark all come
through here (every write moves money or a voucher's state, so there is one way in):

    allocation    applying, issuing (first come first served, or by review), cancelling and expiring
    contracts     the contract with a provider, delivery, the provider's claim and the bureau's decision on it
    settlement    paying the provider
    programmes    a programme's configuration and its issuers' counters
    providers     providers applying and the bureau's review of them
    crosscity     partner cities' calls about our vouchers (signed; the signatures themselves: engine.signing)
    partner_uses  our providers taking partner cities' vouchers
    risk          risk flags: scan, clear, reopen
    actions       what a user may do to a voucher now (the pages' buttons)
"""

from . import actions  # noqa: F401  (registers the voucher's action rule)
from .allocation import Outcome, apply, cancel, default_render, expire_due, fingerprint, issue, issue_ranked, reject, review
from .common import Refused, bureau_only, forbidden, money, wrong_state
from .contracts import checked_evidence, deliver, reject_redemption, sign_contract, submit_redemption, verify
from .programmes import programme_save, sync_counters
from .providers import PROVIDER_DECISIONS, admitting_authority, provider_apply, provider_review, provider_set_services
from .settlement import settle

__all__ = [
    "PROVIDER_DECISIONS",
    "Outcome",
    "Refused",
    "admitting_authority",
    "apply",
    "bureau_only",
    "cancel",
    "checked_evidence",
    "default_render",
    "deliver",
    "expire_due",
    "fingerprint",
    "forbidden",
    "issue",
    "issue_ranked",
    "money",
    "programme_save",
    "provider_apply",
    "provider_review",
    "provider_set_services",
    "reject",
    "reject_redemption",
    "review",
    "settle",
    "sign_contract",
    "submit_redemption",
    "sync_counters",
    "verify",
    "wrong_state",
]
