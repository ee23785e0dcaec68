"""spatial_towns: choose and re-evaluate rural-revitalisation demonstration towns.

Modules: :mod:`config`, :mod:`errors`, :mod:`io`, :mod:`datasets`, :mod:`criteria`,
:mod:`network`, :mod:`scoring`, :mod:`selection`, :mod:`maps`, :mod:`report`,
:mod:`pipeline`, :mod:`whatif` (what-if explorer: :func:`explore`), :mod:`cli`.
"""

from . import config, errors
from .pipeline import Inputs, RunResult, run
from .whatif import explore

__all__ = ["config", "errors", "run", "explore", "Inputs", "RunResult"]
__version__ = "0.1.0"
