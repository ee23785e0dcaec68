"""The comparison's folder: tables as CSV, ``compare.html`` and ``compare.docx``.

| file | what |
|---|---|
| ``compare_towns.csv`` | every town: tier, score and rank in each alternative, votes per tier, changed |
| ``compare_changes.csv`` | every town whose tier differs from the first alternative's, with why |
| ``compare_moves.csv`` | towns entering and leaving each tier against the first alternative |
| ``compare_summary.csv`` | per tier: sizes, towns in every / some / one only, entering, leaving, Jaccard |
| ``compare_prefectures.csv`` | selected towns per 市(州), tier and alternative |
| ``compare_rank_agreement.csv`` | Kendall τ and Spearman ρ per pair of alternatives |
| ``compare.html`` | the offline comparison page (:mod:`spatial_towns.render.compare_html`) |
| ``compare.docx`` | 方案比选 (:mod:`spatial_towns.render.compare_docx`) |
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..data import io
from ..pipeline import runfolder
from ..render import compare_docx, compare_html

if TYPE_CHECKING:
    from .comparison import Comparison


def _csv(path: Path, table: pd.DataFrame, index: bool = False) -> Path:
    return io.atomic_write(path, lambda p: table.to_csv(p, index=index, encoding="utf-8-sig",
                                                        float_format="%.4f"))


def write(cmp: Comparison, out_dir: Path, *, documents: bool = True) -> dict[str, Path]:
    """Write the comparison's files to ``out_dir`` (see the module docstring)."""
    runfolder.check_writable(out_dir)
    pc = cmp.prefecture_counts.copy()
    pc.columns = [f"{t}[{a}]" for t, a in pc.columns]
    files = {
        "compare_towns.csv": _csv(out_dir / "compare_towns.csv", cmp.town_table(), index=True),
        "compare_changes.csv": _csv(out_dir / "compare_changes.csv", cmp.changes),
        "compare_moves.csv": _csv(out_dir / "compare_moves.csv", cmp.moves),
        "compare_summary.csv": _csv(out_dir / "compare_summary.csv", cmp.summary(), index=True),
        "compare_prefectures.csv": _csv(out_dir / "compare_prefectures.csv", pc, index=True),
        "compare_rank_agreement.csv": _csv(out_dir / "compare_rank_agreement.csv",
                                           cmp.rank_agreement),
        "compare.html": io.write_text(out_dir / "compare.html", compare_html.render(cmp)),
    }
    if documents:
        files["compare.docx"] = io.write_bytes(out_dir / "compare.docx", compare_docx.to_bytes(cmp))
    return files
