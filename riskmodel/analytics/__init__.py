"""How sure are the numbers: the uncertain inputs, EAL and the budget plan evaluated for many
values of them at once (vectorised over the risk model's per-pair arrays), sensitivity
(tornado), ranking stability and the value of information.

Sits between ``plan`` and ``simulate``: may import ``model``, ``files``, ``sources``,
``generate``, ``engine``, ``plan`` and ``errors``; never ``simulate``, ``review``,
``report`` or ``cli``.
"""
