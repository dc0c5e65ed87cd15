"""Data sources: each turns one kind of input (kubectl dumps, a live cluster, Prometheus,
Heapster) into the same topology and evidence records, selected by URIs through
:mod:`.registry`.

May import ``model``, ``files`` and ``errors``; never the engine or anything above it.
"""
