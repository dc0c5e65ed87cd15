"""Why a measure that adds nodes can raise the expected loss: the new nodes fail too.

``spare-node-capacity`` adds one node per zone. The risk model treats every node alike, so
each node-scoped failure mode gets one unit more per spare node, at the catalog's rate, and
each of those incidents costs its ``incident_cost`` (engineer time, the replacement), even
though a spare hosts no real pod and costs no outage minutes. What the spares save is the
outage time of failures whose pods had nowhere to go. When the cluster already has room for a
failed node's pods (the shipped demo), only zone outages gain, and the spares' own incidents
outweigh it: the measure's ΔEAL is negative, as the model's assumptions say it should be.
:func:`added_nodes_note` splits the figure into those two parts, for the register to show.
"""

from __future__ import annotations

from dataclasses import dataclass

from riskmodel.model.catalog import measure_applies
from riskmodel.plan.planner import Planner
from riskmodel.report.formatting import money_per_year


@dataclass(frozen=True)
class AddedNodesNote:
    """A node-adding measure's ΔEAL in two parts, dollars per year."""

    measure_id: str
    added_nodes: tuple[str, ...]
    added_nodes_eal_per_year: float
    """Expected loss of the incidents on the added nodes themselves (their ``incident_cost``)."""
    saved_per_year: float
    """Expected loss the measure removes everywhere else (outages whose pods now fit)."""

    @property
    def eal_reduction(self) -> float:
        return self.saved_per_year - self.added_nodes_eal_per_year

    def text(self) -> str:
        sign = "raises" if self.eal_reduction < 0 else "lowers"
        return (f"{self.measure_id} adds {len(self.added_nodes)} node(s) ({', '.join(self.added_nodes)}): their own "
                f"incidents add {money_per_year(self.added_nodes_eal_per_year)} (incident costs of node failure modes; "
                f"a spare hosts no pod, so no outage), while it saves {money_per_year(self.saved_per_year)} of outage "
                f"elsewhere; net it {sign} the expected loss by {money_per_year(abs(self.eal_reduction))}")


def added_nodes_note(planner: Planner, measure_id: str) -> AddedNodesNote | None:
    """The split for a measure that adds nodes (``spare_nodes_per_zone``), else None."""
    measure = planner.measures[measure_id]
    if not measure.effect.spare_nodes_per_zone:
        return None
    model = planner.model_for((measure_id,))
    existing = set(planner.base.index.node_names)
    added = tuple(name for name in model.index.node_names if name not in existing)
    evaluation = model.evaluate(service_minutes=False)
    own = sum(float(evaluation.eal_per_pair[i]) for i, unit in enumerate(model.units)
              if unit.scope == "node" and unit.name not in existing
              and measure_applies(measure, model.modes[model.pair_mode[i]]))
    reduction = planner.evaluate(()).eal_per_year - planner.evaluate((measure_id,)).eal_per_year
    return AddedNodesNote(measure_id, added, own, reduction + own)


def added_nodes_notes(planner: Planner) -> tuple[AddedNodesNote, ...]:
    """Notes for every node-adding measure of the catalog, in catalog order."""
    notes = (added_nodes_note(planner, measure.id) for measure in planner.catalog.measures)
    return tuple(note for note in notes if note is not None)


__all__ = ["AddedNodesNote", "added_nodes_note", "added_nodes_notes"]
