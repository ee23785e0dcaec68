"""render.assessment_docx: the yearly assessment's report.docx re-read with python-docx."""

import io

import docx
import pytest
from test_assessment import _assess, _cfg, _designation, _perf, world  # noqa: F401

from spatial_towns.render import _ooxml, assessment_docx


@pytest.fixture(scope="module")
def year2(world, tmp_path_factory):  # noqa: F811
    tmp = tmp_path_factory.mktemp("assess_docx")
    cfg = _cfg()
    des = _designation(tmp, world["prov"], world["muni"])
    _assess(tmp, world, 2023, _perf(world, low=[world["A"][0]]), cfg, designation=des)
    return _assess(tmp, world, 2024, _perf(world, low=[world["A"][0]]), cfg)


def test_assessment_report_docx(year2):
    res = year2
    data = assessment_docx.to_bytes(res)
    assert data == assessment_docx.to_bytes(res)
    doc = docx.Document(io.BytesIO(data))
    assert doc.paragraphs[0].text == "2024年度乡村振兴示范镇考核报告"
    h1 = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert h1[:3] == ["一、考核依据与规则", "二、考核数据", "三、考核结果"]
    assert all(_ooxml.is_repeated_header(t.rows[0]) for t in doc.tables)
    ranking = next(t for t in doc.tables if t.rows[0].cells[0].text == "名次")
    rows = [[c.text for c in r.cells] for r in ranking.rows[1:]]
    assert [r[2] for r in rows] == list(res.ranking["name"])
    # The town eliminated after two bottom years, and its replacement, in Chinese.
    (gone,) = res.events("eliminated")["name"]
    (came,) = res.events("promoted")["name"]
    assert next(r for r in rows if r[2] == gone)[5] == "通报批评、淘汰"
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"淘汰：{gone}" in text and f"递补：{came}" in text
    assert "示例数据" in text  # the indicator table is labelled SYNTHETIC
