"""Achievements for the tests: one per status for the world's enterprise in district A, a published one in B."""

from types import SimpleNamespace

from heluo.market.models import Achievement, AchievementIP
from heluo.taxonomy.models import Cluster, HitechField, Industry


def taxonomy(world):
    field = HitechField.objects.create(code="8", number=8, name_zh="先进制造与自动化", name_en="Advanced manufacturing", sort=80)
    sub = HitechField.objects.create(code="8.4", number=8, parent=field, name_zh="新型机械", name_en="New machinery", sort=84)
    other = HitechField.objects.create(code="4", number=4, name_zh="新材料", name_en="New materials", sort=40)
    section = Industry.objects.create(code="C", level="section", name_zh="制造业", name_en="Manufacturing")
    industry = Industry.objects.create(code="34", level="division", parent=section, name_zh="通用设备制造业", name_en="General equipment")
    cluster = Cluster.objects.create(city=world.city, code="bearing", kind="cluster", name_zh="轴承产业集群", name_en="Bearings")
    return SimpleNamespace(field=field, sub=sub, other=other, industry=industry, cluster=cluster)


def make(world, tax, org=None, status="draft", **kw):
    values = dict(
        title=f"{status}成果",
        abstract="一种高精度轴承的制造方法。",
        keywords="轴承、精密制造",
        hitech_field=tax.sub,
        industry=tax.industry,
        cluster=tax.cluster,
        trl=6,
        organization=org or world.ent_a,
        transfer_modes="transfer,license",
        negotiable=True,
        contact_name="王工",
        contact_phone="0379-12345678",
        status=status,
    )
    values.update(kw)
    if status == "published":
        from django.utils import timezone

        values.setdefault("published_at", timezone.now())
    return Achievement.objects.create(**values)


def achievements(world):
    tax = taxonomy(world)
    rows = {s: make(world, tax, status=s) for s in ("draft", "submitted", "reviewed", "published", "withdrawn")}
    AchievementIP.objects.create(achievement=rows["published"], kind="invention", number="ZL202310000001.X")
    rows["b_published"] = make(world, tax, org=world.ent_b, status="published", title="乙区已发布成果", hitech_field=tax.other)
    rows["b_draft"] = make(world, tax, org=world.ent_b, status="draft", title="乙区草稿")
    rows["b_submitted"] = make(world, tax, org=world.ent_b, status="submitted", title="乙区已提交")
    return SimpleNamespace(tax=tax, **rows)
