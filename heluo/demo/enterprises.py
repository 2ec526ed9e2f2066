"""The in-memory plan of the enterprises: who they are, how they grow, which titles they hold when.

Nothing here touches the database: `generator.py` writes the plan. Revenue and staff paths come first, so
qualifications can be chosen by size (科小 ≤ 500 staff and ≤ 2亿 sales), and the annual figures are then
drawn to agree with the titles (a 高企 mostly meets the R&D bands).
"""

from __future__ import annotations

import datetime as dt
import functools
import heapq
import math
from array import array

from . import scale
from .sectors import AREA_WEIGHTS, SECTORS

FIRST_YEAR, LAST_YEAR = 2014, 2024
D = functools.lru_cache(maxsize=None)(dt.date.fromisoformat)  # shared date objects keep the plan small
RELATED_CLUSTERS = {
    "robotics": "big-data-intelligent-robots",
    "aluminium-titanium": "strategic-materials",
    "photovoltaics": "energy-storage-hydrogen",
    "optoelectronic-devices": "big-data-intelligent-robots",
}
ISSUERS = {
    "hte": "河南省科学技术厅、河南省财政厅、国家税务总局河南省税务局",
    "tech_sme": "河南省科学技术厅",
    "gazelle": "河南省科学技术厅",
    "srdi_sme": "河南省工业和信息化厅",
    "innovative_sme": "河南省工业和信息化厅",
    "little_giant": "工业和信息化部",
    "single_champion": "工业和信息化部、中国工业经济联合会",
    "hidden_champion": "河南省工业和信息化厅",
    "listing_reserve": "洛阳市地方金融监督管理局",
    "listed": "",
}
SYNTHETIC_NOTE = "演示数据（合成）"
DEMO_MARK = "[heluo-demo]"  # in the description of the real-named records the demo creates, so --reset finds them


class Qual:
    """A planned qualification; becomes a `Qualification` row."""

    __slots__ = ("kind", "valid_from", "valid_to", "year", "certificate_no", "revoked_on", "stage", "exchange", "stock_code", "note")

    def __init__(
        self,
        kind,
        valid_from,
        valid_to=None,
        year=None,
        certificate_no="",
        revoked_on=None,
        stage="",
        exchange="",
        stock_code="",
        note=SYNTHETIC_NOTE,
    ):
        self.kind, self.valid_from, self.valid_to, self.year = kind, valid_from, valid_to, year
        self.certificate_no, self.revoked_on, self.stage = certificate_no, revoked_on, stage
        self.exchange, self.stock_code, self.note = exchange, stock_code, note

    def valid_on(self, day) -> bool:
        return (
            self.valid_from <= day and (self.valid_to is None or day <= self.valid_to) and not (self.revoked_on and self.revoked_on <= day)
        )

    def fields(self) -> dict:
        return dict(
            kind=self.kind,
            valid_from=self.valid_from,
            valid_to=self.valid_to,
            year=self.year,
            certificate_no=self.certificate_no,
            revoked_on=self.revoked_on,
            stage=self.stage,
            exchange=self.exchange,
            stock_code=self.stock_code,
            note=self.note,
            issuer=ISSUERS[self.kind],
        )


