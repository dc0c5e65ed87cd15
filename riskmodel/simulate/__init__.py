"""What-if failures now and Monte Carlo over simulated years (overlapping incidents combined),
what-if files, and failure sets exported as chaos-engineering manifests.

May import ``plan`` and everything below it.
"""
