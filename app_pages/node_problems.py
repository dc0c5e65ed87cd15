"""Node problems: conditions and events per node from the evidence, with a timeline."""

import pandas as pd
import streamlit as st

from app_pages import ui
from riskmodel.report.charts import node_timeline

analysis = ui.require_analysis()
evidence = analysis.loaded.evidence

st.title("Node problems")
if not (evidence.conditions or evidence.events):
    st.info("This scenario has no node-problem evidence. Add `evidence:` files (kubectl JSON) to the scenario, "
            "or import a live snapshot with `python -m riskmodel snapshot`.")
    st.stop()
st.caption(f"Sources: {', '.join(evidence.sources) or 'recorded files'} · observed at {evidence.observed_at} · "
           f"window from {evidence.window_start}")
nodes = sorted({c.node for c in evidence.conditions} | {e.node for e in evidence.events})
choice = st.selectbox("Node", ["all nodes", *nodes], key="problems_node")
node = None if choice == "all nodes" else choice
only_problems = st.toggle("Only active problems", value=True, key="problems_only")

conditions = [c for c in evidence.conditions if (node is None or c.node == node) and (c.is_problem or not only_problems)]
st.subheader("Conditions")
st.dataframe(pd.DataFrame([{"node": c.node, "condition": c.type, "status": c.status, "reason": c.reason,
                            "message": c.message, "since": c.last_transition_time} for c in conditions]),
             hide_index=True, width="stretch")
st.subheader("Events")
events = [e for e in evidence.events if node is None or e.node == node]
st.plotly_chart(node_timeline(evidence, node), width="stretch")
st.dataframe(pd.DataFrame([{"node": e.node, "reason": e.reason, "count": e.count, "type": e.type,
                            "source": e.source_component, "first": e.first_timestamp, "last": e.last_timestamp,
                            "message": e.message} for e in events]), hide_index=True, width="stretch")
if evidence.skipped:
    with st.expander(f"{len(evidence.skipped)} input items skipped"):
        st.write("\n".join(f"- {reason}" for reason in evidence.skipped))
