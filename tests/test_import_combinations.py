"""``import`` then ``rank`` on the recorded files of tests/fixtures/k8s, alone and together.

Every file alone and the whole folder: import and rank exit 0 and the summary accounts for
every object (read = used + skipped per kind, and read equals the objects the file holds,
counted here independently). Every pair: import exits 0, the scenario loads, and what was
read is what the two files hold. Pairs of small files (≤ 4 KB together, 31 pairs) are also ranked;
``make fuzz`` (RISKMODEL_ALL_COMBINATIONS=1) ranks every pair, which takes minutes.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
from collections import Counter
from pathlib import Path

import pytest
import yaml
from builders import copied_folder

from riskmodel.cli.main import main
from riskmodel.files.loader import parse_scenario
from riskmodel.sources.file import load_evidence

K8S = Path(__file__).parent / "fixtures" / "k8s"
FILES = sorted(p for p in K8S.iterdir() if p.name != "SOURCES.md")
SMALL_PAIR_BYTES = 4_000
ALL = bool(os.environ.get("RISKMODEL_ALL_COMBINATIONS"))


def _documents(path: Path) -> list:
    text = path.read_text(encoding="utf-8")
    if path.suffix in (".yaml", ".yml"):
        return [d for d in yaml.safe_load_all(text) if d is not None]
    decoder, position, documents = json.JSONDecoder(), 0, []
    while position < len(text):
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text) or text[position] not in "{[":
            break  # the pod logs of a cluster-info dump
        document, position = decoder.raw_decode(text, position)
        documents.append(document)
    return documents


def objects_in(path: Path) -> Counter[str]:
    """Objects per kind in one file, counted without the reader (typed lists name their items' kind)."""
    counts: Counter[str] = Counter()
    for document in _documents(path):
        kind = document.get("kind", "")
        if kind.endswith("List"):
            for item in document.get("items") or []:
                counts[item.get("kind") or kind.removesuffix("List")] += 1
        else:  # an insights-operator archive's node carries no kind
            counts[kind or ("Node" if "nodeInfo" in document.get("status", {}) else "")] += 1
    return counts


def _run(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    assert "Traceback" not in err.getvalue()
    return code, out.getvalue() + err.getvalue()


def _import(folder: Path, output: Path) -> dict:
    code, text = _run("import", "--source", f"file:{folder}", "--output", str(output), "--format", "json")
    assert code == 0, text
    report = json.loads(text)
    skipped = Counter(s["kind"] for s in report["skipped"] if s["kind"] != "File")
    assert {k: report["used"][k] + skipped[k] for k in report["read"]} == report["read"]
    return report


def _folder(tmp_path: Path, paths: tuple[Path, ...], label: str) -> Path:
    return copied_folder(tmp_path, paths, label)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_each_file_imports_and_ranks(tmp_path: Path, path: Path) -> None:
    report = _import(_folder(tmp_path, (path,), "one"), tmp_path / "one.yaml")
    assert report["read"] == dict(objects_in(path))
    code, text = _run("rank", str(tmp_path / "one.yaml"), "--format", "json")
    assert code == 0, text
    ranked = json.loads(text)
    assert ranked["placeholders"] == report["placeholders"]


def test_the_whole_folder_imports_and_ranks(tmp_path: Path) -> None:
    report = _import(K8S, tmp_path / "all.yaml")
    assert report["read"] == dict(sum((objects_in(p) for p in FILES), Counter()))
    assert {s["name"] for s in report["skipped"] if s["kind"] == "File"} == {
        "SOURCES.md", "logs of 1 container(s) in sonobuoy-kind-cluster-info-dump-EDITED.txt"}
    code, text = _run("rank", str(tmp_path / "all.yaml"), "--format", "json")
    assert code == 0, text


def test_every_pair_imports_and_loads(tmp_path: Path) -> None:
    singles = {path: objects_in(path) for path in FILES}
    ranked = 0
    for number, pair in enumerate(itertools.combinations(FILES, 2)):
        output = tmp_path / f"pair-{number}.yaml"
        report = _import(_folder(tmp_path, pair, f"pair-{number}"), output)
        assert report["read"] == dict(singles[pair[0]] + singles[pair[1]]), pair
        scenario, _ = parse_scenario(output)  # never a scenario its own loader rejects
        assert len(scenario.nodes) == report["nodes"]
        assert load_evidence(output.parent / scenario.evidence[0]).conditions is not None
        if ALL or sum(p.stat().st_size for p in pair) <= SMALL_PAIR_BYTES:
            code, text = _run("rank", str(output), "--format", "json")
            assert code == 0, (pair, text)
            ranked += 1
    assert ranked >= 30
