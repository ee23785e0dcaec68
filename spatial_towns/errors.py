"""Exception hierarchy.

Every error a planner can cause carries a message that names the file, column, feature or
config key at fault and says how to fix it. The CLI maps each class to an exit code
(documented in the README) and prints the message without a traceback.
"""

from __future__ import annotations


class SpatialTownsError(Exception):
    """Base class of all errors raised on purpose by spatial_towns."""

    exit_code = 1


class ConfigError(SpatialTownsError):
    """The configuration file or a configuration value is invalid."""

    exit_code = 2


class InputDataError(SpatialTownsError):
    """An input layer is missing, unreadable or violates the input contract."""

    exit_code = 3


class CRSError(InputDataError):
    """An input layer has no coordinate reference system or an implausible one."""

    exit_code = 3


class QuotaError(SpatialTownsError):
    """Tier quotas cannot be met with the eligible towns."""

    exit_code = 4


class StrictError(SpatialTownsError):
    """A run under ``--strict`` (``strict=True``) gave warnings: each is an error there, so
    that a scheduler never takes a warned-about selection silently."""

    exit_code = 6


class OutputError(SpatialTownsError):
    """Outputs cannot be written (e.g. the folder is not writable)."""

    exit_code = 5


class AnswersError(InputDataError):
    """An expert's filled questionnaire or answers file cannot be used (blank, off-scale or
    duplicated judgement, a missing sheet, a questionnaire of another criteria list)."""

    exit_code = 3
