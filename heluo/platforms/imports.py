"""Import kind for innovation platforms, with their hosts and status history."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from heluo.core.audit import serialize
from heluo.core.cells import CellError, make_choice_parser, parse_bool, parse_date, split_list
from heluo.core.imports import Column, ImportKind, record_row_exception, register
from heluo.geo.selectors import area_lookup
from heluo.orgs.models import Organization
from heluo.taxonomy.selectors import cluster_lookup

from . import services
from .models import Platform, PlatformHost, PlatformKind, PlatformLevel, PlatformStatus

ZH_KIND = {
    "national_key_lab": "全国重点实验室",
    "provincial_lab": "省实验室",
    "key_lab": "重点实验室",
    "tech_innovation_center": "技术创新中心",
    "manufacturing_innovation_center": "制造业创新中心",
    "engineering_research_center": "工程研究中心",
    "engineering_tech_center": "工程技术研究中心",
    "enterprise_tech_center": "企业技术中心",
    "new_type_rd_institution": "新型研发机构",
    "industry_research_institute": "产业研究院",
    "pilot_base": "中试基地",
    "incubator": "科技企业孵化器",
    "maker_space": "众创空间",
    "university_science_park": "大学科技园",
    "tech_industry_community": "科技产业社区",
    "tech_transfer_institution": "技术转移机构",
    "other": "其他",
}
ZH_LEVEL = {"national": "国家级", "provincial": "省级", "municipal": "市级", "district": "县区级"}
ZH_STATUS = {"cultivating": "培育", "approved": "认定", "revoked": "撤销"}


def zh_choices(enum, zh):
    return [(value, zh[value], str(label)) for value, label in enum.choices]


@register
class PlatformImport(ImportKind):
    kind = "platforms"
    label = _("Innovation platforms")
    model = Platform
    key = ("name", "area")
    columns = [
        Column("name", "平台名称", "Name", required=True),
        Column(
            "kind", "平台类型", "Kind", make_choice_parser(zh_choices(PlatformKind, ZH_KIND)), required=True, get=lambda p: ZH_KIND[p.kind]
        ),
        Column(
            "level",
            "级别",
            "Level",
            make_choice_parser(zh_choices(PlatformLevel, ZH_LEVEL)),
            required=True,
            get=lambda p: ZH_LEVEL[p.level],
        ),
        Column("area", "所在区划", "Area", required=True, note_zh="区划代码或名称", get=lambda p: p.area.code),
        Column("cluster", "产业集群", "Cluster", get=lambda p: p.cluster.name_zh if p.cluster_id else None),
        Column(
            "hosts",
            "依托单位",
            "Host organizations",
            note_zh="依托单位的统一社会信用代码，多个用；分隔，第一个为牵头单位",
            get=lambda p: [h.organization.uscc or h.organization.name for h in p.host_links.all()],
        ),
        Column(
            "status",
            "状态",
            "Status",
            make_choice_parser(zh_choices(PlatformStatus, ZH_STATUS)),
            note_zh="培育/认定/撤销",
            get=lambda p: ZH_STATUS[p.status],
        ),
        Column("status_since", "状态日期", "Status date", parse_date),
        Column("document", "批准文号", "Approval document", get=lambda p: next((c.document for c in reversed(p.status_changes.all())), "")),
        Column("is_published", "是否公开", "Published", parse_bool),
        Column("description", "简介", "Description"),
    ]

    def prepare_export(self, queryset):
        # Hosts with their organizations in one joined query per chunk: a nested prefetch of the organizations
        # made SQLite refuse the chunk's OR-chain of ids ("Expression tree is too large") past 1,000 hosts.
        hosts = Prefetch("host_links", queryset=PlatformHost.objects.select_related("organization"))
        return queryset.select_related("area", "cluster").prefetch_related(hosts, "status_changes")

    def resolve(self, ctx, rows):
        areas, clusters = area_lookup(), cluster_lookup()
        for row in rows:
            for key, lookup in (("area", areas), ("cluster", clusters)):
                if row.values.get(key) is not None:
                    try:
                        row.values[key] = lookup(row.values[key])
                    except CellError as exc:
                        ctx.error(row, key, exc.zh, exc.en)
            if "hosts" in row.values:
                codes = split_list(row.values["hosts"])
                found = dict(Organization.objects.restrict(ctx.user, "view").filter(uscc__in=codes).values_list("uscc", "pk"))
                missing = [c for c in codes if c not in found]
                if missing:
                    ctx.error(row, "hosts", f"找不到依托单位：{'、'.join(missing)}", f"unknown host organizations: {', '.join(missing)}")
                row.values["hosts"] = [found[c] for c in codes if c in found]
            if row.values.get("status") and not row.values.get("status_since"):
                ctx.error(row, "status_since", "填写状态时须填写状态日期", "a status needs its date")

    def write(self, ctx, rows):
        created = updated = unchanged = 0
        for row in rows:
            v = row.values
            platform = Platform.objects.filter(name=v["name"], area_id=v["area"]).first()
            before = serialize(platform) if platform else None
            platform = platform or Platform(name=v["name"], area_id=v["area"])
            for key in ("kind", "level", "is_published", "description"):
                if v.get(key) is not None:
                    setattr(platform, key, v[key])
            if v.get("cluster") is not None:
                platform.cluster_id = v["cluster"]
            hosts = v.get("hosts")
            old_hosts = list(platform.host_links.values_list("organization_id", flat=True)) if platform.pk else []
            new_status = v.get("status") and (v["status"], v["status_since"])
            status_known = platform.pk and new_status and platform.status_changes.filter(status=new_status[0], date=new_status[1]).exists()
            if (
                before is not None
                and serialize(platform) == before
                and (hosts is None or hosts == old_hosts)
                and (not new_status or status_known)
            ):
                unchanged += 1
                continue
            try:
                with transaction.atomic():
                    host_links = None if hosts is None else [(pk, "lead" if i == 0 else "partner") for i, pk in enumerate(hosts)]
                    services.platform_save(
                        ctx.user, platform, hosts=[(Organization(pk=pk), r) for pk, r in host_links] if host_links is not None else None
                    )
                    if new_status and not status_known:
                        services.platform_record_status(
                            ctx.user, platform, status=new_status[0], date=new_status[1], document=v.get("document") or ""
                        )
            except (PermissionDenied, ValidationError) as exc:
                record_row_exception(ctx, row, exc)
                continue
            created, updated = (created + 1, updated) if before is None else (created, updated + 1)
        return {"created": created, "updated": updated, "unchanged": unchanged}
