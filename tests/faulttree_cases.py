"""Two small clusters whose fault trees are computed by hand (tests of cut sets, importance, SCRAM).

Each unit is out with probability q = 0.1 at a random moment: one incident a year lasting
M = −525,600 · ln(0.9) minutes gives q = 1 − exp(−M / 525,600) = 0.1 (detect 0, repair M).
"""

from __future__ import annotations

import math

from builders import catalog, mode, node, scenario, service, workload

from riskmodel.engine.faulttree import FaultForest, fault_forest
from riskmodel.engine.risk import RiskModel

Q = 0.1
OUTAGE_MINUTES = -525_600.0 * math.log(1.0 - Q)


def quorum_over_three_zones() -> FaultForest:
    """A 3-member quorum (needs 2) with one member per zone; only zones fail.

    Down iff two zones are out: P = 3q²(1−q) + q³ = 0.028; cut sets: every pair of zones
    (q² = 0.01 each); Birnbaum of a zone = P(down | it) − P(down | not it) = (1 − (1−q)²) − q²
    = 0.18; FV = q·B/P = 0.018/0.028; RAW = 0.19/0.028; RRW = 0.028/0.01 = 2.8.
    """
    cluster = scenario(["za", "zb", "zc"], [node("n-a", "za"), node("n-b", "zb"), node("n-c", "zc")],
                       [workload("etcd", ["n-a", "n-b", "n-c"], quorum=True)], [service("kv", ["etcd"], 1000.0)])
    modes = catalog([mode("zone-out", "zone", 1.0, 0.0, OUTAGE_MINUTES)])
    return fault_forest(RiskModel(cluster, modes))


def transitive_dependency() -> FaultForest:
    """front (web: 2 replicas on n2, n3, min_available 1) → api (one pod on n4) → db (one pod on n1).

    front is down iff n1 or n4 is out, or both n2 and n3: P = 1 − (1−q)²(1−q²) = 0.1981;
    cut sets {n1}, {n4} (0.1 each), {n2, n3} (0.01); Birnbaum of n1 (and n4) =
    (1−q)(1−q²) = 0.891, of n2 (and n3) = (1−q)²·q = 0.081.
    """
    nodes = [node(f"n{i}", "z1") for i in range(1, 5)]
    workloads = [workload("db", ["n1"]), workload("api", ["n4"]),
                 workload("web", ["n2", "n3"], min_available=1)]
    services = [service("db", ["db"], 100.0), service("api", ["api"], 200.0, depends_on=["db"]),
                service("front", ["web"], 700.0, depends_on=["api"])]
    modes = catalog([mode("node-out", "node", 1.0, 0.0, OUTAGE_MINUTES)])
    return fault_forest(RiskModel(scenario(["z1"], nodes, workloads, services), modes))
