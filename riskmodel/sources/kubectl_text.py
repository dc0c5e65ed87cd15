"""The text kubectl writes, as documents: JSON (one document or many back to back), YAML
(one or many documents), and ``kubectl cluster-info dump`` output, which is many JSON
documents followed by plain-text pod logs between ``==== START logs for container …`` and
``==== END logs …`` lines. Logs are counted, not read.

Which files are kubectl output at all is decided here too: by suffix (``.json``, ``.yaml``,
``.yml``) or, for other names, by how the text starts; anything else is named back to the
caller so that it can say so (never skipped silently).

The text goes through the project's bounded readers: JSON has its nesting depth checked
before it is parsed and ``NaN``/``Infinity`` refused (:mod:`riskmodel.files.jsonfile`), YAML
goes through :mod:`riskmodel.files.yamlfile` (depth and alias expansion checked from the event
stream first, so a billion-laughs dump is refused in milliseconds, duplicate keys refused).
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from riskmodel.errors import InputError
from riskmodel.files.jsonfile import fast_loads, json_depth
from riskmodel.files.yamlfile import MAX_NESTING_DEPTH, parse_yaml_documents

JSON_SUFFIXES = (".json",)
YAML_SUFFIXES = (".yaml", ".yml")
LOG_START = "==== START logs for container"
_YAML_START = re.compile(rb"^(---|apiVersion:|kind:|items:|metadata:)", re.MULTILINE)
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


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number; expected a finite number")


def _json_stream(text: str, file: str) -> Decoded:
    """Every JSON document of ``text``; cluster-info dump logs after them are counted."""
    logs = text.find(LOG_START)
    if json_depth(text if logs < 0 else text[:logs]) > MAX_NESTING_DEPTH:
        raise InputError(file, f"nested deeper than {MAX_NESTING_DEPTH} levels; expected kubectl JSON output")
    decoder = json.JSONDecoder(parse_constant=_refuse_constant)
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
        except ValueError as error:  # NaN/Infinity, or an integer of more than 4,300 digits
            raise InputError(file, f"{error}; expected the output of kubectl get -o json",
                             line=_line_of(text, position)) from None
        documents.append(document)
        position = _WHITESPACE.match(text, position).end()  # type: ignore[union-attr]
    return Decoded(documents)


def decode(raw: bytes, file: str, kind: str) -> Decoded:
    """The documents of a ``json`` or ``yaml`` file (see :func:`kind_of_file`)."""
    if kind == "json":
        body = raw[len(codecs.BOM_UTF8):] if raw.startswith(codecs.BOM_UTF8) else raw
        if LOG_START.encode() not in body and json_depth(body) <= MAX_NESTING_DEPTH:
            fast, document = fast_loads(body)  # straight from the bytes: no 100 MB str of a large dump
            if fast:
                return Decoded([document])
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError(file, "not UTF-8 text; expected kubectl JSON output") from None
        return _json_stream(text, file)
    return Decoded(parse_yaml_documents(raw, file))
