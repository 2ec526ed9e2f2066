"""The catalogue of achievements (科技成果目录): the published achievements of a selection (field, cluster, period),
as a Word document (python-docx) for printing and as a workbook (heluo.core.spreadsheets, every cell text) for
further work. It is a public document: contact details appear only where marked public."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable

from django.utils import timezone
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from lxml.etree import SubElement

from heluo.core.spreadsheets import Sheet, workbook_bytes

from ..models import Achievement

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HEADERS = (
    "序号",
    "成果名称",
    "所属单位",
    "所在地区",
    "技术领域",
    "所属行业",
    "产业集群",
    "技术成熟度",
    "关键词",
    "知识产权",
    "转化方式",
    "参考价格",
    "联系方式",
    "发布日期",
    "成果简介",
)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
W = {tag: qn(f"w:{tag}") for tag in ("pPr", "spacing", "after", "r", "rPr", "b", "sz", "val", "br", "t")}
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
FACTS = ("所属单位", "所在地区", "所属行业", "产业集群", "技术成熟度", "关键词", "知识产权", "转化方式", "参考价格", "联系方式", "发布日期")
FONT = "宋体"


def price_text(a: Achievement) -> str:
    if a.negotiable or a.price is None:
        return "面议"
    return f"{a.price.normalize():f} 万元"


def contact_text(a: Achievement) -> str:
    if not a.contact_public:
        return "请通过平台联系"
    return "　".join(x for x in (a.contact_name, a.contact_phone, a.contact_email) if x)


def ip_text(a: Achievement) -> str:
    return "；".join(f"{r.get_kind_display()} {r.number}" for r in a.ip_rights.all())


def row(n: int, a: Achievement) -> list[str]:
    """One achievement's cells, all text (and text a workbook can hold)."""
    return [xml_safe(cell) for cell in _cells(n, a)]


def _cells(n: int, a: Achievement) -> list[str]:
    return [
        str(n),
        a.title,
        a.organization.name,
        a.organization.area.name_zh if a.organization.area_id else "",
        a.hitech_field.name_zh if a.hitech_field_id else "",
        a.industry.name_zh if a.industry_id else "",
        a.cluster.name_zh if a.cluster_id else "",
        f"TRL {a.trl}",
        a.keywords,
        ip_text(a),
        "、".join(a.get_transfer_modes_display()),
        price_text(a),
        contact_text(a),
        timezone.localtime(a.published_at).date().isoformat() if a.published_at else "",
        a.abstract,
    ]


def selection_text(field=None, cluster=None, start=None, end=None) -> str:
    """The selection a catalogue covers, as its caption says it."""
    parts = []
    if field is not None:
        parts.append(f"技术领域：{field.name_zh}")
    if cluster is not None:
        parts.append(f"产业集群：{cluster.name_zh}")
    if start or end:
        parts.append(f"发布时间：{start.isoformat() if start else '—'} 至 {end.isoformat() if end else '—'}")
    return "；".join(parts) or "全部已发布成果"


def caption(selection: str) -> str:
    return f"{selection}　编制日期：{timezone.localdate().isoformat()}"


def catalogue_xlsx(achievements: Iterable[Achievement], title: str, selection: str) -> bytes:
    rows = (row(n, a) for n, a in enumerate(achievements, 1))
    widths = [6, 36, 28, 12, 20, 20, 16, 10, 24, 32, 20, 12, 24, 12, 60]
    return workbook_bytes([Sheet("科技成果目录", HEADERS, rows, preamble=[title, caption(selection)], widths=widths)])


def xml_safe(text: str) -> str:
    """Text without the control characters XML 1.0 cannot hold (a pasted abstract may carry them): Word and Excel
    files would otherwise fail to be written."""
    return _NOT_XML.sub("", text or "")


class _Writer:
    """The catalogue's many paragraphs and runs, written as plain WordprocessingML elements before the section
    properties: python-docx's own add_paragraph looks for its place among all the body's children each time (a
    minute for a city's catalogue) and its runs cost a hundred times the element."""

    def __init__(self, doc):
        self.doc = doc

    def paragraph(self, after_pt: int = 0):
        p = OxmlElement("w:p")
        if after_pt:
            spacing = SubElement(SubElement(p, W["pPr"]), W["spacing"])
            spacing.set(W["after"], str(after_pt * 20))
        self.doc.element.body.sectPr.addprevious(p)
        return p

    @staticmethod
    def run(p, text: str, bold: bool = False, size_pt: int = 0, line_break: bool = False):
        r = SubElement(p, W["r"])
        if bold or size_pt:
            props = SubElement(r, W["rPr"])
            if bold:
                SubElement(props, W["b"])
            if size_pt:
                SubElement(props, W["sz"]).set(W["val"], str(size_pt * 2))
        if line_break:
            SubElement(r, W["br"])
        t = SubElement(r, W["t"])
        t.text = xml_safe(text)
        t.set(XML_SPACE, "preserve")


def catalogue_docx(achievements: Iterable[Achievement], title: str, selection: str) -> bytes:
    """Grouped by high-tech field: a heading per field, then each achievement's title, facts and abstract."""
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(10.5)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    heading = doc.add_heading(title, level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(caption(selection)).alignment = WD_ALIGN_PARAGRAPH.CENTER
    out = _Writer(doc)
    group, count = object(), 0
    for n, a in enumerate(achievements, 1):
        field = a.hitech_field.name_zh if a.hitech_field_id else "其他"
        if field != group:
            doc.add_heading(field, level=1)
            group = field
        out.run(out.paragraph(after_pt=3), f"{n}. {a.title}", bold=True, size_pt=12)
        cells = dict(zip(HEADERS, row(n, a), strict=True))
        facts = out.paragraph()
        for i, label in enumerate(label for label in FACTS if cells[label]):
            out.run(facts, f"{label}：", bold=True, line_break=i > 0)
            out.run(facts, cells[label])
        out.run(out.paragraph(after_pt=10), a.abstract)
        count = n
    if count == 0:
        doc.add_paragraph("本期无符合条件的已发布成果。")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
