"""render._reasons_zh: every form of the reason sentences, and unknown ones kept."""

import pytest

from spatial_towns.render import _reasons_zh

CASES = [
    ("省级: by score", "省级：按得分入选"),
    ("省级: pinned (already designated)", "省级：已确定的示范镇（指定入选）"),
    ("省级: to meet 辽源市's minimum of 2 省级 towns (its prefecture)",
     "省级：为满足辽源市至少2个省级示范镇的要求（本市(州)）而入选"),
    ("市级: to meet 梨树县's minimum of 1 市级-or-higher town (its county)",
     "市级：为满足梨树县至少1个市级及以上示范镇的要求（本县(市、区)）而入选"),
    ("市级: to meet 白城市's proportional share of 3 市级 towns (its prefecture)",
     "市级：为满足白城市按比例分配的3个市级示范镇名额（本市(州)）而入选"),
    ("省级: to meet the 兴边富民型 quota of 4 省级 towns (its type)",
     "省级：为满足兴边富民型类4个省级示范镇的配额（本发展类型）而入选"),
    ("省级: by score among the towns free for it; better towns held in a lower tier by their "
     "own unit's rule: 灯塔镇, 寿山镇 (or type quota or spacing rule)",
     "省级：按得分入选（得分更高的灯塔镇、寿山镇因本单位名额要求留在较低一级）（或类型配额、间距要求）"),
    ("县级: fills 西安区's minimum of 1 县级 town (its county); by score it would be 省级",
     "县级：补足西安区至少1个县级示范镇的要求（本县(市、区)）；按得分本可入选省级"),
    ("not selected: 长春市 has reached its cap of 8 省级 towns (its prefecture)",
     "未入选：长春市的省级示范镇已达上限8个（本市(州)）"),
    ("not selected: within 10 km of 甲镇 (220000000000) (省级 spacing)",
     "未入选：距甲镇 (220000000000)不足10公里（省级间距要求）"),
    ("not selected: its place in 县级 went to 乙镇 (pinned); 丙镇 (by score); and 2 more",
     "未入选：其在县级中的位置由乙镇（已指定）；丙镇（按得分）等（另有2个）占用"),
    ("not selected: its place in 县级 went to a town needed for a minimum",
     "未入选：其在县级中的位置由为满足名额要求入选的镇占用"),
    ("not selected: below the cut-off; it outscores 1 town(s) of a higher tier placed there for "
     "their own unit's rule: 丁镇 (九台区's minimum of 1 县级 town (its county))",
     "未入选：得分低于入选线；其得分高于因所在单位名额要求而排在更高一级的1个镇：丁镇（为满足九台区至少1个县级示范镇的要求（本县(市、区)））"),
    ("not selected: score below the lowest tier's cut-off", "未入选：得分低于最低一级的入选线"),
    ("excluded: not a designated town (eligible kinds: 镇)", "排除：不是建制镇（参评类型：镇）"),
    ("excluded: not in the 2023 township list (merged or abolished since 2016)",
     "排除：不在2023年乡镇名录中（2016年后已合并或撤销）"),
]


@pytest.mark.parametrize(("en", "zh"), CASES)
def test_forms(en, zh):
    missed: list[str] = []
    assert _reasons_zh.zh(en, missed) == zh
    assert missed == []


def test_unknown_form_is_kept_and_reported():
    missed: list[str] = []
    text = "省级: a sentence of a form added later"
    assert _reasons_zh.zh(text, missed) == text
    assert missed == [text]


def test_default_run_reasons_all_translated(default_run):
    missed: list[str] = []
    for r in default_run.towns["reason"]:
        _reasons_zh.zh(r, missed)
    assert missed == []


TYPE_CASES = [
    ("工业主导型: industrial site '吉林公主岭经济开发区' 2.1 km away (also meets 都市卫星型、商贸流通型)",
     "工业主导型：距产业园区“吉林公主岭经济开发区”2.1 km（也符合都市卫星型、商贸流通型）"),
    ("都市卫星型: 长春都市圈, 长春市 15 min away", "都市卫星型：长春都市圈，距长春市15分钟"),
    ("商贸流通型: railway station 0.4 km away; road-network betweenness in the top 10% of towns",
     "商贸流通型：距火车站0.4 km；路网介数位于各镇前10%"),
    ("兴边富民型: border-area county, border 47 km (also meets 商贸流通型)",
     "兴边富民型：边境县，距国界47 km（也符合商贸流通型）"),
    ("综合服务型: default (no type rule met; expressway not assessed for want of a layer)",
     "综合服务型：不符合其他类型的条件（默认类型）"),
    ("not typed: no seat coordinates", "未分类：无驻地坐标"),
]


@pytest.mark.parametrize(("en", "zh"), TYPE_CASES)
def test_dev_type_forms(en, zh):
    missed: list[str] = []
    assert _reasons_zh.dev_type_zh(en, missed) == zh
    assert missed == []


def test_dev_type_unknown_clause_is_kept_and_reported():
    missed: list[str] = []
    text = "商贸流通型: railway station 0.4 km away; a new rule"
    assert _reasons_zh.dev_type_zh(text, missed) == text and missed == [text]


def test_default_run_dev_type_reasons_all_translated(default_run):
    missed: list[str] = []
    for r in default_run.towns["dev_type_reason"].fillna(""):
        _reasons_zh.dev_type_zh(str(r), missed)
    assert missed == []
