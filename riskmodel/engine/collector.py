"""The engine's name for :func:`riskmodel.files.collector.collector_paused` (it moved down so
that reading a dump can pause the collector too)."""

from riskmodel.files.collector import collector_paused

__all__ = ["collector_paused"]
