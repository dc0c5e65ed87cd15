"""Data sources: each turns one kind of input into the same topology and evidence records.

Selected like Heapster's ``--sink=`` flags, by repeatable URIs: ``file:DIR_OR_FILE``,
``kube[:CONTEXT]``, ``prometheus:URL`` (or a scraped ``/metrics`` file), ``heapster:FILE``,
``logs:PATH`` (node logs judged by node-problem-detector's rule files).
The registry maps a scheme to its reader (as node-problem-detector's exporters registry
does); readers are imported on first use so that ``file`` never pays for the kube client.
Adding a source touches its module and one line here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable

from riskmodel.errors import InputError
from riskmodel.sources.dump import ClusterDump

Reader = Callable[[str], ClusterDump]
"""A reader takes what follows ``scheme:`` in the URI and returns one complete read."""

_BUILTIN: dict[str, str] = {
    "file": "riskmodel.sources.file:read_uri",
    "kube": "riskmodel.sources.kube:read_uri",
    "prometheus": "riskmodel.sources.prometheus:read_uri",
    "heapster": "riskmodel.sources.heapster:read_uri",
    "logs": "riskmodel.sources.npd_logs:read_uri",
}
_LENIENT: frozenset[str] = frozenset({"file"})
"""Readers that report a bad file and read the rest unless asked to be strict."""
_READERS: dict[str, Reader] = {}


def register(scheme: str, reader: Reader) -> None:
    """Make ``scheme:`` URIs read by ``reader`` (also to override a built-in in tests)."""
    _READERS[scheme] = reader


def schemes() -> list[str]:
    return sorted(set(_BUILTIN) | set(_READERS))


def reader_for(scheme: str) -> Reader:
    if scheme in _READERS:
        return _READERS[scheme]
    if scheme not in _BUILTIN:
        raise InputError("--source", f"unknown source {scheme!r}; expected one of: {', '.join(schemes())}")
    module_name, function = _BUILTIN[scheme].split(":")
    reader: Reader = getattr(importlib.import_module(module_name), function)
    _READERS[scheme] = reader
    return reader


def split_uri(uri: str) -> tuple[str, str]:
    """``'kube:prod'`` → ``('kube', 'prod')``; ``'kube'`` → ``('kube', '')``."""
    if "\x00" in uri:
        raise InputError("--source", "the URI contains a NUL byte; expected a URI without one")
    scheme, _, rest = uri.partition(":")
    if not scheme:
        raise InputError("--source", f"expected SCHEME[:ARGUMENT] such as file:dump/ or kube:prod, got {uri!r}")
    return scheme, rest


def read_source(uri: str, strict: bool = False) -> ClusterDump:
    """One read of one source; ``strict`` makes the file source fail on its first bad file."""
    scheme, rest = split_uri(uri)
    reader = reader_for(scheme)
    if scheme in _LENIENT and reader.__module__ == _BUILTIN[scheme].split(":")[0]:
        return reader(rest, strict=strict)  # type: ignore[call-arg]
    return reader(rest)


def read_sources(uris: Iterable[str], strict: bool = False) -> ClusterDump:
    """Every source read in turn and merged; a source that cannot be read fails the whole read."""
    merged = ClusterDump()
    for uri in uris:
        merged = merged.merge(read_source(uri, strict))
    return merged
