"""Who sees the district assessment, and its drill-down: the records behind one value of the data matrix, enterprise-level
records only within the user's own areas."""

from __future__ import annotations

from heluo.core.audit import log_sensitive_read
from heluo.core.models import Role
from heluo.core.permissions import VIEW, scope_for
from heluo.orgs.models import EnterpriseAnnual, Qualification, QualificationKind
from heluo.platforms.models import Platform

from ..engine.assessment import Definition, Matrix, Unit, annual_fields
from ..engine.text import local
from .assessment import Measurer, as_float, status_labels
from .computations import approved_platforms, year_end


def may_view_assessment(user) -> bool:
    """The assessment (all districts' scores) is for bureau and district staff."""
    scope = scope_for(user)
    return scope.is_staff


def may_drill_down(user, unit: Unit) -> bool:
    scope = scope_for(user)
    if scope.is_bureau:
        return True
    return scope.role == Role.DISTRICT_STAFF and unit.area_id in scope.area_ids


def cell_records(user, definition: Definition, matrix: Matrix, unit_code: str, indicator_code: str) -> dict:
    """The records behind one value: {"columns": [...], "rows": [...], "total": …, "note": …}. The caller
    checks may_drill_down first; every query still starts from the user's scope."""
    matrix.unit(unit_code)  # an unknown unit is an AssessmentError
    ind = definition.indicator(indicator_code)
    year, area_ids = matrix.year, matrix.unit_area_ids(unit_code)
    m, statuses = ind.measure, definition.annual_statuses
    measurer = Measurer(definition, matrix.units, matrix.area_unit, matrix.areas)

    def qualification_rows(kind, params, y):
        if kind == "qualifications_valid":
            qs = Qualification.objects.restrict(user, VIEW).filter(Qualification.valid_on_q(year_end(y)), kind__in=params["kinds"])
        else:
            qs = (
                Qualification.objects.restrict(user, VIEW)
                .filter(kind=QualificationKind.TECH_SME, year=y)
                .exclude(revoked_on__lte=year_end(y))
            )
        qs = (
            qs.filter(organization__area_id__in=area_ids)
            .select_related("organization", "organization__area")
            .order_by("organization__name", "pk")
        )
        rows, seen = [], set()
        for q in qs:
            if q.organization_id in seen:
                continue
            seen.add(q.organization_id)
            rows.append(
                {
                    "key": q.organization_id,
                    "organization": q.organization.name,
                    "organization_id": q.organization_id,
                    "area": q.organization.area.name,
                    "kind": q.get_kind_display(),
                    "certificate_no": q.certificate_no,
                    "valid_from": q.valid_from,
                    "valid_to": q.valid_to,
                    "qualification_id": q.pk,
                }
            )
        return rows

    def platform_rows(params, y):
        approved = approved_platforms(year_end(y), params.get("kinds"), params.get("levels"), area_ids)
        qs = Platform.objects.restrict(user, VIEW).filter(pk__in=approved.values("pk")).select_related("area").order_by("name", "pk")
        return [
            {
                "key": p.pk,
                "platform": p.name,
                "platform_id": p.pk,
                "area": p.area.name,
                "kind": p.get_kind_display(),
                "level": p.get_level_display(),
                "status_since": p.status_since,
            }
            for p in qs
        ]

    def count_rows(base, y):
        computation, params, _ = measurer.computation_of(base)
        if computation == "platforms_approved":
            return "platform", platform_rows(params, y)
        if computation in ("qualifications_valid", "tech_sme_registered"):
            return "qualification", qualification_rows(computation, params, y)
        return None, None

    if "plan_indicator" in m or "computation" in m:
        kind, rows = count_rows(ind, year)
        if rows is None:
            return {
                "columns": [],
                "rows": [],
                "total": None,
                "note": local("该指标逐县区调用规划计算，没有明细记录", "computed per unit by the plan's computation: no record list"),
            }
        columns = (
            ["platform", "area", "kind", "level", "status_since"]
            if kind == "platform"
            else ["organization", "area", "kind", "certificate_no", "valid_from", "valid_to"]
        )
        return {"columns": columns, "rows": rows, "total": len(rows), "total_label": local("记录数", "records"), "note": ""}
    if "change_of" in m:
        base = definition.indicator(m["change_of"])
        kind, now = count_rows(base, year)
        if now is None:
            return {"columns": [], "rows": [], "total": None, "note": local("没有明细记录", "no record list")}
        _k, before = count_rows(base, year - 1)
        now_keys, before_keys = {r["key"] for r in now}, {r["key"] for r in before}
        rows = [
            {**r, "change": "+1", "change_label": local(f"{year}年新增", f"new in {year}")} for r in now if r["key"] not in before_keys
        ] + [{**r, "change": "−1", "change_label": local(f"{year}年减少", f"gone in {year}")} for r in before if r["key"] not in now_keys]
        name_col = "platform" if kind == "platform" else "organization"
        return {
            "columns": ["change_label", name_col, "area", "kind"],
            "rows": rows,
            "total": sum(1 if r["change"] == "+1" else -1 for r in rows),
            "total_label": local("净增", "net change"),
            "note": local(
                f"{year}年末 {len(now)} 个，{year - 1}年末 {len(before)} 个",
                f"{len(now)} at the end of {year}, {len(before)} at the end of {year - 1}",
            ),
        }
    # enterprise annual data
    fields = annual_fields(m)
    qs = (
        EnterpriseAnnual.objects.restrict(user, VIEW)
        .filter(year=year, status__in=statuses, organization__area_id__in=area_ids)
        .select_related("organization", "organization__area")
        .order_by("organization__name")
    )
    if "annual_ratio" in m:
        qs = qs.filter(**{f"{fields[0]}__isnull": False, f"{fields[1]}__gt": 0})
    else:
        qs = qs.filter(**{f"{fields[0]}__isnull": False})
    log_sensitive_read(
        "enterprise_financials", detail=f"assessment drill-down {definition.code} {year} {unit_code} {indicator_code}", user=user
    )
    rows = []
    previous = {}
    if "annual_growth" in m:
        previous = dict(
            EnterpriseAnnual.objects.restrict(user, VIEW)
            .filter(year=year - 1, status__in=statuses, organization__area_id__in=area_ids, **{f"{fields[0]}__isnull": False})
            .values_list("organization_id", fields[0])
        )
    for row in qs:
        item = {
            "organization": row.organization.name,
            "organization_id": row.organization_id,
            "annual_id": row.pk,
            "area": row.organization.area.name,
            "status": row.get_status_display(),
        }
        for f in fields:
            item[f] = getattr(row, f)
        if "annual_growth" in m:
            if row.organization_id not in previous:
                continue
            item[f"{fields[0]}_previous"] = previous[row.organization_id]
        rows.append(item)
    columns = ["organization", "area", "status", *fields] + ([f"{fields[0]}_previous"] if "annual_growth" in m else [])
    totals = {f: sum(as_float(r[f]) for r in rows) for f in columns if f in fields or f.endswith("_previous")}
    st = status_labels(statuses)
    return {
        "columns": columns,
        "rows": rows,
        "total": len(rows),
        "total_label": local("企业数", "enterprises"),
        "totals": totals,
        "note": local(f"只计状态为{st[0]}的年报", f"annual data with status {st[1]} only"),
    }
