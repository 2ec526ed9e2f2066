"""The annual monitoring report on the web: /plan/report/?year=&area= (in the site layout),
/plan/report/print/ (standalone, print-friendly) and /plan/report/download/?format=docx|html.

Who may see which report (heluo.plan.selectors.report explains the two versions):
* bureau staff and administrators: the city and every area below it, internal version;
* district staff: the city report and the reports of their own areas, internal version;
* everyone else, anonymous included: the public version of the city report, and only when the plan is
  published (an unpublished plan is a 404, as it is everywhere else); a district report asks them to log in
  (anonymous) or is refused (403).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from heluo.core.permissions import VIEW, scope_for

from ..models import Plan
from ..rendering.docx import render_docx
from ..rendering.html import render_report_html
from ..selectors.report import ReportError, build_report, default_year, readable_areas, report_areas

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _plan(request) -> Plan:
    qs = Plan.objects.restrict(request.user, VIEW).select_related("city")
    code = request.GET.get("plan")
    if code:
        plan = qs.filter(code=code).first()
    else:
        plans = list(qs.order_by("-period_start", "code"))
        mine = [p for p in plans if p.code.startswith(f"{settings.HELUO_CITY}-")]
        plan = (mine or plans or [None])[0]
    if plan is None:
        raise Http404(_("No plan, or it is not published."))
    return plan


def _years(plan: Plan) -> list[int]:
    return list(range(plan.period_end, plan.period_start - 1, -1))


def _request_report(request):
    """(plan, report, areas, years) for the query string, or an HttpResponse (login redirect)."""
    plan = _plan(request)
    scope = scope_for(request.user)
    try:
        year = int(request.GET.get("year") or default_year(plan))
    except ValueError:
        raise Http404(_("No such year.")) from None
    years = _years(plan)
    if year not in years:
        raise Http404(_("The plan has no such year."))
    areas = readable_areas(request.user, plan)
    code = request.GET.get("area") or plan.city.code
    area = next((a for a in areas if a.code == code), None)
    if area is None:
        if not any(a.code == code for a in report_areas(plan)):
            raise Http404(_("No such area."))
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied(_("You may not read the report of this area."))
    public = not (scope.is_staff)
    try:
        report = build_report(request.user, plan, year, area, public=public)
    except ReportError as exc:
        raise Http404(str(exc)) from None
    return plan, report, areas, years


def _query(report, **extra) -> str:
    from urllib.parse import urlencode

    return urlencode({"year": report.year, "area": report.area_code, **extra})


def report(request):
    result = _request_report(request)
    if isinstance(result, HttpResponse):
        return result
    plan, rep, areas, years = result
    return render(
        request,
        "plan/report.html",
        {
            "plan": plan,
            "report": rep,
            "areas": areas,
            "years": years,
            "query": _query(rep),
        },
    )


def report_print(request):
    result = _request_report(request)
    if isinstance(result, HttpResponse):
        return result
    return HttpResponse(render_report_html(result[1], request=request))


def report_download(request):
    fmt = request.GET.get("format", "docx")
    if fmt not in ("docx", "html"):
        return HttpResponseBadRequest(_("Unknown format."))
    result = _request_report(request)
    if isinstance(result, HttpResponse):
        return result
    rep = result[1]
    name = f"{rep.plan_name}-{'' if rep.is_city else rep.area_name}{rep.year}年度监测报告{'（公开版）' if rep.public else ''}.{fmt}"
    if fmt == "docx":
        response = HttpResponse(render_docx(rep), content_type=DOCX)
    else:
        response = HttpResponse(render_report_html(rep, inline_assets=True, request=request), content_type="text/html; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
