"""What every sink shares: the error a failed write raises, the duration syntax of ``--every`` and
sink options, and the rule that no credential of a URI reaches a log line or a message.
"""

from __future__ import annotations

import re
from typing import Protocol

from riskmodel.errors import REDACTED, InputError, RiskModelError
from riskmodel.errors import redact as redact_text
from riskmodel.report.sinks.figures import Batch


class SinkError(RiskModelError):
    """One write to one sink failed (server down, refused, 4xx/5xx, timeout, disk full); the message
    never holds a credential. The publisher reports it and retries."""


class Sink(Protocol):
    """Writes whole batches. ``name`` is the URI with its credentials redacted; ``keeps_history``
    says whether every batch matters (a time-series store, a file) or only the latest (a scrape
    endpoint, which shows the present)."""

    name: str
    keeps_history: bool

    def write(self, batch: Batch) -> int:
        """Write every figure of ``batch`` or none (raise :class:`SinkError`); return the series written."""
        ...

    def close(self) -> None: ...


def redact(uri: str) -> str:
    """``influxdb:http://admin:s3cret@host:8086/?db=risk&p=x`` → ``…admin:***@host…&p=***``: the
    error family's rule, keeping the user (it says which account a sink writes as)."""
    return redact_text(uri, keep_user=True)


def scrub(message: str, secrets: tuple[str, ...]) -> str:
    """``message`` with every secret replaced, for error texts of libraries that may echo a URL."""
    for secret in secrets:
        if secret:
            message = message.replace(secret, REDACTED)
    return message


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration_seconds(text: str, field: str) -> float:
    """``5m``, ``30s``, ``1h30m``, ``500ms`` (Prometheus and Go style) → seconds; bad text is an InputError."""
    cleaned = text.strip()
    position, total = 0, 0.0
    for match in _DURATION.finditer(cleaned):
        if match.start() != position:
            break
        total += float(match.group(1)) * _SECONDS[match.group(2)]
        position = match.end()
    if not cleaned or position != len(cleaned) or total <= 0:
        raise InputError(field, f"expected a positive duration such as 30s, 5m, 1h or 1h30m, got {text!r}")
    return total
