"""National runs: the same pipeline for every province (Dask).

A lazy door: each public name is imported on first use (see :mod:`spatial_towns.util.lazy`).
"""

from ..util.lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "driver": ".driver",
    "NationalResult": ".driver:NationalResult",
    "Partition": ".driver:Partition",
    "TEMPLATE_COUNTIES": ".driver:TEMPLATE_COUNTIES",
    "check_settings": ".driver:check_settings",
    "criteria_task": ".driver:criteria_task",
    "gather": ".driver:gather",
    "plan": ".driver:plan",
    "province_config": ".driver:province_config",
    "province_shapes": ".driver:province_shapes",
    "province_task": ".driver:province_task",
    "roads_task": ".driver:roads_task",
    "run": ".driver:run",
    "write_outputs": ".driver:write_outputs",
})
