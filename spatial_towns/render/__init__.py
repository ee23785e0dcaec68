"""Presentation: maps, print figures, reports and documents made from a run's data."""
