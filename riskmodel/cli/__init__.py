"""``python -m riskmodel``: argument parsing and printing only; every number comes from the
packages below, which this one may all import.
"""
