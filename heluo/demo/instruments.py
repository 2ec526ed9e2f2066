"""The demo's shared large instruments: about 300 instruments (30 at --size small) of the demo's universities and
research institutes, open on weekdays 08:30–17:30 with hourly and per-sample prices, and a year of bookings by the
demo's enterprises — never overlapping (one slot a day per instrument, on distinct days) — mostly used with hours,
samples and fees recorded, some rejected or cancelled, and upcoming ones requested or approved (the ``instruments``
account's approval queue, the ``org`` account's own bookings). Then the year's sharing evaluation and its 存量补贴
list, computed through the service from the scheme file, and the owner admitted as an innovation-voucher provider of
检验检测 services (vouchers paying for instrument services are configuration: see _admit_as_voucher_provider).

Seeded. Instruments, service items, bookings and their steps are inserted in bulk, each valid as the services would
have it; the evaluation goes through the service. Built once (skipped when the demo's instruments exist);
``reset_demo_instruments`` removes it (``heluo demo --reset``)."""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from heluo.core.models import UserProfile
from heluo.core.permissions import SYSTEM
from heluo.demo.enterprises import DEMO_MARK
from heluo.instruments.engine import rules
from heluo.instruments.models import Booking, BookingEvent, Instrument, ServiceItem, SharingEvaluation
from heluo.instruments.services import evaluations
from heluo.orgs.models import Organization
from heluo.vouchers.models import Provider
from heluo.vouchers.services import providers

PREFIX = "YQ-DEMO-"  # asset numbers of the demo's instruments: what the reset removes
COUNT = {"small": 30, "city": 300, "province": 300}
PER_INSTRUMENT = {"small": 8, "city": 40, "province": 40}
UPCOMING = 3  # future bookings per instrument, in the next two weeks' weekdays
OPENS, CLOSES = dt.time(8, 30), dt.time(17, 30)
# (category, name, model, value in 万元 from–to)
KINDS = [
    ("analysis", "场发射扫描电子显微镜", "SU8010", 280, 450),
    ("analysis", "透射电子显微镜", "JEM-2100F", 600, 1200),
    ("analysis", "X射线衍射仪", "D8 ADVANCE", 120, 300),
    ("analysis", "电感耦合等离子体质谱仪", "7900 ICP-MS", 150, 260),
    ("analysis", "气相色谱-质谱联用仪", "8890-5977B", 60, 120),
    ("analysis", "激光共聚焦显微镜", "LSM 900", 180, 320),
    ("physical", "电子万能试验机", "5982", 60, 150),
    ("physical", "高频疲劳试验机", "Vibrophore 100", 80, 180),
    ("physical", "同步热分析仪", "STA 449 F5", 50, 90),
    ("metrology", "三坐标测量机", "CONTURA G2", 90, 260),
    ("electronic", "矢量网络分析仪", "ZNA43", 120, 300),
    ("special", "工业CT", "Y.CT Precision", 400, 900),
    ("process", "金属3D打印机", "EOS M290", 300, 600),
    ("computing", "高性能计算集群", "—", 500, 1500),
    ("laser", "飞秒激光加工系统", "Pharos", 200, 500),
]
PURPOSES = ["断口形貌分析", "材料成分检测", "轴承钢组织观察", "新产品性能测试", "工艺验证", "失效分析", "研发样品表征"]


def _owners() -> list[Organization]:
    demo = Q(is_synthetic=True) | Q(description__contains=DEMO_MARK)
    found = list(Organization.objects.filter(demo, kind__in=["university", "research_institute"]).order_by("uscc")[:16])
    first = _account_organization("instruments")
    if first is not None and first in found:  # the ``instruments`` account's organization owns the first instruments
        found.remove(first)
        found.insert(0, first)
    return found


def _account_organization(username: str) -> Organization | None:
    profile = UserProfile.objects.filter(user__username=username).select_related("organization").first()
    return profile.organization if profile else None


def _weekdays(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days) if (start + dt.timedelta(days=i)).weekday() < 5]


