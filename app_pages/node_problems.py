"""Node problems: conditions and events per node from the evidence, with a timeline."""

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
ui.table([{"Node": c.node, "Condition": c.type, "Status": c.status, "Reason": c.reason, "Message": c.message,
           "Since": c.last_transition_time} for c in conditions], key="problem_conditions")
st.subheader("Events")
events = [e for e in evidence.events if node is None or e.node == node]
st.plotly_chart(node_timeline(evidence, node), width="stretch")
ui.table([{"Node": e.node, "Reason": e.reason, "Count": e.count, "Type": e.type, "Source": e.source_component,
           "First seen": e.first_timestamp, "Last seen": e.last_timestamp, "Message": e.message} for e in events],
         {"Count": lambda n: f"{n:,}"}, key="problem_events")
if evidence.skipped:
    with st.expander(f"{len(evidence.skipped)} input items skipped"):
        st.markdown("\n".join(f"- {ui.markdown_text(reason)}" for reason in evidence.skipped))
