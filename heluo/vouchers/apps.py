from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VouchersConfig(AppConfig):
    name = "heluo.vouchers"
    label = "vouchers"
    verbose_name = _("Innovation vouchers")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from heluo.core.models import STAFF_ROLES, Role
        from heluo.core.registry import NavEntry, PeriodicJob, add_nav, add_periodic_job

        # lands on each role's own page
        add_nav(
            NavEntry(
                "vouchers",
                "vouchers:home",
                _("Innovation vouchers"),
                "ticket-perforated",
                roles=STAFF_ROLES + (Role.ORG_USER,),
                matches=("vouchers:",),
                order=70,
            )
        )
        # the daily jobs: expiry first, so that the reconciliation sees the day's returns
        add_periodic_job(
            PeriodicJob("vouchers-expire", _("Expire vouchers past their validity"), _expire, order=10),
            PeriodicJob("vouchers-reconcile", _("Reconcile the voucher ledger"), _reconcile, order=20),
            PeriodicJob("vouchers-risk-scan", _("Voucher risk checks"), _risk_scan, order=30),
            PeriodicJob("vouchers-partner-sync", _("Exchange voucher uses with partner cities"), _partner_sync, order=40),
        )


def _expire():
    from .services import expire_due

    return {"expired": expire_due(None)}


def _reconcile():
    """Every programme's daily report; a broken invariant fails the job (as `heluo vouchers reconcile` exits 1)."""
    from .models import Programme
    from .selectors import reconcile

    reports = [reconcile(p) for p in Programme.objects.all()]
    broken = [r["programme"]["code"] for r in reports if not r["ok"]]
    return {"ok": not broken, "programmes": len(reports), "broken": broken}


def _partner_sync():
    """Data exchange with every partner city: how our providers' uses of their vouchers stand."""
    from .models import PartnerCity, PartnerRedemption
    from .services.partner_uses import sync_partner

    partners = PartnerCity.objects.filter(pk__in=PartnerRedemption.objects.values("partner"))
    counts = {p.code: sync_partner(p) for p in partners}
    return {"ok": not any(c["failed"] for c in counts.values()), "partners": counts}


def _risk_scan():
    from .services.risk import scan

    return scan(None)
