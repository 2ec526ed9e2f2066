"""The demo's innovation vouchers, so the whole life of a voucher can be seen (and continued) by every role:

* two programmes from the shipped example configuration (labelled as an example), for the demo's latest
  application year: one first come first served (``demo-YEAR``) and one by review (``demo-YEAR-review``);
  the window is widened when needed so that applying works on the day the demo is shown;
* approved service providers among the demo's service agencies and research institutes — the first one is
  the organization of the ``provider`` account — plus one waiting for admission and one suspended;
* vouchers in every state (applied, rejected, issued, contracted, delivered, redemption submitted,
  redeemed, settled, expired, cancelled) over the last ~200 days: several of the ``org`` account's
  enterprise, contracts with the ``provider`` account's organization, enterprises of 涧西区 and 洛龙区.

Everything goes through heluo.vouchers.services, as the web does, so the ledger, the counters and the
events agree. To give the history real dates, each step runs on a demo clock (``timezone.now`` patched
to the step's moment, in order): expiry, the near-expiry warning and the daily reconciliation then look
as they would in use. Built once (skipped when a demo programme exists); ``reset_demo_vouchers`` removes it.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from decimal import Decimal as D
from unittest import mock

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from heluo.core.middleware import acting_as
from heluo.core.models import Role, UserProfile
from heluo.core.permissions import Scope
from heluo.orgs.models import EnterpriseAnnual, Organization, Qualification

DEMO_CODE = "demo-"  # code prefix of the demo's programmes (with is_example set): what the reset removes
HISTORY_DAYS = 200
DEMO_NOTE_ZH = "演示：申领窗口已为演示延长。"
DEMO_NOTE_EN = " Demo: the application window has been widened for the demonstration."

# Providers: (categories and services) in order of the candidate organizations after the provider account's.
PROVIDER_ACCOUNT_SERVICES = [
    ("rd_services", "委托研发", "80000", "项"),
    ("testing", "材料与零部件检测", "20000", "批次"),
    ("tech_services", "工艺技术咨询", "10000", "次"),
]
OTHER_PROVIDERS = [  # (services, final status)
    ([("testing", "计量校准与检测", "15000", "批次"), ("ip_services", "专利申请代理", "6000", "件")], "approved"),
    ([("tech_services", "技术转移与成果评价", "30000", "项"), ("rd_services", "联合研发", "120000", "项")], "approved"),
    ([("testing", "环境可靠性试验", "25000", "批次")], "applied"),
    ([("tech_services", "技术查新", "3000", "次")], "suspended"),
]

# One voucher's life: (key, programme "fcfs"/"review", enterprise slot, type, amount, steps). Enterprise slot
# "E" is the org account's enterprise, 0, 1, … other eligible enterprises. Steps: (day, action, args).
# Days count from the start of the history; open vouchers are issued on day ≥ 25 so they do not expire
# before the demo is shown (validity 180 days), except those meant to expire.
LIVES = [
    ("e-expired", "fcfs", "E", "testing", "20000", [(0, "apply", {})]),
    (
        "e-settled",
        "fcfs",
        "E",
        "testing",
        "30000",
        [
            (5, "apply", {}),
            (12, "contract", {"provider": "P", "value": "60000"}),
            (40, "deliver", {"by": "E"}),
            (45, "redeem", {"invoice": "60000"}),
            (55, "verify", {}),
            (70, "settle", {}),
        ],
    ),
    (
        "e-claimed",
        "fcfs",
        "E",
        "rd",
        "80000",
        [
            (30, "apply", {}),
            (38, "contract", {"provider": "P", "value": "200000"}),
            (150, "deliver", {"by": "P"}),
            (190, "redeem", {"invoice": "200000"}),
        ],
    ),
    ("e-issued", "fcfs", "E", "tech", "40000", [(32, "apply", {})]),  # expires ~12 days after the demo day: the warning
    ("e-cancelled", "fcfs", "E", "ip", "10000", [(60, "apply", {}), (75, "cancel", {"by": "E", "reason": "项目计划调整，放弃使用"})]),
    ("e-over-cap", "fcfs", "E", "rd", "60000", [(199, "apply", {})]),  # above the cap per enterprise: stored as rejected
    ("e-review", "review", "E", "testing", "25000", [(196, "apply", {})]),
    (
        "x-refused",
        "fcfs",
        0,
        "rd",
        "50000",
        [
            (25, "apply", {}),
            (30, "contract", {"provider": "P", "value": "120000"}),
            (100, "deliver", {"by": "P"}),
            (110, "redeem", {"invoice": "120000"}),
            (118, "refuse", {"reason": "发票抬头与合同签订主体不一致，请更正后重新提交"}),
        ],
    ),
    ("x-contracted", "fcfs", 1, "testing", "40000", [(26, "apply", {}), (33, "contract", {"provider": "P", "value": "80000"})]),
    (
        "x-settled-less",
        "fcfs",
        2,
        "testing",
        "15000",
        [
            (8, "apply", {}),
            (15, "contract", {"provider": "P2", "value": "30000"}),
            (35, "deliver", {"by": "X"}),
            (40, "redeem", {"invoice": "30000"}),
            (50, "verify", {"amount": "14500", "reason": "验收报告所列检测批次核减一批"}),
            (65, "settle", {}),
        ],
    ),
    (
        "x-instalments",
        "fcfs",
        3,
        "rd",
        "100000",
        [
            (10, "apply", {}),
            (20, "contract", {"provider": "P", "value": "300000"}),
            (80, "deliver", {"by": "P"}),
            (90, "redeem", {"invoice": "300000"}),
            (100, "verify", {}),
            (120, "settle", {"amount": "60000"}),
            (HISTORY_DAYS, "settle", {}),
        ],
    ),
    (
        "x-to-pay",
        "fcfs",
        4,
        "tech",
        "30000",
        [
            (40, "apply", {}),
            (50, "contract", {"provider": "P3", "value": "90000"}),
            (120, "deliver", {"by": "X"}),
            (130, "redeem", {"invoice": "90000"}),
            (145, "verify", {}),
        ],
    ),
    (
        "x-ip-settled",
        "fcfs",
        5,
        "ip",
        "20000",
        [
            (45, "apply", {}),
            (52, "contract", {"provider": "P2", "value": "50000"}),
            (90, "deliver", {"by": "X"}),
            (95, "redeem", {"invoice": "50000"}),
            (105, "verify", {}),
            (125, "settle", {}),
        ],
    ),
    (
        "x-provider-redeemed",
        "fcfs",
        6,
        "testing",
        "30000",
        [
            (120, "apply", {}),
            (125, "contract", {"provider": "P", "value": "50000"}),
            (170, "deliver", {"by": "X"}),
            (185, "redeem", {"invoice": "50000"}),
            (198, "verify", {}),
        ],
    ),
    ("x-issued", "fcfs", 7, "rd", "60000", [(150, "apply", {})]),
    ("x-contracted-2", "fcfs", 8, "tech", "20000", [(170, "apply", {}), (180, "contract", {"provider": "P3", "value": "50000"})]),
    (
        "x-delivered",
        "fcfs",
        9,
        "testing",
        "25000",
        [(160, "apply", {}), (165, "contract", {"provider": "P2", "value": "50000"}), (190, "deliver", {"by": "X"})],
    ),
    (
        "x-claimed",
        "fcfs",
        10,
        "rd",
        "70000",
        [
            (140, "apply", {}),
            (150, "contract", {"provider": "P3", "value": "180000"}),
            (175, "deliver", {"by": "X"}),
            (195, "redeem", {"invoice": "180000"}),
        ],
    ),
    ("x-expired", "fcfs", 11, "ip", "10000", [(2, "apply", {})]),
    (
        "x-withdrawn",
        "fcfs",
        12,
        "tech",
        "15000",
        [(100, "apply", {}), (130, "cancel", {"by": "bureau", "reason": "企业已申请注销，收回创新券"})],
    ),
    ("x-today", "fcfs", 13, "testing", "35000", [(HISTORY_DAYS, "apply", {})]),
    ("r-scored", "review", 1, "rd", "50000", [(190, "apply", {}), (195, "review", {"score": "86"})]),
    ("r-issued", "review", 4, "testing", "30000", [(191, "apply", {}), (194, "review", {"score": "72"}), (196, "issue", {})]),
    ("r-rejected", "review", 2, "ip", "15000", [(192, "apply", {}), (196, "reject", {"reason": "申报服务内容不属于知识产权服务范围"})]),
    ("r-open", "review", 5, "tech", "20000", [(197, "apply", {})]),
]
EXPIRE_DAY = 186  # the daily expiry job, run on this day of the history: only the vouchers issued on days 0–5 are due


@contextmanager
def demo_clock(at):
    """Run the services as if it were `at` (events, issue and expiry dates follow it)."""
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


def _user(username):
    return get_user_model().objects.filter(username=username).first()


def _org_scope(org) -> Scope:
    """Acting for a demo organization that has no account (its events show "system")."""
    return Scope(role=Role.ORG_USER, organization_id=org.pk)


def _demo_year() -> int | None:
    latest = EnterpriseAnnual.objects.aggregate(y=Max("year"))["y"]
    if latest is None:
        return None
    return max(latest + 1, timezone.localdate().year)  # the application year after the newest data, or this year


def _window(year: int, start, now) -> dict:
    """The example's window for the year, widened to cover the demo's history and the weeks after it."""
    from heluo.vouchers.loader import read_config

    raw = read_config("example")["window"]
    tz = timezone.get_current_timezone()
    opens = timezone.make_aware(dt.datetime.fromisoformat(raw["opens"].replace("{year}", str(year))), tz)
    closes = timezone.make_aware(dt.datetime.fromisoformat(raw["closes"].replace("{year}", str(year))), tz)
    widened = opens > start - dt.timedelta(days=1) or closes < now + dt.timedelta(days=60)
    later = timezone.localtime(now + dt.timedelta(days=90), tz).replace(hour=17, minute=0, second=0, microsecond=0)
    opens, closes = min(opens, start - dt.timedelta(days=1)), max(closes, later)
    return {"window": {"opens": opens.isoformat(), "closes": closes.isoformat()}, "widened": widened}


def _programmes(year, start, now):
    from heluo.vouchers.loader import load_programme, read_config

    raw = read_config("example")
    w = _window(year, start, now)
    notes = {
        "note_zh": raw["note_zh"] + (DEMO_NOTE_ZH if w["widened"] else ""),
        "note_en": raw["note_en"] + (DEMO_NOTE_EN if w["widened"] else ""),
    }
    fcfs = load_programme("example", year=year, code=f"{DEMO_CODE}{year}", overrides={"window": w["window"], **notes})
    review = load_programme(
        "example",
        year=year,
        code=f"{DEMO_CODE}{year}-review",
        overrides={
            "window": w["window"],
            **notes,
            "allocation_mode": "review",
            "budget": "300000.00",
            "name_zh": "科技创新券（示例配置·评审制）{year}年度",
            "name_en": "Innovation vouchers (example configuration, by review) {year}",
        },
    )
    return fcfs, review


def _registration(org, year_from: int, year_to: int):
    """The org account's enterprise registers as a 科技型中小企业 every year; the demo data stops earlier, so
    its registrations up to this year are added (this is what makes it eligible for the example programme)."""
    for y in range(year_from, year_to + 1):
        if not Qualification.objects.filter(organization=org, kind="tech_sme", year=y).exists():
            Qualification.objects.create(
                organization=org,
                kind="tech_sme",
                year=y,
                certificate_no=f"{y}410300A{990000 + org.pk % 10000:06d}",
                valid_from=dt.date(y, 1, 1),
                valid_to=dt.date(y, 12, 31),
                issuer="河南省科学技术厅",
                note="演示数据（合成）",
            )


def _provider_candidates(exclude_id):
    return list(
        Organization.objects.filter(is_synthetic=True, kind__in=["service_agency", "research_institute"])
        .exclude(pk=exclude_id)
        .order_by("-kind", "uscc")
    )  # service agencies first


def _enterprise_candidates(programme, exclude_id, first_day: dt.date, last_day: dt.date, wanted: int = 16):
    """Enterprises eligible for the whole history: two of 涧西区 and two of 洛龙区 first (the demo district
    accounts), then one area after another in turn, so the by-district chart has something to show."""
    from heluo.vouchers.selectors import eligibility

    by_area: dict[str, list] = {}
    for org in (
        Organization.objects.filter(kind="enterprise", is_synthetic=True)
        .exclude(pk=exclude_id)
        .select_related("area")
        .order_by("area__code", "uscc")
    ):
        by_area.setdefault(org.area.code, []).append(org)
    queues = {code: iter(orgs) for code, orgs in by_area.items()}
    out = []

    def take(code) -> bool:
        for org in queues.get(code, ()):
            if eligibility(programme, org, first_day).ok and eligibility(programme, org, last_day).ok:
                out.append(org)
                return True
        return False

    for code in ("410305", "410311", "410305", "410311"):
        take(code)
    while len(out) < wanted and any([take(code) for code in sorted(queues) if len(out) < wanted]):
        pass
    return out


def build_demo_vouchers(log=print) -> dict:
    from heluo.vouchers import selectors
    from heluo.vouchers.models import Programme

    year = _demo_year()
    if year is None or Programme.objects.filter(code__startswith=DEMO_CODE, is_example=True).exists():
        return {}  # no demo data, or its vouchers are already there
    staff, org_user, provider_user = _user("staff"), _user("org"), _user("provider")
    profile = {
        u.username: UserProfile.objects.filter(user=u).select_related("organization").first() for u in (org_user, provider_user) if u
    }
    ent = profile.get("org") and profile["org"].organization
    prov_org = profile.get("provider") and profile["provider"].organization
    if staff is None or ent is None or prov_org is None:
        log("  创新券 / vouchers: skipped (the demo accounts staff, org and provider are needed)")
        return {}
    now = timezone.now()
    tz = timezone.get_current_timezone()
    start = timezone.localtime(now - dt.timedelta(days=HISTORY_DAYS), tz).replace(hour=9, minute=30, second=0, microsecond=0)
    with acting_as(staff, "demo"), transaction.atomic():
        fcfs, review = _programmes(year, start, now)
        _registration(ent, (EnterpriseAnnual.objects.aggregate(y=Max("year"))["y"] or year) + 1, timezone.localdate(now).year)
        others = _enterprise_candidates(fcfs, ent.pk, timezone.localdate(start), timezone.localdate(now))
        world = {
            "staff": staff,
            "finance": _user("finance"),  # pays what staff verified: maker–checker
            "org_user": org_user,
            "provider_user": provider_user,
            "E": ent,
            "X": others,
            "programme": {"fcfs": fcfs, "review": review},
            "vouchers": {},
            "providers": {},
        }
        steps = _plan(world, start, prov_org)
        # Steps run in time order; a step planned later than now runs a few minutes before now, still in order.
        cap = now - dt.timedelta(minutes=10)
        for i, (at, _n, fn) in enumerate(sorted(steps, key=lambda s: (s[0], s[1]))):
            at = min(at, cap + dt.timedelta(seconds=i))
            with demo_clock(at):
                fn(at)
        counts = dict(fcfs.vouchers.order_by().values_list("status").annotate(n=Count("pk")))
    log(
        f"  创新券 / vouchers {year}: "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        + f"; review programme {review.vouchers.count()}"
    )
    _, violations = selectors.check_programme(fcfs)
    if violations:  # a demo that breaks the ledger must not pass silently
        raise RuntimeError(f"demo vouchers break the ledger: {[str(v) for v in violations]}")
    return counts


def _plan(world, start, prov_org) -> list:
    """Every step of every life as (moment, order, callable), to be run in time order."""
    from heluo.vouchers import evidence, services
    from heluo.vouchers.models import Redemption, Settlement

    staff = world["staff"]
    steps, n = [], 0

    def at_day(day: float, k: int):
        return start + dt.timedelta(days=day, minutes=7 * k)

    def add(day, k, fn):
        nonlocal n
        n += 1
        steps.append((at_day(day, k), n, fn))

    # providers first (day 0 and after): the provider account's organization, then the others
    def provider(org, services_list, status, by_user=None):
        def apply(at):
            user = by_user or _org_scope(org)
            p = services.provider_apply(
                user,
                world["programme"]["fcfs"].authority,
                services=[{"category": c, "name": name, "price": price, "unit": unit} for c, name, price, unit in services_list],
                contact="演示联系人 0379-6000" + str(org.pk % 10000).zfill(4),
                description="演示数据（合成）服务机构",
            )
            world["providers"][org.pk] = p

        return apply

    def review_provider(org, decision, reason=""):
        def run(at):
            services.provider_review(staff, world["providers"][org.pk], decision=decision, reason=reason)

        return run

    add(-1, 0, provider(prov_org, PROVIDER_ACCOUNT_SERVICES, "approved", world["provider_user"]))
    add(-1, 1, review_provider(prov_org, "approve"))
    slots = {"P": prov_org}
    for i, (org, (svc, status)) in enumerate(zip(_provider_candidates(prov_org.pk), OTHER_PROVIDERS)):
        add(-1, 2 + i, provider(org, svc, status))
        if status in ("approved", "suspended"):
            add(-1, 8 + i, review_provider(org, "approve"))
        if status == "suspended":
            add(150, 0, review_provider(org, "suspend", "年度服务质量考核未通过，暂停受理新的创新券业务"))
        if status == "approved":
            slots[f"P{len([k for k in slots if k.startswith('P')]) + 1}"] = org

    def enterprise(slot):
        if slot == "E":
            return world["E"], world["org_user"]
        orgs = world["X"]
        org = orgs[slot % len(orgs)] if orgs else world["E"]
        return org, _org_scope(org)

    def life(key, prog, slot, vtype, amount, plan):
        org, ent_user = enterprise(slot)
        programme = world["programme"][prog]

        def voucher():
            return world["vouchers"].get(key)

        def prov_user():
            v = voucher()
            return world["provider_user"] if v.provider.organization_id == prov_org.pk else _org_scope(v.provider.organization)

        for k, (day, action, args) in enumerate(plan):

            def run(at, action=action, args=args):
                if action == "apply":
                    try:
                        out = services.apply(
                            ent_user, programme, voucher_type=programme.types.get(code=vtype), amount=amount, arrived_at=at
                        )
                    except services.Refused:
                        return  # not eligible on that day (another data size or seed): this life is left out
                    world["vouchers"][key] = out.voucher
                    return
                v = voucher()
                if v is None:
                    return
                v.refresh_from_db()  # the services changed their own copy
                if action == "contract":
                    p = world["providers"][slots.get(args["provider"], prov_org).pk]
                    no = f"HT-{at:%Y%m%d}-{v.pk:04d}"
                    services.sign_contract(
                        ent_user, v, provider=p, contract_no=no, contract_value=args["value"], signed_on=timezone.localdate(at)
                    )
                elif action == "deliver":
                    services.deliver(
                        ent_user if args.get("by") == "E" else prov_user(), v, delivered_on=timezone.localdate(at), note="验收合格"
                    )
                elif action == "redeem":
                    invoice = f"FP{at:%Y%m%d}{v.pk:04d}"
                    files = [
                        (f"服务合同-{v.contract_no}.txt", f"演示合同 {v.contract_no} {v.number} 合同金额 {v.contract_value}"),
                        (f"发票-{invoice}.txt", f"演示发票 {invoice} 金额 {args['invoice']}"),
                        (f"验收报告-{v.number}.txt", f"演示验收报告 {v.number} 服务已完成并验收合格"),
                    ]
                    items = [{"name": name, "sha256": evidence.keep_bytes(text.encode("utf-8"))} for name, text in files]
                    red = services.submit_redemption(prov_user(), v, invoice_no=invoice, invoice_amount=args["invoice"], evidence=items)
                    Redemption.objects.filter(pk=red.pk).update(submitted_at=at)  # the field's default ignores the demo clock
                elif action == "verify":
                    services.verify(staff, v, amount=args.get("amount"), reason=args.get("reason", ""))
                elif action == "refuse":
                    services.reject_redemption(staff, v, reason=args["reason"])
                elif action == "settle":
                    s = services.settle(
                        world["finance"] or staff,
                        v,
                        amount=args.get("amount"),
                        paid_on=timezone.localdate(at),
                        payment_ref=f"ZF{at:%Y%m%d}{v.pk:04d}",
                    )
                    Settlement.objects.filter(pk=s.pk).update(recorded_at=at)
                elif action == "cancel":
                    services.cancel(ent_user if args.get("by") == "E" else staff, v, reason=args["reason"])
                elif action == "review":
                    services.review(staff, v, score=args["score"], note="演示评审")
                elif action == "issue":
                    services.issue(staff, v)
                elif action == "reject":
                    services.reject(staff, v, reason=args["reason"])
                world["vouchers"][key] = v

            add(day, 10 + k, run)

    for key, prog, slot, vtype, amount, plan in LIVES:
        life(key, prog, slot, vtype, amount, plan)
    add(EXPIRE_DAY, 0, lambda at: services.expire_due(staff, programme=world["programme"]["fcfs"]))
    return steps


# --- reset --------------------------------------------------------------------------------------------


def _allow_event_deletes(on: bool):
    """PostgreSQL refuses to delete voucher events (migration 0002); migration 0005 lets a transaction that
    sets heluo.demo_reset delete the events of example programmes only. Local to the transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("SELECT set_config('heluo.demo_reset', %s, true)", ["on" if on else "off"])


