"""The AHP hierarchy of a configuration: criterion groups (level 1) and the criteria within
each group (level 2)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from .. import errors
from ..config import Criterion

#: Level name of the comparisons between groups (the long CSV's ``level`` column).
GROUPS = "groups"


@dataclass(frozen=True)
class Hierarchy:
    """Groups of scored criteria, in the configuration's order.

    ``groups`` is a tuple of ``(group name, criterion columns)``; a criterion without a
    ``group`` key forms a group of its own, named by its column. ``criteria`` keeps the
    configured criteria (labels, units, source, direction) for the questionnaire.
    """

    groups: tuple[tuple[str, tuple[str, ...]], ...]
    criteria: tuple[Criterion, ...] = ()

    @classmethod
    def from_criteria(cls, criteria: tuple[Criterion, ...] | list[Criterion]) -> Hierarchy:
        """The hierarchy of the scored criteria (weight > 0; weight-0 criteria only
        constrain and are not asked about)."""
        scored = [c for c in criteria if c.weight > 0]
        if not scored:
            raise errors.ConfigError("no criterion has a weight > 0: nothing to ask a panel")
        order: dict[str, list[str]] = {}
        for c in scored:
            order.setdefault(c.group or c.column, []).append(c.column)
        clash = [g for g in order if g in {c.column for c in scored} and order[g] != [g]]
        if clash or GROUPS in order:
            raise errors.ConfigError(
                f"criterion group name(s) {clash or [GROUPS]} clash with a criterion column or "
                f"the level name {GROUPS!r}; rename the group")
        return cls(groups=tuple((g, tuple(cols)) for g, cols in order.items()),
                   criteria=tuple(scored))

    @property
    def group_names(self) -> tuple[str, ...]:
        return tuple(g for g, _ in self.groups)

    @property
    def columns(self) -> tuple[str, ...]:
        """Every scored criterion column, group by group."""
        return tuple(c for _, cols in self.groups for c in cols)

    def levels(self) -> list[tuple[str, tuple[str, ...]]]:
        """The comparison levels with at least two items: ``(GROUPS, group names)`` and
        ``(group, criterion columns)`` for each group of two or more criteria."""
        out = [(GROUPS, self.group_names)] if len(self.groups) >= 2 else []
        return out + [(g, cols) for g, cols in self.groups if len(cols) >= 2]

    def items(self, level: str) -> tuple[str, ...]:
        """The items compared at ``level`` (raises for an unknown level)."""
        if level == GROUPS:
            return self.group_names
        for g, cols in self.groups:
            if g == level:
                return cols
        raise KeyError(level)

    def group_of(self, column: str) -> str:
        for g, cols in self.groups:
            if column in cols:
                return g
        raise KeyError(column)

    def label(self, item: str) -> str:
        """The configured label of a criterion column (a group's name is its own label)."""
        for c in self.criteria:
            if c.column == item:
                return c.label or c.column
        return item

    def fingerprint(self) -> str:
        """Short digest of the groups and criteria, written into each questionnaire so that
        answers to another criteria list are recognised."""
        text = "|".join(f"{g}:{','.join(cols)}" for g, cols in self.groups)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def describe(self) -> str:
        """One line per group: ``group: col1, col2``."""
        return "; ".join(f"{g}: {', '.join(cols)}" for g, cols in self.groups)