def build_demo_instruments(log=print, seed: int = 2024, size: str = "city") -> int:
    """Returns the number of instruments made (0: already there, or no demo owners)."""
    if Instrument.objects.filter(asset_number__startswith=PREFIX).exists():
        return 0
    owners = _owners()
    firms = list(Organization.objects.filter(is_synthetic=True, kind="enterprise").order_by("uscc")[:80])
    org = _account_organization("org")
    if org is not None and org not in firms:
        firms.insert(0, org)
    if not owners or not firms:
        return 0
    started, rng = time.monotonic(), random.Random(seed)
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    past_days = _weekdays(today - dt.timedelta(days=365), today)
    next_days = _weekdays(today + dt.timedelta(days=2), today + dt.timedelta(days=16))
    categories = {c for c, _zh, _en in rules.categories()}
    with transaction.atomic():
        instruments = []
        for n in range(COUNT.get(size, 300)):
            category, name, model, low, high = KINDS[n % len(KINDS)]
            assert category in categories
            owner = owners[n % len(owners)]
            instruments.append(
                Instrument(
                    owner=owner,
                    asset_number=f"{PREFIX}{n + 1:04d}",
                    name=name,
                    category=category,
                    model_number=model,
                    value=Decimal(rng.randint(low, high) * 10000),
                    purchased_on=dt.date(rng.randint(2012, 2024), rng.randint(1, 12), 1),
                    location=f"{owner.name[:12]}{rng.choice(['分析测试中心', '实验楼', '中试车间'])}{rng.randint(101, 520)}室",
                    status="maintenance" if n % 29 == 5 else "in_service",
                    opens=OPENS,
                    closes=CLOSES,
                    operator=rng.choice(["王工", "李老师", "张工", "赵老师", "刘工"]),
                    contact=f"0379-6{rng.randint(1000000, 9999999)}",
                )
            )
        Instrument.objects.bulk_create(instruments)
        items = []
        for inst in instruments:
            hourly = (inst.value / 10000 * Decimal("0.6")).quantize(Decimal("1"))  # about 0.6 元 an hour per 万元 of value
            items.append(ServiceItem(instrument=inst, name="机时", unit="hour", price=max(Decimal(100), hourly)))
            items.append(ServiceItem(instrument=inst, name="样品测试", unit="sample", price=Decimal(rng.choice([150, 200, 300, 500]))))
        ServiceItem.objects.bulk_create(items)
        hourly_of = {i.instrument_id: i for i in items if i.unit == "hour"}
        bookings, steps = [], []
        for inst in instruments:
            for day in sorted(rng.sample(past_days, min(PER_INSTRUMENT.get(size, 40), len(past_days)))):
                booker = rng.choice(firms) if rng.random() < 0.75 else inst.owner  # a quarter by the owner itself
                hours = rng.randint(1, 8)
                start = dt.datetime.combine(day, dt.time(9), tz)
                roll = rng.random()
                status = "completed" if roll < 0.85 else ("rejected" if roll < 0.92 else "cancelled")
                used = Decimal(hours) if status == "completed" else None
                bookings.append(
                    Booking(
                        instrument=inst,
                        booker=booker,
                        service=hourly_of[inst.pk],
                        starts_at=start,
                        ends_at=start + dt.timedelta(hours=hours),
                        purpose=rng.choice(PURPOSES),
                        samples_planned=rng.randint(1, 10),
                        status=status,
                        is_outside=booker.pk != inst.owner_id,
                        hours_used=used,
                        samples=rng.randint(1, 10) if used else None,
                        fee=(used * hourly_of[inst.pk].price).quantize(Decimal("0.01")) if used else None,
                    )
                )
            if inst.status != "in_service":
                continue
            for k, day in enumerate(sorted(rng.sample(next_days, UPCOMING))):
                start = dt.datetime.combine(day, dt.time(9), tz)
                bookings.append(
                    Booking(
                        instrument=inst,
                        booker=firms[0] if k == 0 else rng.choice(firms),
                        service=hourly_of[inst.pk],
                        starts_at=start,
                        ends_at=start + dt.timedelta(hours=rng.randint(1, 4)),
                        purpose=rng.choice(PURPOSES),
                        samples_planned=rng.randint(1, 5),
                        status="requested" if k < 2 else "approved",
                        is_outside=True,
                    )
                )
        Booking.objects.bulk_create(bookings, batch_size=2000)
        now = timezone.now()
        for b in bookings:
            asked = min(now, b.starts_at - dt.timedelta(days=7))
            steps.append(_step(b, "request", "", "requested", asked))
            if b.status == "rejected":
                steps.append(_step(b, "reject", "requested", "rejected", asked + dt.timedelta(days=1), "样品不符合要求（演示）"))
            elif b.status != "requested":
                steps.append(_step(b, "approve", "requested", "approved", asked + dt.timedelta(days=1)))
            if b.status == "completed":
                steps.append(_step(b, "complete", "approved", "completed", b.ends_at))
            elif b.status == "cancelled":
                steps.append(_step(b, "cancel", "approved", "cancelled", b.starts_at - dt.timedelta(days=2)))
        BookingEvent.objects.bulk_create(steps, batch_size=5000)
        evaluations.evaluate_year(SYSTEM, today.year)
        _admit_as_voucher_provider(_account_organization("instruments"))
    log(f"  大型仪器 / instruments: {len(instruments)}, bookings {len(bookings)} ({time.monotonic() - started:.1f} s)")
    return len(instruments)


def _admit_as_voucher_provider(owner: Organization | None):
    """Innovation vouchers pay for instrument services by configuration, not code: the ``instruments`` account's
    organization joins the voucher providers with a 检验检测 service, so the example programmes' 检验检测券 (a voucher
    type of that category) can be contracted with it — through the voucher services, as the pages do."""
    if owner is None or Provider.objects.filter(organization=owner).exists():
        return
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["instruments", "staff"])}
    if len(users) < 2:
        return
    p = providers.provider_apply(
        users["instruments"],
        providers.admitting_authority(),
        services=[{"category": "testing", "name": "大型科研仪器共享服务（机时、样品测试）", "price": "300", "unit": "小时"}],
        contact="演示联系人 0379-65550000",
        description="大型科研仪器开放共享的管理单位（演示数据）",
    )
    providers.provider_review(users["staff"], p, decision="approve")


def _step(booking, action, before, after, at, reason=""):
    return BookingEvent(
        booking=booking, transition=action, from_status=before, to_status=after, reason=reason, actor_name="demo", via="demo", at=at
    )


def reset_demo_instruments():
    demo = Instrument.objects.filter(asset_number__startswith=PREFIX)
    Booking.objects.filter(instrument__in=demo).delete()
    ServiceItem.objects.filter(instrument__in=demo).delete()
    SharingEvaluation.objects.filter(owner__in=demo.values("owner")).delete()
    demo.delete()
