"""The voucher API, mounted at /api/v1/ with the other domains' (heluo.api.router): vouchers and programmes,
risk flags, and the partner cities' signed calls."""

from ninja import Router

from . import partner, risk, vouchers

# The operation ids were published when these modules lived in heluo.api (clients generate code from them):
# they stay as they were, not derived from the new module names.
PUBLISHED_PREFIXES = ((vouchers, "heluo_api_vouchers_"), (risk, "heluo_api_vouchers_risk_"), (partner, "heluo_api_vouchers_partner_"))

router = Router()
for module, prefix in PUBLISHED_PREFIXES:
    for path_view in module.router.path_operations.values():
        for operation in path_view.operations:
            operation.operation_id = operation.operation_id or f"{prefix}{operation.view_func.__name__}"
    router.add_router("", module.router)
