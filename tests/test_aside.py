"""Work done aside in a forked child (riskmodel/files/aside.py), and ``import`` writing its evidence that way."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from riskmodel.cli import sources as cli_sources
from riskmodel.cli.main import main
from riskmodel.files.aside import done_aside
from riskmodel.model.evidence import Evidence
from riskmodel.sources import evidence_file

BUNDLE = Path(__file__).parent / "fixtures" / "k8s-bundle"


def test_the_work_runs_in_a_child_and_wait_returns_when_it_is_done(tmp_path: Path) -> None:
    out = tmp_path / "pid"

    def work() -> None:
        time.sleep(0.2)
        out.write_text(str(os.getpid()))

    with done_aside(work) as wait:
        assert not out.exists()  # the parent goes on while the child works
        wait()
    assert int(out.read_text()) != os.getpid()


def test_serial_runs_the_work_here_at_wait(tmp_path: Path) -> None:
    out = tmp_path / "pid"
    with done_aside(lambda: out.write_text(str(os.getpid())), parallel=False) as wait:
        assert not out.exists()
        wait()
    assert int(out.read_text()) == os.getpid()


def test_a_failure_in_the_child_is_redone_here_and_raises_here(tmp_path: Path) -> None:
    calls = tmp_path / "calls"

    def work() -> None:
        with calls.open("a") as file:
            file.write(f"{os.getpid()}\n")
        raise ValueError("the evidence cannot be written")

    with pytest.raises(ValueError, match="cannot be written"), done_aside(work) as wait:
        wait()
    pids = calls.read_text().split()
    assert len(pids) == 2 and pids[0] != pids[1] == str(os.getpid())


def test_leaving_without_waiting_stops_the_child(tmp_path: Path) -> None:
    out = tmp_path / "late"
    started = time.perf_counter()

    def work() -> None:
        time.sleep(5)
        out.write_text("written")

    with pytest.raises(KeyboardInterrupt), done_aside(work):
        raise KeyboardInterrupt
    assert time.perf_counter() - started < 4
    time.sleep(0.1)
    assert not out.exists()


def _import(tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
            fork_from: int) -> tuple[int, str, str, bytes, bytes]:
    monkeypatch.setattr(cli_sources, "PARALLEL_EVIDENCE_ITEMS", fork_from)
    folder = tmp_path / name
    folder.mkdir()
    written = evidence_file.write_evidence

    def write_evidence(evidence: Evidence, path: Path) -> Path:
        (folder / "writer").write_text(str(os.getpid()))
        return written(evidence, path)

    monkeypatch.setattr(evidence_file, "write_evidence", write_evidence)
    code = main(["import", "--source", f"file:{BUNDLE}", "--output", str(folder / "scn.yaml"), "--format", "json"])
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert report["evidence"] == str(folder / "scn.evidence.json")
    out = out.replace(str(folder), "<folder>")
    assert (int((folder / "writer").read_text()) == os.getpid()) == (fork_from > 0)
    return code, out, err, (folder / "scn.yaml").read_bytes(), (folder / "scn.evidence.json").read_bytes()


def test_import_with_the_evidence_written_aside_gives_the_serial_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    serial = _import(tmp_path, "serial", monkeypatch, capsys, fork_from=10**9)
    aside = _import(tmp_path, "aside", monkeypatch, capsys, fork_from=0)
    assert serial == aside
    assert serial[0] == 0 and b'"kind": "Node"' in serial[4]


@pytest.mark.parametrize("fork_from", [0, 10**9])
def test_an_evidence_file_that_cannot_be_written_stops_the_import_before_the_scenario(
        tmp_path: Path, fork_from: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cli_sources, "PARALLEL_EVIDENCE_ITEMS", fork_from)
    (tmp_path / "scn.evidence.json").mkdir()  # a folder where the file should go
    code = main(["import", "--source", f"file:{BUNDLE}", "--output", str(tmp_path / "scn.yaml")])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.strip() == f"error: [Errno 21] Is a directory: '{tmp_path / 'scn.evidence.json'}'"
    assert not (tmp_path / "scn.yaml").exists()
