"""Integer replica counts and first-fit pod placement for the scenario generator.

Two small numerical pieces of :mod:`riskmodel.generate.large` that know nothing about scenarios:
sharing a pod budget among Deployments (:func:`water_fill`) and putting pods on nodes with
room, zone by zone (:class:`Placer`). Kept apart so the generator reads as its steps.
"""

from __future__ import annotations

import numpy as np


def water_fill(weights: np.ndarray, total: int, low: int, high: int) -> np.ndarray:
    """Integers in [low, high] proportional to ``weights`` that sum to ``total`` (when feasible)."""
    count = len(weights)
    total = int(min(max(total, low * count), high * count))
    share = np.full(count, float(low))
    free = np.ones(count, dtype=bool)
    for _ in range(50):
        remaining = total - share[~free].sum()
        if not free.any() or remaining <= 0:
            break
        proposal = (
            weights[free] / weights[free].sum() * remaining
            if weights[free].sum() > 0
            else np.full(free.sum(), remaining / free.sum())
        )
        clipped = np.clip(proposal, low, high)
        share[free] = clipped
        settled = (proposal <= low) | (proposal >= high)
        if not settled.any():
            break
        free_index = np.flatnonzero(free)
        free[free_index[settled]] = False
    result = np.clip(np.floor(share), low, high).astype(int)
    # Hand out the rounding remainder one replica at a time, largest fractional part first.
    remainder = total - int(result.sum())
    order = np.argsort(-(share - np.floor(share)), kind="stable")
    position = 0
    while remainder != 0 and position < 10 * count:
        index = order[position % count]
        step = 1 if remainder > 0 else -1
        if low <= result[index] + step <= high:
            result[index] += step
            remainder -= step
        position += 1
    return result


class Placer:
    """First fit over a rotating, zone-by-zone node order, tracking free cpu, memory, pods."""

    def __init__(self, zone_of: np.ndarray, cpu: np.ndarray, memory: np.ndarray, pods: np.ndarray, zones: int):
        self.free_cpu = cpu.astype(np.float64).copy()
        self.free_memory = memory.astype(np.float64).copy()
        self.free_pods = pods.astype(np.int64).copy()
        self.by_zone = [np.flatnonzero(zone_of == zone) for zone in range(zones)]
        self.cursor = [0] * zones
        self.zones = zones

    def take(self, node: int, cpu: float, memory: float) -> int:
        self.free_cpu[node] -= cpu
        self.free_memory[node] -= memory
        self.free_pods[node] -= 1
        return node

    def place(self, zone: int, cpu: float, memory: float, avoid: set[int]) -> int:
        """A node in ``zone`` (then any zone) with room for the pod, preferring one not in ``avoid``."""
        for candidate_zone in [zone, *[(zone + step) % self.zones for step in range(1, self.zones)]]:
            nodes = self.by_zone[candidate_zone]
            if len(nodes) == 0:
                continue
            start = self.cursor[candidate_zone]
            fallback = -1
            for step in range(len(nodes)):
                node = int(nodes[(start + step) % len(nodes)])
                if self.free_cpu[node] >= cpu and self.free_memory[node] >= memory and self.free_pods[node] > 0:
                    if node not in avoid:
                        self.cursor[candidate_zone] = (start + step + 1) % len(nodes)
                        return self.take(node, cpu, memory)
                    if fallback < 0:
                        fallback = node
            if fallback >= 0:
                return self.take(fallback, cpu, memory)
        # Nothing has room: overcommit the emptiest node (never expected at the default sizes).
        return self.take(int(np.argmax(self.free_cpu)), cpu, memory)
