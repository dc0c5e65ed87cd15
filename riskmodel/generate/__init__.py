"""The seeded generator of large, realistic scenarios (benchmarks, tests, ``generate``).

May import ``model``, ``files`` and ``errors``.
"""
