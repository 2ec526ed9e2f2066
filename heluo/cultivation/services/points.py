"""积分贷: a list sent to a partner bank is recorded as sent — the bank, the rows verbatim, the file's SHA-256,
who and when."""

import hashlib

from heluo.core.permissions import require_bureau
from heluo.cultivation.models import BankListExport


def record_bank_export(
    user, *, bank: str, year: int, config: str, criteria: dict, headers: list, rows: list, content: bytes
) -> BankListExport:
    require_bureau(user)
    return BankListExport.objects.create(
        bank=bank[:100],
        year=year,
        config=config,
        count=len(rows),
        criteria=criteria,
        rows=[dict(zip(headers, [str(v) if v is not None else None for v in row])) for row in rows],
        sha256=hashlib.sha256(content).hexdigest(),
        sent_by=user,
    )
