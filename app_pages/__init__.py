"""Streamlit pages of the workbench; each only wires widgets to ``riskmodel`` calls."""
