"""The vocabulary: catalogs (failure modes, measures), scenarios (zones, nodes, workloads,
services), evidence, estimates (points and 90% intervals) and Kubernetes quantities.

Frozen pydantic models and dataclasses with units in their names. May import nothing of the
project but ``riskmodel.errors``.
"""
