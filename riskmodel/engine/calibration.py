"""Calibration from history: a fleet's event rates per node-year and its repair times, fitted.

For each node-scope failure mode with ``signals.events`` (method of moments, empirical Bayes):

1. Per cluster c: kᶜ = events of the mode's reasons, tᶜ = nodes × observation window in
   node-years.
2. **Fleet rate**: the catalog rate λ₀, worth w = ``prior_weight_years`` node-years, pooled
   with every cluster's data by the Gamma–Poisson update of the risk engine
   (:func:`riskmodel.engine.likelihood.posterior_rate`): λ = (λ₀·w + Σk) / (w + Σt).
3. **Spread between clusters** (Marshall 1991, "Mapping disease and mortality rates using
   empirical Bayes estimators", Applied Statistics 40:283–294): with rᶜ = kᶜ/tᶜ,
   s² = Σ tᶜ (rᶜ − λ)² / Σt and τ² = s² − λ / t̄ (t̄ = Σt / n, the Poisson noise a cluster of
   average exposure shows anyway). τ² ≤ 0 (or fewer than two clusters): no spread beyond
   chance, every cluster gets the fleet rate. Otherwise the clusters' rates are
   Gamma(α, β) with mean λ and variance τ²: β = λ / τ² node-years.
4. **Each cluster shrunk toward the fleet**: the same update again, with the fleet as prior
   worth β: λᶜ = (λ·β + kᶜ) / (β + tᶜ). A cluster with little exposure stays near the fleet.

Method of moments rather than maximum marginal likelihood (the negative binomial): it is in
closed form, so every number can be checked by hand; it needs no optimiser, which with few
clusters or no spread runs to the boundary (β → ∞) anyway; and it is the estimator the
disease-mapping literature uses for exactly this (counts over exposures, shrunk to a pooled
rate).

Events of several of a mode's reasons on one node within an hour are one incident (a crash
logs ``KernelOops`` and then ``Rebooted``; a deadlock ``TaskHung`` and then ``DockerHung``).

Detect and repair minutes come from problem episodes (:mod:`riskmodel.engine.episodes`), each
from its first sign (the mode's earliest signal event in the hour before it, else its start)
to its end. How they split depends on what acts on the detector:

* ``unavailable`` with ``auto_eviction: true``: Kubernetes acts on the flag itself (NotReady
  starts the eviction clock), so detect = first sign → flag and repair = flag → end;
* otherwise nothing acts on the flag until someone does (a node that stays Ready, a degraded
  node), so the data measure only the whole incident: its mean length is split between detect
  and repair in the catalog's proportions.

A fitted value is a mean over at least ``min_episodes`` samples; fewer keep the catalog's
number (and say so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from riskmodel.engine.episodes import LEAD, EpisodeScan, ModeEpisode, mode_episodes, scan_episodes, unique_events
from riskmodel.engine.likelihood import SECONDS_PER_YEAR, posterior_rate
from riskmodel.model.catalog import Catalog, FailureMode
from riskmodel.model.estimate import point
from riskmodel.model.evidence import Evidence, NodeEvent
from riskmodel.model.overlay import CatalogOverlay, ModeOverride

MIN_EPISODES = 3


@dataclass(frozen=True)
class ClusterHistory:
    """One cluster's reads (snapshots over time), its nodes, and the years its events cover."""

    name: str
    reads: tuple[Evidence, ...]
    nodes: frozenset[str]
    window_years: float
    """0 when no read says when its events begin (the cluster then adds no exposure)."""

    @property
    def node_years(self) -> float:
        return len(self.nodes) * self.window_years

    @cached_property
    def events(self) -> tuple[NodeEvent, ...]:
        """The reads' events, each Event once (:func:`riskmodel.engine.episodes.unique_events`)."""
        return unique_events(self.reads)


@dataclass(frozen=True)
class ClusterRate:
    """One cluster's evidence for one mode and its rate shrunk toward the fleet (per node-year)."""

    cluster: str
    incidents: int
    node_years: float
    posterior_per_node_year: float

    @property
    def raw_per_node_year(self) -> float:
        return self.incidents / self.node_years if self.node_years else 0.0


@dataclass(frozen=True)
class RateFit:
    """Prior, pooled evidence and fitted rates of one mode (incidents per node-year)."""

    prior_per_node_year: float
    prior_weight_node_years: float
    incidents: int
    node_years: float
    fleet_per_node_year: float
    between_cluster_weight: float | None
    """β in node-years: how much evidence the fleet rate is worth for one cluster; None when the
    clusters do not differ beyond chance (each then gets the fleet rate)."""
    clusters: tuple[ClusterRate, ...]

    @property
    def clusters_with_events(self) -> int:
        return sum(1 for cluster in self.clusters if cluster.incidents)


