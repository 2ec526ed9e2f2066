"""Consistency rules of enterprise annual data, shared by forms, the API and imports. No Django imports."""

STAFF_ROLES_THAT_VERIFY = ("bureau_admin", "bureau_staff", "district_staff")


def may_set_status(role, status) -> bool:
    return status != "verified" or role in STAFF_ROLES_THAT_VERIFY


def annual_inconsistencies(v: dict) -> list[tuple[str, str, str]]:
    """(field, message_zh, message_en) for figures that contradict each other."""
    out = []

    def gt(a, b):
        return v.get(a) is not None and v.get(b) is not None and v[a] > v[b]

    if gt("rd_expense_domestic", "rd_expense"):
        out.append(("rd_expense_domestic", "境内研发费用不能大于研发费用总额", "domestic R&D expense cannot exceed total R&D expense"))
    if gt("st_staff", "total_staff"):
        out.append(("st_staff", "科技人员数不能大于职工总数", "S&T staff cannot exceed total staff"))
    if gt("hitech_income", "total_income"):
        out.append(("hitech_income", "高新技术产品（服务）收入不能大于总收入", "high-tech income cannot exceed total income"))
    if gt("high_value_invention_patents", "invention_patents"):
        out.append(
            (
                "high_value_invention_patents",
                "高价值发明专利数不能大于发明专利数",
                "high-value invention patents cannot exceed invention patents",
            )
        )
    parts = [
        "rd_personnel",
        "rd_direct_input",
        "rd_depreciation",
        "rd_amortization",
        "rd_design",
        "rd_equipment_trial",
        "rd_outsourced",
        "rd_other",
    ]
    given = [v[p] for p in parts if v.get(p) is not None]
    if given and v.get("rd_expense") is not None and sum(given) > v["rd_expense"] + 1:
        out.append(("rd_expense", "研发费用各分项之和大于研发费用总额", "the R&D expense categories add up to more than the total"))
    return out
