"""render.docx_base: house styles, East Asian fonts, page numbers, repeating table headers,
same bytes for the same content."""

import io
import zipfile

import docx
import pytest
from docx.oxml.ns import qn

from spatial_towns.render import _ooxml, docx_base
from spatial_towns.util import officezip as _package


def _sample() -> docx.document.Document:
    doc = docx_base.new_document("吉林省乡村振兴示范镇遴选报告", subtitle="方案：测试")
    docx_base.toc(doc)
    doc.add_heading("一、依据", level=1)
    doc.add_paragraph("从2022年开始，在全省遴选30个建制镇。")
    doc.add_heading("（一）省级", level=2)
    docx_base.table(doc, ["序号", "镇", "得分"], [[i + 1, f"镇{i}", 70.25 - i] for i in range(80)],
                    widths_cm=[1.5, 4, 2], align="clr", formats=[None, None, "{:.1f}"])
    return doc


def test_styles_name_east_asian_fonts_and_headings_have_outline_levels():
    doc = docx.Document(io.BytesIO(docx_base.to_bytes(_sample())))
    for name, ((latin, east), size, *_rest) in docx_base.STYLES.items():
        style = doc.styles[name]
        assert _ooxml.east_asian_font_of(style.element) == east, name
        assert style.font.name == latin
        assert style.font.size.pt == size
    assert _ooxml.east_asian_font_of(doc.styles[docx_base.TABLE_TEXT].element) is None  # inherits
    assert doc.styles[docx_base.TABLE_TEXT].base_style.name == "Normal"
    # Word's navigation pane and TOC read the outline level of the built-in heading styles.
    for level in (1, 2, 3):
        ppr = doc.styles[f"Heading {level}"].element.pPr
        assert ppr.find(qn("w:outlineLvl")).get(qn("w:val")) == str(level - 1)
    used = [p.style.name for p in doc.paragraphs]
    assert used[:2] == ["Title", "Subtitle"] and "Heading 1" in used and "Heading 2" in used
    # No theme fonts left on the styles: they would override the named ones in Word.
    styles_xml = doc.styles.element.xml
    for name in docx_base.STYLES:
        el = doc.styles[name].element
        assert "eastAsiaTheme" not in el.xml and "asciiTheme" not in el.xml, name
    assert "w:eastAsia=\"zh-CN\"" in styles_xml


def test_footer_has_page_fields_and_toc_field_updates_on_open():
    data = docx_base.to_bytes(_sample())
    doc = docx.Document(io.BytesIO(data))
    footer = doc.sections[0].footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and "NUMPAGES" in footer and "第 " in footer
    body = doc.element.body.xml
    assert 'TOC \\o "1-3"' in body
    assert doc.settings.element.find(qn("w:updateFields")) is not None
    # updateFields sits before compat etc. (CT_Settings is an ordered sequence).
    tags = [c.tag.rsplit("}", 1)[-1] for c in doc.settings.element]
    if "compat" in tags:
        assert tags.index("updateFields") < tags.index("compat")


def test_table_header_repeats_and_cells_formatted():
    doc = docx.Document(io.BytesIO(docx_base.to_bytes(_sample())))
    (t,) = doc.tables
    assert _ooxml.is_repeated_header(t.rows[0])
    assert not any(_ooxml.is_repeated_header(r) for r in t.rows[1:])
    # No row is split across pages.
    assert all(r._tr.trPr.find(qn("w:cantSplit")) is not None for r in t.rows)
    assert [c.text for c in t.rows[0].cells] == ["序号", "镇", "得分"]
    assert [c.text for c in t.rows[1].cells] == ["1", "镇0", "70.2"]
    assert all(r.bold for r in t.rows[0].cells[0].paragraphs[0].runs)
    assert t.rows[5].cells[1].paragraphs[0].style.name == docx_base.TABLE_TEXT
    assert round(t.columns[1].width.cm, 2) == 4.0


def test_table_rejects_ragged_rows():
    doc = docx_base.new_document("t")
    with pytest.raises(ValueError, match="row 1 has 1 cells, the header 2"):
        docx_base.table(doc, ["a", "b"], [["x"]])


def test_same_content_same_bytes_and_fixed_dates():
    a, b = docx_base.to_bytes(_sample()), docx_base.to_bytes(_sample())
    assert a == b
    with zipfile.ZipFile(io.BytesIO(a)) as z:
        assert {i.date_time for i in z.infolist()} == {_package.ZIP_EPOCH}
    props = docx.Document(io.BytesIO(a)).core_properties
    assert props.created == props.modified == docx_base.FIXED_DATE


def test_normalised_package_ignores_entry_dates():
    def zipped(when):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for name in ("[Content_Types].xml", "word/document.xml"):
                z.writestr(zipfile.ZipInfo(name, date_time=when), b"<x/>" * 10)
        return buf.getvalue()

    early, late = zipped((2020, 1, 1, 0, 0, 0)), zipped((2026, 12, 7, 3, 14, 0))
    assert early != late
    assert _package.normalised(early) == _package.normalised(late)
    with zipfile.ZipFile(io.BytesIO(_package.normalised(late))) as z:
        assert z.namelist() == ["[Content_Types].xml", "word/document.xml"]
        assert z.read("word/document.xml") == b"<x/>" * 10
