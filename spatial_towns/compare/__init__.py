"""Comparison of runs (方案比选): agreement of the tiers, towns entering and leaving, rank
agreement, and why each moved town moved. Data only; :mod:`spatial_towns.render` draws it
(``compare.html``, ``compare.docx``).

>>> import spatial_towns
>>> cmp = spatial_towns.compare(["outputs/jilin-default", "outputs/cumulative"],
...                             names=["方案一", "方案二"], output_dir="outputs/compare")  # doctest: +SKIP

A lazy door (see :mod:`spatial_towns.util.lazy`). ``spatial_towns.compare`` is both this family
and its function: once the family is imported, Python binds the name ``compare`` of
``spatial_towns`` to it, so the family is callable too (calling it calls
:func:`~spatial_towns.compare.comparison.compare`), and ``spatial_towns.compare(...)`` works
however the name was reached first.
"""

import sys
import types

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


class _CallableFamily(types.ModuleType):
    def __call__(self, *args, **kwargs):
        from .comparison import compare

        return compare(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableFamily
