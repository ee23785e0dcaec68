"""spatial_towns: choose and re-evaluate rural-revitalisation demonstration towns.

Modules: :mod:`config`, :mod:`errors`, :mod:`io`, :mod:`datasets`, :mod:`criteria`,
:mod:`network`, :mod:`scoring`, :mod:`selection`, :mod:`maps`, :mod:`report`,
:mod:`pipeline`, :mod:`cli`.
"""

from . import config, errors
from .pipeline import Inputs, RunResult, run

__all__ = ["config", "errors", "run", "Inputs", "RunResult"]
__version__ = "0.1.0"
