"""One enterprise's annual figures (元), drawn so that every row is internally consistent:

    sales_revenue ≤ operating_revenue ≤ total_income,   hitech_income ≤ total_income,
    the 8 R&D categories sum to rd_expense,   rd_expense_domestic ≤ rd_expense,
    st_staff ≤ total_staff,   net_assets ≤ total_assets,   high-value ≤ invention patents ≤ class I IP.

A 高企 mostly meets the R&D band of its sales (5% / 4% / 3%) and the 60% high-tech income share; about one
in ten is "weak" and sits around the thresholds, so gap analysis has something to find.
"""

import math
import random
from decimal import Decimal

from heluo.orgs.engine.annual import RD_PARTS

from .enterprises import FIRST_YEAR, LAST_YEAR

SOURCE = "演示数据（合成）/ synthetic demo data"
HEAVY = {"machinery", "bearings", "agri-machinery", "aluminium-titanium", "refractories", "fine-chemicals", "photovoltaics"}


def band(sales: float) -> float:
    """工作指引: the minimum R&D / sales ratio by the latest year's sales."""
    return 0.05 if sales <= 5e7 else 0.04 if sales <= 2e8 else 0.03


def yuan(x: float) -> int:
    """Rounded to 100 元 (0.01 万元), the precision of the forms."""
    return int(round(max(x, 0) / 100.0)) * 100


