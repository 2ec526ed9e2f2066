"""Check characters of Chinese identifiers. Pure functions, no Django: used by forms, imports, the API and the CLI.

Every failure carries a bilingual reason that names the offending position, so a bureau clerk can fix the
cell without guessing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# GB 32100-2015: 31 symbols, the capitals without I, O, S, V, Z.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
# First character: the registering authority ([M] in policy-rules.md: kept as data, not enforced beyond the alphabet).
USCC_AUTHORITIES = {"1", "2", "3", "4", "5", "6", "7", "8", "9", "A", "N", "Y"}
ORG_CODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]  # GB 11714

ID_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]  # GB 11643
ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class CodeCheck:
    code: str
    valid: bool
    reason_zh: str = ""
    reason_en: str = ""
    expected: str | None = None  # the correct check character, when only it is wrong

    @property
    def reason(self) -> str:
        return f"{self.reason_zh} / {self.reason_en}" if self.reason_zh else ""


def normalize_code(raw: str) -> str:
    """Full-width characters and stray spaces are how codes arrive from Excel; fold them."""
    import unicodedata

    return unicodedata.normalize("NFKC", raw or "").strip().replace(" ", "").upper()


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(first8, ORG_CODE_WEIGHTS))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def check_uscc(raw: str) -> CodeCheck:
    code = normalize_code(raw)
    if len(code) != 18:
        return CodeCheck(code, False, f"长度应为18位，实为{len(code)}位", f"must be 18 characters long, got {len(code)}")
    for pos, ch in enumerate(code, start=1):
        if ch not in USCC_ALPHABET:
            return CodeCheck(
                code,
                False,
                f"第{pos}位字符“{ch}”不允许（不得使用 I、O、S、V、Z 及其他符号）",
                f"character {pos} '{ch}' is not allowed (I, O, S, V, Z and symbols are excluded)",
            )
    if code[0] not in USCC_AUTHORITIES:
        return CodeCheck(
            code, False, f"第1位登记管理部门码“{code[0]}”无效", f"character 1 (registering authority) '{code[0]}' is not a known code"
        )
    if not code[2:8].isdigit():
        bad = next(i for i, c in enumerate(code[2:8], start=3) if not c.isdigit())
        return CodeCheck(
            code, False, f"第{bad}位应为数字（第3–8位是行政区划码）", f"character {bad} must be a digit (characters 3–8 are the area code)"
        )
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return CodeCheck(
            code,
            False,
            f"第18位校验码错误：应为“{expected}”，实为“{code[17]}”",
            f"character 18 (check character) is wrong: expected '{expected}', got '{code[17]}'",
            expected=expected,
        )
    return CodeCheck(code, True)


def check_id_number(raw: str, today: dt.date | None = None) -> CodeCheck:
    """GB 11643 citizen identity number (18 characters)."""
    code = normalize_code(raw)
    if len(code) != 18:
        return CodeCheck(code, False, f"身份证号码应为18位，实为{len(code)}位", f"must be 18 characters long, got {len(code)}")
    if not code[:17].isdigit():
        bad = next(i for i, c in enumerate(code[:17], start=1) if not c.isdigit())
        return CodeCheck(code, False, f"第{bad}位应为数字", f"character {bad} must be a digit")
    try:
        born = dt.date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        return CodeCheck(code, False, "第7–14位出生日期无效", "characters 7–14 are not a valid date of birth")
    if born > (today or dt.date.today()) or born.year < 1900:
        return CodeCheck(code, False, "第7–14位出生日期超出合理范围", "characters 7–14: date of birth out of range")
    expected = ID_CHECK[sum(int(c) * w for c, w in zip(code[:17], ID_WEIGHTS)) % 11]
    if code[17] != expected:
        return CodeCheck(
            code,
            False,
            f"第18位校验码错误：应为“{expected}”，实为“{code[17]}”",
            f"character 18 (check digit) is wrong: expected '{expected}', got '{code[17]}'",
            expected=expected,
        )
    return CodeCheck(code, True)


def birth_date_of(id_number: str) -> dt.date | None:
    """The date of birth an 18-character identity number carries (None when it carries none)."""
    code = normalize_code(id_number or "")
    if len(code) != 18 or not code[6:14].isdigit():
        return None
    try:
        return dt.date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        return None


def mask_id_number(code: str) -> str:
    """Lists show only the first 6 and last 4 characters (area and check)."""
    if not code:
        return ""
    if len(code) <= 10:
        return "*" * len(code)
    return code[:6] + "*" * (len(code) - 10) + code[-4:]


def make_uscc(authority: str, kind: str, area: str, body8: str) -> str:
    """Build a code with valid check characters (used by the synthetic demo data)."""
    org = body8 + org_code_check_char(body8)
    first17 = f"{authority}{kind}{area}{org}"
    return first17 + uscc_check_char(first17)


def make_id_number(area: str, born: dt.date, seq: int) -> str:
    first17 = f"{area}{born:%Y%m%d}{seq:03d}"
    return first17 + ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS)) % 11]
