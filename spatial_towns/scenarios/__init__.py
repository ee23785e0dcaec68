"""Comparison of runs (方案比选): agreement of the tiers, towns entering and leaving, rank
agreement, and why each moved town moved. Data only; :mod:`spatial_towns.render` draws it
(``compare.html``, ``compare.docx``).

>>> import spatial_towns
>>> cmp = spatial_towns.compare(["outputs/jilin-default", "outputs/cumulative"],
...                             names=["方案一", "方案二"], output_dir="outputs/compare")  # doctest: +SKIP

A lazy door (see :mod:`spatial_towns.util.lazy`). The family is named ``scenarios`` (方案),
not ``compare``, so that ``spatial_towns.compare`` stays the function: importing a subpackage
binds its name on the parent package and would hide a function of the same name.
"""

from ..util.lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "Alternative": ".alternatives:Alternative",
    "Comparison": ".comparison:Comparison",
    "compare": ".comparison:compare",
    "agreement": ".agreement",
    "alternatives": ".alternatives",
    "comparison": ".comparison",
    "inputs": ".inputs",
    "outputs": ".outputs",
})

