"""Factor findings are computed workload by workload in order of the services they reach, the
share of the last reach pattern kept: the same figures as computing every workload's share afresh."""

from __future__ import annotations

import numpy as np

from riskmodel.engine.risk import RiskModel
from riskmodel.files.loader import SHIPPED_CATALOGS, load_catalog
from riskmodel.generate.large import generate_large_scenario
from riskmodel.plan.findings import FACTOR_FIXES, _factor_savings, _Shares, findings
from riskmodel.plan.planner import mode_factors

CATALOG = load_catalog([SHIPPED_CATALOGS])[0]


def test_factor_savings_equal_each_workloads_share_computed_afresh():
    scenario = generate_large_scenario(seed=11, nodes=120, workloads=60, services=12)
    model = RiskModel(scenario, CATALOG)
    measures = [m for m in CATALOG.measures if m.id in FACTOR_FIXES.values()]
    work = [(workload, measures) for workload in scenario.workloads]
    keys = {_Shares(model).reach_key(w) for w, _ in work}
    assert 3 <= len(keys) < len(work)  # shared reach patterns, and more than one
    savings = _factor_savings(model, CATALOG, work)
    base = model.evaluate(service_minutes=False).eal_per_pair
    for workload, _ in work:
        share = _Shares(model).of(workload)
        for measure in measures:
            fixed = model.evaluate(mode_factors(CATALOG, [measure]), service_minutes=False).eal_per_pair
            assert savings[(measure.id, workload.name)] == float(((base - fixed) * share).sum())
    assert any(value > 0 for value in savings.values())
    by_id = {f.id: f for f in findings(model, CATALOG)}
    for finding in by_id.values():
        if finding.kind in FACTOR_FIXES:
            assert finding.eal_per_year == max([0.0] + [savings[(m, finding.workload)] for m in finding.fixed_by])
    assert np.isfinite([f.eal_per_year for f in by_id.values()]).all()
