"""Chinese wording shared by the Chinese documents (report.docx, candidates.xlsx): names of the
town table's computed columns, input layers, methods and tiers' rules.

A scored criterion's own ``label`` (from the configuration) wins over :data:`COLUMNS`; these
names serve the columns a configuration does not label (computed but not scored, not computed).
"""

from __future__ import annotations

from .. import columns

#: Computed columns of the town table (criteria.compute, facts) in Chinese.
COLUMNS = {
    "dist_changchun_km": "到都市圈核心城市直线距离 (km)",
    "dist_prefecture_seat_km": "到本市(州)驻地直线距离 (km)",
    "dist_county_seat_km": "到本县(市、区)驻地直线距离 (km)",
    "dist_border_km": "到国界直线距离 (km)",
    columns.BORDER_AREA: "边境地区",
    "in_metro": "都市圈范围",
    "key_assisted": "省级乡村振兴重点帮扶县",
    "key_node": "国土空间规划重要节点镇",
    "dist_rail_km": "到火车站直线距离 (km)",
    columns.SNAP_KM: "到路网节点距离 (km)",
    "time_expressway_min": "到高速公路出入口时间 (min)",
    "time_changchun_min": "到都市圈核心城市时间 (min)",
    "time_prefecture_min": "到本市(州)驻地时间 (min)",
    "time_county_seat_min": "到本县(市、区)驻地时间 (min)",
    "time_rail_min": "到火车站时间 (min)",
    columns.NETWORK_FLAG: "路网可达性提示",
    "region_pop_60min": "60分钟可达区域人口",
    "region_gravity": "区域人口引力",
    "city_periphery": "城市周边",
    "pop_within_15min": "15分钟可达人口",
    "pop_within_30min": "30分钟可达人口",
    "pop_within_60min": "60分钟可达人口",
    "gravity_access": "人口引力可达性",
    "pop_within_km": "周边半径内人口",
    "county_pop_density": "县域人口密度 (人口普查)",
    "devzone_km": "到开发区距离 (km)",
    "urban_units": "镇区城镇单元数",
    "county_density_km2": "县域人口密度 (人/km²)",
    "villages": "服务村数",
    "scenic5a_km": "到5A级景区距离 (km)",
}

#: The run's input layers (``RunResult.provenance`` keys).
INPUTS = {
    "boundaries": "行政区划边界",
    "towns": "乡镇驻地",
    "seats": "市、县驻地",
    "stations": "火车站",
    "borders": "邻国陆地（国界）",
    "census": "人口普查（县级）",
    "industry": "开发区",
    "tourism": "旅游景区",
    "roads": "道路网",
    "population_grid": "人口格网",
    "population": "人口栅格",
    "facts": "镇级事实表",
    "nominations": "县级提名名单",
    "province settings": "省级参数",
}

#: Plain-words notes on scored columns that stand in for what the plan asks (proxies).
PROXIES = {
    "urban_units": "“人口相对集聚”没有镇级人口统计，以镇区城镇单元数（城乡划分代码1xx的村级单位个数）代替镇区规模",
    "county_density_km2": "是全县的背景值，同一县内各镇相同，不反映镇本身的人口",
    "villages": "“区域带动作用”以所辖村数（城乡划分代码220）代替服务乡村的范围",
    "devzone_km": "“产业比较兴旺”没有镇级产值、企业数据，以到国家级/省级开发区的距离代替（开发区坐标为近似位置）",
    "scenic5a_km": "“资源禀赋”仅以到5A级景区的距离代替，未含4A及以下景区",
    "in_metro": "按县级单位计，部分纳入都市圈的县按比例计分",
    columns.BORDER_AREA: "按所在县是否与国界相接判断，同一县内各镇相同",
}

WEIGHTING = {"expert": "专家权重（配置文件给定，归一化）", "ahp": "层次分析法（AHP）",
             "entropy": "熵权法", "critic": "CRITIC法", "panel": "专家组判断（群决策AHP）",
             "combined": "主客观组合赋权"}
AGGREGATION = {"wlc": "加权线性综合（得分 = Σ 100 × 权重 × 标准化指标值，0–100分）",
               "owa": "有序加权平均（OWA）", "topsis": "TOPSIS（逼近理想解）",
               "vikor": "VIKOR", "geometric": "加权几何综合"}
DIRECTION = {"benefit": "正向", "cost": "逆向"}
#: How the tier selection's integer program was solved (mcda.selection).
SOLVED = {"LP relaxation (integral: flow structure)": "线性松弛即得整数解（网络流结构）",
          "integer program (HiGHS branch and bound)": "整数规划分支定界"}


def column(col: str, labels: dict[str, str] | None = None) -> str:
    """The Chinese name of ``col``: a configured label, else :data:`COLUMNS`, else ``col``."""
    if labels and labels.get(col):
        return labels[col]
    return COLUMNS.get(col, col)


def transform(t) -> str:
    """A criterion's transform (config.Transform) in words."""
    if t.kind == "linear":
        return f"线性（{t.lower:g}–{t.upper:g}）"
    if t.kind == "log":
        return "对数后极差标准化"
    if t.kind == "minmax":
        return "极差标准化"
    if t.kind == "rank":
        return "排序百分位"
    if t.kind == "sigmoid":
        return "S形函数" + (f"（中点{t.midpoint:g}）" if t.midpoint is not None else "")
    return t.kind


def tier_rule(t) -> str:
    """A tier's rules (config.Tier) in words: its total and its minimums per unit."""
    parts = [f"全省{t.count}个" if t.count is not None else f"全省不少于{t.min_count}个"]
    scope = "（含更高一级）" if t.cumulative else ""
    if t.per_prefecture_min:
        parts.append(f"每个市(州)至少{t.per_prefecture_min}个{scope}")
    if t.per_county_min:
        parts.append(f"每个有候选镇的县(市、区)至少{t.per_county_min}个{scope}")
    if t.per_prefecture_max is not None:
        parts.append(f"每个市(州)至多{t.per_prefecture_max}个")
    if t.allocation == "proportional":
        parts.append("各市(州)按参评镇数比例分配")
    if t.min_spacing_km:
        parts.append(f"相互间距不小于{t.min_spacing_km:g} km")
    if t.pinned:
        parts.append(f"{len(t.pinned)}个已指定")
    return "，".join(parts)
