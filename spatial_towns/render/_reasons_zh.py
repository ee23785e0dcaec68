"""The selection's and eligibility's reason sentences (``towns.reason``) and the development
types' reasons (``towns.dev_type_reason``) in Chinese, for the documents a planning office
circulates.

The sentences are made in English by the selection (:meth:`TierSelection._reasons`), the
eligibility step and the type rules (typology.devtypes); their forms are few and fixed, so each
form is read here by a pattern and said again in Chinese. A sentence of a form not known here
is returned unchanged (and :func:`zh` / :func:`dev_type_zh` report it through
``untranslated``): it stays correct, only not translated.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_UNIT = {"county": "本县(市、区)", "prefecture": "本市(州)"}


def _scope(s: str) -> str:
    return s.replace("-or-higher", "及以上")


# The rules that hold a town in place (selection._holding_up / _holding_down), as said
# inside a sentence.
_RULES: list[tuple[re.Pattern, Callable[[re.Match], str]]] = [
    (re.compile(r"^fills (?P<u>.+?)'s minimum of (?P<m>\d+) (?P<t>\S+) towns? \(its (?P<w>county|prefecture)\)$"),
     lambda g: f"补足{g['u']}至少{g['m']}个{_scope(g['t'])}示范镇的要求（{_UNIT[g['w']]}）"),
    (re.compile(r"^(?P<u>.+?)'s minimum of (?P<m>\d+) (?P<t>\S+) towns? \(its (?P<w>county|prefecture)\)$"),
     lambda g: f"为满足{g['u']}至少{g['m']}个{_scope(g['t'])}示范镇的要求（{_UNIT[g['w']]}）"),
    (re.compile(r"^(?P<u>.+?)'s proportional share of (?P<n>\d+) (?P<t>\S+) towns \(its prefecture\)$"),
     lambda g: f"为满足{g['u']}按比例分配的{g['n']}个{g['t']}示范镇名额（本市(州)）"),
    (re.compile(r"^the (?P<typ>.+?) quota of (?P<q>\d+) (?P<t>\S+) towns \(its type\)$"),
     lambda g: f"为满足{g['typ']}类{g['q']}个{g['t']}示范镇的配额（本发展类型）"),
    (re.compile(r"^(?P<u>.+?) has reached its cap of (?P<n>\d+) (?P<t>\S+) towns \(its prefecture\)$"),
     lambda g: f"{g['u']}的{g['t']}示范镇已达上限{g['n']}个（本市(州)）"),
    (re.compile(r"^(?P<u>.+?) has reached its proportional share of (?P<n>\d+) (?P<t>\S+) towns "
                r"\(its prefecture\)$"),
     lambda g: f"{g['u']}的{g['t']}示范镇已达按比例分配的{g['n']}个（本市(州)）"),
]

_EXTRA = {" (or type quota)": "（或类型配额）", " (or spacing rule)": "（或间距要求）",
          " (or type quota or spacing rule)": "（或类型配额、间距要求）"}


def _rule(text: str) -> str | None:
    for pattern, say in _RULES:
        m = pattern.match(text)
        if m:
            return say(m)
    return None


def _named(text: str) -> str | None:
    """``A (rule); B (pinned); and 3 more`` -> Chinese."""
    more = ""
    m = re.search(r"; and (\d+) more$", text)
    if m:
        more, text = f"等（另有{m[1]}个）", text[:m.start()]
    parts = []
    for part in text.split("; "):
        pm = re.match(r"^(?P<name>[^()]+?) \((?P<why>.+)\)$", part)
        if pm is None:
            return None
        why = pm["why"]
        said = ("已指定" if why == "pinned" else "按得分" if why == "by score" else _rule(why))
        if said is None:
            return None
        parts.append(f"{pm['name']}（{said}）")
    return "；".join(parts) + more


def _extra(text: str) -> tuple[str, str]:
    for en, zh_ in _EXTRA.items():
        if text.endswith(en):
            return text[: -len(en)], zh_
    return text, ""


def _body(rest: str) -> str | None:
    """The part of a reason after ``<tier>: ``."""
    if rest == "pinned (already designated)":
        return "已确定的示范镇（指定入选）"
    if rest == "by score":
        return "按得分入选"
    if rest == "score below the lowest tier's cut-off":
        return "得分低于最低一级的入选线"
    if rest.startswith("to meet "):
        said = _rule(rest[len("to meet "):])
        return None if said is None else said + "而入选"
    m = re.match(r"^by score among the towns free for it; better towns held in a lower tier by "
                 r"their own unit's rule: (?P<names>.+)$", rest)
    if m:
        names, extra = _extra(m["names"])
        return ("按得分入选（得分更高的" + "、".join(names.split(", "))
                + "因本单位名额要求留在较低一级）" + extra)
    m = re.match(r"^(?P<head>by score|below the cut-off); it outscores (?P<n>\d+) town\(s\) of a "
                 r"higher tier placed there for their own unit's rule: (?P<named>.+)$", rest)
    if m:
        named = _named(m["named"])
        head = "按得分入选" if m["head"] == "by score" else "得分低于入选线"
        return None if named is None else (
            f"{head}；其得分高于因所在单位名额要求而排在更高一级的{m['n']}个镇：{named}")
    m = re.match(r"^within (?P<km>[\d.]+) km of (?P<other>.+) \((?P<t>\S+) spacing\)$", rest)
    if m:
        return f"距{m['other']}不足{m['km']}公里（{m['t']}间距要求）"
    m = re.match(r"^its place in (?P<t>\S+) went to (?P<named>.+)$", rest)
    if m:
        named, extra = _extra(m["named"])
        who = ("为满足名额要求入选的镇" if named == "a town needed for a minimum"
               else _named(named))
        return None if who is None else f"其在{m['t']}中的位置由{who}占用{extra}"
    m = re.match(r"^(?P<rule>.+?)(?:; by score it would be (?P<t>\S+))?$", rest)
    if m:
        said = _rule(m["rule"])
        if said is not None:
            return said + (f"；按得分本可入选{m['t']}" if m["t"] else "")
    return None


_EXCLUDED: list[tuple[re.Pattern, Callable[[re.Match], str]]] = [
    (re.compile(r"^not a designated town \(eligible kinds: (?P<k>.+)\)$"),
     lambda g: f"不是建制镇（参评类型：{g['k']}）"),
    (re.compile(r"^not in the (?P<y>\d+) township list \(merged or abolished since (?P<s>\d+)\)$"),
     lambda g: f"不在{g['y']}年乡镇名录中（{g['s']}年后已合并或撤销）"),
    (re.compile(r"^no seat coordinates in the source, and none in the seat supplement .*$"),
     lambda g: "数据源中无驻地坐标，驻地补充表中也没有（无同名地名点，也无有坐标的城镇村级单位）"),
    (re.compile(r"^no seat coordinates \(new in the (?P<y>\d+) township list; no (?P<s>\d+) seat "
                r"point\)$"),
     lambda g: f"无驻地坐标（{g['y']}年乡镇名录新增，{g['s']}年资料无驻地点）"),
    (re.compile(r"^a (?P<k>\S+) in the (?P<y>\d+) township list, no longer a designated town "
                r"\(eligible kinds: (?P<e>.+)\)$"),
     lambda g: f"{g['y']}年乡镇名录中为{g['k']}，已不是建制镇（参评类型：{g['e']}）"),
]


def zh(reason: str, untranslated: list[str] | None = None) -> str:
    """``reason`` in Chinese; unchanged (and appended to ``untranslated``) when its form is
    not known here."""
    head, sep, rest = reason.partition(": ")
    said: str | None = None
    if sep and head == "excluded":
        for pattern, say in _EXCLUDED:
            m = pattern.match(rest)
            if m:
                said = "排除：" + say(m)
                break
    elif sep:
        body = _body(rest)
        if body is not None:
            said = ("未入选：" if head == "not selected" else f"{head}：") + body
    if said is None:
        if untranslated is not None and reason:
            untranslated.append(reason)
        return reason
    return said


# One clause each of a development type's reason (typology.devtypes).
_TYPE_CLAUSES: list[tuple[re.Pattern, Callable[[re.Match], str]]] = [
    (re.compile(r"^default \(.*\)$"), lambda g: "不符合其他类型的条件（默认类型）"),
    (re.compile(r"^railway station (?P<d>[\d.]+) km away$"), lambda g: f"距火车站{g['d']} km"),
    (re.compile(r"^expressway access (?P<d>[\d.]+) km away$"),
     lambda g: f"距高速公路出入口{g['d']} km"),
    (re.compile(r"^road-network betweenness in the top (?P<p>[\d.]+)% of towns$"),
     lambda g: f"路网介数位于各镇前{g['p']}%"),
    (re.compile(r"^industrial site (?:'(?P<n>[^']*)' )?(?P<d>[\d.]+) km away$"),
     lambda g: f"距产业园区{'“' + g['n'] + '”' if g['n'] else ''}{g['d']} km"),
    (re.compile(r"^scenic/heritage site (?:'(?P<n>[^']*)' )?(?P<d>[\d.]+) km away$"),
     lambda g: f"距景区{'“' + g['n'] + '”' if g['n'] else ''}{g['d']} km"),
    (re.compile(r"^international border (?P<d>[\d.]+) km away$"), lambda g: f"距国界{g['d']} km"),
    (re.compile(r"^border-area county, border (?P<d>[\d.]+) km$"),
     lambda g: f"边境县，距国界{g['d']} km"),
    (re.compile(r"^prefecture seat (?P<t>[\d.]+) min away$"),
     lambda g: f"距市(州)驻地{g['t']}分钟"),
    (re.compile(r"^(?P<area>[^,]+), (?P<city>\S+) (?P<t>[\d.]+) min away$"),
     lambda g: f"{g['area']}，距{g['city']}{g['t']}分钟"),
]


def dev_type_zh(reason: str, untranslated: list[str] | None = None) -> str:
    """A development type's reason (``dev_type_reason``) in Chinese; unchanged (and appended
    to ``untranslated``) when a clause's form is not known here."""
    if reason == "not typed: no seat coordinates":
        return "未分类：无驻地坐标"
    head, sep, rest = reason.partition(": ")
    also = ""
    m = re.search(r" \(also meets (?P<t>[^)]+)\)$", rest)
    if m:
        also, rest = f"（也符合{m['t']}）", rest[:m.start()]
    said = []
    # The default's note in parentheses may hold "; " itself: one clause.
    clauses = [rest] if rest.startswith("default (") else rest.split("; ")
    for clause in clauses if sep else [None]:
        for pattern, say in _TYPE_CLAUSES:
            cm = pattern.match(clause) if clause is not None else None
            if cm:
                said.append(say(cm))
                break
        else:
            if untranslated is not None and reason:
                untranslated.append(reason)
            return reason
    return f"{head}：" + "；".join(said) + also