@dataclass(frozen=True)
class DurationFit:
    """Catalog minutes against the episodes' (``fitted`` None: too few episodes to replace them)."""

    prior_minutes: float
    samples: tuple[float, ...]
    fitted_minutes: float | None
    basis: str = "flag"
    """``flag``: samples of this field itself; ``total``: samples of whole incidents, split as the catalog's."""


@dataclass(frozen=True)
class ModeCalibration:
    failure_mode_id: str
    title: str
    rate: RateFit | None
    detect: DurationFit
    repair: DurationFit

    @property
    def has_evidence(self) -> bool:
        return bool((self.rate and self.rate.incidents) or self.detect.samples or self.repair.samples)


@dataclass(frozen=True)
class ClusterSummary:
    name: str
    reads: int
    nodes: int
    node_years: float
    episodes: int
    still_open: int
    unpaired_ends: int


@dataclass(frozen=True)
class Calibration:
    modes: tuple[ModeCalibration, ...]
    clusters: tuple[ClusterSummary, ...]
    notes: tuple[str, ...]


def fleet_rate(prior_per_year: float, prior_weight: float, counts: Sequence[int], exposures: Sequence[float]) -> float:
    """The catalog rate updated with every cluster's events: (λ₀·w + Σk) / (w + Σt)."""
    return posterior_rate(prior_per_year, prior_weight, int(sum(counts)), float(sum(exposures)))


def between_cluster_weight(fleet: float, counts: Sequence[int], exposures: Sequence[float]) -> float | None:
    """Marshall's moment estimate of β = λ/τ² (node-years), or None when τ² ≤ 0 or n < 2."""
    pairs = [(k, t) for k, t in zip(counts, exposures, strict=True) if t > 0]
    if len(pairs) < 2 or fleet <= 0:
        return None
    total = sum(t for _, t in pairs)
    spread = sum(t * (k / t - fleet) ** 2 for k, t in pairs) / total
    tau_squared = spread - fleet / (total / len(pairs))
    return fleet / tau_squared if tau_squared > 0 else None


def shrunk_rate(fleet: float, weight: float | None, count: int, exposure: float) -> float:
    """A cluster's rate shrunk toward the fleet: (λ·β + k) / (β + t); the fleet rate without spread."""
    return fleet if weight is None else posterior_rate(fleet, weight, count, exposure)


def _incident_count(mode: FailureMode, cluster: ClusterHistory) -> int:
    """Events of the mode's reasons on the cluster's nodes, an hour-close pair of different
    reasons on one node counting once (only the known first and last times can be compared)."""
    reasons = set(mode.signals.events)
    mine = [e for e in cluster.events if e.reason in reasons and e.node in cluster.nodes]
    merged = 0
    for node in {e.node for e in mine}:
        known = sorted((t, e.reason) for e in mine if e.node == node
                       for t in {e.first_timestamp, e.last_timestamp} if t is not None)
        merged += sum(1 for (t1, r1), (t2, r2) in zip(known, known[1:], strict=False) if r1 != r2 and t2 - t1 <= LEAD)
    return sum(e.count for e in mine) - merged


def fit_rate(mode: FailureMode, clusters: Sequence[ClusterHistory]) -> RateFit:
    counts = [_incident_count(mode, c) for c in clusters]
    exposures = [c.node_years for c in clusters]
    prior, weight = point(mode.frequency_per_year), mode.prior_weight_years
    fleet = fleet_rate(prior, weight, counts, exposures)
    beta = between_cluster_weight(fleet, counts, exposures)
    rates = tuple(ClusterRate(c.name, k, t, shrunk_rate(fleet, beta, k, t))
                  for c, k, t in zip(clusters, counts, exposures, strict=True))
    return RateFit(prior, weight, sum(counts), sum(exposures), fleet, beta, rates)


def _mean(samples: Sequence[float], minimum: int) -> float | None:
    return sum(samples) / len(samples) if len(samples) >= minimum else None


def fit_durations(mode: FailureMode, episodes: Sequence[ModeEpisode], minimum: int) -> tuple[DurationFit, DurationFit]:
    """(detect, repair) of ``mode`` from its episodes (see the module docstring for the split)."""
    detect0, repair0 = point(mode.detect_minutes), point(mode.repair_minutes)
    if mode.effect.type == "unavailable" and mode.effect.auto_eviction:
        detects = tuple(e.detect_minutes for e in episodes if e.detect_minutes is not None)
        repairs = tuple(e.repair_minutes for e in episodes)
        return (DurationFit(detect0, detects, _mean(detects, minimum)),
                DurationFit(repair0, repairs, _mean(repairs, minimum)))
    totals = tuple(e.repair_minutes + (e.detect_minutes or 0.0) for e in episodes)
    total = _mean(totals, minimum)
    share = detect0 / (detect0 + repair0) if detect0 + repair0 > 0 else 0.0
    return (DurationFit(detect0, totals, None if total is None else total * share, "total"),
            DurationFit(repair0, totals, None if total is None else total * (1 - share), "total"))


