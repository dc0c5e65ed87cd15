"""Measures and the budget plan: topology measures applied to scenarios, each measure alone
(ΔEAL, net benefit, ROI), the greedy plan under a budget checked by exhaustive search, and
the efficient frontier.

May import ``engine`` and everything below it.
"""
