"""Blast radius and expected loss: the topology index, which units each failure mode can hit,
the impact of one incident (rescheduling, phases), evidence-adjusted rates, the vectorised
risk model, the register and the topology variants that measures produce.

May import ``model``, ``files``, ``sources`` and ``errors``; never ``plan``, ``simulate``,
``review``, ``report`` or ``cli``.
"""