def calibrate(catalog: Catalog, clusters: Sequence[ClusterHistory], min_episodes: int = MIN_EPISODES,
              notes: Sequence[str] = ()) -> Calibration:
    """Fit every node-scope failure mode of ``catalog`` to the clusters' history."""
    usable = [c for c in clusters if c.node_years > 0]
    found = list(notes) + [f"{c.name}: no observation window (no event times, no --event-ttl-hours): "
                           "its events are not counted" for c in clusters if c.node_years <= 0 and c.nodes]
    scans: dict[str, EpisodeScan] = {c.name: scan_episodes(c.reads) for c in clusters}
    modes = []
    for mode in catalog.failure_modes:
        if mode.scope != "node":
            continue
        attributed = [e for c in clusters for e in mode_episodes(mode, scans[c.name], c.events)]
        detect, repair = fit_durations(mode, attributed, min_episodes)
        modes.append(ModeCalibration(mode.id, mode.title,
                                     fit_rate(mode, usable) if mode.signals.events and usable else None, detect, repair))
    summaries = tuple(ClusterSummary(c.name, len(c.reads), len(c.nodes), c.node_years, len(scans[c.name].episodes),
                                     scans[c.name].still_open, scans[c.name].unpaired_ends) for c in clusters)
    return Calibration(tuple(modes), summaries, tuple(found))


def observation_years(reads: Sequence[Evidence], event_ttl_hours: float | None = None) -> float:
    """Years the reads' events cover: the union over reads of [start, read time], a read's start
    being its window start (its earliest event) or, earlier, ``event_ttl_hours`` before it (the
    API server keeps events that long); 0 when no read says."""
    spans: list[tuple[datetime, datetime]] = []
    for read in reads:
        if read.observed_at is None:
            continue
        starts = [read.window_start] if read.window_start is not None else []
        if event_ttl_hours is not None:
            starts.append(read.observed_at - timedelta(hours=event_ttl_hours))
        if starts and min(starts) < read.observed_at:
            spans.append((min(starts), read.observed_at))
    covered, reach = 0.0, None
    for start, end in sorted(spans):
        if reach is not None and start < reach:
            start = reach
        if end > start:
            covered += (end - start).total_seconds()
        reach = max(reach, end) if reach is not None else end
    return covered / SECONDS_PER_YEAR


def _rate_rationale(rate: RateFit) -> str:
    spread = (f"clusters shrunk toward it with β = {rate.between_cluster_weight:.3g} node-years"
              if rate.between_cluster_weight is not None else "no spread between clusters beyond chance")
    return (f"{rate.incidents} incidents in {rate.node_years:.4g} node-years over {len(rate.clusters)} clusters; "
            f"catalog {rate.prior_per_node_year:.4g}/node-yr worth {rate.prior_weight_node_years:g} node-years "
            f"→ fleet {rate.fleet_per_node_year:.4g}/node-yr ({spread})")


def calibration_overlay(calibration: Calibration, name: str, version: str, description: str = "") -> CatalogOverlay:
    """The fitted numbers as an overlay: a fleet rate where its reasons were seen at all (a mode
    whose events never occur may just lack its detector), minutes where episodes suffice."""
    entries = []
    for mode in calibration.modes:
        values: dict[str, float] = {}
        reasons: list[str] = []
        if mode.rate is not None and mode.rate.incidents:
            values["frequency_per_year"] = mode.rate.fleet_per_node_year
            reasons.append(_rate_rationale(mode.rate))
        for field_name, fit in (("detect_minutes", mode.detect), ("repair_minutes", mode.repair)):
            if fit.fitted_minutes is not None:
                values[field_name] = fit.fitted_minutes
                how = "mean of" if fit.basis == "flag" else "the catalog's share of the mean length of"
                reasons.append(f"{field_name.split('_')[0]} {fit.fitted_minutes:.4g} min: {how} "
                               f"{len(fit.samples)} episodes (catalog {fit.prior_minutes:.4g})")
        if values:
            entries.append(ModeOverride(id=mode.failure_mode_id, rationale="calibrate: " + "; ".join(reasons),
                                        **values))
    return CatalogOverlay(overlay=name, version=version, description=description, failure_modes=tuple(entries))


__all__ = ["MIN_EPISODES", "Calibration", "ClusterHistory", "ClusterRate", "ClusterSummary", "DurationFit",
           "ModeCalibration", "RateFit", "between_cluster_weight", "calibrate", "calibration_overlay", "fit_durations",
           "fit_rate", "fleet_rate", "observation_years", "shrunk_rate"]