class Ent:
    """One planned organization. `rev`/`staff` are indexed by year - FIRST_YEAR. Its name, USCC, address and
    legal representative are drawn when it is written (`identity` in generator.py), from its own seed."""

    __slots__ = (
        "idx",
        "kind",
        "name",
        "short",
        "sector",
        "area",
        "founded",
        "division",
        "field",
        "clusters",
        "rev",
        "staff",
        "quals",
        "hte_bits",
        "sme_bits",
        "named",
        "seed",
        "pk",
    )

    def __init__(self, idx, kind="enterprise"):
        self.idx, self.kind = idx, kind
        self.quals, self.hte_bits, self.sme_bits = [], 0, 0  # bit (year - 2000): a 高企 / 科小 year
        self.named = self.pk = self.rev = self.staff = self.name = self.short = None
        self.sector = self.area = self.founded = self.division = self.field = None
        self.seed, self.clusters = 0, []

    def hte_in(self, year) -> bool:
        """A year whose figures count for a 高企: it held a certificate, or applied on them."""
        return bool(self.hte_bits >> (year - 2000) & 1)

    def sme_in(self, year) -> bool:
        return bool(self.sme_bits >> (year - 2000) & 1)

    def exists_on(self, day: dt.date) -> bool:
        return self.founded is None or self.founded <= day

    def revenue(self, year) -> float:
        return self.rev[year - FIRST_YEAR] if self.rev and FIRST_YEAR <= year <= LAST_YEAR else 0.0

    def headcount(self, year) -> int:
        return self.staff[year - FIRST_YEAR] if self.staff and FIRST_YEAR <= year <= LAST_YEAR else 0

    def last_full(self, year) -> int:
        """The year whose figures an application in `year` reads (the previous one, or this one for new firms)."""
        return year - 1 if self.exists_on(dt.date(year - 1, 12, 31)) else year

    def is_sme(self, year) -> bool:
        y = self.last_full(year)
        return self.headcount(y) <= 500 and self.revenue(y) <= 2e8

    def holds(self, kind, day) -> bool:
        return any(q.kind == kind and q.valid_on(day) for q in self.quals)

    def ever(self, kind) -> bool:
        return any(q.kind == kind for q in self.quals)


def years_later(day: dt.date, years: int) -> dt.date:
    """The day before the same date `years` later: the last day of a certificate's validity."""
    try:
        return day.replace(year=day.year + years) - dt.timedelta(days=1)
    except ValueError:  # 29 February
        return dt.date(day.year + years, 2, 28)


def sample(rng, items, k, weight):
    """k items without replacement, with probability proportional to weight (Efraimidis–Spirakis)."""
    if k <= 0:
        return []
    keyed = []
    for e in items:
        w = weight(e)
        if w > 0:
            keyed.append((rng.random() ** (1.0 / w), e.idx, e))
    return [e for _, _, e in heapq.nlargest(k, keyed)]


def size_weight(revenue):
    return 0.3 if revenue < 2e6 else 0.8 if revenue < 1e7 else 1.4 if revenue < 5e7 else 1.8 if revenue < 2e8 else 2.0


# ---------------------------------------------------------------- enterprises


def founding_date(rng) -> dt.date:
    years = list(range(1985, 2025))
    weights = [
        0.4 if y < 1995 else 1.0 if y < 2005 else 2.2 if y < 2013 else 4.0 if y < 2019 else 4.5 if y < 2023 else 3.5 if y == 2023 else 1.8
        for y in years
    ]
    year = rng.choices(years, weights=weights)[0]
    last = dt.date(2024, 9, 30) if year == 2024 else dt.date(year, 12, 31)
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange((last - dt.date(year, 1, 1)).days + 1))


def growth_path(rng, founded: dt.date | None, first_revenue: float | None = None, growth: float | None = None):
    """Yearly revenue 2014–2024: a firm trend, yearly noise, the 2020 dip, fast early years for young firms."""
    start = FIRST_YEAR if founded is None or founded.year <= FIRST_YEAR else founded.year
    if first_revenue is None:
        old = founded is None or founded.year < FIRST_YEAR
        first_revenue = math.exp(rng.gauss(math.log(2.2e7 if old else 1.5e6), 1.3 if old else 0.9))
        first_revenue = min(max(first_revenue, 3e5), 3e9)
    trend = rng.gauss(0.09, 0.07) if growth is None else growth
    path, r = array("d", bytes(8 * (LAST_YEAR - FIRST_YEAR + 1))), first_revenue
    for year in range(start, LAST_YEAR + 1):
        if year > start:
            age = year - (founded.year if founded else 1980)
            r *= math.exp(trend + 0.35 * math.exp(-age / 3) + rng.gauss(0, 0.12) - (0.06 if year == 2020 else 0))
            r = min(r, 2e10)
        path[year - FIRST_YEAR] = r
    if founded and founded.year >= FIRST_YEAR:
        path[founded.year - FIRST_YEAR] *= max(0.05, (dt.date(founded.year, 12, 31) - founded).days / 365)
    return path


