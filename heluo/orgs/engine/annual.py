"""Consistency rules of enterprise annual data, shared by forms, the API and imports. No Django imports."""

STAFF_ROLES_THAT_VERIFY = ("bureau_admin", "bureau_staff", "district_staff")


def may_set_status(role, status) -> bool:
    return status != "verified" or role in STAFF_ROLES_THAT_VERIFY


# (a figure, the figure it cannot exceed, message_zh, message_en)
NOT_ABOVE = [
    ("rd_expense_domestic", "rd_expense", "境内研发费用不能大于研发费用总额", "domestic R&D expense cannot exceed total R&D expense"),
    ("st_staff", "total_staff", "科技人员数不能大于职工总数", "S&T staff cannot exceed total staff"),
    ("hitech_income", "total_income", "高新技术产品（服务）收入不能大于总收入", "high-tech income cannot exceed total income"),
    (
        "high_value_invention_patents",
        "invention_patents",
        "高价值发明专利数不能大于发明专利数",
        "high-value invention patents cannot exceed invention patents",
    ),
]
RD_PARTS = [
    "rd_personnel",
    "rd_direct_input",
    "rd_depreciation",
    "rd_amortization",
    "rd_design",
    "rd_equipment_trial",
    "rd_outsourced",
    "rd_other",
]
PARTS_ABOVE_TOTAL = ("rd_expense", "研发费用各分项之和大于研发费用总额", "the R&D expense categories add up to more than the total")
PARTS_TOLERANCE = 1  # yuan: the categories are often rounded one by one


def annual_inconsistencies(v: dict) -> list[tuple[str, str, str]]:
    """(field, message_zh, message_en) for figures that contradict each other."""
    out = []
    for a, b, zh, en in NOT_ABOVE:
        if v.get(a) is not None and v.get(b) is not None and v[a] > v[b]:
            out.append((a, zh, en))
    given = [v[p] for p in RD_PARTS if v.get(p) is not None]
    if given and v.get("rd_expense") is not None and sum(given) > v["rd_expense"] + PARTS_TOLERANCE:
        out.append(PARTS_ABOVE_TOTAL)
    return out


def annual_inconsistencies_of_columns(columns: dict[str, list]) -> list[tuple[int, str, str, str]]:
    """annual_inconsistencies for many rows given column by column (a missing column: no values; None: no value
    in that row): (row, field, message_zh, message_en), row by row in the order annual_inconsistencies gives."""
    out = []
    for order, (a, b, zh, en) in enumerate(NOT_ABOVE):
        if a in columns and b in columns:
            out += [
                (i, order, a, zh, en) for i, (x, y) in enumerate(zip(columns[a], columns[b])) if x is not None and y is not None and x > y
            ]
    parts = [columns[p] for p in RD_PARTS if p in columns and {*map(type, columns[p])} - {type(None)}]
    if parts and "rd_expense" in columns:
        field, zh, en = PARTS_ABOVE_TOTAL
        for i, (total, *given) in enumerate(zip(columns["rd_expense"], *parts)):
            if total is not None:
                given = [g for g in given if g is not None]
                if given and sum(given) > total + PARTS_TOLERANCE:
                    out.append((i, len(NOT_ABOVE), field, zh, en))
    return [(i, field, zh, en) for i, _, field, zh, en in sorted(out, key=lambda e: e[:2])]
