"""Innovation platforms: the named ones of the plan and synthetic ones sized to the plan's totals by kind.

Each platform gets a status history (培育 → 认定, a few 撤销, some still 培育) and the hosts that carry it.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools

from . import scale
from .enterprises import DEMO_MARK, D, size_weight
from .sectors import SECTORS

PREFIX = {"national": "国家", "provincial": "河南省", "municipal": "洛阳市", "district": ""}
SUFFIX = {
    "key_lab": "重点实验室",
    "engineering_tech_center": "工程技术研究中心",
    "engineering_research_center": "工程研究中心",
    "tech_innovation_center": "技术创新中心",
    "industry_research_institute": "产业研究院",
    "pilot_base": "中试基地",
    "new_type_rd_institution": "研究院",
    "incubator": "科技企业孵化器",
    "maker_space": "众创空间",
    "tech_transfer_institution": "技术转移中心",
    "tech_industry_community": "科技产业社区",
}
SYNTHETIC_DESCRIPTION = "演示数据（合成）/ synthetic demo data"
CLUSTERED = [s for s in SECTORS if s.cluster]


class PlatformPlan:
    __slots__ = ("name", "kind", "level", "area", "cluster", "hosts", "history", "synthetic", "description", "pk")

    def __init__(self, name, kind, level, area, cluster, hosts, history, synthetic=True, description=SYNTHETIC_DESCRIPTION):
        self.name, self.kind, self.level, self.area, self.cluster = name, kind, level, area, cluster
        self.hosts, self.history, self.synthetic, self.description = hosts, history, synthetic, description
        self.pk = None

    @property
    def status(self):
        return self.history[-1]

    def approved_on(self, day) -> bool:
        current = [s for s, d, _ in self.history if d <= day]
        return bool(current) and current[-1] == "approved"


class HostPool:
    """Weighted draws of organizations; enterprises by year (they must exist and be capable by then)."""

    def __init__(self, rng, enterprises, universities, institutes, agencies, investors):
        self.rng, self.enterprises = rng, enterprises
        self.universities, self.institutes, self.agencies, self.investors = universities, institutes, agencies, investors
        self._by_year = {}

    def enterprise(self, year, big=False, clustered=False):
        key = (min(max(year, 2015), 2024), big, clustered)
        if key not in self._by_year:
            y = key[0]
            cands = [
                e
                for e in self.enterprises
                if e.exists_on(dt.date(y - 1, 12, 31))
                and (e.hte_in(y) or e.revenue(y - 1) >= (3e8 if big else 3e7))
                and (e.clusters or not clustered)
            ]
            if big:
                cands = [e for e in cands if e.revenue(y - 1) >= 1e8] or cands
            weights = [size_weight(e.revenue(y - 1)) * e.sector.tech * (3 if e.named else 1) for e in cands]
            self._by_year[key] = (cands, list(itertools.accumulate(weights)))
        cands, cum = self._by_year[key]
        return cands[bisect.bisect(cum, self.rng.random() * cum[-1])] if cands else None

    def pick(self, group):
        items = getattr(self, group)
        return self.rng.choice(items) if items else None


def _day(rng, year) -> dt.date:
    return dt.date(year, rng.randint(3, 12), rng.randint(1, 28))


def approval_years(rng, stocks, factor) -> list[int]:
    s18, s20, s24 = (scale.scaled(x, factor) if x else 0 for x in stocks)
    years = [rng.choices(range(2005, 2019), weights=[1 + 0.3 * i for i in range(14)])[0] for _ in range(s18)]
    rise = max(0, s20 - s18)
    years += [2019] * (rise // 2) + [2020] * (rise - rise // 2)
    later = max(0, s24 - s20)
    counts = {y: int(later * w) for y, w in scale.PLATFORM_RAMP.items()}
    counts[2022] += later - sum(counts.values())
    for y, n in counts.items():
        years += [y] * n
    return years


def plan_synthetic(rng, ref, factor, pool: HostPool, taken: set) -> list[PlatformPlan]:
    plans = []
    tech_centres = set()
    for kind, (stocks, levels) in scale.PLATFORMS.items():
        years = approval_years(rng, stocks, factor)
        n_cultivating = round(0.1 * len(years)) if kind in scale.CULTIVATED_FIRST else 0
        for year in years + [None] * n_cultivating:
            level = rng.choices(list(levels), weights=list(levels.values()))[0]
            hosts = _hosts(rng, kind, year or 2024, pool)
            if kind == "enterprise_tech_center":  # an enterprise has one technology centre per level
                for _ in range(10):
                    if not hosts or (hosts[0][0].idx, level) not in tech_centres:
                        break
                    hosts = _hosts(rng, kind, year or 2024, pool)
                else:
                    continue
            if not hosts:
                continue
            lead = hosts[0][0]
            tech_centres.add((lead.idx, level))
            sector = lead.sector if lead.sector else rng.choice(CLUSTERED)
            name = _name(rng, kind, level, lead, sector, taken)
            plans.append(
                PlatformPlan(
                    name,
                    kind,
                    level,
                    lead.area,
                    sector.cluster if sector.cluster in ref.clusters else None,
                    hosts,
                    _history(rng, kind, year),
                )
            )
    return plans


def _hosts(rng, kind, year, pool):
    roll = rng.random()
    if kind == "key_lab":
        lead = pool.pick("universities") if roll < 0.45 else pool.pick("institutes") if roll < 0.65 else pool.enterprise(year)
    elif kind in ("new_type_rd_institution",):
        lead = pool.pick("institutes")
    elif kind == "industry_research_institute":
        lead = pool.enterprise(year, big=True, clustered=True)
    elif kind in ("incubator", "tech_industry_community"):
        lead = pool.pick("agencies")
    elif kind == "maker_space":
        lead = pool.pick("universities") if roll < 0.2 else pool.pick("agencies")
    elif kind == "tech_transfer_institution":
        lead = pool.pick("universities") if roll < 0.15 else pool.pick("institutes") if roll < 0.25 else pool.pick("agencies")
    elif kind in ("engineering_research_center", "pilot_base") and roll < 0.1:
        lead = pool.pick("universities")
    else:
        lead = pool.enterprise(year, big=kind == "tech_innovation_center", clustered=kind in ("tech_innovation_center", "pilot_base"))
    if lead is None:
        return []
    hosts = [(lead, "lead")]
    if kind in ("new_type_rd_institution", "industry_research_institute", "tech_innovation_center") or (
        kind == "key_lab" and rng.random() < 0.2
    ):
        partner = pool.pick("universities")
        if partner and partner is not lead:
            hosts.append((partner, "partner"))
    return hosts


def _name(rng, kind, level, lead, sector, taken) -> str:
    topic = rng.choice(sector.topics)
    prefix = PREFIX[level]
    if kind == "enterprise_tech_center":
        candidates = [f"{lead.name}技术中心"]
    elif kind == "new_type_rd_institution":
        candidates = [f"洛阳{lead.short[:2]}{topic}研究院", f"洛阳{lead.short}{topic}研究院"]
    elif kind in ("incubator", "maker_space", "tech_transfer_institution"):
        candidates = [f"{lead.short}{SUFFIX[kind]}", f"{lead.short}{topic}{SUFFIX[kind]}"]
    elif kind == "tech_industry_community":
        candidates = [f"{lead.area.short}{topic}{SUFFIX[kind]}", f"{lead.area.short}{lead.short[:2]}{topic}{SUFFIX[kind]}"]
    else:
        candidates = [f"{prefix}{topic}{SUFFIX[kind]}", f"{prefix}{lead.short}{topic}{SUFFIX[kind]}"]
    for name in candidates + [f"{candidates[-1]}（{n}）" for n in range(2, 50)]:
        if name not in taken:
            taken.add(name)
            return name
    raise RuntimeError("no free platform name")  # pragma: no cover


def _history(rng, kind, year):
    """[(status, date, note)]: approved in `year` (None: still cultivating), maybe cultivated first, maybe revoked."""
    if year is None:
        return [("cultivating", _day(rng, rng.choice((2023, 2024))), "纳入培育（合成）")]
    approved = _day(rng, year)
    history = []
    if kind in scale.CULTIVATED_FIRST:
        history.append(("cultivating", approved - dt.timedelta(days=rng.randint(240, 700)), "纳入培育（合成）"))
    history.append(("approved", approved, "认定（合成）"))
    if kind in scale.REVOCABLE and year <= 2020 and rng.random() < 0.04:
        history.append(("revoked", _day(rng, rng.randint(2021, 2024)), "绩效评估不合格，撤销（合成）"))
    return history


def plan_named(rng, data, ref, orgs_by_key, pool: HostPool, taken: set) -> list[PlatformPlan]:
    plans = []
    description = (
        "平台名称取自《洛阳市“十四五”科技创新和一流创新生态建设规划》；依托单位、状态与日期为演示数据（合成）。"
        f" / Named in the plan; hosts, status and dates are synthetic demo data. {DEMO_MARK}"
    )
    for p in data:
        area = ref.areas_by_code.get(p["area"]) or ref.city_info
        hosts = []
        for key, role in p["hosts"]:
            org = (
                orgs_by_key.get(key)
                if key != "@operator"
                else next((a for a in pool.agencies if a.area.code == p["area"]), None) or pool.pick("agencies")
            )
            if org is not None and org not in [h for h, _ in hosts]:
                hosts.append((org, role))
        taken.add(p["name"])
        history = [(status, D(day), "（日期为演示设定）") for status, day in p["history"]]
        cluster = p.get("cluster") if p.get("cluster") in ref.clusters else None
        plans.append(
            PlatformPlan(p["name"], p["kind"], p["level"], area, cluster, hosts, history, synthetic=False, description=description)
        )
    return plans