def staff_path(rng, rev, productivity):
    return array("l", [0 if r <= 0 else max(3, round(r / productivity * math.exp(rng.gauss(0, 0.05)))) for r in rev])


def plan_enterprises(rng, ref, size) -> list[Ent]:
    """The synthetic enterprises, spread over the areas and sectors."""
    sector_weights = [s.weight for s in SECTORS]
    areas = ref.enterprise_areas()
    area_weights = {s.key: [AREA_WEIGHTS.get(a.code, 1) * s.areas.get(a.code, 1) for a in areas] for s in SECTORS}
    ents = []
    for idx in range(size.enterprises):
        e = Ent(idx)
        e.seed = rng.getrandbits(48)
        sector = e.sector = rng.choices(SECTORS, weights=sector_weights)[0]
        e.area = rng.choices(areas, weights=area_weights[sector.key])[0]
        e.founded = founding_date(rng)
        e.division = ref.pick_division(rng, sector)
        e.field = ref.pick_field(rng, sector)
        if sector.cluster in ref.clusters:
            e.clusters = [sector.cluster]
            extra = RELATED_CLUSTERS.get(sector.cluster)
            if extra in ref.clusters and rng.random() < 0.1:
                e.clusters.append(extra)
        e.rev = growth_path(rng, e.founded)
        e.staff = staff_path(rng, e.rev, math.exp(rng.gauss(math.log(5.5e5 if sector.key != "digital" else 3e5), 0.4)))
        ents.append(e)
    return ents


# ---------------------------------------------------------------- qualifications


def plan_hte(rng, ents, factor):
    """高企 certificates: renewals of those issued three years before, then new firms, to the yearly totals."""
    issued: dict[int, list[Ent]] = {}
    named_cycle = {e.idx: e.named["hte"] for e in ents if e.named and e.named.get("hte")}
    for year in sorted(scale.HTE_ISSUED):
        n = scale.scaled(scale.HTE_ISSUED[year], factor)
        forced = [e for e in ents if e.idx in named_cycle and year >= named_cycle[e.idx] and (year - named_cycle[e.idx]) % 3 == 0]
        due = [e for e in issued.get(year - 3, []) if e.idx not in named_cycle]
        renewals = [e for e in due if rng.random() < scale.HTE_RENEWAL_RATE][: max(0, n - len(forced))]
        chosen = forced + renewals
        busy = {e.idx for y in (year - 1, year - 2, year - 3) for e in issued.get(y, [])} | {e.idx for e in chosen}
        cutoff = dt.date(year - 1, 12, 31)
        pool = [e for e in ents if e.kind == "enterprise" and not e.named and e.idx not in busy and e.exists_on(cutoff)]
        chosen += sample(rng, pool, n - len(chosen), lambda e: e.sector.tech * size_weight(e.revenue(year - 1)))
        issued[year] = chosen
        _issue_hte(rng, year, chosen, n)
    _revoke_a_few(rng, ents)
    for e in ents:
        for q in e.quals:
            if q.kind == "hte":
                for year in range(q.valid_from.year - 3, min(q.valid_to.year, LAST_YEAR) + 1):
                    e.hte_bits |= 1 << (year - 2000)


def _issue_hte(rng, year, chosen, n):
    first_batch, second_batch = (D(d) for d in scale.HTE_BATCHES[year])
    numbers = sorted(rng.sample(range(1, max(n + 10, min(99_999, n * 11))), len(chosen)))
    order = sorted(chosen, key=lambda e: (rng.random(), e.idx))
    split = int(len(order) * 0.45)
    for i, (e, seq) in enumerate(zip(order, numbers)):
        day = first_batch if i < split else second_batch
        renewal = any(q.kind == "hte" for q in e.quals)
        e.quals.append(
            Qual(
                "hte",
                day,
                years_later(day, 3),
                certificate_no=f"GR{year}41{seq:06d}",
                year=year,
                note=("重新认定" if renewal else "首次认定") + "；" + SYNTHETIC_NOTE,
            )
        )


