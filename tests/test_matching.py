"""The one town matcher: names, kinds, codes, the crosswalk and table rows."""

import pandas as pd
import pytest

from spatial_towns.data import datasets, io, matching


@pytest.mark.parametrize("name, kind", [
    # The three old matchers disagreed on these (io.town_kind said 其他 for all of them).
    ("孤家子镇（四平辽河农垦管理区）", "镇"),
    ("岭下镇（查干浩特旅游经济开发区）（省级）", "镇"),
    ("双营子回族乡（梅花鹿产业经济开发区）（省级）", "乡"),
    ("和平街道办事处（梅河口市经济贸易开发区）（省级）", "街道"),
    ("（工业园区）城南街道", "街道"),
    ("孤家子镇 ", "镇"),
    ("孤家子镇(四平辽河农垦管理区)", "镇"),
    ("孤家子镇【备注】", "镇"),
    # The 镇 of a qualifier does not make a town.
    ("县级直管村级单位（特殊镇）", "其他"),
    ("永吉经济开发区（特殊乡镇）", "其他"),
    # ...nor does the 2023 list's unbracketed spelling of a zone's unit.
    ("永吉经济开发区特殊乡镇", "其他"),
    ("磐石经济开发区特殊街道", "其他"),
    ("国营梨树农场（四平辽河农垦管理区）", "其他"),
    ("城子街街道", "街道"),
    ("安广镇", "镇"),
])
def test_town_kind(name, kind):
    assert matching.town_kind(name) == kind


def test_kinds_of_the_real_2016_list():
    """On the embedded 1,009 township units: 423 镇, 179 乡, 258 街道, 149 其他 (the old
    suffix test gave 420/177/254/158: nine bracketed names were misclassed)."""
    t = datasets.towns_table()
    counts = t["name"].map(matching.town_kind).value_counts().to_dict()
    assert counts == {"镇": 423, "街道": 258, "乡": 179, "其他": 149}


