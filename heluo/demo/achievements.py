"""The demo's library of achievements (科技成果库): about 2,000 achievements of the demo's universities, research
institutes and enterprises, with titles, abstracts and keywords built from the high-tech field they belong to, IP
rights, and a history through the workflow (submitted, reviewed, published, some withdrawn, some still drafts).

The ``org`` account's enterprise holds achievements in every state, the districts (``jianxi``, ``luolong``) see their
areas' ones and the bureau all; the published ones are on the public pages. Seeded, bulk-written with their change
records and workflow events, built once (skipped when a demo achievement exists); ``reset_demo_achievements`` removes it.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from heluo.core import audit
from heluo.core.middleware import acting_as
from heluo.market.models import Achievement, AchievementEvent, AchievementIP
from heluo.market.services.achievements import workflow
from heluo.orgs.models import Organization
from heluo.taxonomy.models import Cluster, HitechField

from .names import person_name

SEED = 2024
COUNT = 2000  # the city's library; the small demo (tests) holds a tenth
COUNTS = {"small": 200}
HISTORY_DAYS = 720

# Per top-level high-tech field (its number): techniques, objects, and what they raise and lower.
VOCABULARY = {
    1: (
        ["深度学习", "边缘计算", "多传感器融合", "机器视觉", "知识图谱", "工业互联网", "数字孪生", "5G专网"],
        ["设备故障诊断平台", "智能巡检系统", "工业数据采集网关", "视频结构化分析软件", "嵌入式运动控制器", "生产执行管理系统"],
        (["识别准确率", "数据处理效率"], ["响应时间", "运维成本"]),
    ),
    2: (
        ["基因工程", "微生物发酵", "纳米载药", "高通量筛选", "酶催化", "细胞培养"],
        ["抗肿瘤药物制剂", "体外诊断试剂盒", "动物疫苗", "医用敷料", "中药有效成分提取工艺", "功能性食品原料"],
        (["收率", "纯度"], ["生产周期", "杂质含量"]),
    ),
    3: (
        ["轻量化设计", "复合材料成型", "组合导航", "高可靠电源", "热防护"],
        ["无人机飞控系统", "航空发动机叶片", "卫星姿态控制组件", "机载电子设备", "航空紧固件"],
        (["可靠性", "续航时间"], ["结构重量", "故障率"]),
    ),
    4: (
        ["粉末冶金", "纳米改性", "真空熔炼", "热等静压", "表面涂层", "定向凝固"],
        ["高温合金", "钼基复合材料", "碳化硅陶瓷", "高性能钛合金板材", "锂电池负极材料", "耐磨涂层", "特种玻璃"],
        (["抗拉强度", "耐磨性能"], ["生产能耗", "原料成本"]),
    ),
    5: (
        ["大数据分析", "检验检测", "工业设计", "知识产权分析", "云服务"],
        ["技术转移服务平台", "检测认证方法", "科技咨询系统", "产品可靠性评价方法", "标准化数据服务"],
        (["服务效率", "检测准确率"], ["检测周期", "服务成本"]),
    ),
    6: (
        ["储能", "光伏", "氢燃料", "余热回收", "智能微网", "高效电机"],
        ["储能电池管理系统", "光伏组件", "氢燃料电池电堆", "工业余热回收装置", "风电主轴轴承", "永磁同步电机"],
        (["转换效率", "使用寿命"], ["综合能耗", "运行成本"]),
    ),
    7: (
        ["膜分离", "生物降解", "固废资源化", "低温等离子", "高级氧化"],
        ["工业废水处理工艺", "尾矿综合利用技术", "VOCs治理装置", "土壤修复药剂", "钼矿伴生资源回收工艺"],
        (["去除率", "资源回收率"], ["处理成本", "二次污染"]),
    ),
    8: (
        ["数控加工", "激光熔覆", "智能控制", "精密磨削", "工业机器人", "增材制造", "在线检测"],
        ["大型回转支承", "高精度轴承", "矿山提升装备", "大马力拖拉机", "智能焊接机器人", "数控机床主轴", "盾构机刀盘", "耐火材料生产线"],
        (["加工精度", "生产效率"], ["故障率", "单件能耗"]),
    ),
}
PATTERNS = ("基于{tech}的{obj}关键技术", "{obj}的{tech}制备方法", "一种{tech}{obj}", "{tech}{obj}研制及产业化", "{obj}{tech}技术及其应用")
PAINS = ("性能不稳定", "依赖进口", "生产效率低", "能耗偏高", "成本较高", "一致性差")
STAGES = ("完成小试", "完成中试", "在合作企业试用", "实现小批量生产", "实现规模化应用")
APPLICATIONS = ("装备制造", "新能源", "新材料", "电子信息", "生物医药", "节能环保", "现代农业")
MODES = ("transfer", "license", "equity", "joint_development")
# (status, share): what the library holds now
STATUSES = (("published", 70), ("submitted", 9), ("reviewed", 5), ("draft", 10), ("withdrawn", 6))
PATHS = {  # the transitions that brought an achievement to its status
    "draft": [],
    "submitted": ["submit"],
    "reviewed": ["submit", "review"],
    "published": ["submit", "review", "publish"],
    "withdrawn": ["submit", "review", "publish", "withdraw"],
}
ACCOUNT_STATUSES = ("draft", "draft", "submitted", "reviewed", "published", "published", "withdrawn")


def demo_achievements_exist() -> bool:
    return Achievement.objects.filter(is_synthetic=True).exists()


def _owners(rng) -> list[Organization]:
    """Universities and institutes hold many achievements each; a sample of enterprises a few."""
    research = list(Organization.objects.filter(kind__in=("university", "research_institute")).order_by("pk"))
    firms = list(Organization.objects.filter(kind="enterprise", is_synthetic=True).order_by("pk"))
    firms = rng.sample(firms, min(len(firms), 700))
    return research * 12 + firms


def _ip_number(rng, kind, year) -> str:
    serial = rng.randrange(10**6, 10**7)
    if kind == "software_copyright":
        return f"{year}SR{serial}"
    digit = {"invention": 1, "utility_model": 2, "design": 3}[kind]
    return f"ZL{year}{digit}{serial:07d}.{rng.choice('0123456789X')}"


def _content(rng, field: HitechField, top: int) -> dict:
    techs, objects, metrics = VOCABULARY.get(top, VOCABULARY[8])
    tech, obj = rng.choice(techs), rng.choice(objects)
    title = rng.choice(PATTERNS).format(tech=tech, obj=obj)
    up, down = rng.choice(metrics[0]), rng.choice(metrics[1])
    abstract = (
        f"本成果针对{obj}{'、'.join(rng.sample(PAINS, 2))}等问题，采用{tech}技术，"
        f"在{field.name_zh}方向形成了成套工艺与装备方案。经第三方检测，{up}提高{rng.randint(8, 45)}%，"
        f"{down}降低{rng.randint(5, 35)}%。成果已{rng.choice(STAGES)}，可应用于{rng.choice(APPLICATIONS)}等领域。"
    )
    return {"title": title[:200], "abstract": abstract, "keywords": "、".join(dict.fromkeys((tech, obj, field.name_zh)))}


def build_demo_achievements(log=print, size="city", seed=SEED) -> int:
    """Write the demo's achievements once; returns how many were written (0 when they exist already)."""
    count = COUNTS.get(size, COUNT)
    if demo_achievements_exist() or not Organization.objects.filter(is_synthetic=True).exists():
        return 0
    started = time.monotonic()
    rng = random.Random(seed)
    fields = list(HitechField.objects.exclude(parent=None).select_related("parent"))
    tops = {f.pk: f for f in HitechField.objects.filter(parent=None)}
    by_top = {}
    for f in fields:
        by_top.setdefault(f.parent_id, []).append(f)
    clusters = list(Cluster.objects.order_by("pk"))
    org_clusters = dict(Organization.clusters.through.objects.values_list("organization_id", "cluster_id").order_by("cluster_id"))
    owners = _owners(rng)
    if not owners or not fields:
        return 0
    account_org = _account_enterprise()
    picks = [account_org] * len(ACCOUNT_STATUSES) if account_org else []
    picks += [rng.choice(owners) for _ in range(count - len(picks))]
    statuses = list(ACCOUNT_STATUSES[: len(picks)]) if account_org else []
    labels, weights = zip(*STATUSES, strict=True)
    statuses += rng.choices(labels, weights, k=count - len(statuses))
    now = timezone.now()
    flow = workflow()
    rows, paths, org_top = [], [], {}
    top_list = sorted(tops.values(), key=lambda f: f.sort)
    for org, status in zip(picks, statuses, strict=True):
        if org.pk not in org_top:  # an organization works in one field: its own, or one drawn once for it
            org_top[org.pk] = tops.get(org.hitech_field_id) or rng.choice(top_list)
        field = next((f for f in fields if f.pk == org.hitech_field_id), None) or rng.choice(by_top.get(org_top[org.pk].pk) or fields)
        cluster_id = org_clusters.get(org.pk) or (rng.choice(clusters).pk if clusters and rng.random() < 0.3 else None)
        start = now - dt.timedelta(days=rng.randint(20, HISTORY_DAYS), minutes=rng.randint(0, 600))
        steps = [(name, start + dt.timedelta(days=3 * i + rng.randint(1, 3))) for i, name in enumerate(PATHS[status], 1)]
        negotiable = rng.random() < 0.45
        modes = sorted(rng.sample(MODES, rng.randint(1, 3)), key=MODES.index)
        leader = person_name(rng, rng.random() < 0.7)
        a = Achievement(
            **_content(rng, field, field.parent.number),
            hitech_field=field,
            industry_id=org.industry_id,
            cluster_id=cluster_id,
            trl=rng.choices(range(1, 10), (1, 2, 4, 7, 9, 9, 8, 5, 3))[0],
            organization=org,
            leader=leader,
            team="、".join([leader, *(person_name(rng, rng.random() < 0.6) for _ in range(rng.randint(1, 5)))]),
            transfer_modes=",".join(modes),
            price=None if negotiable else Decimal(rng.choice((5, 10, 20, 30, 50, 80, 100, 150, 200, 300, 500, 1000))),
            negotiable=negotiable,
            contact_name=person_name(rng, rng.random() < 0.5),
            contact_phone=f"0379-6{rng.randrange(10**6, 10**7)}",
            contact_email=f"tt{rng.randrange(1000, 9999)}@example.cn",
            contact_public=rng.random() < 0.4,
            status=status,
            submitted_at=dict(steps).get("submit"),
            published_at=dict(steps).get("publish"),
            is_synthetic=True,
        )
        rows.append(a)
        paths.append(steps)
    with transaction.atomic(), acting_as(None, "demo"):
        _create(Achievement, rows)
        rights, events = [], []
        for a, steps in zip(rows, paths, strict=True):
            year = (a.submitted_at or now).year - rng.randint(1, 4)
            seen = set()
            for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
                kind = rng.choices(("invention", "utility_model", "design", "software_copyright"), (5, 4, 1, 2))[0]
                number = _ip_number(rng, kind, year)
                if (kind, number) not in seen:
                    seen.add((kind, number))
                    rights.append(AchievementIP(achievement=a, kind=kind, number=number))
            state = flow.initial
            for name, at in steps:
                target = flow.transitions[name].target
                reason = "成果已完成转化，暂停对外发布" if name == "withdraw" else ""
                actor = {"submit": "owner", "review": "district", "publish": "bureau", "withdraw": "owner"}[name]
                events.append(
                    AchievementEvent(
                        achievement=a,
                        transition=name,
                        from_status=state,
                        to_status=target,
                        actor_name=f"demo:{actor}",
                        via="demo",
                        at=at,
                        reason=reason,
                        workflow_version=flow.version,
                    )
                )
                state = target
        _create(AchievementIP, rights)
        AchievementEvent.objects.bulk_create(events, batch_size=2000)
    log(f"  科技成果 / achievements: {len(rows)}, IP rights {len(rights)}, events {len(events)} ({time.monotonic() - started:.1f} s)")
    return len(rows)


def _create(model, objs):
    """Bulk-write the rows and their change records (as the demo generator writes its own)."""
    model.objects.bulk_create(objs, batch_size=1000)
    audit.record_changes(model, [(o.pk, str(o), "create", None, audit.serialize(o)) for o in objs])


def _account_enterprise() -> Organization | None:
    """The ``org`` demo account's enterprise, so that its user has achievements in every state."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username="org").select_related("profile__organization").first()
    profile = getattr(user, "profile", None) if user else None
    return profile.organization if profile and profile.organization_id else None


def reset_demo_achievements():
    Achievement.objects.filter(is_synthetic=True).delete()
