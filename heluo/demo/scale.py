"""How big the demo is, and the yearly figures it is calibrated to (city scale; other sizes multiply them).

Sources (shared/reference/luoyang-data.md): 高企 755 at end-2020 (plan baseline), 1,170 in 2022, 1,610 by
Oct 2025 (so ~1,500 at end-2024); 科技型中小企业 1,880 in 2020, ~3,440 by 2025 (derived); 专精特新 / 小巨人
cultivated in 十四五: 482 / 56; 新型研发机构 14 → 18; 产业研究院 22; 中试基地 5 → 22; 科技产业社区 25;
创新平台载体 1,977 (2020) → 2,956 (2022). Years between are interpolated.
"""

from dataclasses import dataclass

YEARS = range(2019, 2025)


@dataclass(frozen=True)
class Size:
    name: str
    enterprises: int
    factor: float  # multiplies every city-scale count below
    annual_years: tuple[int, ...]
    change_log: bool


SIZES = {
    "small": Size("small", 320, 320 / 4800, tuple(YEARS), True),
    "city": Size("city", 4800, 1.0, tuple(YEARS), True),
    "province": Size("province", 100_000, 100_000 / 4800, (2022, 2023, 2024), False),
}

# 高企 certificates issued per year (new + renewals). Valid at the end of year Y = issued in Y-2, Y-1, Y, so
# the stock is 330 (2017), 450, 590, 755 (2020), 960, 1,170 (2022), 1,340, 1,500 (2024).
HTE_ISSUED = {2015: 90, 2016: 110, 2017: 130, 2018: 210, 2019: 250, 2020: 295, 2021: 415, 2022: 460, 2023: 465, 2024: 575}
HTE_RENEWAL_RATE = 0.82
# Henan's batch dates (synthetic but plausible: certificates are issued in the autumn and winter).
HTE_BATCHES = {
    2015: ("2015-11-16", "2015-12-03"),
    2016: ("2016-10-21", "2016-12-01"),
    2017: ("2017-08-29", "2017-12-01"),
    2018: ("2018-09-12", "2018-11-29"),
    2019: ("2019-10-31", "2019-12-03"),
    2020: ("2020-09-09", "2020-12-04"),
    2021: ("2021-10-28", "2021-12-15"),
    2022: ("2022-11-01", "2022-12-22"),
    2023: ("2023-11-22", "2023-12-08"),
    2024: ("2024-10-28", "2024-12-10"),
}

# 科技型中小企业 registered (入库) in each year: the year's stock.
TECH_SME = {2019: 1450, 2020: 1880, 2021: 2250, 2022: 2650, 2023: 3050, 2024: 3400}
TECH_SME_KEEP = 0.85  # share of last year's firms that register again
TECH_SME_BATCHES = ("03-28", "05-20", "07-15", "09-10", "11-05")

GAZELLE = {2019: 30, 2020: 35, 2021: 45, 2022: 55, 2023: 65, 2024: 75}  # yearly list, valid one year
SRDI_NEW = {2019: 30, 2020: 45, 2021: 70, 2022: 110, 2023: 120, 2024: 105}  # 专精特新: 480 firms in all
LITTLE_GIANT_NEW = {2019: 5, 2020: 7, 2021: 13, 2022: 12, 2023: 11, 2024: 8}  # 小巨人: 56
INNOVATIVE_SME_NEW = {2022: 300, 2023: 250, 2024: 260}
SINGLE_CHAMPION_NEW = {2019: 1, 2021: 2, 2022: 1, 2024: 1}
HIDDEN_CHAMPION_NEW = {2019: 3, 2020: 2, 2021: 3, 2022: 2, 2023: 2}
LISTING_RESERVE_NEW = {2019: 12, 2020: 8, 2021: 8, 2022: 7, 2023: 6, 2024: 4}
LISTING_STAGES = ("cultivating", "restructuring", "tutoring", "filed", "listed")  # 培育 → 改制 → 辅导 → 报审 → 上市

# Platforms: approved stock at the end of 2018, 2020 and 2024 for the synthetic ones, and level shares.
PLATFORMS = {
    "key_lab": ((130, 150, 191), {"provincial": 35, "municipal": 65}),
    "engineering_tech_center": ((850, 950, 1650), {"provincial": 30, "municipal": 70}),
    "enterprise_tech_center": ((420, 520, 1150), {"national": 2, "provincial": 28, "municipal": 70}),
    "engineering_research_center": ((100, 120, 160), {"provincial": 40, "municipal": 60}),
    "tech_innovation_center": ((4, 8, 20), {"provincial": 100}),
    "new_type_rd_institution": ((10, 14, 18), {"provincial": 70, "municipal": 30}),
    "industry_research_institute": ((0, 0, 22), {"provincial": 30, "municipal": 70}),
    "pilot_base": ((3, 5, 22), {"provincial": 35, "municipal": 65}),
    "incubator": ((35, 40, 62), {"national": 10, "provincial": 30, "municipal": 60}),
    "maker_space": ((60, 70, 95), {"national": 10, "provincial": 35, "municipal": 55}),
    "tech_industry_community": ((0, 0, 15), {"municipal": 100}),
    "tech_transfer_institution": ((40, 45, 80), {"national": 2, "provincial": 50, "municipal": 48}),
}
# Of the new approvals 2021–2024, the share in each year (2022 was the big year: 583 new platforms).
PLATFORM_RAMP = {2021: 0.2, 2022: 0.32, 2023: 0.25, 2024: 0.23}
CULTIVATED_FIRST = {
    "key_lab",
    "new_type_rd_institution",
    "industry_research_institute",
    "pilot_base",
    "tech_industry_community",
    "tech_innovation_center",
}
REVOCABLE = {"key_lab", "engineering_tech_center", "enterprise_tech_center", "maker_space", "incubator"}

TALENTS, EXPERTS, MENTORS = 400, 300, 60
SERVICE_AGENCIES, INVESTORS, RESEARCH_INSTITUTES = 60, 15, 24


def scaled(n: float, factor: float) -> int:
    return max(1, round(n * factor)) if n else 0
