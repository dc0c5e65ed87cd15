"""Snapshots: a live read saved in the ``file`` form, so a review can run offline later.

A snapshot folder holds one JSON ``List`` per kind (``nodes.json``, ``pods.json`` …) and
``snapshot.json`` with the time and the source URI — never credentials or server addresses.
Values that can carry credentials (env values, ``last-applied-configuration`` and other
annotations the model does not read, secret flags in ``args``) are left out (:mod:`.scrub`).
It is written to a temporary sibling folder and renamed into place only after the whole read
parsed, so a failed read leaves the last good snapshot untouched.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from riskmodel.errors import InputError, redact
from riskmodel.files.reading import checked_path
from riskmodel.sources.dump import ClusterDump
from riskmodel.sources.file import SNAPSHOT_FILE
from riskmodel.sources.scrub import scrub


def _replaceable(output: Path, names: set[str]) -> None:
    """Refuse to replace a folder holding anything a snapshot did not write: only a missing or
    empty folder, or an earlier snapshot (its ``snapshot.json`` and kind files, nothing else), is replaced."""
    if not output.exists():
        return
    if not output.is_dir():
        raise InputError(str(output), "--output is a file; expected a new or empty folder, or an earlier snapshot")
    entries = {entry.name: entry for entry in output.iterdir()}
    if not entries:
        return
    foreign = sorted(name for name, entry in entries.items()
                     if name not in names or not entry.is_file() or entry.is_symlink())
    if foreign or SNAPSHOT_FILE not in entries:
        shown = ", ".join(foreign[:5]) + (", …" if len(foreign) > 5 else "") if foreign else f"no {SNAPSHOT_FILE}"
        raise InputError(str(output), f"--output holds files a snapshot did not write ({shown}); nothing was "
                         "changed. Expected a new or empty folder, or an earlier snapshot folder to replace")


def check_output(output: Path | str, plurals: Iterable[str]) -> Path:
    """``output`` as an absolute folder path a snapshot of ``plurals`` may be written to (see
    :func:`_replaceable`); checked before the read, so a refusal costs no API calls."""
    folder = checked_path(output, "--output").resolve()
    if not folder.name:
        raise InputError(str(folder), "--output is the root folder; expected a folder for the snapshot")
    _replaceable(folder, {f"{plural}.json" for plural in plurals} | {SNAPSHOT_FILE})
    return folder


def _replace_files(staging: Path, output: Path) -> None:
    """Move the new snapshot's files into the existing folder (checked: empty, or an earlier
    snapshot) one atomic rename each, ``snapshot.json`` last; the folder itself stays (it may be
    the current folder). Kind files of the earlier snapshot that the new one lacks go."""
    new = {path.name for path in staging.iterdir()}
    for name in sorted(new - {SNAPSHOT_FILE}) + [SNAPSHOT_FILE]:
        os.replace(staging / name, output / name)
    for old in output.iterdir():
        if old.name not in new:
            old.unlink()
    staging.rmdir()


def write_snapshot(
    lists: dict[str, dict[str, Any]], source: str, output: Path, dump: ClusterDump, now: datetime | None = None
) -> Path:
    """Write ``lists`` (already parsed into ``dump`` without error) to ``output`` atomically.

    ``output`` may be new, empty, or an earlier snapshot (replaced as a whole); a folder with
    anything else in it is refused, so nothing a snapshot did not write is ever deleted."""
    output = check_output(output, lists)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(str(output), f"cannot create the folder: {error.strerror or error}") from None
    taken = (now or datetime.now(UTC)).astimezone(UTC)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.", dir=output.parent))
    try:
        left_out: Counter[str] = Counter()
        for plural, data in lists.items():
            clean = copy.deepcopy(data)
            left_out += scrub(clean)
            (staging / f"{plural}.json").write_text(json.dumps(clean, indent=1), encoding="utf-8")
        meta = {
            "time": taken.isoformat().replace("+00:00", "Z"),
            "source": redact(source),
            "counts": {plural: len(data.get("items", [])) for plural, data in lists.items()},
            "left_out": dict(sorted(left_out.items())),
            "skipped": [redact(line) for line in dump.skipped],
            "notes": [redact(line) for line in dump.notes],
        }
        (staging / SNAPSHOT_FILE).write_text(json.dumps(meta, indent=1), encoding="utf-8")
        if output.exists():
            _replace_files(staging, output)
        else:
            staging.rename(output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return output
