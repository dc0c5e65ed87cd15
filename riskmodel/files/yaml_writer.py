"""YAML text of plain data (dicts, lists, str, int, float, bool, None) in which long lists stay fast to write.

PyYAML builds a node per scalar in pure Python before its C emitter writes it: for a 10,000-node
scenario (400,000 scalars) that took 7 s. A top-level list of more than ``FLOW_ITEMS`` items is
written instead with one item per line as a JSON object, which YAML reads as a flow mapping
(``- {"name": "node-0001", "zone": "eu-west-1a", …}``): still YAML, one diffable line per item,
encoded by the C ``json`` encoder. An item whose JSON text YAML 1.1 would read differently is
written by PyYAML as before: a float such as ``1e-05`` (a string to YAML 1.1, which wants a dot),
characters YAML does not allow in a stream or reads as line breaks, NaN and infinities, or a key
longer than the 1,024 characters YAML allows before its ``:``. Everything else (the header
fields, short lists) is written by PyYAML as it always was.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import yaml

FLOW_ITEMS = 500
"""Top-level lists longer than this are written one JSON line per item."""
MAX_KEY_CHARACTERS = 1000
_DUMPER: type = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_NOT_IN_YAML = re.compile("[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""What a YAML stream may not hold raw (controls, surrogates) or reads as a line break (NEL, LS, PS)."""
_EXPONENT_WITHOUT_DOT = re.compile(r"(?:(?<=: )|(?<=, )|(?<=\[))-?\d+[eE]")
"""A JSON number such as ``1e-05`` (in a string too, which only costs the fast path)."""
_DIGIT_BEFORE_E = re.compile(r"\d[eE]")
_LONG_STRING = re.compile(f'[^"]{{{MAX_KEY_CHARACTERS},}}')


def _longest_key(data: Any) -> int:
    if isinstance(data, dict):
        return max([len(str(key)) for key in data] + [_longest_key(value) for value in data.values()], default=0)
    if isinstance(data, list):
        return max((_longest_key(value) for value in data), default=0)
    return 0


_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)
"""``json.dumps(item, ensure_ascii=False, allow_nan=False)`` builds this encoder on every call."""


def _json_text(item: Any) -> str | None:
    try:
        return _ENCODER.encode(item)
    except (TypeError, ValueError):
        return None


def _reads_back(line: str, item: Any) -> bool:
    """Whether YAML reads the JSON ``line`` of ``item`` back as ``item`` (see the module)."""
    if _NOT_IN_YAML.search(line) or _EXPONENT_WITHOUT_DOT.search(line):
        return False
    return not (_LONG_STRING.search(line) and _longest_key(item) > MAX_KEY_CHARACTERS)


def _pyyaml(data: Any, options: dict[str, Any]) -> str:
    return str(yaml.dump(data, Dumper=_DUMPER, sort_keys=False, default_flow_style=None, **options))


def _longest_unquoted_run(ascii_text: str) -> int:
    """The most characters in a row without a quote: ``_LONG_STRING.search`` in one numpy pass
    (the regex tries a long match at every character: 0.6 s on a 10,000-node scenario)."""
    quotes = np.flatnonzero(np.frombuffer(ascii_text.encode("ascii"), dtype=np.uint8) == ord('"'))
    return int(np.diff(quotes, prepend=-1, append=len(ascii_text)).max()) - 1


def _flow_lines(items: list[Any], options: dict[str, Any]) -> str:
    lines = [_json_text(item) for item in items]
    whole = "\n".join(line or "" for line in lines)
    if None in lines or not whole.isascii() or "\x7f" in whole or _DIGIT_BEFORE_E.search(whole) \
            or _longest_unquoted_run(whole) >= MAX_KEY_CHARACTERS:  # one scan of the whole text for the common case
        lines = [line if line is not None and _reads_back(line, item) else None for line, item in zip(lines, items, strict=True)]
    return "".join(f"- {line}\n" if line is not None else _pyyaml([item], options) for line, item in
                   zip(lines, items, strict=True))


def plain_yaml(data: dict[str, Any], **options: Any) -> str:
    """``yaml.dump(data, sort_keys=False, default_flow_style=None, **options)`` with the safe dumper,
    except that top-level lists of more than FLOW_ITEMS objects are written one JSON line per object.

    PyYAML writes the document with each long list replaced by a one-item marker list (so the
    mapping and the list keep their block style, and PyYAML writes every key); each marker line is then replaced
    by the list's lines."""
    long = [key for key, value in data.items() if isinstance(value, list) and len(value) > FLOW_ITEMS
            and all(isinstance(item, dict) for item in value)]
    if not long:
        return _pyyaml(data, options)
    markers = {key: f"riskmodel-long-list-{index}" for index, key in enumerate(long)}
    text = _pyyaml({key: [[markers[key]]] if key in markers else value for key, value in data.items()}, options)
    if any(text.count(f"\n- [{marker}]\n") != 1 for marker in markers.values()):
        return _pyyaml(data, options)
    for key, marker in markers.items():
        text = text.replace(f"\n- [{marker}]\n", "\n" + _flow_lines(data[key], options), 1)
    return text