def _revoke_a_few(rng, ents):
    """动态管理: a handful of certificates revoked after checks (never before 2023)."""
    for e in ents:
        if e.named:
            continue
        for q in e.quals:
            if q.kind == "hte" and 2020 <= q.year <= 2022 and rng.random() < 0.006:
                day = D("2023-03-01") + dt.timedelta(days=rng.randrange(600))
                if q.valid_from < day < q.valid_to:
                    q.revoked_on = day
                    q.note = "经核查不符合认定条件，取消资格；" + SYNTHETIC_NOTE


def plan_tech_sme(rng, ents, factor, city_code):
    """科技型中小企业: every year most of last year's firms register again and new ones join."""
    previous: set[int] = set()
    for year in scale.YEARS:
        n = scale.scaled(scale.TECH_SME[year], factor)
        mid = dt.date(year, 6, 30)
        eligible = [
            e for e in ents if e.kind == "enterprise" and not (e.named and e.named.get("large")) and e.exists_on(mid) and e.is_sme(year)
        ]
        keep = [e for e in eligible if e.idx in previous and rng.random() < scale.TECH_SME_KEEP]
        if len(keep) > n:
            keep = sample(rng, keep, n, lambda e: 1.0)
        kept = {e.idx for e in keep}
        pool = [e for e in eligible if e.idx not in kept]
        new = sample(
            rng,
            pool,
            n - len(keep),
            lambda e: e.sector.tech * (2.0 if e.holds("hte", mid) else 1.0) * (1.5 if e.founded and e.founded.year >= year - 5 else 1.0),
        )
        numbers = iter(sorted(rng.sample(range(1, max(n + 10, min(99_999, int(n * 1.6)))), len(keep) + len(new))))
        batches = scale.TECH_SME_BATCHES
        for e in sorted(keep, key=lambda e: e.idx) + sorted(new, key=lambda e: e.idx):
            batch = rng.choice(batches[:2] if e.idx in kept else batches)
            day = max(D(f"{year}-{batch}"), e.founded or D(f"{year}-{batch}"))
            e.quals.append(Qual("tech_sme", day, D(f"{year}-12-31"), year=year, certificate_no=f"{year}{city_code}A0{next(numbers):05d}"))
            e.sme_bits |= 1 << (year - 2000)
        previous = kept | {e.idx for e in new}


def plan_titles(rng, ents, factor):
    """瞪羚, 专精特新, 小巨人, 创新型中小企业, 单项冠军, 隐形冠军."""
    firms = [e for e in ents if e.kind == "enterprise"]
    for year, n in scale.GAZELLE.items():
        day = D(f"{year}-06-18")
        pool = [
            e
            for e in firms
            if not e.named
            and e.founded
            and e.founded.year <= year - 3
            and e.revenue(year - 1) >= 5e6
            and e.revenue(year - 1) >= 1.3 * max(e.revenue(year - 3), 1)
        ]
        for e in sample(rng, pool, scale.scaled(n, factor), lambda e: e.revenue(year - 1) / max(e.revenue(year - 3), 1)):
            e.quals.append(Qual("gazelle", day, years_later(day, 1), year=year))
    _three_year_title(
        rng,
        firms,
        "srdi_sme",
        scale.SRDI_NEW,
        factor,
        "05-26",
        lambda e, y: e.is_sme(y) and e.revenue(y - 1) >= 1.5e7,
        lambda e, y: e.sector.tech * (2.0 if e.holds("hte", D(f"{y}-05-26")) else 1.0),
    )
    _three_year_title(
        rng,
        firms,
        "little_giant",
        scale.LITTLE_GIANT_NEW,
        factor,
        "07-20",
        lambda e, y: e.holds("srdi_sme", D(f"{y}-07-20")) and e.revenue(y - 1) >= 3e7,
        lambda e, y: size_weight(e.revenue(y - 1)),
    )
    _three_year_title(
        rng, firms, "innovative_sme", scale.INNOVATIVE_SME_NEW, factor, "09-15", lambda e, y: e.sme_in(y), lambda e, y: e.sector.tech
    )
    _three_year_title(
        rng,
        firms,
        "single_champion",
        scale.SINGLE_CHAMPION_NEW,
        factor,
        "11-28",
        lambda e, y: not e.named and e.revenue(y - 1) >= 3e8,
        lambda e, y: 1.0,
    )
    _three_year_title(
        rng,
        firms,
        "hidden_champion",
        scale.HIDDEN_CHAMPION_NEW,
        factor,
        "10-10",
        lambda e, y: not e.named and e.revenue(y - 1) >= 1e8,
        lambda e, y: 1.0,
        renew=False,
    )


