"""What every network source needs around one HTTP exchange: an overall deadline, a bounded
body read against it, retries with backoff for answers worth retrying, and credentials taken
out of a URI into headers.

A per-request socket timeout alone does not bound a read: a server that sends one byte every
two seconds never trips a ten-second timeout. So bodies are read with ``read1`` in chunks,
checking a :class:`Deadline` and a size limit between chunks; the lateness is at most one
socket timeout.
"""

from __future__ import annotations

import base64
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Protocol

from riskmodel.errors import InputError, SourceUnavailable, redact

MAX_BODY_BYTES = 256 * 1024 * 1024
"""Largest HTTP body read from a source (one list page, one query answer)."""
CHUNK_BYTES = 1024 * 1024
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
"""Answers that say "try again later": too many requests, and server-side failures."""
SECRET_QUERY_PARAMETERS = ("access_token", "token", "bearer_token")
"""Query parameters read as a bearer token (moved into the Authorization header)."""


class Readable(Protocol):
    def read1(self, size: int = ..., /) -> bytes: ...


@dataclass
class Deadline:
    """A point in time (monotonic clock) by which a whole call must be done."""

    seconds: float
    what: str
    ends_at: float = field(init=False)

    def __post_init__(self) -> None:
        self.ends_at = time.monotonic() + self.seconds

    def remaining(self) -> float:
        return self.ends_at - time.monotonic()

    def check(self, what: str | None = None) -> None:
        """Raise SourceUnavailable (naming ``what``, default the whole call) once the deadline has passed."""
        if self.remaining() <= 0:
            raise SourceUnavailable(f"{what or self.what}: no complete answer within the {self.seconds:g} s deadline")

    def timeout(self, per_request: float) -> float:
        """The socket timeout for the next request: its own, cut to what is left (at least 1 ms)."""
        self.check()
        return max(min(per_request, self.remaining()), 0.001)


def read_body(response: Readable, deadline: Deadline, what: str, max_bytes: int = MAX_BODY_BYTES) -> bytes:
    """The whole body, chunk by chunk, within the deadline and at most ``max_bytes``."""
    chunks: list[bytes] = []
    total = 0
    while True:
        deadline.check(what)
        chunk = response.read1(CHUNK_BYTES)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > max_bytes:
            raise SourceUnavailable(f"{what}: the answer is over the {max_bytes:,}-byte limit")
        chunks.append(chunk)


def backoff_seconds(attempt: int, base: float, retry_after: str | None = None) -> float:
    """Wait before retry ``attempt`` (1, 2, …): ``Retry-After`` when the server gave seconds,
    else ``base`` doubled per attempt (0.5, 1, 2, … for base 0.5)."""
    if retry_after is not None and retry_after.strip().isdigit():
        return float(retry_after.strip())
    return base * 2 ** (attempt - 1)


def pause(attempt: int, base: float, deadline: Deadline, retry_after: str | None, failure: str) -> None:
    """Sleep before retry ``attempt + 1``; raise SourceUnavailable (naming ``failure``) when
    that wait would run past the deadline."""
    delay = backoff_seconds(attempt, base, retry_after)
    if delay >= deadline.remaining():
        raise SourceUnavailable(f"{deadline.what}: {failure}; gave up after {attempt} attempt(s), as another "
                                f"would pass the {deadline.seconds:g} s deadline")
    time.sleep(delay)


@dataclass(frozen=True)
class Endpoint:
    """A URI split into what is sent (URL, headers) and what is shown (``name``, no secrets)."""

    url: str
    headers: dict[str, str]
    name: str

    def url_for(self, path: str, parameters: dict[str, str]) -> str:
        """The URL of ``path`` under this endpoint with ``parameters`` added to its own query."""
        parts = urllib.parse.urlsplit(self.url)
        query = "&".join(part for part in (parts.query, urllib.parse.urlencode(parameters)) if part)
        return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path + path, query, ""))


def endpoint(uri: str, label: str) -> Endpoint:
    """``http(s)://user:pass@host:port/path?access_token=T`` → URL without them, an
    ``Authorization`` header (Basic for user:pass, Bearer for the token) and a redacted name."""
    name = redact(uri)
    try:
        parts = urllib.parse.urlsplit(uri)
        port = parts.port
    except ValueError as error:
        raise InputError(label, f"{name}: not a valid URL ({error}); expected http(s)://host:port") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(label, f"{name}: expected an http:// or https:// URL with a host")
    if any(ord(character) < 33 for character in uri):
        raise InputError(label, f"{name}: a URL may not contain spaces or control characters")
    headers: dict[str, str] = {}
    if parts.username is not None or parts.password is not None:
        user = urllib.parse.unquote(parts.username or "")
        password = urllib.parse.unquote(parts.password or "")
        headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    tokens = [value for key, value in query if key.lower() in SECRET_QUERY_PARAMETERS]
    if tokens:
        headers["Authorization"] = f"Bearer {tokens[-1]}"
    kept = urllib.parse.urlencode([(key, value) for key, value in query if key.lower() not in SECRET_QUERY_PARAMETERS])
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    netloc = host if port is None else f"{host}:{port}"
    url = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), kept, ""))
    return Endpoint(url, headers, name)
