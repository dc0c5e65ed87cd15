"""``snapshot`` against the loopback API server of test_sources_kube: no secret in anything it
writes, and nothing deleted that it did not write.

A secret is planted in every place of a cluster's objects that can carry one (env values,
``last-applied-configuration``, another annotation, ``managedFields``, a ``--password=`` flag,
credentials in a URI argument, the pod template of a Deployment); every byte the snapshot
writes is searched for it. The snapshot still reads back and imports.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest
from test_sources_kube import FakeApiServer, api_server, write_kubeconfig  # noqa: F401 - the fixture

from riskmodel.cli.main import main
from riskmodel.sources.file import read_dump

SECRET = "hunter2-Zq9x"


def _plant(pod: dict) -> dict:
    pod = copy.deepcopy(pod)
    metadata = pod["metadata"]
    metadata.setdefault("annotations", {})
    metadata["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = json.dumps(
        {"spec": {"containers": [{"env": [{"name": "DB_PASSWORD", "value": SECRET}]}]}})
    metadata["annotations"]["vault.example.com/token"] = SECRET
    metadata["annotations"]["riskmodel.io/slo"] = "0.999"
    metadata["managedFields"] = [{"manager": "kubectl", "fieldsV1": {f"f:{SECRET}": {}}}]
    container = pod["spec"]["containers"][0]
    container["env"] = [{"name": "DB_PASSWORD", "value": SECRET}, {"name": "FROM_SECRET", "valueFrom": {
        "secretKeyRef": {"name": "db", "key": "password"}}}]
    container["args"] = [f"--password={SECRET}", f"--db=postgres://app:{SECRET}@db:5432/app", "--port=8080"]
    container["command"] = ["/bin/app", f"--api-key={SECRET}"]
    return pod


def test_snapshot_writes_no_planted_secret(api_server: FakeApiServer, tmp_path: Path,  # noqa: F811
                                           monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    pods = api_server.responses["/api/v1/pods"]
    pods[0] = _plant(pods[0])
    deployment = api_server.responses["/apis/apps/v1/deployments"][0]
    api_server.responses["/apis/apps/v1/deployments"][0] = {**deployment, "spec": {
        **deployment["spec"], "template": _plant(deployment["spec"]["template"])}}
    assert SECRET in json.dumps(api_server.responses)
    monkeypatch.setenv("KUBECONFIG", str(write_kubeconfig(tmp_path / "kubeconfig", api_server.server_port)))
    out = tmp_path / "snap"
    assert main(["snapshot", "--source", "kube:loopback", "--output", str(out)]) == 0
    written = {path.name: path.read_bytes() for path in out.rglob("*") if path.is_file()}
    assert "pods.json" in written and not [name for name, data in written.items() if SECRET.encode() in data]
    assert SECRET not in capsys.readouterr().out
    snapshot_pod = json.loads(written["pods.json"])["items"][0]
    container = snapshot_pod["spec"]["containers"][0]
    assert container["env"] == [{"name": "DB_PASSWORD"}, {"name": "FROM_SECRET", "valueFrom": {
        "secretKeyRef": {"name": "db", "key": "password"}}}]
    assert container["args"] == ["--password=***", "--db=postgres://db:5432/app", "--port=8080"]
    assert snapshot_pod["metadata"]["annotations"] == {"riskmodel.io/slo": "0.999"}
    left_out = json.loads(written["snapshot.json"])["left_out"]
    assert left_out["env values"] >= 2 and left_out["annotations"] >= 4 and left_out["managedFields"] >= 2
    assert len(read_dump(out).pods) == 25  # still a snapshot that reads back whole


def _snapshot(out: Path) -> list[str]:
    return ["snapshot", "--source", "kube:loopback", "--output", str(out)]


def test_snapshot_never_deletes_what_it_did_not_write(api_server: FakeApiServer, tmp_path: Path,  # noqa: F811
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KUBECONFIG", str(write_kubeconfig(tmp_path / "kubeconfig", api_server.server_port)))
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("my notes")
    (mine / "nodes.json").write_text("{}")  # a name a snapshot writes, but no snapshot.json: not a snapshot
    asked = len(api_server.requests)
    assert main(_snapshot(mine)) == 2
    err = capsys.readouterr().err
    assert "holds files a snapshot did not write (notes.txt)" in err and "nothing was changed" in err
    assert len(api_server.requests) == asked  # refused before any API call
    assert sorted(p.name for p in mine.iterdir()) == ["nodes.json", "notes.txt"]
    (mine / "notes.txt").unlink()
    assert main(_snapshot(mine)) == 2 and "no snapshot.json" in capsys.readouterr().err

    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(_snapshot(empty)) == 0 and (empty / "snapshot.json").is_file()
    assert main(_snapshot(empty)) == 0  # an earlier snapshot is replaced
    (empty / "extra.txt").write_text("added by hand")
    assert main(_snapshot(empty)) == 2 and (empty / "extra.txt").read_text() == "added by hand"


def test_snapshot_output_dot(api_server: FakeApiServer, tmp_path: Path,  # noqa: F811
                             monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KUBECONFIG", str(write_kubeconfig(tmp_path / "kubeconfig", api_server.server_port)))
    here = tmp_path / "here"
    here.mkdir()
    (here / "keep.md").write_text("keep")
    monkeypatch.chdir(here)
    assert main(_snapshot(Path("."))) == 2
    assert f"{here}: --output holds files a snapshot did not write (keep.md)" in capsys.readouterr().err
    (here / "keep.md").unlink()
    assert main(_snapshot(Path("."))) == 0  # an empty current folder takes the snapshot
    assert (here / "snapshot.json").is_file() and os.getcwd() == str(here)
    assert main(_snapshot(Path("/"))) == 2 and "root folder" in capsys.readouterr().err
