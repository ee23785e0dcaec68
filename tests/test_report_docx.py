"""render.report_docx: report.docx re-read with python-docx."""

import io
import re

import docx
import pytest
from docx.table import Table
from docx.text.paragraph import Paragraph

from spatial_towns.render import _ooxml, report_docx


@pytest.fixture(scope="module")
def report(default_run):
    png = default_run.output_dir / "map_tiers.png"
    data = report_docx.to_bytes(default_run, map_png=png)
    return default_run, data, docx.Document(io.BytesIO(data))


def _blocks(doc):
    """Paragraphs and tables in document order."""
    for el in doc.element.body.iterchildren():
        if el.tag.endswith("}p"):
            yield Paragraph(el, doc)
        elif el.tag.endswith("}tbl"):
            yield Table(el, doc)


def _name_tables(doc, tiers):
    """Tier label -> rows of its name table (under the tier's Heading 2 in 四、示范镇名单)."""
    out, section, tier = {}, None, None
    for b in _blocks(doc):
        if isinstance(b, Paragraph):
            if b.style.name == "Heading 1":
                section = b.text
            elif b.style.name == "Heading 2" and section == "四、示范镇名单":
                tier = next(t.label for t in tiers if t.label in b.text)
        elif section == "四、示范镇名单" and tier is not None:
            rows = [[c.text for c in r.cells] for r in b.rows]
            assert rows[0] == report_docx.NAME_COLUMNS
            out[tier] = rows[1:]
    return out


def test_every_selected_town_is_in_its_tier_name_table(report):
    res, _, doc = report
    tables = _name_tables(doc, res.cfg.tiers)
    assert list(tables) == [t.label for t in res.cfg.tiers]
    for t in res.cfg.tiers:
        sel = res.towns[res.towns["tier"] == t.name]
        rows = tables[t.label]
        assert len(rows) == len(sel) == res.selection.sizes[t.name]
        got = {(r[1], r[2], r[3]) for r in rows}
        assert got == set(zip(sel["prefecture_name"], sel["county_name"], sel["name"], strict=True))
        assert [r[0] for r in rows] == [str(k) for k in range(1, len(rows) + 1)]
        by_name = sel.set_index(["county_name", "name"])
        for r in rows:
            town = by_name.loc[(r[2], r[3])]
            assert r[4] == f"{town['score']:.2f}" and r[5] == str(int(town["rank"]))
            assert r[6] == town["dev_type_label"]
            # The reason is in Chinese (every form of the default run is translated).
            assert r[7] and not re.search("[A-Za-z]", r[7]), r[7]


def test_heading_styles_structure_and_repeating_headers(report):
    _, _, doc = report
    h1 = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert h1 == ["一、依据", "二、数据与方法", "三、评价结果", "四、示范镇名单", "五、稳健性", "六、数据局限", "附表"]
    assert any(p.style.name == "Heading 2" for p in doc.paragraphs)
    assert doc.paragraphs[0].style.name == "Title"
    assert len(doc.tables) >= 9
    for t in doc.tables:
        assert _ooxml.is_repeated_header(t.rows[0])
    # The name lists are on landscape pages, the rest portrait; each section has the footer.
    orient = [s.page_width > s.page_height for s in doc.sections]
    assert orient == [False, True, False]
    assert all("NUMPAGES" in s.footer.paragraphs[0]._p.xml for s in doc.sections)


def test_plan_wording_map_and_tier_counts(report):
    res, _, doc = report
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "每个市(州)至少2个省级示范镇，全省确定省级示范镇30个" in text
    assert "省级示范镇：全省30个，每个市(州)至少2个。" in text
    (shape,) = doc.inline_shapes
    blob = doc.part.related_parts[shape._inline.graphic.graphicData.pic.blipFill.blip.embed].blob
    assert blob == (res.output_dir / "map_tiers.png").read_bytes()
    counts = next(t for t in doc.tables if t.rows[0].cells[0].text == "市(州)")
    last = [c.text for c in counts.rows[-1].cells]
    assert last[0] == "合计"
    assert [int(v) for v in last[1:-1]] == [res.selection.sizes[t.name] for t in res.cfg.tiers]
    for r in counts.rows[1:-1]:
        pref = r.cells[0].text
        sel = res.towns[(res.towns["prefecture_name"] == pref) & (res.towns["tier"] != "")]
        assert [int(c.text) for c in r.cells[1:-1]] == [
            int((sel["tier"] == t.name).sum()) for t in res.cfg.tiers]


def test_limitations_name_every_missing_layer_and_proxy(report):
    res, _, doc = report
    items = report_docx.limitations(res)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert all(i in text for i in items)
    not_computed = [c for c, m in res.methods.items() if m.startswith("not computed")]
    assert not_computed  # the embedded data has no full road graph or raster
    from spatial_towns.render import _labels_zh
    for col in not_computed:
        assert any(_labels_zh.column(col) in i and "未计算" in i for i in items), col
    assert any("OpenStreetMap 主干道路骨架" in i for i in items)
    assert any("镇区城镇单元数" in i and "代替" in i for i in items)


def test_the_run_writes_it(report):
    res, data, _ = report
    assert res.files["report.docx"] == res.output_dir / "report.docx"
    assert res.files["report.docx"].read_bytes() == data


def test_same_run_same_bytes_and_no_map(report, default_run):
    res, data, _ = report
    assert report_docx.to_bytes(res, map_png=res.output_dir / "map_tiers.png") == data
    doc = report_docx.build(default_run, map_png=None)
    assert not doc.inline_shapes
    assert any("未绘制印刷地图" in p.text for p in doc.paragraphs)


def test_a_run_without_weight_draws_says_so(default_run):
    import dataclasses

    res = dataclasses.replace(default_run, robustness=None)
    text = "\n".join(p.text for p in report_docx.build(res).paragraphs)
    assert "本次运行未做权重扰动分析" in text
