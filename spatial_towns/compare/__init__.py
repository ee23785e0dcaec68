"""Comparison of runs (方案比选): agreement of the tiers, towns entering and leaving, rank
agreement, and why each moved town moved. Data only; :mod:`spatial_towns.render` draws it
(``compare.html``, ``compare.docx``).

>>> import spatial_towns
>>> cmp = spatial_towns.compare(["outputs/jilin-default", "outputs/cumulative"],
...                             names=["方案一", "方案二"], output_dir="outputs/compare")  # doctest: +SKIP

``spatial_towns.compare`` is both this family and its function: once the family is imported,
Python binds the name ``compare`` of ``spatial_towns`` to it, so the family is callable too
(calling it calls :func:`~spatial_towns.compare.comparison.compare`), and
``spatial_towns.compare(...)`` works however the name was reached first.
"""

import sys
import types

from .alternatives import Alternative
from .comparison import Comparison, compare

__all__ = ["Alternative", "Comparison", "compare"]


class _CallableFamily(types.ModuleType):
    def __call__(self, *args, **kwargs) -> Comparison:
        return compare(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableFamily
