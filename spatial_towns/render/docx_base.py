"""Word documents in the house style: A4, Chinese fonts, heading styles, page numbers,
tables whose header row repeats on every page, and the same bytes for the same content.

A planning office reads these in Word or WPS. The choices:

- body text 宋体 (SimSun) 12 pt with Times New Roman for Latin letters and digits; headings
  黑体 (SimHei); level 2 楷体 (KaiTi); tables 10.5 pt (五号). The East Asian font is named on
  each style (``w:eastAsia``), so Word and WPS do not substitute their own default;
- the built-in "Heading 1-3" styles (outline levels 1-3), so the navigation pane and a table
  of contents (:func:`toc`) list the sections;
- a footer "第 X 页 共 Y 页" from PAGE / NUMPAGES fields;
- the core properties' dates fixed and the package's zip entries dated 1980-01-01 in a fixed
  order (:func:`to_bytes`): the same content gives the same file.

Use::

    doc = new_document("吉林省乡村振兴示范镇遴选报告", subtitle="方案：jilin-default")
    toc(doc)
    doc.add_heading("一、依据", level=1)
    doc.add_paragraph("……")
    table(doc, ["序号", "镇"], [[1, "城西镇"]], widths_cm=[1.5, 4])
    Path("report.docx").write_bytes(to_bytes(doc))
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path

import docx
from docx.document import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor

from ..util import officezip as _package
from . import _ooxml

#: Latin and East Asian font per style, and size in points.
BODY_FONT = ("Times New Roman", "宋体")
HEADING_FONT = ("Times New Roman", "黑体")
KAI_FONT = ("Times New Roman", "楷体")
STYLES = {
    # name: (fonts, size pt, bold, centred, space before/after pt)
    "Normal": (BODY_FONT, 12, False, False, (0, 6)),
    "Title": (HEADING_FONT, 22, False, True, (12, 12)),
    "Subtitle": (KAI_FONT, 14, False, True, (0, 12)),
    "Heading 1": (HEADING_FONT, 16, False, False, (12, 6)),
    "Heading 2": (KAI_FONT, 14, True, False, (10, 4)),
    "Heading 3": (HEADING_FONT, 12, False, False, (8, 4)),
    "Quote": (KAI_FONT, 12, False, False, (0, 6)),  # quoted text (the plan's wording)
    "Caption": (BODY_FONT, 10.5, False, True, (3, 9)),
    "Header": (BODY_FONT, 9, False, True, (0, 0)),
    "Footer": (BODY_FONT, 9, False, True, (0, 0)),
}
#: The paragraph style of table cells (created by :func:`new_document`).
TABLE_TEXT = "表格文字"
TABLE_FONT_PT = 10.5
#: The core properties' created/modified date: fixed, so that the same content gives the same
#: bytes (a run folder is compared byte for byte).
FIXED_DATE = dt.datetime(2022, 1, 1, tzinfo=dt.UTC)


def new_document(title: str, *, subtitle: str | None = None, landscape: bool = False,
                 author: str = "spatial_towns") -> Document:
    """A new A4 document with the house styles, a page-number footer, and ``title`` (and
    ``subtitle``) as its first paragraphs and its core-properties title.

    Parameters
    ----------
    title : str
        Document title (Title style, and the file's title property).
    subtitle : str, optional
        A line under the title (Subtitle style), e.g. the run's name and date of data.
    landscape : bool
        A4 landscape instead of portrait (wide tables).
    author : str
        The file's author property.
    """
    doc = docx.Document()
    _set_styles(doc)
    section = doc.sections[0]
    _page(section, landscape)
    footer = section.footer.paragraphs[0]
    footer.style = doc.styles["Footer"]
    footer.add_run("第 ")
    _ooxml.field(footer, "PAGE", "1")
    footer.add_run(" 页 共 ")
    _ooxml.field(footer, "NUMPAGES", "1")
    footer.add_run(" 页")
    doc.add_paragraph(title, style="Title")
    if subtitle:
        doc.add_paragraph(subtitle, style="Subtitle")
    props = doc.core_properties
    props.title = title
    props.author = props.last_modified_by = author
    props.created = props.modified = FIXED_DATE
    props.revision = 1
    props.language = "zh-CN"
    return doc


def _page(section, landscape: bool) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (Cm(29.7), Cm(21.0)) if landscape else (Cm(21.0), Cm(29.7))
    section.top_margin = section.bottom_margin = Cm(2.54)
    section.left_margin = section.right_margin = Cm(2.5)


def new_section(doc: Document, *, landscape: bool) -> None:
    """Start a new page in A4 landscape (wide tables) or portrait; the page-number footer
    carries over."""
    _page(doc.add_section(WD_SECTION.NEW_PAGE), landscape)


#: Text width in cm of an A4 page with the house margins.
TEXT_WIDTH_CM = {False: 16.0, True: 24.7}


def _set_styles(doc: Document) -> None:
    for name, ((latin, east), size, bold, centred, (before, after)) in STYLES.items():
        style = doc.styles[name]
        style.font.name = latin
        style.font.size = Pt(size)
        style.font.bold = bold
        style.font.italic = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        _ooxml.east_asian_font(style.element, east)
        pf = style.paragraph_format
        pf.space_before, pf.space_after = Pt(before), Pt(after)
        if centred:
            pf.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if name == "Normal":
            pf.line_spacing = 1.25
        if name == "Quote":
            pf.left_indent = pf.right_indent = Cm(0.75)
    for name in ("Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3"):
        _ooxml.remove_borders(doc.styles[name])
        doc.styles[name].paragraph_format.keep_with_next = True
    cell = doc.styles.add_style(TABLE_TEXT, WD_STYLE_TYPE.PARAGRAPH)
    cell.base_style = doc.styles["Normal"]
    cell.font.size = Pt(TABLE_FONT_PT)
    cell.paragraph_format.space_before = cell.paragraph_format.space_after = Pt(0)
    cell.paragraph_format.line_spacing = 1.0


def toc(doc: Document, *, levels: str = "1-3", heading: str = "目  录") -> None:
    """A table of contents of the headings (levels ``levels``), filled by Word when it opens
    the file (it asks to update fields) and by WPS/LibreOffice on update."""
    doc.add_paragraph(heading, style="Subtitle")
    _ooxml.field(doc.add_paragraph(), f'TOC \\o "{levels}" \\h \\z \\u',
                 "（目录：在 Word/WPS 中右键“更新域”生成）")
    _ooxml.update_fields_on_open(doc)


def table(doc: Document, header: Sequence[str], rows: Sequence[Sequence[object]], *,
          widths_cm: Sequence[float] | None = None, align: Sequence[str] | None = None,
          formats: Sequence[str | None] | None = None):
    """A grid table with a bold header row that repeats on every page it spans; no row is
    split by a page break.

    Parameters
    ----------
    header : sequence of str
        Column headings.
    rows : sequence of sequences
        Cell values; ``None`` and NaN become empty cells, other values ``str()`` unless
        ``formats`` gives a format (e.g. ``"{:.1f}"``) for the column.
    widths_cm : sequence of float, optional
        Column widths in centimetres.
    align : sequence of str, optional
        Per column ``"l"``, ``"c"`` or ``"r"`` (default left).
    formats : sequence of str or None, optional
        Per column a ``str.format`` pattern for numbers, or None.

    Returns
    -------
    docx.table.Table
    """
    ncol = len(header)
    t = doc.add_table(rows=1 + len(rows), cols=ncol)
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    _ooxml.repeat_header(t.rows[0])
    where = {"l": WD_ALIGN_PARAGRAPH.LEFT, "c": WD_ALIGN_PARAGRAPH.CENTER,
             "r": WD_ALIGN_PARAGRAPH.RIGHT}
    # Set by id on the element: python-docx's by-name setter searches every style per cell.
    cell_style = doc.styles[TABLE_TEXT].style_id
    widths = None if widths_cm is None else [Cm(w) for w in widths_cm]
    if widths is not None:
        t.autofit = False
        for c, w in enumerate(widths):
            t.columns[c].width = w  # the grid (LibreOffice, WPS); each cell below (Word)
    for r, (row, values) in enumerate(zip(t.rows, [list(header), *rows], strict=True)):
        if len(values) != ncol:
            raise ValueError(f"table row {r} has {len(values)} cells, the header {ncol}")
        if r:
            _ooxml.keep_row_together(row)
        for c, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            if widths is not None:
                cell.width = widths[c]
            par = cell.paragraphs[0]
            par._p.style = cell_style
            run = par.add_run(_cell_text(value, None if r == 0 or formats is None else formats[c]))
            if r == 0:
                run.bold = True
                par.alignment = WD_ALIGN_PARAGRAPH.CENTER
            elif align is not None:
                par.alignment = where[align[c]]
    return t


def _cell_text(value: object, fmt: str | None) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if fmt is not None and isinstance(value, int | float):
        return fmt.format(value)
    return str(value)


def picture(doc: Document, path: str | Path, *, width_cm: float, caption: str | None = None
            ) -> None:
    """A centred picture ``width_cm`` wide, with an optional caption below it."""
    doc.add_picture(str(path), width=Cm(width_cm))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    if caption:
        doc.add_paragraph(caption, style="Caption")


def to_bytes(doc: Document) -> bytes:
    """The document as .docx bytes, the same for the same content (fixed core-properties
    dates, zip entries in a fixed order with a fixed date)."""
    props = doc.core_properties
    props.created = props.modified = FIXED_DATE
    buf = io.BytesIO()
    doc.save(buf)
    return _package.normalised(buf.getvalue())


def save(doc: Document, path: str | Path) -> Path:
    """Write ``doc`` to ``path`` (see :func:`to_bytes`)."""
    path = Path(path)
    path.write_bytes(to_bytes(doc))
    return path