def test_read_towns_uses_the_matcher(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("code,name,lon,lat\n220322103,孤家子镇（四平辽河农垦管理区）,124.0,43.5\n"
                 "220402198,县级直管村级单位（特殊镇）,125.1,42.9\n", encoding="utf-8")
    towns = io.read_towns(p, "EPSG:4326")
    assert towns["kind"].tolist() == ["镇", "其他"]


@pytest.mark.parametrize("raw", ["范家屯镇", "范家屯", " 范家屯 镇", "范家屯镇（省级）",
                                 "公主岭市范家屯镇", "范家屯\u3000镇"])
def test_name_key_agrees_across_forms(raw):
    assert matching.name_key(raw) == "范家屯"


def test_normalise_name():
    assert matching.normalise_name("和平街道办事处（梅河口市经济贸易开发区）（省级）") == "和平街道"
    assert matching.normalise_name("ＡＢ镇") == "AB镇"  # full-width letters
    assert matching.normalise_name(None) == ""
    assert matching.name_key("双营子回族乡") == "双营子"
    assert matching.name_key("三合朝鲜族乡") == "三合"
    assert matching.county_key("伊通满族自治县") == "伊通"


@pytest.mark.parametrize("raw, canon", [
    ("220112100000", "220112100"), ("220112100", "220112100"), (" 220112100 ", "220112100"),
    ("220112100000.0", "220112100"), ("２２０１１２１００", "220112100"),
    ("220112100001", "220112100001"),  # a village code is not a township code
])
def test_canonical_code(raw, canon):
    assert matching.canonical_code(raw) == canon


def test_is_township_code():
    assert matching.is_township_code("220112100000") and matching.is_township_code("220112100")
    assert not matching.is_township_code("220112100001")
    assert not matching.is_township_code("12345") and not matching.is_township_code("")


def test_code_crosswalk_matches_unique_names_only():
    old = pd.DataFrame({"code": ["220101100000", "220101101000", "220101102000", "220101103000"],
                        "name": ["甲镇", "乙镇（省级）", "丙镇", "丙镇"],
                        "county_name": ["A区"] * 4})
    new = pd.DataFrame({"code": ["220101200", "220101201", "220101202", "220101100"],
                        "name": ["乙镇", "丙镇", "丁镇", "甲镇"], "county_name": ["A区"] * 4})
    xw = matching.code_crosswalk(old, new)
    # 甲镇 kept its code (not in the crosswalk); 乙镇 matched through the bracket; the two
    # old 丙镇 are ambiguous and left out rather than guessed.
    assert xw[["old_code", "new_code"]].values.tolist() == [["220101101", "220101200"]]
    resolve = matching.CodeResolver(["220101101", "220101100"], xw)
    assert resolve("220101200000") == ("220101101", True)
    assert resolve("220101100000") == ("220101100", False)
    assert resolve("220101999") == (None, False)


def _toy_towns() -> pd.DataFrame:
    # SYNTHETIC fixture of four towns in two counties (names shaped like real ones).
    return pd.DataFrame({
        "code": ["220101100", "220101101", "220102100", "220102101"],
        "name": ["甲山镇", "头道镇", "头道镇", "乙河乡"],
        "county_code": ["220101", "220101", "220102", "220102"],
        "county_name": ["东区", "东区", "西县", "西县"],
    })


def test_match_rows_every_status_and_reason():
    ref = matching.Reference(
        townships_2023=pd.DataFrame({"code": ["220101105", "220101100"],
                                     "name": ["甲山镇", "甲山镇"],
                                     "county_code": ["220101", "220101"]}))
    rows = pd.DataFrame({
        "code": ["220101100000", "", "", "", "220101105", "999999999", "", "220101100",
                 "12345", ""],
        "name": ["", "甲山", "头道镇", "头道镇", "", "", "丙镇", "乙河乡", "乙河乡",
                 " 甲山镇（省级）"],
        "county": ["", "东区", "", "220102", "", "", "东区", "", "西县", "东区"],
    }, index=[10, 11, 12, 13, 14, 15, 16, 17, 18, 19])
    m = matching.match_rows(rows, _toy_towns(), ref)
    assert list(m.index) == list(rows.index)  # every row kept, in place
    st = m["match_status"].to_dict()
    assert st == {10: "matched", 11: "matched", 12: "ambiguous", 13: "matched",
                  14: "matched", 15: "unmatched", 16: "unmatched", 17: "matched",
                  18: "matched", 19: "matched"}
    assert m.loc[10, "town_code"] == "220101100" and m.loc[10, "match_reason"].startswith("code")
    assert "suffix" in m.loc[11, "match_reason"]
    assert m.loc[12, "match_reason"].startswith("2 towns match (头道镇/东区, 头道镇/西县)")
    assert m.loc[13, "town_code"] == "220102100"  # county by its 6-digit code
    assert m.loc[14, "match_reason"].startswith("2023 code → 甲山镇")
    assert "neither the 2016 nor the 2023 list" in m.loc[15, "match_reason"]
    assert m.loc[16, "match_reason"] == "no town named 丙镇 in county 东区"
    # Code and name disagree: kept by code, flagged for a check.
    assert m.loc[17, "town_code"] == "220101100" and bool(m.loc[17, "match_check"])
    assert "CHECK: the row names 乙河乡" in m.loc[17, "match_reason"]
    # A malformed code falls back to the name and says so.
    assert m.loc[18, "town_code"] == "220102101"
    assert "not a 9- or 12-digit township code" in m.loc[18, "match_reason"]
    # Five rows give 甲山镇: each says so.
    dup = m["match_reason"].str.contains("DUPLICATE")
    assert set(m.index[dup]) == {10, 11, 14, 17, 19}
    assert matching.summary(m) == {"matched": 7, "unmatched": 2, "ambiguous": 1}


def test_a_2023_code_the_2016_list_gives_to_another_town():
    """220101101 is 头道镇 in the run (2016) but 甲山镇's code in the 2023 list: a row giving
    that code with the name 甲山镇 means the 2023 town, not 头道镇."""
    ref = matching.Reference(townships_2023=pd.DataFrame(
        {"code": ["220101101"], "name": ["甲山镇"], "county_code": ["220101"]}))
    rows = pd.DataFrame({"code": ["220101101", "220101101"], "name": ["甲山镇", "头道镇"]})
    m = matching.match_rows(rows, _toy_towns(), ref)
    assert m["town_code"].tolist() == ["220101100", "220101101"]
    assert "the 2016 list gives 220101101 to 头道镇" in m.loc[0, "match_reason"]
    assert not m["match_check"].any()


def test_unknown_county_is_named():
    rows = pd.DataFrame({"name": ["甲山镇"], "county": ["南县"]})
    m = matching.match_rows(rows, _toy_towns())
    assert m.loc[0, "match_status"] == "unmatched"
    assert m.loc[0, "match_reason"] == "no county 南县 among the run's towns"


def test_the_real_2023_list_against_the_2016_towns():
    """Each 2023 township row against the 2016 seats: 969 matched, 103 unmatched (new
    streets and zones), 3 ambiguous (two 2016 towns of one county share the name)."""
    t23 = datasets.townships_2023().rename(columns={"areaCode": "county"})
    m = matching.match_rows(t23, datasets.towns_table(), datasets.matching_reference())
    assert len(m) == len(t23)
    assert matching.summary(m) == {"matched": 969, "unmatched": 103, "ambiguous": 3}
    # Codes renumbered in 双阳区 follow the crosswalk to the 2016 towns.
    row = m.set_index("code").loc["220112104"]
    assert row["town_code"] == "220112100" and "crosswalk" in row["match_reason"]
