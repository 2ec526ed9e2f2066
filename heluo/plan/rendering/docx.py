"""The annual monitoring report as a Word document (python-docx).

Chinese text is set in 宋体 (SimSun) through the ``w:eastAsia`` font of every style and run, so Word renders it
properly whatever the Latin font; Latin text and digits are in Times New Roman. No chart is embedded: a chart
image would have to be drawn here without a network and without system (CJK) fonts, so each core indicator
gets a small table of its values instead (the report's method note says so; the HTML report has the charts).
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from ..selectors.report import PROGRESS_HEADERS, RISK_HEADERS, SERIES_HEADERS, SOURCE_HEADERS, Report

EAST_ASIA_FONT = "宋体"
EAST_ASIA_FONT_ALT = "SimSun"  # the same font's Latin name, for the Latin slots of the heading styles
LATIN_FONT = "Times New Roman"
BLACK = RGBColor(0, 0, 0)
HEADER_FILL = "D9E2F3"


# --- fonts and small XML helpers -------------------------------------------------------------------------------


def _set_fonts(rpr_owner, east_asia: str = EAST_ASIA_FONT, latin: str = LATIN_FONT) -> None:
    """Latin and East Asian fonts on a style or run element; theme fonts removed so they do not win."""
    rpr = rpr_owner.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def _set_language(style) -> None:
    rpr = style.element.get_or_add_rPr()
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _setup_styles(doc) -> None:
    styles = doc.styles
    normal = styles["Normal"]
    normal.font.size = Pt(11)
    _set_fonts(normal.element)
    _set_language(normal)
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing = 1.25
    for name, size in (("Title", 20), ("Heading 1", 15), ("Heading 2", 12.5), ("Heading 3", 11.5)):
        style = styles[name]
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = BLACK
        _set_fonts(style.element)
        style.paragraph_format.space_before = Pt(12 if name != "Heading 3" else 6)
        style.paragraph_format.space_after = Pt(6)
    title = styles["Title"]
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    # The Title style draws a coloured rule below the text; a government document has none.
    ppr = title.element.get_or_add_pPr()
    border = ppr.find(qn("w:pBdr"))
    if border is not None:
        ppr.remove(border)


def _run(paragraph, text: str, *, bold=False, size=None, colour=None, italic=False):
    run = paragraph.add_run(text)
    _set_fonts(run._element)
    run.bold = bold or None
    run.italic = italic or None
    if size:
        run.font.size = Pt(size)
    if colour:
        run.font.color.rgb = colour
    return run


def _paragraph(doc_or_cell, text: str = "", *, style=None, bold=False, size=None, align=None, indent=True, colour=None):
    p = doc_or_cell.add_paragraph(style=style)
    if text:
        _run(p, text, bold=bold, size=size, colour=colour)
    if align is not None:
        p.alignment = align
    if indent and style is None:
        p.paragraph_format.first_line_indent = Pt(22)  # two characters, as Chinese documents indent
    return p


def _heading(doc, text: str, level: int = 1):
    h = doc.add_heading(level=level)
    _run(h, text)
    return h


def _shade(cell, fill: str) -> None:
    tcpr = cell._element.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def _repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def _cell_text(cell, text: str, *, bold=False, size=9, align=None, link: str = "") -> None:
    p = cell.paragraphs[0]
    p.paragraph_format.space_after = Pt(0)
    p.paragraph_format.line_spacing = 1.0
    if align is not None:
        p.alignment = align
    if link:
        _hyperlink(p, text, link, size)
    else:
        _run(p, text, bold=bold, size=size)


def _hyperlink(paragraph, text: str, url: str, size=9) -> None:
    r_id = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), r_id)
    run = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    fonts = OxmlElement("w:rFonts")
    for attr, value in (("w:ascii", LATIN_FONT), ("w:hAnsi", LATIN_FONT), ("w:eastAsia", EAST_ASIA_FONT)):
        fonts.set(qn(attr), value)
    rpr.append(fonts)
    colour = OxmlElement("w:color")
    colour.set(qn("w:val"), "1F4E79")
    rpr.append(colour)
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    rpr.append(underline)
    sz = OxmlElement("w:sz")
    sz.set(qn("w:val"), str(int(size * 2)))
    rpr.append(sz)
    run.append(rpr)
    t = OxmlElement("w:t")
    t.text = text
    t.set(qn("xml:space"), "preserve")
    run.append(t)
    link.append(run)
    paragraph._p.append(link)


def _table(
    doc,
    headers: list[str],
    rows: list[list[str]],
    widths_mm: list[float] | None = None,
    *,
    size=9,
    right: set[int] = frozenset(),
    centre: set[int] = frozenset(),
):
    """A grid table with a shaded header row repeated on every page; `right`/`centre`: column alignment."""
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    header = table.rows[0]
    _repeat_header(header)
    for cell, text in zip(header.cells, headers):
        _cell_text(cell, text, bold=True, size=size, align=WD_ALIGN_PARAGRAPH.CENTER)
        _shade(cell, HEADER_FILL)
    for values in rows:
        cells = table.add_row().cells
        for n, (cell, text) in enumerate(zip(cells, values)):
            align = WD_ALIGN_PARAGRAPH.RIGHT if n in right else WD_ALIGN_PARAGRAPH.CENTER if n in centre else None
            _cell_text(cell, text, size=size, align=align)
    if widths_mm:
        table.autofit = False
        for column, width in zip(table.columns, widths_mm):
            column.width = Mm(width)
        for row in table.rows:
            for cell, width in zip(row.cells, widths_mm):
                cell.width = Mm(width)
    return table


def _page_number_footer(section) -> None:
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(p, "第 ", size=9)
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), "PAGE")
    r = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = "1"
    r.append(t)
    fld.append(r)
    p._p.append(fld)
    _run(p, " 页", size=9)


def _landscape(doc):
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.left_margin = section.right_margin = Mm(18)
    section.top_margin = section.bottom_margin = Mm(18)
    return section


# --- the document ---------------------------------------------------------------------------------------------


def render_docx(report: Report) -> bytes:
    doc = Document()
    _setup_styles(doc)
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(25)
    section.top_margin, section.bottom_margin = Mm(25), Mm(22)
    _page_number_footer(section)
    props = doc.core_properties
    props.title = report.title
    props.subject = report.title_en
    props.author = "河洛平台"
    props.language = "zh-CN"
    props.keywords = f"{report.plan_code}; {report.area_code}; {report.year}"

    # Title block
    title = doc.add_paragraph(style="Title")
    _run(title, report.plan_name, size=16)
    title.paragraph_format.space_after = Pt(0)
    title2 = doc.add_paragraph(style="Title")
    _run(title2, f"{'' if report.is_city else report.area_name}{report.year}年度监测报告")
    _paragraph(doc, report.title_en, size=10, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, colour=RGBColor(0x40, 0x40, 0x40))
    _paragraph(doc, "", indent=False)
    for label, value in (
        ("报告范围", f"{report.area_name}（{report.area_code}）"),
        ("生成日期", report.generated),
        ("数据截止", report.cutoff),
        ("版　　本", report.edition),
    ):
        p = _paragraph(doc, indent=False)
        _run(p, f"{label}：", bold=True, size=10)
        _run(p, value, size=10)

    headings = report.headings
    _heading(doc, headings["summary"])
    for text in report.summary:
        _paragraph(doc, text)

    for sec in report.sections:
        _heading(doc, f"{sec.number}、{sec.title}")
        _paragraph(doc, sec.intro, size=10, colour=RGBColor(0x40, 0x40, 0x40))
        for n, item in enumerate(sec.indicators, 1):
            _heading(doc, f"（{_cn_number(n)}）{item.name}" + (f"（{item.unit}）" if item.unit else ""), level=2)
            _paragraph(doc, item.sentence)
            for note in item.notes:
                _paragraph(doc, "注：" + note, size=9, colour=RGBColor(0x59, 0x59, 0x59))
            if item.series:
                cap = _paragraph(doc, f"表：{item.name}历年数据", size=9, bold=True, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
                cap.paragraph_format.keep_with_next = True
                if report.is_city:
                    _table(doc, SERIES_HEADERS, item.series_cells(), [34, 26, 26, 22, 26, 16], right={1, 2, 3}, centre={4, 5})
                else:  # a district has no path to its own target
                    headers = [SERIES_HEADERS[k] for k in (0, 1, 4, 5)]
                    _table(doc, headers, item.series_cells(with_path=False), [50, 40, 40, 20], right={1}, centre={2, 3})
                _paragraph(doc, "", indent=False).paragraph_format.space_after = Pt(2)
        if sec.without_data:
            _paragraph(doc, sec.without_data)

    _landscape(doc)
    _heading(doc, headings["table"])
    _paragraph(doc, report.table_note, size=9, indent=False)
    _table(
        doc,
        PROGRESS_HEADERS,
        report.table_rows,
        [12, 58, 12, 26, 26, 20, 30, 17, 17, 27, 10],
        size=8.5,
        right={3, 4, 5, 7, 8},
        centre={0, 2, 10},
    )

    _heading(doc, headings["risk"])
    if report.at_risk:
        rows = [
            [i.name, f"{i.latest_text}{'' if i.unit in ('', '名') else i.unit}（{i.period}）", i.status, "；".join(i.risk_reasons)]
            for i in report.at_risk
        ]
        _table(doc, RISK_HEADERS, rows, [55, 40, 28, 138], size=9)
    else:
        _paragraph(doc, "本期没有列入预警的指标。")

    _heading(doc, headings["sources"])
    _paragraph(
        doc,
        "报告中每个数值的来源。状态：初次发布、修订（最新一次发布）、初次发布（已被修订）、预计、推算、平台计算（按平台登记记录计算）。",
        size=9,
        indent=False,
    )
    table = _table(
        doc,
        SOURCE_HEADERS,
        [
            [
                str(s.number),
                s.indicator,
                s.period,
                s.value,
                s.status,
                s.publisher,
                s.document + (f"（{s.note}）" if s.note else ""),
                s.date,
                "",
            ]
            for s in report.sources
        ],
        [10, 32, 26, 20, 18, 34, 62, 18, 41],
        size=8,
        centre={0},
    )
    for row, source in zip(table.rows[1:], report.sources):
        if source.link:
            _cell_text(row.cells[8], source.link, size=8, link=source.href)

    _heading(doc, headings["method"])
    for text in report.method:
        head, _, rest = text.partition("。")
        p = _paragraph(doc)
        _run(p, head + "。", bold=True)
        _run(p, rest)

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _cn_number(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n - 10] if n > 10 else "")
    return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
