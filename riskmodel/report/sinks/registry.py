"""``--sink`` URIs to sinks: the scheme picks the module (imported on first use, so ``log`` never
pays for ``requests`` or ``prometheus-client``), as :mod:`riskmodel.sources.registry` does for
sources. Adding a sink touches its module and one line here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable

from riskmodel.errors import InputError
from riskmodel.report.sinks.base import Sink, redact

Opener = Callable[[str], Sink]
"""Takes what follows ``scheme:`` in the URI; checks it (InputError) and returns a ready sink."""

_BUILTIN: dict[str, str] = {
    "log": "riskmodel.report.sinks.log:open_sink",
    "file": "riskmodel.report.sinks.file:open_sink",
    "influxdb": "riskmodel.report.sinks.influxdb:open_sink",
    "prometheus": "riskmodel.report.sinks.prometheus:open_sink",
}
_OPENERS: dict[str, Opener] = {}


def register(scheme: str, opener: Opener) -> None:
    """Make ``scheme:`` URIs open with ``opener`` (also to add a sink in tests)."""
    _OPENERS[scheme] = opener


def schemes() -> list[str]:
    return sorted(set(_BUILTIN) | set(_OPENERS))


def opener_for(scheme: str) -> Opener:
    if scheme in _OPENERS:
        return _OPENERS[scheme]
    if scheme not in _BUILTIN:
        raise InputError("--sink", f"unknown sink {scheme!r}; expected one of: {', '.join(schemes())}")
    module_name, function = _BUILTIN[scheme].split(":")
    opener: Opener = getattr(importlib.import_module(module_name), function)
    _OPENERS[scheme] = opener
    return opener


def open_sink(uri: str) -> Sink:
    """``log``, ``file:PATH``, ``influxdb:URL`` or ``prometheus:[ADDRESS:]PORT`` → its sink."""
    scheme, _, rest = uri.partition(":")
    if not scheme:
        raise InputError("--sink", f"expected SCHEME[:ARGUMENT] such as log or file:risk.jsonl, got {redact(uri)!r}")
    return opener_for(scheme)(rest)


def open_sinks(uris: Iterable[str]) -> list[Sink]:
    """Every sink, or none: if one URI is bad, those already opened are closed again."""
    sinks: list[Sink] = []
    try:
        for uri in uris:
            sinks.append(open_sink(uri))
    except BaseException:
        for sink in sinks:
            sink.close()
        raise
    return sinks
