"""Voucher rows as the risk engine reads them (plain dicts, no database), for the engine's and the scan's tests."""

import datetime as dt
from decimal import Decimal as D

DAY = dt.date(2025, 4, 1)


def V(id, **kw):
    """A voucher row as flag_reads.voucher_rows() gives it; by default contracted with provider 5 (organization 11)."""
    row = dict(
        id=id,
        number=f"T-{id:04d}",
        programme_id=1,
        programme_code="p1",
        year=2025,
        status="contracted",
        enterprise_id=1,
        enterprise_name="甲企业",
        provider_id=5,
        provider_org_id=11,
        provider_name="乙机构",
        type_code="rd",
        type_name_zh="研发服务券",
        type_name_en="R&D services voucher",
        category="rd_services",
        cap_per_voucher=D("50000"),
        share=D("0.5"),
        cap_per_enterprise=D("200000"),
        requested_amount=D("40000"),
        face_value=D("40000"),
        redeemed_amount=D("0"),
        contract_no=f"HT-{id}",
        contract_value=D("80000"),
        signed_on=DAY,
        payable_limit=D("40000"),
    )
    row.update(kw)
    return row
