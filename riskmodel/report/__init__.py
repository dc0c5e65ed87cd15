"""What leaves the room: the analysis of a scenario as typed results, the plan document, its
formats (Markdown, HTML, CSV, JSON) and its charts.

May import ``review`` and everything below it.
"""
