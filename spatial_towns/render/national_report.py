"""The national run's Markdown report."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import report

if TYPE_CHECKING:
    from ..national.driver import NationalResult


def render(res: NationalResult) -> str:
    """National Markdown report: per-province summary, failures, and how each province's
    settings were derived."""
    s = res.provinces
    ok = s[s["error"] == ""]
    out = ["# spatial_towns national run", "",
           f"- provinces: {len(s)} (completed {len(ok)}, failed {len(s) - len(ok)})",
           f"- township rows: {len(res.towns)}; eligible: {int(s['eligible'].sum())}; "
           f"selected: {int((res.towns['tier'].fillna('') != '').sum())}", "",
           "## Per province", "", report.md_table(s), ""]
    failed = s[s["error"] != ""]
    if len(failed):
        out += ["## Failed provinces", ""]
        out += [f"- {r.province_name} ({r.province_code}): {r.error}"
                for r in failed.itertuples()]
        out += [""]
    out += ["## Province settings and criteria", ""]
    for code, r in res.results.items():
        if r is None:
            continue
        out += [f"### {code}", "", f"- settings: {r.provenance.get('province settings', '')}"]
        for u in r.used:
            if u.note:
                out.append(f"- {u.name}: {u.note}")
        out.append("")
    return "\n".join(out)
