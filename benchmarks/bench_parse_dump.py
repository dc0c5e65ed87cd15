"""Parse a generated 5,000-node kubectl dump (50,000 pods, 100,000 events) with the file source.

Target (DESIGN.md's speed targets): ≤ 3 s on 2 cores. The dump is written as kubectl prints it (one JSON
``List`` per kind) into a temporary folder; only ``read_dump`` is timed. Side by side in the same run
(alternated, medians): the shipped reader, and the same reader with the quick pod and event readers
turned off, so that every object goes through the checked readers that build a field path per field
(the reading before issue #15's quick readers).
Run: ``.venv/bin/python benchmarks/bench_parse_dump.py [--seed N] [--rounds N]``.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere without installing

from benchmarks.common import alternated, load  # noqa: E402

NODES, PODS, EVENTS = 5_000, 50_000, 100_000
ZONES = ("eu-west-1a", "eu-west-1b", "eu-west-1c")
REASONS = ("OOMKilling", "TaskHung", "KernelOops", "NodeNotReady", "Rebooted", "DockerStart", "Ext4Error")


def _node(i: int, rng: random.Random) -> dict:
    name = f"node-{i:05d}"
    conditions = [
        {"type": t, "status": "True" if (t == "Ready") != (rng.random() < 0.01) else "False",
         "reason": "r", "message": "m", "lastHeartbeatTime": "2026-11-20T11:59:00Z",
         "lastTransitionTime": "2026-11-01T00:00:00Z"}
        for t in ("KernelDeadlock", "ReadonlyFilesystem", "FrequentKubeletRestart", "MemoryPressure",
                  "DiskPressure", "PIDPressure", "Ready")
    ]
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"topology.kubernetes.io/zone": ZONES[i % 3],
                                                 "topology.kubernetes.io/region": "eu-west-1",
                                                 "kubernetes.io/hostname": name}},
            "spec": {"providerID": f"aws:///{ZONES[i % 3]}/i-{i:08x}"},
            "status": {"allocatable": {"cpu": "7910m", "memory": "31Gi", "pods": "110"},
                       "capacity": {"cpu": "8", "memory": "32Gi", "pods": "110"}, "conditions": conditions}}


def _pod(i: int, rng: random.Random) -> dict:
    app = f"app-{i % 2000}"
    containers = [{"name": "main", "image": f"registry/{app}:1",
                   "resources": {"requests": {"cpu": rng.choice(["100m", "250m", "500m", "1"]),
                                              "memory": rng.choice(["128Mi", "256Mi", "1Gi"])}}},
                  {"name": "sidecar", "image": "envoy:1", "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}}}]
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"{app}-5d8f7c-{i:06d}", "namespace": f"ns-{i % 50}",
                         "labels": {"app": app, "pod-template-hash": "5d8f7c"},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": f"{app}-5d8f7c",
                                              "controller": True, "uid": "x"}]},
            "spec": {"nodeName": f"node-{rng.randrange(NODES):05d}", "containers": containers},
            "status": {"phase": "Running"}}


def _event(i: int, rng: random.Random) -> dict:
    node = f"node-{rng.randrange(NODES):05d}"
    day = rng.randrange(1, 20)
    return {"apiVersion": "v1", "kind": "Event", "count": rng.randrange(1, 9), "type": "Warning",
            "metadata": {"name": f"{node}.{i:x}", "namespace": "default"},
            "involvedObject": {"kind": "Node", "name": node, "uid": node},
            "reason": rng.choice(REASONS), "message": "synthetic",
            "source": {"component": "kernel-monitor", "host": node},
            "firstTimestamp": f"2026-11-{day:02d}T03:00:00Z", "lastTimestamp": f"2026-11-{day + 1:02d}T04:00:00Z"}


def generate(folder: Path, seed: int) -> int:
    """Write nodes.json, pods.json, events.json; return the total bytes written."""
    rng = random.Random(seed)
    total = 0
    for name, count, make in (("nodes", NODES, _node), ("pods", PODS, _pod), ("events", EVENTS, _event)):
        text = json.dumps({"apiVersion": "v1", "kind": "List", "items": [make(i, rng) for i in range(count)]})
        (folder / f"{name}.json").write_text(text)
        total += len(text)
    return total


def _checked_only(read: Callable[[], Any]) -> Callable[[], Any]:
    """``read`` with the quick readers giving every object to the checked readers."""
    from riskmodel.sources import k8s_evidence, k8s_objects

    def run() -> Any:
        quick_pod, quick_event = k8s_objects.quick_pod, k8s_evidence.quick_event
        k8s_objects.quick_pod = k8s_evidence.quick_event = lambda *args: None  # type: ignore[assignment]
        try:
            return read()
        finally:
            k8s_objects.quick_pod, k8s_evidence.quick_event = quick_pod, quick_event

    return run


def main() -> None:
    from riskmodel.sources.file import read_dump

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--rounds", type=int, default=3, help="alternated rounds of each side")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        size = generate(folder, args.seed)
        started, cpu_started = time.perf_counter(), time.process_time()
        dump = read_dump(folder)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        shipped, checked = alternated(lambda: read_dump(folder), _checked_only(lambda: read_dump(folder)),
                                      rounds=args.rounds)
        checked_dump = _checked_only(lambda: read_dump(folder))()
        assert (checked_dump.nodes, checked_dump.pods, checked_dump.evidence) == (dump.nodes, dump.pods, dump.evidence)
    objects = NODES + PODS + EVENTS
    print(f"dump: {NODES} nodes, {PODS} pods, {EVENTS} events, {size / 2**20:.0f} MiB of kubectl JSON")
    print(f"parsed: {len(dump.nodes)} nodes, {len(dump.pods)} pods, {len(dump.evidence.events)} events, "
          f"{len(dump.evidence.conditions)} conditions")
    print(f"time: {seconds:.2f} s, {cpu_seconds:.2f} s CPU ({objects / seconds:,.0f} objects/s); target <= 3 s: "
          f"{'met' if seconds <= 3 else 'MISSED'}; peak RSS of this process (generator included) "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB; {load()}")
    print(f"side by side, medians of {args.rounds} alternated rounds: shipped reader {shipped:.2f} s "
          f"[<= 3 s: {'met' if shipped <= 3 else 'MISSED'}], checked readers only {checked:.2f} s: "
          f"{checked / shipped:.2f}x faster")


if __name__ == "__main__":
    main()
