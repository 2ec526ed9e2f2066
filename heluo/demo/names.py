"""Synthetic Chinese names: people (common surnames and given names), companies, addresses, ID numbers."""

import datetime as dt
import itertools

from heluo.core.codes import USCC_ALPHABET, make_id_number, make_uscc

from .sectors import COUNTY_ROADS, ROADS

# The most common surnames, with rough frequencies (percent), a few Henan-typical ones included.
SURNAMES = dict(
    王=7.1,
    李=7.0,
    张=6.7,
    刘=5.4,
    陈=4.5,
    杨=3.1,
    赵=2.4,
    黄=1.8,
    周=1.9,
    吴=1.6,
    徐=1.5,
    孙=1.6,
    马=1.6,
    朱=1.3,
    胡=1.3,
    郭=1.4,
    何=1.0,
    高=1.2,
    林=0.9,
    罗=0.8,
    郑=0.9,
    梁=0.7,
    谢=0.7,
    宋=0.8,
    唐=0.7,
    许=0.8,
    韩=0.8,
    冯=0.8,
    邓=0.5,
    曹=0.7,
    彭=0.5,
    曾=0.4,
    肖=0.5,
    田=0.6,
    董=0.6,
    袁=0.5,
    潘=0.4,
    于=0.5,
    蒋=0.4,
    蔡=0.4,
    余=0.4,
    杜=0.5,
    叶=0.4,
    程=0.5,
    苏=0.4,
    魏=0.5,
    吕=0.5,
    丁=0.4,
    任=0.5,
    沈=0.3,
    姚=0.4,
    卢=0.4,
    姜=0.3,
    崔=0.4,
    钟=0.2,
    谭=0.2,
    陆=0.2,
    汪=0.2,
    范=0.4,
    金=0.2,
    石=0.3,
    贾=0.4,
    夏=0.3,
    付=0.3,
    方=0.2,
    白=0.3,
    孟=0.4,
    秦=0.3,
    江=0.2,
    尹=0.2,
    薛=0.3,
    闫=0.4,
    段=0.3,
    雷=0.2,
    侯=0.3,
    史=0.3,
    贺=0.2,
    毛=0.2,
    郝=0.3,
    邵=0.2,
    常=0.3,
    牛=0.3,
    申=0.2,
    翟=0.2,
    岳=0.2,
    乔=0.2,
    耿=0.2,
    焦=0.2,
    武=0.3,
    康=0.2,
    司马=0.02,
    欧阳=0.02,
)
MALE_CHARS = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宁博浩宇帅建国峰文亮林志海龙东晨阳俊凯坤旭振永庆彬昊睿哲毅锋洋健晓嘉泽新卫兵"
FEMALE_CHARS = "芳娜敏静丽艳霞娟燕玲婷雪琳颖倩慧佳欣悦晶洁萍红丹莉梅璐瑶蕾薇楠雯怡宁月秀洋晓嘉"

# Characters for trade names (字号): auspicious, technical, local.
TRADE_CHARS = "华兴瑞鑫宏恒博创达德丰泰盛鼎信源中新天龙嘉科力明航远凯通宇成正海睿智精联普同晟翔耀建安福润众汇锦辰光星奥金铭卓越豫洛伊嵩唐隋周昌隆茂腾飞捷迅锐驰拓领威固泓澜晖晶骏坤乾元亨利和合融佳优尚诚仁"
FORMS = (("有限公司", 35), ("科技有限公司", 28), ("股份有限公司", 10), ("有限责任公司", 10), ("技术有限公司", 10), ("实业有限公司", 7))

# Birthplaces for ID numbers: Luoyang's county-level codes (old ones too), other Henan cities, other provinces.
LUOYANG_BIRTH = (
    "410302",
    "410303",
    "410304",
    "410305",
    "410306",
    "410311",
    "410322",
    "410323",
    "410324",
    "410325",
    "410326",
    "410327",
    "410328",
    "410329",
    "410381",
)
HENAN_BIRTH = ("410102", "410105", "410202", "410402", "410502", "410702", "411102", "411302", "411402", "411502", "411702")
OTHER_BIRTH = (
    "110108",
    "120104",
    "130102",
    "140105",
    "210102",
    "320102",
    "330106",
    "340104",
    "370102",
    "420111",
    "430104",
    "440106",
    "510107",
    "610113",
    "620102",
)


_FORM_NAMES, _FORM_CUM = [f for f, _ in FORMS], list(itertools.accumulate(w for _, w in FORMS))
_SURNAME_KEYS, _SURNAME_CUM = list(SURNAMES), list(itertools.accumulate(SURNAMES.values()))


def weighted(rng, mapping):
    keys = list(mapping)
    return rng.choices(keys, weights=[mapping[k] for k in keys])[0]


def person_name(rng, male: bool) -> str:
    chars = MALE_CHARS if male else FEMALE_CHARS
    given = rng.choice(chars) if rng.random() < 0.3 else rng.choice(chars) + rng.choice(chars)
    return rng.choices(_SURNAME_KEYS, cum_weights=_SURNAME_CUM)[0] + given


def trade_name(rng) -> str:
    a = rng.choice(TRADE_CHARS)
    b = rng.choice(TRADE_CHARS)
    while b == a:
        b = rng.choice(TRADE_CHARS)
    return a + b


def company_name(rng, word: str, place: str) -> tuple[str, str]:
    """(full name, short name), e.g. ("洛阳华锐轴承科技有限公司", "华锐轴承")."""
    trade = trade_name(rng)
    if word.endswith(("科技", "技术", "服务", "咨询", "检测")):  # no "科技科技" or "咨询实业"
        form = rng.choice(("有限公司", "有限公司", "有限责任公司", "股份有限公司"))
    else:
        form = rng.choices(_FORM_NAMES, cum_weights=_FORM_CUM)[0]
    return f"{place}{trade}{word}{form}", f"{trade}{word[:2]}"


def address(rng, area_code: str, area_name: str) -> str:
    road = rng.choice(ROADS.get(area_code, COUNTY_ROADS))
    return f"河南省洛阳市{area_name}{road}{rng.randint(1, 399)}号"


def uscc_body(rng, founded: dt.date | None) -> str:
    """Organization-code part: 'MA4' + 5 characters after the 2015 reform, 8 digits before."""
    if founded and founded >= dt.date(2016, 1, 1):
        return "MA4" + "".join(rng.choice(USCC_ALPHABET) for _ in range(5))
    return str(rng.choice("567")) + "".join(rng.choice("0123456789") for _ in range(7))


def uscc(rng, authority_kind: str, area6: str, founded, taken: set) -> str:
    while True:
        code = make_uscc(authority_kind[0], authority_kind[1], area6, uscc_body(rng, founded))
        if code not in taken:
            taken.add(code)
            return code


def id_number(rng, born: dt.date, male: bool, taken: set) -> str:
    roll = rng.random()
    pool = LUOYANG_BIRTH if roll < 0.6 else HENAN_BIRTH if roll < 0.8 else OTHER_BIRTH
    area = rng.choice(pool)
    while True:
        seq = rng.randrange(100) * 10 + rng.choice((1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8))
        code = make_id_number(area, born, seq)
        if code not in taken:
            taken.add(code)
            return code
