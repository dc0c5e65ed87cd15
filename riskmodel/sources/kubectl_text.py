"""The text kubectl writes, as documents: JSON (one document or many back to back), YAML
(one or many documents), and ``kubectl cluster-info dump`` output, which is many JSON
documents followed by plain-text pod logs between ``==== START logs for container …`` and
``==== END logs …`` lines. Logs are counted, not read.

Which files are kubectl output at all is decided here too: by suffix (``.json``, ``.yaml``,
``.yml``) or, for other names, by how the text starts; anything else is named back to the
caller so that it can say so (never skipped silently).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from riskmodel.errors import InputError

JSON_SUFFIXES = (".json",)
YAML_SUFFIXES = (".yaml", ".yml")
LOG_START = "==== START logs for container"
_YAML_START = re.compile(rb"^(---|apiVersion:|kind:|items:|metadata:)", re.MULTILINE)
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_WHITESPACE = re.compile(r"\s*")


@dataclass(frozen=True)
class Decoded:
    """The documents of one file and how many pod-log sections followed them."""

    documents: list[Any]
    log_sections: int = 0


def is_pod_log(path: Path) -> bool:
    """A pod log of a dump tree: kubectl's ``<ns>/<pod>/logs.txt``, or ``…/logs/<container>.txt``
    (sonobuoy and support bundles); decided by place, since logs may be JSON lines too."""
    return path.suffix in (".txt", ".log") and (path.name == "logs.txt" or path.parent.name == "logs")


def kind_of_file(path: Path, head: bytes) -> str:
    """``json``, ``yaml``, ``pod-log`` (a cluster-info dump's ``logs.txt``) or ``other``."""
    if is_pod_log(path):
        return "pod-log"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if path.suffix in JSON_SUFFIXES or (path.suffix not in YAML_SUFFIXES and start in (b"{", b"[")):
        return "json"
    if path.suffix in YAML_SUFFIXES or _YAML_START.match(head.lstrip(b"\xef\xbb\xbf")):
        return "yaml"
    if head.startswith(LOG_START.encode()):
        return "pod-log"
    return "other"


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _json_stream(text: str, file: str) -> Decoded:
    """Every JSON document of ``text``; cluster-info dump logs after them are counted."""
    decoder = json.JSONDecoder()
    documents: list[Any] = []
    position = _WHITESPACE.match(text, 0).end()  # type: ignore[union-attr]
    while position < len(text):
        if text[position] not in "{[":
            rest = text[position:]
            if rest.startswith(LOG_START):
                return Decoded(documents, rest.count(LOG_START))
            what = f"after JSON document {len(documents)}" if documents else "at the start"
            raise InputError(file, f"unexpected text {what} ({rest[:40]!r}); expected kubectl JSON output, "
                                   "or pod logs of kubectl cluster-info dump", line=_line_of(text, position))
        try:
            document, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise InputError(file, f"invalid or truncated JSON ({error.msg}); expected the output of "
                                   "kubectl get -o json", line=error.lineno) from None
        documents.append(document)
        position = _WHITESPACE.match(text, position).end()  # type: ignore[union-attr]
    return Decoded(documents)


def decode(raw: bytes, file: str, kind: str) -> Decoded:
    """The documents of a ``json`` or ``yaml`` file (see :func:`kind_of_file`)."""
    if kind == "json":
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError(file, "not UTF-8 text; expected kubectl JSON output") from None
        return _json_stream(text, file)
    try:
        return Decoded([doc for doc in yaml.load_all(raw, Loader=_YAML_LOADER) if doc is not None])
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise InputError(file, f"invalid YAML ({getattr(error, 'problem', error)}); expected kubectl -o yaml output",
                         line=mark.line + 1 if mark else None) from None
