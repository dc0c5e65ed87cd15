"""What-if: fail nodes, zones, workloads or services now and see the blast radius."""

import pandas as pd
import streamlit as st

from app_pages import ui
from riskmodel.report.charts import topology_chart
from riskmodel.simulate.whatif import whatif

analysis = ui.require_analysis()
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
    metrics = st.columns(4)
    metrics[0].metric("Cost per hour now", ui.money(radius.cost_per_hour))
    metrics[1].metric("After rescheduling", ui.money(radius.cost_per_hour_after_reschedule))
    metrics[2].metric("Services down", len(radius.down_services))
    metrics[3].metric("Pods that cannot reschedule", len(radius.unschedulable_pods))
    st.dataframe(pd.DataFrame([
        {"what": "down services", "which": ", ".join(radius.down_services) or "-"},
        {"what": "degraded services", "which": ", ".join(radius.degraded_services) or "-"},
        {"what": "unavailable workloads", "which": ", ".join(radius.unavailable_workloads) or "-"},
        {"what": "degraded workloads", "which": ", ".join(radius.degraded_workloads) or "-"},
        {"what": "still down after rescheduling", "which": ", ".join(radius.down_services_after_reschedule) or "-"},
        {"what": "unschedulable pods", "which": ", ".join(radius.unschedulable_pods) or "-"},
        {"what": "rescheduled pods", "which": ", ".join(f"{p}→{n}" for p, n in radius.rescheduled_pods) or "-"},
    ]), hide_index=True, width="stretch", key="whatif_table")
st.plotly_chart(topology_chart(scenario, analysis.register, analysis.loaded.evidence, radius),
                width="stretch")
