"""Snapshots: a live read saved in the ``file`` form, so a review can run offline later.

A snapshot folder holds one JSON ``List`` per kind (``nodes.json``, ``pods.json`` …) and
``snapshot.json`` with the time and the source URI — never credentials or server addresses.
It is written to a temporary sibling folder and renamed into place only after the whole read
parsed, so a failed read leaves the last good snapshot untouched.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from riskmodel.sources.dump import ClusterDump
from riskmodel.sources.file import SNAPSHOT_FILE


def write_snapshot(
    lists: dict[str, dict[str, Any]], source: str, output: Path, dump: ClusterDump, now: datetime | None = None
) -> Path:
    """Write ``lists`` (already parsed into ``dump`` without error) to ``output`` atomically."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    taken = (now or datetime.now(UTC)).astimezone(UTC)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.", dir=output.parent))
    try:
        for plural, data in lists.items():
            (staging / f"{plural}.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
        meta = {
            "time": taken.isoformat().replace("+00:00", "Z"),
            "source": source,
            "counts": {plural: len(data.get("items", [])) for plural, data in lists.items()},
            "skipped": dump.skipped,
            "notes": dump.notes,
        }
        (staging / SNAPSHOT_FILE).write_text(json.dumps(meta, indent=1), encoding="utf-8")
        previous = output.with_name(f".{output.name}.previous")
        if output.exists():
            shutil.rmtree(previous, ignore_errors=True)
            output.rename(previous)
        staging.rename(output)
        shutil.rmtree(previous, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return output
