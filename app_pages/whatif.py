"""What-if: fail nodes, zones, workloads or services now and see the blast radius, now and with the plan in force."""

import streamlit as st

from app_pages import ui
from riskmodel.report.charts import topology_chart
from riskmodel.report.formatting import money
from riskmodel.report.plan_view import topology_measures, whatif_with_plan
from riskmodel.simulate.whatif import whatif

analysis = ui.require_analysis()
view = ui.plan_view()
scenario = analysis.loaded.scenario
st.title("What-if")
columns = st.columns(4)
zones = columns[0].multiselect("Zones", [z.name for z in scenario.zones], key="whatif_zones")
nodes = columns[1].multiselect("Nodes", [n.name for n in scenario.nodes], key="whatif_nodes")
workloads = columns[2].multiselect("Workloads", [w.name for w in scenario.workloads], key="whatif_workloads")
services = columns[3].multiselect("Services", [s.name for s in scenario.services], key="whatif_services")
specs = ([f"zone:{z}" for z in zones] + [f"node:{n}" for n in nodes] + [f"workload:{w}" for w in workloads]
         + [f"service:{s}" for s in services])

radius = whatif(scenario, specs, analysis.model.index) if specs else None
if radius is None:
    st.info("Pick what fails to see its blast radius.")
else:
    planned = whatif_with_plan(analysis, view.selected, specs)
    changes = topology_measures(analysis, view.selected)
    metrics = st.columns(4)
    metrics[0].metric("Cost per hour now", f"{money(radius.cost_per_hour)}/h")
    metrics[1].metric("After rescheduling", f"{money(radius.cost_per_hour_after_reschedule)}/h")
    metrics[2].metric("Services down", len(radius.down_services))
    metrics[3].metric("Pods that cannot reschedule", len(radius.unschedulable_pods))
    with_plan = st.columns(4)
    with_plan[0].metric("Cost per hour with the plan", f"{money(planned.cost_per_hour)}/h",
                        help="on the topology the plan's topology measures give: " + (", ".join(changes) or "none"))
    with_plan[1].metric("After rescheduling, with the plan", f"{money(planned.cost_per_hour_after_reschedule)}/h")
    with_plan[2].metric("Services down with the plan", len(planned.down_services))
    st.caption("With the plan: its topology measures (" + (", ".join(changes) or "none in this plan") + ") change "
               "what fails; measures that change how often or how long incidents last do not change a blast radius.")

    def _row(what: str, now: tuple[str, ...], planned_names: tuple[str, ...]) -> dict[str, str]:
        return {"What": what, "Now": ", ".join(now) or "—", "With the plan": ", ".join(planned_names) or "—"}

    ui.table([
        _row("Down services", radius.down_services, planned.down_services),
        _row("Degraded services", radius.degraded_services, planned.degraded_services),
        _row("Unavailable workloads", radius.unavailable_workloads, planned.unavailable_workloads),
        _row("Degraded workloads", radius.degraded_workloads, planned.degraded_workloads),
        _row("Still down after rescheduling", radius.down_services_after_reschedule,
             planned.down_services_after_reschedule),
        _row("Unschedulable pods", radius.unschedulable_pods, planned.unschedulable_pods),
        _row("Rescheduled pods", tuple(f"{p}→{n}" for p, n in radius.rescheduled_pods),
             tuple(f"{p}→{n}" for p, n in planned.rescheduled_pods)),
    ], key="whatif_table")
selected = nodes[-1] if nodes else None
st.plotly_chart(topology_chart(scenario, analysis.register, analysis.loaded.evidence, radius, selected),
                width="stretch")
