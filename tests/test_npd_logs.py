"""The ``logs`` source replays node-problem-detector's own kernel-log samples through NPD's
rule files (kernel-monitor, readonly-monitor …) and must report what NPD reports.

Expected events and conditions follow from the rules in riskmodel/sources/npd_rules/ (copied
from NPD) and NPD's matching (the last ``bufferSize`` lines, pattern anchored at the end,
messages trimmed as the kmsg watcher trims them): e.g. ``docker_hung.log`` holds
"INFO: task docker:20744 blocked for more than 120 seconds." which matches the temporary
TaskHung rule and the permanent DockerHung rule of KernelDeadlock.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from riskmodel.cli.main import main
from riskmodel.errors import InputError
from riskmodel.sources.npd_monitor import load_monitors
from riskmodel.sources.registry import read_source

LOGS = Path(__file__).parent / "fixtures" / "npd-logs"
NPD_CONFIGS = Path(__file__).parent / "fixtures" / "npd"


@pytest.mark.parametrize(("sample", "events", "true_conditions"), [
    ("docker_hung.log", {"TaskHung": 1, "DockerHung": 1}, {"KernelDeadlock": "DockerHung"}),
    ("aufs_umount_hung.log", {"TaskHung": 1}, {}),
    ("divide_zero.log", {"KernelOops": 1}, {}),  # "divide error: 0000 [#1] SMP " matches once trimmed
    ("null_pointer.log", {"KernelOops": 1}, {}),
    ("oom_kill.log", {"OOMKilling": 1}, {}),
    ("readonly_filesystem.log", {"FilesystemIsReadOnly": 1}, {"ReadonlyFilesystem": "FilesystemIsReadOnly"}),
    ("unregister_netdevice.log", {"UnregisterNetDevice": 1}, {}),
    ("au_opts_verify.log", {}, {}),  # no shipped rule names the aufs dirperm warning
])
def test_kernel_log_samples_give_what_the_rules_say(sample: str, events: dict, true_conditions: dict) -> None:
    dump = read_source(f"logs:{LOGS / sample}#node=node-1")
    evidence = dump.evidence
    assert {e.reason: e.count for e in evidence.events} == events
    assert all(e.node == "node-1" and e.type == "Warning" for e in evidence.events)
    assert {c.type: c.reason for c in evidence.conditions if c.status == "True"} == true_conditions
    # every condition of the kernel and readonly monitors is reported (False until a rule sets it)
    assert {c.type for c in evidence.conditions} == {"KernelDeadlock", "XfsShutdown", "CperHardwareErrorFatal",
                                                      "ReadonlyFilesystem"}
    assert "node-1" in evidence.npd_covered_nodes()


def test_docker_hung_condition_message_and_sources() -> None:
    evidence = read_source(f"logs:{LOGS / 'docker_hung.log'}").evidence
    hung = next(e for e in evidence.events if e.reason == "DockerHung")
    assert hung.node == "docker_hung"  # the file name up to its first dot
    assert hung.source_component == "kernel-monitor"
    # NPD's message is the whole matched line, though the pattern matches from "task docker"
    assert hung.message == ("Node condition KernelDeadlock is now: True, reason: DockerHung, message: "
                            "\"INFO: task docker:20744 blocked for more than 120 seconds.\"")


def test_syslog_lines_give_node_and_times() -> None:
    evidence = read_source(f"logs:{LOGS / 'edited' / 'kern.log-node-a-EDITED'}#year=2024").evidence
    times = {e.reason: e.first_timestamp for e in evidence.events}
    # line 0 (10:00:00) is the hung docker task; readonly_filesystem's line is line 19 (10:00:19)
    assert times == {"TaskHung": datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC),
                     "DockerHung": datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC),
                     "FilesystemIsReadOnly": datetime(2024, 5, 1, 10, 0, 19, tzinfo=UTC)}
    deadlock = next(c for c in evidence.conditions if c.type == "KernelDeadlock")
    assert (deadlock.node, deadlock.status, deadlock.last_transition_time) == (
        "node-a", "True", datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC))
    assert evidence.window_start == datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)


def test_fluentd_records_take_the_node_from_kubernetes_host() -> None:
    evidence = read_source(f"logs:{LOGS / 'edited' / 'fluentd-EDITED.jsonl'}").evidence
    found = {(e.node, e.reason): e.first_timestamp for e in evidence.events}
    # the OOM kill line is the second record of node-b (10:05:01); the oops the first of node-c
    assert found == {("node-b", "OOMKilling"): datetime(2024, 5, 1, 10, 5, 1, tzinfo=UTC),
                     ("node-c", "KernelOops"): datetime(2024, 5, 1, 10, 7, 0, tzinfo=UTC)}
    assert {c.node for c in evidence.conditions} == {"node-b", "node-c"}


def test_logs_feed_an_import_and_raise_the_rate_of_the_node(tmp_path: Path, capsys) -> None:
    """NPD-from-logs evidence for the minikube node, through import: KernelDeadlock is active now."""
    k8s = Path(__file__).parent / "fixtures" / "k8s"
    out = tmp_path / "mk.yaml"
    assert main(["import", "--source", f"file:{k8s / 'nri-k8s-1.35-minikube-nodes.yaml'}",
                 "--source", f"logs:{LOGS / 'docker_hung.log'}#node=datagen-1-35", "--output", str(out)]) == 0
    capsys.readouterr()
    assert main(["rank", str(out), "--format", "json"]) == 0
    problems = {p["name"]: p for p in json.loads(capsys.readouterr().out)["current_problems"]}
    assert "node-kernel-deadlock ×5" in problems["datagen-1-35/KernelDeadlock"]["detail"]


def test_every_npd_config_of_a_log_plugin_loads() -> None:
    """NPD's own rule files (kmsg, journald, filelog of the kernel) compile as this source reads them."""
    readable = [p for p in NPD_CONFIGS.glob("*.json")
                if json.loads(p.read_text()).get("plugin") in ("kmsg", "journald")
                or "kern" in str(json.loads(p.read_text()).get("logPath", ""))]
    monitors = [m for path in readable for m in load_monitors(path)]
    assert {m.source for m in monitors} >= {"kernel-monitor", "readonly-monitor", "docker-monitor", "systemd-monitor"}
    with pytest.raises(InputError, match="custom.*is not a log this source reads"):
        load_monitors(NPD_CONFIGS / "custom-plugin-monitor.json")


def test_bad_log_lines_and_options_name_the_place(tmp_path: Path) -> None:
    bad = tmp_path / "fluentd.jsonl"
    bad.write_text('{"kubernetes": {"host": "n1"}, "log": "ok"}\n{"kubernetes": \n')
    with pytest.raises(InputError, match="invalid JSON log record") as caught:
        read_source(f"logs:{bad}")
    assert caught.value.line == 2
    with pytest.raises(InputError, match="option 'nodes=x' unknown"):
        read_source(f"logs:{bad}#nodes=x")
