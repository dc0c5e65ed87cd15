"""The Prometheus text exposition format (what ``/metrics`` returns), parsed without a library.

Only what the sources need: samples as (name, labels, value); comments and timestamps are
read past. Malformed lines are errors naming the line, never silently dropped.
"""

from __future__ import annotations

import re

from riskmodel.errors import InputError

Sample = tuple[str, dict[str, str], float]

_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_VALUE = re.compile(r"\s+(?P<value>\S+)(\s+-?\d+)?\s*$")
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?\s*')
_ESCAPE = re.compile(r"\\(.)")
_ESCAPES = {"n": "\n", '"': '"', "\\": "\\"}
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|Inf|inf|NaN|nan)$")
"""The exposition format's floats (Go's ParseFloat without hex and underscores) and ±Inf, NaN."""


def _unescape(value: str) -> str:
    return _ESCAPE.sub(lambda match: _ESCAPES.get(match.group(1), match.group(0)), value)


def _labels(text: str, position: int, file: str, line: int) -> tuple[dict[str, str], int]:
    """The labels of ``{…}`` starting after the brace at ``position``; returns them and the
    position after the closing brace. Linear in the line: no pattern backtracks over it."""
    labels: dict[str, str] = {}
    while position < len(text) and text[position] != "}":
        match = _LABEL.match(text, position)
        if not match:
            raise InputError(file, f"expected label=\"value\" pairs, got {text[position:position + 80]!r}", line=line)
        if match.group(1) in labels:
            raise InputError(file, f"label {match.group(1)!r} given twice; expected each label once", line=line)
        labels[match.group(1)] = _unescape(match.group(2))
        position = match.end()
    if position >= len(text):
        raise InputError(file, "expected '}' closing the labels", line=line)
    return labels, position + 1


def _sample(text: str, file: str, line: int) -> Sample:
    name = _NAME.match(text)
    if not name:
        raise InputError(file, f"expected 'name{{labels}} value', got {text[:80]!r}", line=line)
    labels, position = _labels(text, name.end() + 1, file, line) if text[name.end():][:1] == "{" else ({}, name.end())
    rest = _VALUE.match(text, position)
    if not rest:
        raise InputError(file, f"expected 'name{{labels}} value', got {text[:80]!r}", line=line)
    raw = rest.group("value")
    if not _NUMBER.match(raw):
        raise InputError(file, f"expected a number, got {raw[:40]!r}", line=line)
    return name.group(), labels, float(raw)


def parse_exposition_lines(text: str, file: str) -> list[tuple[int, Sample]]:
    """Every sample of a scrape with its line number; ``NaN``/``+Inf`` values are kept as floats."""
    samples = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        samples.append((number, _sample(stripped, file, number)))
    return samples


def parse_exposition(text: str, file: str) -> list[Sample]:
    """Every sample of a scrape; ``NaN``/``+Inf`` values are kept as floats."""
    return [sample for _, sample in parse_exposition_lines(text, file)]
