"""R&D incentive pages (bureau only): the yearly 十强十快 lists, the 基础+增量 subsidy per enterprise and the
研发费用加计扣除 estimate, computed by ``engine.incentives`` from the registry's annual data, with
the configuration's name, version and fingerprint shown so every figure can be recomputed; Excel export.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from heluo.core.audit import log_sensitive_read
from heluo.core.permissions import require_bureau
from heluo.core.spreadsheets import table_xlsx, xlsx_response
from heluo.cultivation.engine.incentive_config import EXAMPLE_CONFIG, load_incentive_config
from heluo.cultivation.selectors.enterprises import enterprise_names
from heluo.cultivation.selectors.incentives import incentive_list

SHOWN = 500
LISTS = {
    "top": gettext_lazy("Top ten by R&D expense"),
    "fast": gettext_lazy("Top ten by R&D growth"),
    "subsidy": gettext_lazy("Base + increment R&D subsidy"),
    "deduction": gettext_lazy("R&D super-deduction estimate"),
}


@login_required
def incentives_page(request):
    require_bureau(request.user)
    try:
        year = int(request.GET.get("year") or timezone.localdate().year - 1)
    except ValueError:
        raise Http404 from None
    which = request.GET.get("list", "top")
    if which not in LISTS:
        raise Http404
    cfg = load_incentive_config(EXAMPLE_CONFIG)
    export = request.GET.get("format") == "xlsx"
    frame, total = incentive_list(which, year, cfg, None if export else SHOWN)  # the page shows the first rows
    if which == "top":
        cols = [
            ("rank", _("Place")),
            ("rd_expense", _("R&D expense (yuan)")),
            ("sales_revenue", _("Sales revenue (yuan)")),
            ("rd_intensity", pgettext("incentive table", "R&D intensity")),
        ]
    elif which == "fast":
        cols = [
            ("rank", _("Place")),
            ("rd_expense_prior", _("R&D expense of the year before (yuan)")),
            ("rd_expense", _("R&D expense (yuan)")),
            ("rd_growth", _("Growth rate")),
        ]
    elif which == "subsidy":
        cols = [
            ("base_amount", _("R&D expense (yuan)")),
            ("base_part", _("Base part (yuan)")),
            ("increase", _("Increase (yuan)")),
            ("increment_part", _("Increment part (yuan)")),
            ("total_cap_reduction", _("Reduction by the total cap")),
            ("budget_reduction", _("Reduction by the budget")),
            ("subsidy", _("Subsidy (yuan)")),
        ]
    else:
        cols = [
            ("rd_expense", _("R&D expense (yuan)")),
            ("extra_deduction", _("Extra deduction (yuan)")),
            ("tax_rate", _("Applicable tax rate")),
            ("estimated_tax_saving", _("Estimated tax saving (yuan)")),
        ]
    log_sensitive_read("enterprise_financials", detail=f"R&D incentives {which} {year}: {total} rows", user=request.user)
    names = enterprise_names(frame["organization_id"].to_list())
    table = [
        {
            "org_id": r["organization_id"],
            "name": names.get(r["organization_id"], r["organization_id"]),
            "values": [r.get(c) for c, _h in cols],
        }
        for r in frame.iter_rows(named=True)
    ]
    if export:
        content = table_xlsx(
            str(LISTS[which]),
            [_("Enterprise ID"), _("Enterprise")] + [h for _c, h in cols] + [_("Configuration"), _("Version")],
            [[t["org_id"], t["name"], *[_plain(v) for v in t["values"]], cfg.name, cfg.version] for t in table],
        )
        return xlsx_response(content, f"{LISTS[which]}-{year}.xlsx")
    return render(
        request,
        "cultivation/incentives.html",
        {
            "year": year,
            "which": which,
            "lists": LISTS,
            "cols": [h for _c, h in cols],
            "table": table,
            "total": total,
            "cfg": cfg,
            "is_bureau": True,
        },
    )


def _plain(v):
    from decimal import Decimal
    from fractions import Fraction

    if isinstance(v, (Decimal, Fraction)):
        return float(v)
    return v
