"""The CI gate: rules over one scenario's analysis (and a baseline's), with the file and line of
the scenario or manifest entry behind each result, written as text, SARIF 2.1.0 or JUnit XML.
"""
