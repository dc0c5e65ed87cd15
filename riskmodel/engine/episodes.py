"""Problem episodes of nodes, from the transition times of several reads of one cluster.

A node condition carries ``lastTransitionTime``: when it last changed. One read shows when a
problem began (the condition reports a problem *since* t₁) or when one ended (it reports no
problem since t₂), never both; two reads of the same cluster do — a problem since t₁ in an
earlier read and no problem since t₂ > t₁ in a later one is an **episode** [t₁, t₂]. The
Ready condition's flips are also recorded as node Events (``NodeNotReady`` by the node
controller, ``NodeReady`` by the kubelet), so a ``NodeNotReady`` time followed by a
``NodeReady`` time is an episode too, even within one read.

An episode belongs to a node-scope failure mode when its condition is one of the mode's
``signals.conditions``, or (an outage with no condition of its own: Ready) when one of the
mode's ``signals.events`` happened on that node from :data:`LEAD` before its start to its
end. Each attributed episode gives its length (flag → end) and, when a signal event came
before the flag, the time from that first sign to the flag; how these become detect and
repair minutes is :func:`riskmodel.engine.calibration.fit_durations`'s. Pure functions on
:class:`~riskmodel.model.evidence.Evidence`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from riskmodel.model.catalog import FailureMode
from riskmodel.model.evidence import Evidence, NodeEvent

LEAD = timedelta(hours=1)
"""How long before an episode a mode's signal event still explains it (and starts its detection)."""
NOT_READY, READY = "NodeNotReady", "NodeReady"


@dataclass(frozen=True)
class Episode:
    """One problem of one node, from its start (detected) to its end (repaired)."""

    node: str
    condition: str
    start: datetime
    end: datetime

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60


@dataclass(frozen=True)
class EpisodeScan:
    """The episodes of a cluster's reads, and what could not be paired (said, not dropped)."""

    episodes: tuple[Episode, ...]
    still_open: int
    """Problems still reported by the last read: no end yet."""
    unpaired_ends: int
    """Problems that ended inside the observation window (no problem since t₂) with no read
    showing their start."""


def _condition_episodes(reads: Sequence[Evidence], since: datetime | None) -> tuple[list[Episode], int, int]:
    """Pair problem-since and ok-since times per (node, condition); ``since``: the window's start."""
    history: dict[tuple[str, str], dict[datetime, bool]] = {}
    for read in reads:
        for condition in read.conditions:
            if condition.last_transition_time is not None:
                seen = history.setdefault((condition.node, condition.type), {})
                seen.setdefault(condition.last_transition_time, condition.is_problem)
    episodes: list[Episode] = []
    still_open = unpaired = 0
    for (node, kind), seen in history.items():
        start: datetime | None = None
        for moment, problem in sorted(seen.items()):
            if problem:
                start = moment
            elif start is not None:
                episodes.append(Episode(node, kind, start, moment))
                start = None
            elif since is not None and moment >= since:
                unpaired += 1
        still_open += start is not None
    return episodes, still_open, unpaired


def _times(events: Sequence[NodeEvent], node: str, reason: str) -> list[datetime]:
    """Every known time of a (node, reason): an aggregated Event gives its first and last."""
    times = {t for e in events if e.node == node and e.reason == reason
             for t in (e.first_timestamp, e.last_timestamp) if t is not None}
    return sorted(times)


def _ready_episodes(events: Sequence[NodeEvent]) -> list[Episode]:
    episodes = []
    for node in sorted({e.node for e in events if e.reason == NOT_READY}):
        ready = _times(events, node, READY)
        for down in _times(events, node, NOT_READY):
            back = next((t for t in ready if t > down), None)
            if back is not None:
                episodes.append(Episode(node, "Ready", down, back))
    return episodes


def unique_events(reads: Sequence[Evidence]) -> tuple[NodeEvent, ...]:
    """The events of several reads of one cluster, each Event once: the same Event seen again
    later (same node, reason and first time) keeps its largest count and latest last time."""
    merged: dict[tuple[str, str, datetime | None], NodeEvent] = {}
    for read in reads:
        for event in read.events:
            key = (event.node, event.reason, event.first_timestamp or event.last_timestamp)
            known = merged.get(key)
            if known is None or event.count > known.count or (
                    event.last_timestamp and known.last_timestamp and event.last_timestamp > known.last_timestamp):
                merged[key] = event
    return tuple(merged.values())


def scan_episodes(reads: Sequence[Evidence]) -> EpisodeScan:
    """Condition episodes across ``reads`` (oldest first) and Ready episodes of their events."""
    ordered = sorted(reads, key=lambda read: read.observed_at.timestamp() if read.observed_at else 0.0)
    starts = [read.window_start for read in ordered if read.window_start is not None]
    conditions, still_open, unpaired = _condition_episodes(ordered, min(starts) if starts else None)
    ready = _ready_episodes(unique_events(ordered))
    return EpisodeScan(tuple(conditions + ready), still_open, unpaired)


@dataclass(frozen=True)
class ModeEpisode:
    """An episode attributed to a failure mode, with its detect sample when a signal event started it."""

    episode: Episode
    detect_minutes: float | None

    @property
    def repair_minutes(self) -> float:
        return self.episode.minutes


def mode_episodes(mode: FailureMode, scan: EpisodeScan, events: Sequence[NodeEvent]) -> list[ModeEpisode]:
    """The episodes that belong to ``mode`` (its conditions, or its signal events around an outage)."""
    conditions = {signal.type for signal in mode.signals.conditions}
    reasons = set(mode.signals.events)
    found = []
    for episode in scan.episodes:
        signs = [t for reason in reasons for t in _times(events, episode.node, reason)
                 if episode.start - LEAD <= t <= episode.end]
        if episode.condition not in conditions and not (episode.condition == "Ready" and signs):
            continue
        before = [t for t in signs if t <= episode.start]
        detect = (episode.start - min(before)).total_seconds() / 60 if before else None
        found.append(ModeEpisode(episode, detect))
    return found


__all__ = ["LEAD", "Episode", "EpisodeScan", "ModeEpisode", "mode_episodes", "scan_episodes", "unique_events"]
