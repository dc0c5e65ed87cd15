"""Listing one collection from the API server: pages, retries, re-lists, and every bound.

The API server hands out a large list in pages (``limit`` + ``metadata.continue``). Around
each page request: an overall :class:`~riskmodel.sources.fetching.Deadline` for the whole read
(one slow byte at a time cannot keep it reading), retries with exponential backoff on answers
that say "later" (429, 5xx; ``Retry-After`` honoured) and on connections reset mid-answer,
a fresh list from the start when a continue token has expired (410 Gone), a cap on pages and
on repeated tokens (a server that hands back the same token would otherwise run us out of
memory), and a body that is JSON of the expected shape or a clear error naming the field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from riskmodel.errors import InputError, SourceUnavailable
from riskmodel.files.jsonfile import parse_json
from riskmodel.sources.fetching import RETRY_STATUSES, Deadline, pause, read_body


@dataclass(frozen=True)
class ListLimits:
    """How one live read is bounded (seconds, counts)."""

    page_size: int = 500
    """Objects per list call: the API server's own default chunk size for kubectl is 500."""
    timeout_seconds: float = 10.0
    """Socket timeout of one request (connect, and each read)."""
    deadline_seconds: float = 120.0
    """The whole read (every collection, every page, every retry) must be done by then."""
    max_pages: int = 2_000
    """Pages per collection, re-lists included: 1,000,000 objects at 500 a page."""
    attempts: int = 4
    """Tries per page for 429, 5xx and reset connections (the first and three retries)."""
    backoff_seconds: float = 0.5
    """Wait before the first retry; doubled for each next one (0.5, 1, 2 s)."""
    max_relists: int = 3
    """Fresh starts after 410 Gone (an expired continue token) per collection."""


class _Gone(Exception):
    """The continue token expired (410): the list must start over."""


def _shape(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def parse_page(body: bytes, where: str) -> tuple[list[dict[str, Any]], str | None]:
    """The items and the continue token of one list page.

    Anything but ``{"items": [{…}, …], "metadata": {"continue": "…"}}`` (items may be null, the
    token absent or empty) is SourceUnavailable naming the field: a top-level array, an item
    that is not an object, JSON nested past the limit, or no JSON at all.
    """
    try:
        page = parse_json(body, where, expected="a Kubernetes List")
    except InputError as error:
        raise SourceUnavailable(str(error)) from None
    if not isinstance(page, dict):
        raise SourceUnavailable(f"{where}: expected a JSON object (a List), got {_shape(page)}")
    items = page.get("items")
    if items is None:
        items = []
    if not isinstance(items, list):
        raise SourceUnavailable(f"{where}: items: expected a list, got {_shape(items)}")
    for position, item in enumerate(items):
        if not isinstance(item, dict):
            raise SourceUnavailable(f"{where}: items[{position}]: expected an object, got {_shape(item)}")
    metadata = page.get("metadata")
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise SourceUnavailable(f"{where}: metadata: expected an object, got {_shape(metadata)}")
    token = metadata.get("continue")
    if token is not None and not isinstance(token, str):
        raise SourceUnavailable(f"{where}: metadata.continue: expected a string, got {_shape(token)}")
    return items, token or None


def _retry_after(error: Any) -> str | None:
    headers = getattr(error, "headers", None)
    value = headers.get("Retry-After") if headers is not None else None
    return value if isinstance(value, str) else None


def _is_reset(error: BaseException) -> bool:
    """A connection the server reset or closed mid-answer (worth a retry; a refusal is not)."""
    import urllib3

    reason = getattr(error, "reason", None) if isinstance(error, urllib3.exceptions.MaxRetryError) else error
    return isinstance(reason, urllib3.exceptions.ProtocolError | ConnectionResetError)


def _page(call: Callable[..., Any], token: str | None, limits: ListLimits, deadline: Deadline, where: str) -> bytes:
    """One page's body, retried on 429/5xx and resets; 410 on a continue token raises _Gone."""
    from kubernetes.client.exceptions import ApiException

    for attempt in range(1, limits.attempts + 1):
        kwargs: dict[str, Any] = {"limit": limits.page_size, "_preload_content": False,
                                  "_request_timeout": deadline.timeout(limits.timeout_seconds)}
        if token:
            kwargs["_continue"] = token
        try:
            response = call(**kwargs)
            try:
                return read_body(response, deadline, where)
            finally:
                response.release_conn()
        except ApiException as error:
            if error.status == 410 and token:
                raise _Gone() from None
            if error.status not in RETRY_STATUSES or attempt == limits.attempts:
                raise
            pause(attempt, limits.backoff_seconds, deadline, _retry_after(error), f"{where}: {error.status} {error.reason}")
        except Exception as error:
            if not _is_reset(error) or attempt == limits.attempts:
                raise
            pause(attempt, limits.backoff_seconds, deadline, None, f"{where}: connection reset")
    raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover


def list_collection(call: Callable[..., Any], what: str, limits: ListLimits, deadline: Deadline) -> list[dict[str, Any]]:
    """Every item of one collection, page by page, within ``limits`` and ``deadline``.

    Errors of the client (refused, forbidden, timed out, retries used up) propagate for the
    caller to explain; the shape of every page, the page cap and the token loop are checked here.
    """
    items: list[dict[str, Any]] = []
    token: str | None = None
    seen: set[str] = set()
    pages = relists = 0
    while True:
        pages += 1
        if pages > limits.max_pages:
            raise SourceUnavailable(f"{what}: more than {limits.max_pages:,} pages of {limits.page_size} objects; "
                                    "expected a smaller collection (or a server that ends its list)")
        try:
            body = _page(call, token, limits, deadline, f"{what} page {pages}")
        except _Gone:
            relists += 1
            if relists > limits.max_relists:
                raise SourceUnavailable(f"{what}: the continue token expired (410 Gone) {relists} times; the "
                                        "collection changes faster than it can be listed") from None
            items, token, seen = [], None, set()
            continue
        page_items, token = parse_page(body, f"{what} page {pages}")
        items.extend(page_items)
        if token is None:
            return items
        if token in seen:
            raise SourceUnavailable(f"{what} page {pages}: metadata.continue repeats an earlier token; "
                                    "stopping instead of listing the same pages forever")
        seen.add(token)