def poisson(rng, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def annual_rows(ent, years) -> list[dict]:
    """Rows for the requested years in which the enterprise existed."""
    rng = random.Random(ent.seed)
    weak = rng.random() < 0.1
    start = FIRST_YEAR if ent.founded is None or ent.founded.year <= FIRST_YEAR else ent.founded.year
    large = bool(ent.named and ent.named.get("large"))
    old = ent.founded is None or ent.founded.year < FIRST_YEAR
    ip = {"inv": 0, "c1": 0, "c2": 0, "hv": 0}
    if old:
        base = ent.sector.tech * (3 if large else 1) * max(0.3, math.log10(max(ent.revenue(start), 1e6)) - 5.5)
        ip["inv"] = poisson(rng, 3 * base)
        ip["c1"] = ip["inv"] + poisson(rng, 0.3 * base)
        ip["c2"] = poisson(rng, 10 * base)
        ip["hv"] = round(ip["inv"] * rng.uniform(0.15, 0.45))
    rows = []
    for year in range(start, LAST_YEAR + 1):
        hte, sme = ent.hte_in(year), ent.sme_in(year)
        _grow_ip(rng, ent, ip, year, hte, sme, large)
        if year in years:
            rows.append(_row(rng, ent, year, hte, sme, large, weak, ip))
    return rows


def _grow_ip(rng, ent, ip, year, hte, sme, large):
    revenue = ent.revenue(year)
    tech = ent.sector.tech
    lam_inv = tech * ((0.6 + min(revenue / 1e8, 60)) if hte else 0.35 if sme else 0.05)
    lam_c2 = tech * ((3 + min(revenue / 2e7, 120)) if hte else 2.0 if sme else 0.3)
    if ent.sector.key in ("digital", "culture-tech"):
        lam_c2 *= 2.5
    new_inv = poisson(rng, lam_inv)
    ip["inv"] += new_inv
    ip["c1"] += new_inv + (poisson(rng, 0.2) if ent.sector.key in ("biomedicine", "agri-food", "strategic-materials") else 0)
    ip["hv"] += sum(1 for _ in range(new_inv) if rng.random() < 0.35)
    ip["c2"] += poisson(rng, lam_c2)
    if hte and ip["c1"] == 0 and ip["c2"] < 6:  # a 高企 owns core IP
        ip["c2"] = 6 + poisson(rng, 2)


def _row(rng, ent, year, hte, sme, large, weak, ip):
    u = rng.uniform
    revenue = yuan(ent.revenue(year))
    sales = min(revenue, yuan(revenue * u(0.86, 1.0)))
    total_income = revenue + yuan(revenue * u(0.0, 0.04))

    if hte:
        share = u(0.52, 0.66) if weak else u(0.62, 0.95)
    elif sme:
        share = u(0.15, 0.75)
    else:
        share = 0.0 if rng.random() < 0.5 else u(0.0, 0.4)
    hitech = min(total_income, yuan(total_income * share))

    if large:
        ratio = u(0.035, 0.085)
    elif hte:
        ratio = band(sales) * (u(0.85, 1.03) if weak or rng.random() < 0.05 else u(1.05, 1.9))
    elif sme:
        ratio = u(0.02, 0.10)
    else:
        ratio = 0.0 if rng.random() < 0.4 else u(0.002, 0.03)
    rd = yuan(sales * ratio)
    domestic = rd if rng.random() < 0.85 else min(rd, yuan(rd * (u(0.5, 0.62) if hte and weak else u(0.7, 0.99))))
    row = dict(zip(RD_PARTS, _split(rng, rd)))

    staff = max(1, ent.headcount(year))
    st_share = (u(0.08, 0.14) if weak else u(0.12, 0.45)) if hte else u(0.08, 0.5) if sme else u(0.02, 0.2)
    if ent.sector.key == "digital":
        st_share = min(0.9, st_share * 1.6)
    st_staff = min(staff, max(1, round(staff * st_share)))

    total_assets = max(yuan(revenue * u(0.8, 2.0) * (1.3 if ent.sector.key in HEAVY else 1.0)), 500_000)
    net_assets = yuan(total_assets * u(0.25, 0.75))
    contract = yuan(revenue * u(0.005, 0.06)) if rng.random() < (0.35 if hte else 0.08) else 0
    young = ent.founded is not None and year - ent.founded.year <= 6
    equity = yuan(u(1e6, 3e7)) if rng.random() < (0.08 if young else 0.015) else 0

    roll = rng.random()
    if year <= 2022:
        status = "verified"
    elif year == 2023:
        status = "verified" if roll < 0.92 else "submitted"
    else:
        status = "verified" if roll < 0.55 else "submitted" if roll < 0.85 else "draft"

    row.update(
        year=year,
        operating_revenue=revenue,
        sales_revenue=sales,
        hitech_income=hitech,
        total_income=total_income,
        rd_expense=rd,
        rd_expense_domestic=min(rd, domestic),
        total_staff=staff,
        st_staff=st_staff,
        net_assets=net_assets,
        total_assets=total_assets,
        ip_class1=ip["c1"],
        ip_class2=ip["c2"],
        invention_patents=ip["inv"],
        high_value_invention_patents=min(ip["hv"], ip["inv"]),
        tech_contract_income=min(contract, total_income),
        equity_financing=equity,
        source=SOURCE,
        status=status,
        is_synthetic=True,
    )
    for key, value in row.items():
        if key in MONEY_FIELDS:
            row[key] = Decimal(value)
    return row


def _split(rng, rd: int) -> list[int]:
    """The eight categories of the 工作指引; "other" stays under its 20% cap; personnel takes the rounding."""
    u = rng.uniform
    weights = [u(0.40, 0.60), u(0.18, 0.35), u(0.04, 0.10), u(0.01, 0.04), u(0, 0.05), u(0, 0.04), u(0, 0.08), u(0.01, 0.08)]
    total = sum(weights)
    parts = [yuan(rd * w / total) for w in weights[1:]]
    personnel = rd - sum(parts)
    if personnel < 0:
        return [rd] + [0] * 7
    return [personnel] + parts


MONEY_FIELDS = {
    "operating_revenue",
    "sales_revenue",
    "hitech_income",
    "total_income",
    "rd_expense",
    "rd_expense_domestic",
    "net_assets",
    "total_assets",
    "tech_contract_income",
    "equity_financing",
    *RD_PARTS,
}