def _recount(programme):
    """After demo vouchers leave a programme that stays, its counters follow the remaining events."""
    from heluo.vouchers import selectors
    from heluo.vouchers.engine import ledger
    from heluo.vouchers.models import BudgetCounter, EnterpriseCounter

    balances, _ = ledger.replay(*selectors.ledger_inputs(programme))
    BudgetCounter.objects.filter(programme=programme, voucher_type__isnull=True).update(committed=balances.committed)
    for c in BudgetCounter.objects.filter(programme=programme, voucher_type__isnull=False):
        BudgetCounter.objects.filter(pk=c.pk).update(committed=balances.by_type.get(c.voucher_type_id, D("0")))
    for c in EnterpriseCounter.objects.filter(programme=programme):
        EnterpriseCounter.objects.filter(pk=c.pk).update(committed=balances.by_enterprise.get(c.organization_id, D("0")))


def reset_demo_vouchers(usernames=()):
    """Remove the demo programmes and every voucher, claim, payment, flag and provider of demo organizations
    or accounts — in example programmes only: a real programme's money records are never deleted (if demo
    organizations hold vouchers in one, the reset stops with an error instead)."""
    from heluo.demo.enterprises import DEMO_MARK
    from heluo.vouchers import evidence
    from heluo.vouchers.models import PartnerRedemption, Programme, Provider, Redemption, RiskFlag, Settlement, Voucher, VoucherEvent

    demo_orgs = Organization.objects.filter(Q(is_synthetic=True) | Q(description__contains=DEMO_MARK))
    demo_programmes = Programme.objects.filter(code__startswith=DEMO_CODE, is_example=True)
    involved = (
        Q(programme__in=demo_programmes)
        | Q(enterprise__in=demo_orgs)
        | Q(provider__organization__in=demo_orgs)
        | Q(applicant__username__in=list(usernames))
    )
    real = Voucher.objects.filter(involved, programme__is_example=False)
    if real.exists():
        codes = sorted(set(real.values_list("programme__code", flat=True)))
        raise RuntimeError(
            f"demo organizations hold vouchers of real programmes ({', '.join(codes)}); their records are kept, so the demo reset stops"
        )
    vouchers = Voucher.objects.filter(involved, programme__is_example=True)
    providers = Provider.objects.filter(organization__in=demo_orgs)
    with transaction.atomic():
        touched = list(Programme.objects.filter(pk__in=vouchers.values("programme_id")).exclude(pk__in=demo_programmes.values("pk")))
        hashes = {
            e.get("sha256") for ev in Redemption.objects.filter(voucher__in=vouchers).values_list("evidence", flat=True) for e in ev or []
        }
        RiskFlag.objects.filter(
            Q(voucher__in=vouchers)
            | Q(redemption__voucher__in=vouchers)
            | Q(provider__in=providers)
            | Q(enterprise__in=demo_orgs)
            | Q(programme__in=demo_programmes)
        ).delete()
        _allow_event_deletes(True)
        VoucherEvent.objects.filter(voucher__in=vouchers).delete()
        _allow_event_deletes(False)
        Settlement.objects.filter(voucher__in=vouchers).delete()
        Redemption.objects.filter(voucher__in=vouchers).delete()
        ids = list(vouchers.values_list("pk", flat=True))
        Voucher.objects.filter(pk__in=ids).delete()
        PartnerRedemption.objects.filter(provider__in=providers).delete()
        providers.delete()
        demo_programmes.delete()
        for p in touched:
            _recount(p)
        still_used = {e.get("sha256") for ev in Redemption.objects.values_list("evidence", flat=True) for e in ev or []}
        gone = [d for d in hashes - still_used if d]
        transaction.on_commit(lambda: [evidence.forget(d) for d in gone])  # files of claims that no longer exist, once that is final
