"""The report's section on the town facts tables (:mod:`spatial_towns.data.facts`): files,
criteria (source, units, coverage, imputed) and every row that matched no town."""

from __future__ import annotations

from ..data import facts, matching


def section(used: facts.FactsUsed | None) -> str:
    """The report's section on the facts tables: files, criteria (source, units, coverage,
    imputed), and every row that did not match a town."""
    if used is None or used.table is None:
        return ""
    ft = used.table
    counts = ft.rows["match_status"].value_counts()
    out = ["## Town facts tables", ""]
    for f in ft.files:
        out.append(f"- `{f['file']}`{' (embedded)' if f['embedded'] else ''}: {f['rows']} rows"
                   + (f" in sheets {', '.join(f['sheets'])}" if any(f["sheets"]) else "")
                   + f"; sha256 `{f['sha256'][:12]}`")
    out += ["", f"Rows: {len(ft.rows)} — {int(counts.get('matched', 0))} matched, "
            f"{int(counts.get('unmatched', 0))} unmatched, {int(counts.get('ambiguous', 0))} "
            "ambiguous"
            + (f", {int(counts.get(facts.OTHER_PROVINCE, 0))} of other provinces"
               if counts.get(facts.OTHER_PROVINCE) else "")
            + " (every row is listed in `facts_rows.csv`).", ""]
    if used.coverage:
        out += ["| criterion | source | units | towns with a value | imputed | excluded "
                "(missing) | policy |", "|---|---|---|---|---|---|---|"]
        for col, i in used.coverage.items():
            out.append(f"| `{col}` | {', '.join(i['sources'])} | {i['units'] or '—'} | "
                       f"{i['covered']} of {i['eligible']} | {i['imputed']} | {i['excluded']} "
                       f"| {i['policy']} |")
        out.append("")
    for col, m in used.methods.items():
        if m.startswith("not computed"):
            out.append(f"- `{col}`: {m}.")
    if ft.notes:
        out += ["Notes:", ""] + [f"- {n}" for n in ft.notes] + [""]
    bad = ft.rows[~ft.rows["match_status"].isin([matching.MATCHED, facts.OTHER_PROVINCE])]
    if len(bad):
        out += [f"Rows not matched to a town ({len(bad)}):", "",
                "| file | sheet | row | code | name | county | status | reason |",
                "|---|---|---|---|---|---|---|---|"]
        for r in bad.head(200).itertuples():
            out.append(f"| {r.file} | {facts.cell(r.sheet)} | {r.row} | {facts.cell(r.code)} | "
                       f"{facts.cell(r.name)} | {facts.cell(r.county)} | {r.match_status} | "
                       f"{r.match_reason} |")
        if len(bad) > 200:
            out.append(f"| … | | | | | | | {len(bad) - 200} more in facts_rows.csv |")
        out.append("")
    if ft.unused_columns:
        out += ["Columns read but not used by any criterion: "
                + "; ".join(f"{f}: {', '.join(c)}" for f, c in ft.unused_columns.items()), ""]
    return "\n".join(out)
