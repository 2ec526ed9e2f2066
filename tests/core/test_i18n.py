"""The zh-Hans UI catalogue: the committed .mo matches the .po, and pages speak Chinese first."""

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_FILE = CATALOGUE / "django.po"
MO_FILE = CATALOGUE / "django.mo"


def _translations(entries):
    """{(msgctxt, msgid, msgid_plural): msgstr or {index: msgstr}} for every non-header entry."""
    out = {}
    for e in entries:
        if not e.msgid:
            continue
        value = {int(k): v for k, v in e.msgstr_plural.items()} if e.msgid_plural else e.msgstr
        out[(e.msgctxt or None, e.msgid, e.msgid_plural or None)] = value
    return out


def test_po_is_fully_translated_and_not_fuzzy():
    po = polib.pofile(str(PO_FILE))
    assert len(po) > 100
    assert not po.metadata_is_fuzzy, "the header still carries #, fuzzy"
    assert po.metadata.get("Language") == "zh_Hans"
    assert not [e.msgid for e in po.untranslated_entries()], "untranslated entries"
    assert not [e.msgid for e in po.fuzzy_entries()], "fuzzy entries"
    assert not [e.msgid for e in po.obsolete_entries()], "obsolete entries: run makemessages with --no-obsolete"
    for e in po:
        if e.msgid_plural:
            assert all(v.strip() for v in e.msgstr_plural.values()), e.msgid


def test_committed_mo_is_in_sync_with_po():
    assert MO_FILE.exists(), "compile the catalogue: msgfmt -o django.mo django.po"
    po = _translations(e for e in polib.pofile(str(PO_FILE)) if e.translated() and not e.obsolete)
    mo = _translations(polib.mofile(str(MO_FILE)))
    stale = {key: (value, mo.get(key)) for key, value in po.items() if mo.get(key) != value}
    assert not stale, f"django.mo is out of date; recompile it from django.po ({len(stale)} differ, e.g. {next(iter(stale.items()))})"
    extra = set(mo) - set(po)
    assert not extra, f"django.mo has entries the .po lacks: {sorted(extra, key=str)[:5]}"


def test_nav_labels_and_context():
    with translation.override("zh-hans"):
        assert translation.gettext("Organizations") == "机构"
        assert translation.gettext("Annual data") == "企业年度数据"
        assert translation.gettext("Areas and classifications") == "区划与分类"
        assert str(settings.HELUO_SITE_NAME) == "河洛科技创新平台"
        assert translation.gettext("District") == "区"
        assert translation.pgettext("platform level", "District") == "县区级"


@pytest.mark.django_db
def test_home_is_chinese_first_then_english_after_set_language(world, client):
    home = reverse("web:home")
    response = client.get(home, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "河洛科技创新平台" in html and "机构" in html
    assert "Organizations" not in html

    response = client.post(reverse("set_language"), {"language": "en", "next": home})
    assert response.status_code == 302
    html = client.get(home, headers={"Accept-Language": "en"}).content.decode()
    assert '<html lang="en">' in html
    assert "Organizations" in html and "Heluo innovation platform" in html