def _three_year_title(rng, firms, kind, new_per_year, factor, month_day, eligible, weight, renew=True):
    for year in range(min(new_per_year), LAST_YEAR + 1):
        day = D(f"{year}-{month_day}")
        if renew:  # re-examined after three years
            for e in firms:
                q = next((q for q in reversed(e.quals) if q.kind == kind), None)
                if q and q.valid_from.year == year - 3 and rng.random() < 0.85:
                    e.quals.append(Qual(kind, day, years_later(day, 3), year=year, note="复核通过；" + SYNTHETIC_NOTE))
        n = scale.scaled(new_per_year.get(year, 0), factor) if new_per_year.get(year) else 0
        pool = [e for e in firms if not e.ever(kind) and e.exists_on(dt.date(year - 2, 1, 1)) and eligible(e, year)]
        for e in sample(rng, pool, n, lambda e: weight(e, year)):
            e.quals.append(Qual(kind, day, years_later(day, 3), year=year))


def plan_listing(rng, ents, factor):
    """上市后备企业: 培育 → 改制 → 辅导 → 报审 → 上市, one qualification row per stage."""
    firms = [e for e in ents if e.kind == "enterprise" and not e.named]
    for year, n in scale.LISTING_RESERVE_NEW.items():
        pool = [e for e in firms if not e.ever("listing_reserve") and e.revenue(year - 1) >= 8e7 and e.holds("hte", D(f"{year}-03-01"))]
        for e in sample(rng, pool, scale.scaled(n, factor), lambda e: size_weight(e.revenue(year - 1))):
            day = D(f"{year}-04-{rng.randint(1, 28):02d}")
            history = [(scale.LISTING_STAGES[0], day)]
            while len(history) < 5:
                day = day + dt.timedelta(days=rng.randint(240, 620))
                if day > D("2024-12-31") or rng.random() < 0.25:
                    break
                history.append((scale.LISTING_STAGES[len(history)], day))
            add_listing_history(
                e,
                history,
                listed=None
                if history[-1][0] != scale.LISTING_STAGES[-1]
                else {"exchange": rng.choice(("深交所创业板", "上交所科创板", "北交所")), "stock_code": "", "date": history[-1][1]},
            )


def add_listing_history(e, history, listed=None):
    for i, (stage, day) in enumerate(history):
        end = history[i + 1][1] - dt.timedelta(days=1) if i + 1 < len(history) else None
        e.quals.append(Qual("listing_reserve", day, end, stage=stage, year=day.year))
    if listed:
        e.quals.append(
            Qual(
                "listed",
                listed["date"],
                None,
                exchange=listed["exchange"],
                stock_code=listed.get("stock_code", ""),
                note=listed.get("note", SYNTHETIC_NOTE),
            )
        )


def plan_all(rng, ents, factor, city_code):
    """高企 first (chosen by size and sector), then 科小 (which favours 高企 SMEs), then the other titles."""
    plan_hte(rng, ents, factor)
    plan_tech_sme(rng, ents, factor, city_code)
    plan_titles(rng, ents, factor)
    plan_listing(rng, ents, factor)
