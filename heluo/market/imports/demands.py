"""Import kind: technology demands collected in a demand campaign (需求征集), e.g. a district's spreadsheet.

A row is one demand, identified by (campaign, enterprise's credit code, title): importing the same file again changes
nothing; a changed cell changes that demand (as far as the importer's field rule allows: services.demands). Empty
cells never overwrite. A new demand joins its campaign only while the campaign is open; a district imports its own
area's enterprises only (others are reported as unknown, never revealed). Every row goes through
services.demands.demand_save, so scope, field rules, bounds and the event of creation are the pages' and the API's.
"""

from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heluo.core.audit import serialize
from heluo.core.cells import CellError, clean_text, make_choice_parser, parse_checked_code, parse_date, parse_decimal, parse_text
from heluo.core.codes import check_uscc
from heluo.core.i18n import Refusal
from heluo.core.imports import Column, ImportKind, record_row_exception, register
from heluo.core.permissions import CHANGE, VIEW
from heluo.orgs.models import Organization
from heluo.taxonomy.selectors import cluster_lookup, hitech_lookup, industry_lookup

from ..engine import demands as engine
from ..models import Confidentiality, Demand, DemandCampaign
from ..services import demands as services

ZH_CONFIDENTIALITY = {"public": "公开", "matched": "仅对接方可见", "bureau": "仅科技局可见"}
CONTENT = ("problem", "hitech_field", "industry", "cluster", "budget_min", "budget_max", "deadline", "cooperation_mode", "confidentiality")


def parse_uscc(value):
    return parse_checked_code(value, check_uscc, "统一社会信用代码", "unified social credit code")


def parse_mode(value):
    return make_choice_parser([(m["code"], m["zh"], m["en"]) for m in engine.cooperation_modes()])(value)


@register
class DemandImport(ImportKind):
    kind = "market_demands"
    label = _("Technology demands (campaign)")
    model = Demand
    key = ("campaign", "enterprise", "title")
    columns = [
        Column(
            "campaign",
            "需求征集",
            "Campaign",
            partial(parse_text, max_length=200),
            required=True,
            note_zh="需求征集的名称（新需求只能加入正在进行的征集）",
            get=lambda d: d.campaign.title,
        ),
        Column("enterprise", "企业统一社会信用代码", "Enterprise credit code", parse_uscc, required=True, get=lambda d: d.enterprise.uscc),
        Column("title", "需求名称", "Title", partial(parse_text, max_length=200), required=True),
        Column(
            "problem", "需求描述", "Problem", partial(parse_text, max_length=5000), required=True, note_zh="用平实的语言说明要解决的问题"
        ),
        Column(
            "hitech_field",
            "技术领域",
            "High-tech field",
            note_zh="高新技术领域代码或名称",
            get=lambda d: d.hitech_field.code if d.hitech_field_id else None,
        ),
        Column(
            "industry", "所属行业", "Industry", note_zh="国民经济行业代码或名称", get=lambda d: d.industry.code if d.industry_id else None
        ),
        Column("cluster", "产业集群", "Cluster", get=lambda d: d.cluster.name_zh if d.cluster_id else None),
        Column("budget_min", "预算下限", "Budget from", parse_decimal, money=True),
        Column("budget_max", "预算上限", "Budget up to", parse_decimal, money=True),
        Column("deadline", "截止日期", "Deadline", parse_date),
        Column(
            "cooperation_mode",
            "合作方式",
            "Cooperation mode",
            parse_mode,
            required=True,
            note_zh="、".join(m["zh"] for m in engine.cooperation_modes()),
        ),
        Column(
            "confidentiality",
            "公开方式",
            "Confidentiality",
            make_choice_parser([(v, ZH_CONFIDENTIALITY[v], str(label)) for v, label in Confidentiality.choices]),
            note_zh="公开/仅对接方可见/仅科技局可见，默认公开",
            get=lambda d: ZH_CONFIDENTIALITY[d.confidentiality],
        ),
    ]

    def export_queryset(self, user):
        return Demand.objects.restrict(user, CHANGE).filter(campaign__isnull=False)

    def prepare_export(self, queryset):
        return queryset.select_related("campaign", "enterprise", "hitech_field", "industry", "cluster")

    def resolve(self, ctx, rows):
        campaigns = {}
        for c in DemandCampaign.objects.restrict(ctx.user, VIEW):
            campaigns.setdefault(clean_text(c.title), []).append(c)  # as the cells are read (full-width punctuation folded)
        codes = sorted({r.values["enterprise"] for r in rows if r.values.get("enterprise")})
        orgs = {o.uscc: o for o in Organization.objects.restrict(ctx.user, CHANGE).filter(uscc__in=codes)}
        lookups = {"hitech_field": hitech_lookup(), "industry": industry_lookup(), "cluster": cluster_lookup()}
        now = timezone.now()
        stored = Demand.objects.filter(
            campaign__in=[c for cs in campaigns.values() for c in cs], enterprise__in=list(orgs.values())
        ).select_related("enterprise")
        existing = {(d.campaign_id, d.enterprise_id, clean_text(d.title)): d for d in stored}
        for row in rows:
            v = row.values
            for key, lookup in lookups.items():
                if v.get(key) is not None:
                    try:
                        v[key] = lookup(v[key])
                    except CellError as exc:
                        ctx.error(row, key, exc.zh, exc.en)
            found = campaigns.get(v.get("campaign"), [])
            if v.get("campaign") is not None and len(found) != 1:
                zh = "找不到该需求征集" if not found else "有多个同名的需求征集"
                ctx.error(row, "campaign", zh, "no such campaign" if not found else "several campaigns have this title")
            org = orgs.get(v.get("enterprise"))
            if v.get("enterprise") is not None and org is None:
                ctx.error(row, "enterprise", "找不到该企业（或不在您的辖区内）", "unknown enterprise (or outside your area)")
            if not row.ok:
                continue
            v["campaign"], v["enterprise"] = found[0], org
            row.target = existing.get((found[0].pk, org.pk, v["title"]))
            if row.target is None:
                try:
                    services.refuse_closed(found[0], now)
                except Refusal as exc:
                    ctx.error(row, "campaign", exc.zh, exc.en)

    def write(self, ctx, rows):
        created = updated = unchanged = 0
        for row in rows:
            v = row.values
            demand = row.target or Demand(campaign=v["campaign"], enterprise=v["enterprise"], title=v["title"])
            before = serialize(demand) if row.target else None
            for key in CONTENT:
                if v.get(key) is not None:
                    setattr(demand, f"{key}_id" if key in ("hitech_field", "industry", "cluster") else key, v[key])
            if before is not None and serialize(demand) == before:
                unchanged += 1
                continue
            try:
                services.demand_save(ctx.user, demand)
            except Refusal as exc:
                ctx.error(row, exc.field if exc.field in ctx.column_at else None, exc.zh, exc.en)
                continue
            except (PermissionDenied, ValidationError) as exc:
                record_row_exception(ctx, row, exc)
                continue
            created, updated = (created + 1, updated) if before is None else (created, updated + 1)
        return {"created": created, "updated": updated, "unchanged": unchanged}
