"""The Prometheus text exposition format (what ``/metrics`` returns), parsed without a library.

Only what the sources need: samples as (name, labels, value); comments and timestamps are
read past. Malformed lines are errors naming the line, never silently dropped.
"""

from __future__ import annotations

import re

from riskmodel.errors import InputError

Sample = tuple[str, dict[str, str], float]

_SAMPLE = re.compile(r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?P<labels>.*)\})?\s+(?P<value>\S+)(\s+-?\d+)?\s*$")
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?')


def _labels(text: str, file: str, line: int) -> dict[str, str]:
    labels: dict[str, str] = {}
    position = 0
    while position < len(text):
        match = _LABEL.match(text, position)
        if not match:
            raise InputError(file, f"expected label=\"value\" pairs, got {text[position:]!r}", line=line)
        value = match.group(2).replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
        labels[match.group(1)] = value
        position = match.end()
    return labels


def parse_exposition(text: str, file: str) -> list[Sample]:
    """Every sample of a scrape; ``NaN``/``+Inf`` values are kept as floats."""
    samples = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _SAMPLE.match(stripped)
        if not match:
            raise InputError(file, f"expected 'name{{labels}} value', got {stripped[:80]!r}", line=number)
        try:
            value = float(match.group("value"))
        except ValueError:
            raise InputError(file, f"expected a number, got {match.group('value')!r}", line=number) from None
        samples.append((match.group("name"), _labels(match.group("labels") or "", file, number), value))
    return samples
