"""The current-state rules of the engine on hand-computed clusters.

Three-node cluster, one zone; costs in dollars per hour; every incident of the node mode
lasts 10 (detect) + 50 (repair) minutes, pods reschedule at 10 + 5 (eviction) + 2 (start-up).
"""

from __future__ import annotations

import numpy as np
import pytest
from builders import catalog, mode, node, scenario, service, workload

from riskmodel.engine.current import current_cost_per_hour, current_problems
from riskmodel.engine.impact import FailedSet, structural_impact
from riskmodel.engine.risk import RiskModel
from riskmodel.engine.topology import TopologyIndex
from riskmodel.model.scenario import Workload

SETTINGS = {"eviction_timeout_seconds": 300, "startup_minutes": 2}
NODE_LOSS = mode("node-loss", "node", 1.0, 10, 50)


def _cluster(scheduler_on: str = "n3", web: dict | None = None, **nodes: dict):
    return scenario(["z1"], [node(n, "z1", **nodes.get(n, {})) for n in ("n1", "n2", "n3")], [
        workload("kube-scheduler", [scheduler_on], kind="ControlPlane", namespace="kube-system"),
        web or workload("web", ["n1", "n2"], min_available=1),
    ], [service("shop", ["web"], 600.0, degraded_cost_per_hour=60.0)], settings=SETTINGS)


def test_no_rescheduling_while_the_scheduler_is_in_the_failed_set() -> None:
    alone = _cluster(web=workload("web", ["n1"]))
    index = TopologyIndex(alone)
    moved = structural_impact(index, FailedSet(nodes=frozenset({"n1"})))
    assert [index.node_names[n] for _, n in moved.placement.moves] == ["n2"]  # scheduler on n3 survives
    together = TopologyIndex(_cluster(scheduler_on="n1", web=workload("web", ["n1"])))
    stuck = structural_impact(together, FailedSet(nodes=frozenset({"n1"})))
    assert stuck.after is None and not stuck.placement.moves  # web's pod fits n2, but nothing schedules it


def test_scheduler_down_now_stops_all_rescheduling() -> None:
    down = _cluster(web=workload("web", ["n1"])).model_copy(update={"workloads": (
        Workload.model_validate({"name": "kube-scheduler", "kind": "ControlPlane", "desired_replicas": 1,
                                 "not_live_pods": [{"name": "kube-scheduler-n3", "reason": "node_down", "node": "n3"}]}),
        Workload.model_validate(workload("web", ["n1"])))})
    index = TopologyIndex(down)
    assert index.scheduling_down_now and not index.pod_reschedulable.any()
    assert structural_impact(index, FailedSet(nodes=frozenset({"n1"}))).placement.moves == ()


def test_down_nodes_offer_no_room_and_hold_no_live_pods() -> None:
    cluster = _cluster(web=workload("web", ["n1"]), n2={"ready": False}, n3={"unschedulable": True})
    index = TopologyIndex(cluster)
    assert index.node_schedulable.tolist() == [True, False, False]
    lost = structural_impact(index, FailedSet(nodes=frozenset({"n1"})))
    assert lost.placement.moves == () and len(lost.placement.unschedulable) == 1


def test_quorum_counts_the_desired_members() -> None:
    etcd = Workload.model_validate({"name": "etcd", "kind": "ControlPlane", "quorum": True, "pods": ["n1", "n2"],
                                    "not_live_pods": [{"name": "etcd-n3", "reason": "node_down", "node": "n3"}]})
    assert (etcd.replicas, etcd.desired, etcd.required_replicas, etcd.unavailable_now) == (2, 3, 2, False)
    one_left = etcd.model_copy(update={"pods": ("n1",)})
    assert one_left.unavailable_now  # 1 of 3 members: below the quorum of 2


def test_current_cost_and_the_saving_of_each_problem() -> None:
    """web wants 3 replicas, needs 2 (PDB), has 1 live (n1): unavailable now, shop down now at $600/h.
    One pod is Pending, one sits on NotReady n2. Restoring either pod gives 2 of 3: shop up and
    degraded by 1/3 → $60 × 1/3 = $20/h, a saving of $580/h each."""
    web = {"name": "web", "pods": ["n1"], "desired_replicas": 3, "min_available": 2,
           "requests": {"cpu": "1", "memory": "1Gi"},
           "not_live_pods": [{"name": "web-a", "reason": "pending", "detail": "Unschedulable: 0/3 nodes"},
                             {"name": "web-b", "reason": "node_down", "node": "n2"}]}
    cluster = _cluster(web=web, n2={"ready": False})
    index = TopologyIndex(cluster)
    assert current_cost_per_hour(index) == pytest.approx(600.0)
    model = RiskModel(cluster, catalog([NODE_LOSS]))
    problems = {(p.kind, p.name): p.cost_per_hour for p in current_problems(model)}
    assert problems == pytest.approx({("workload_below_desired", "web"): 600.0, ("pod_pending", "default/web-a"): 580.0,
                                      ("node_not_ready", "n2"): 580.0})
    # what is down now costs nothing more: shop's cost is 0 in incidents, and web needs no replicas
    assert index.cost_per_hour.tolist() == [0.0] and index.required_replicas.tolist() == [1, 0]
    assert model.evaluate().eal_per_year == pytest.approx(0.0)


def test_degraded_now_workload_breaks_with_fewer_failures() -> None:
    """web has 2 of 3 desired live, on n1 and n2, and needs 2: losing either node now makes it
    unavailable. Node loss: 1/year per node; an incident on n1 takes shop down until the lost
    pod reschedules (first fit: n2, which has room) at 10 + 5 + 2 = 17 min: $600/h × 17/60 =
    $170; then both live replicas run again: $0 until repair. n2 likewise (onto n1). n3 holds
    only the scheduler: nothing to lose."""
    web = {"name": "web", "pods": ["n1", "n2"], "desired_replicas": 3, "min_available": 2,
           "requests": {"cpu": "1", "memory": "1Gi"}}
    model = RiskModel(_cluster(web=web), catalog([NODE_LOSS]))
    index = model.index
    assert index.replicas.tolist() == [1, 2] and index.required_replicas.tolist() == [1, 2]
    evaluation = model.evaluate()
    per_node = dict(zip([u.name for u in model.units], evaluation.eal_per_pair.tolist(), strict=True))
    assert per_node["n1"] == pytest.approx(600.0 * 17 / 60) and per_node["n2"] == pytest.approx(600.0 * 17 / 60)
    assert per_node["n3"] == pytest.approx(0.0)  # only the scheduler runs there; nothing to lose
    assert np.isclose(current_cost_per_hour(index), 60.0 / 3)  # degraded now: 1 of 3 missing
