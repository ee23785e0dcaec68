"""Weight calibration against designated towns and the backtest of a run.

A lazy door: each public name is imported on first use (see :mod:`spatial_towns.util.lazy`).
"""

from ..util.lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "backtest": ".backtest",
    "calibrate": ".calibrate",
    "Validation": ".backtest:Validation",
    "CalibrationResult": ".calibrate:CalibrationResult",
    "WeightCalibration": ".calibrate:WeightCalibration",
})
