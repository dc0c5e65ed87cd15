"""Reading fields of raw Kubernetes objects (dicts from JSON/YAML) with exact error places.

Plain dict access with explicit checks keeps the parser fast on 100,000-object dumps; every
problem becomes an :class:`~riskmodel.errors.InputError` naming the file and the field path
(``items[3].status.conditions[1].lastTransitionTime``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from riskmodel.errors import FieldPath, InputError
from riskmodel.model.quantity import cpu_millicores, memory_bytes, resource_count
from riskmodel.model.scenario import NAME_MAX_LENGTH, NAME_PATTERN

_NAME = re.compile(NAME_PATTERN)


class Place:
    """Where an object sits: its file and its field path inside that file.

    Built lazily (a parent plus the parts below it) because a large dump creates a million
    of these and only the ones that end up in an error message need their full path.
    """

    __slots__ = ("file", "_parent", "_parts")

    def __init__(self, file: str, path: FieldPath, parent: Place | None = None) -> None:
        self.file = file
        self._parent = parent
        self._parts = path

    @property
    def path(self) -> FieldPath:
        return (self._parent.path if self._parent is not None else ()) + self._parts

    def at(self, *parts: str | int) -> Place:
        return Place(self.file, parts, self)

    def error(self, message: str, *parts: str | int) -> InputError:
        return InputError(self.file, message, field=self.path + parts)


def mapping(obj: dict[str, Any], key: str, place: Place, *, required: bool = False) -> dict[str, Any]:
    """``obj[key]`` as a dict; absent/null gives ``{}`` unless required."""
    value = obj.get(key)
    if value is None:
        if required:
            raise place.error(f"missing required field {key!r}", key)
        return {}
    if not isinstance(value, dict):
        raise place.error(f"expected an object, got {type(value).__name__}", key)
    return value


def sequence(obj: dict[str, Any], key: str, place: Place) -> list[Any]:
    """``obj[key]`` as a list; absent/null gives ``[]``."""
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise place.error(f"expected a list, got {type(value).__name__}", key)
    return value


def objects(obj: dict[str, Any], key: str, place: Place) -> list[tuple[dict[str, Any], Place]]:
    """``obj[key]`` as a list of objects, each with its place; an entry that is not an object
    is an error naming it (``spec.selector.matchExpressions[0]``)."""
    found = []
    for index, value in enumerate(sequence(obj, key, place)):
        at = place.at(key, index)
        if not isinstance(value, dict):
            raise at.error(f"expected an object, got {type(value).__name__}")
        found.append((value, at))
    return found


def strings(obj: dict[str, Any], key: str, place: Place) -> tuple[str, ...]:
    """``obj[key]`` as a list of strings (selector ``values``); absent/null gives ``()``."""
    values = sequence(obj, key, place)
    for index, value in enumerate(values):
        if not isinstance(value, str):
            raise place.error(f"expected a string, got {value!r}", key, index)
    return tuple(values)


def text(obj: dict[str, Any], key: str, place: Place, *, required: bool = False) -> str:
    """``obj[key]`` as a string; absent gives ``''`` unless required."""
    value = obj.get(key)
    if value is None or value == "":
        if required:
            raise place.error(f"missing required field {key!r}", key)
        return ""
    if not isinstance(value, str):
        raise place.error(f"expected a string, got {value!r}", key)
    return value


def checked_text(value: Any) -> str | None:
    """What :func:`text` gives for a field's ``value`` ('' when absent or empty), or None where it
    would raise; for readers that build the error's place only when there is one."""
    if value is None or value == "":
        return ""
    return value if isinstance(value, str) else None


def is_name(value: str) -> bool:
    """Whether ``value`` is a name a scenario can hold (see :func:`object_name`)."""
    return 0 < len(value) <= NAME_MAX_LENGTH and _NAME.match(value) is not None


def object_name(obj: dict[str, Any], key: str, place: Place, *, required: bool = False) -> str:
    """``obj[key]`` as an object name (``metadata.name``, ``spec.nodeName``): what a scenario can
    name, letters, digits and ``. _ / : -`` inside, at most 253 characters; absent gives ``''``."""
    value = text(obj, key, place, required=required)
    if value and not is_name(value):
        raise place.error(f"expected a name of letters, digits and '. _ / : -' inside (at most {NAME_MAX_LENGTH} "
                          f"characters), got {value[:80]!r}", key)
    return value


def integer(obj: dict[str, Any], key: str, place: Place) -> int | None:
    """``obj[key]`` as a non-negative int, or None when absent."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise place.error(f"expected a whole number >= 0, got {value!r}", key)
    return value


def timestamp(obj: dict[str, Any], key: str, place: Place) -> datetime | None:
    """An RFC 3339 time (``2019-01-15T17:36:51Z``, micro-times too) as aware UTC, or None."""
    value = obj.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, datetime):  # YAML loads unquoted timestamps itself
        value = value.isoformat() if value.tzinfo is not None else value.replace(tzinfo=UTC).isoformat()
    if not isinstance(value, str):
        raise place.error(f"expected an RFC 3339 time such as '2024-05-01T12:00:00Z', got {value!r}", key)
    parsed = _utc(value)
    if isinstance(parsed, str):
        raise place.error(parsed, key)
    return parsed


def checked_time(value: Any) -> tuple[bool, datetime | None]:
    """(True, what :func:`timestamp` gives for ``value``), or (False, None) where it would raise
    (or where YAML gave a datetime); for readers that build the error's place only when needed."""
    if value is None or value == "":
        return True, None
    parsed = _utc(value) if isinstance(value, str) else ""
    return (False, None) if isinstance(parsed, str) else (True, parsed)


@lru_cache(maxsize=65536)
def _utc(value: str) -> datetime | str:
    """The time as aware UTC, or what is wrong with it; remembered, since heartbeats and event
    times of one capture repeat across thousands of nodes."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return f"expected an RFC 3339 time such as '2024-05-01T12:00:00Z', got {value!r}"
    if parsed.tzinfo is None:
        return f"expected a time with a zone ('Z' or '+00:00'), got {value!r}"
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # '0001-01-01T00:00:00+01:00' lies before year 1 in UTC
        return f"expected a time between the years 1 and 9999 in UTC, got {value!r}"


@lru_cache(maxsize=4096)
def _cpu(value: str | int | float) -> float:
    return cpu_millicores(value)


@lru_cache(maxsize=4096)
def _memory(value: str | int | float) -> int:
    return memory_bytes(value)


@lru_cache(maxsize=4096)
def _count(value: str | int | float) -> float:
    return resource_count(value)


def is_byte_resource(key: str) -> bool:
    """Resources measured in bytes: memory, ephemeral-storage, hugepages-2Mi …"""
    return key in ("memory", "ephemeral-storage") or key.startswith("hugepages-")


def _parsed(resources: dict[str, Any], key: str, place: Place, parse: Any, example: str) -> float:
    value = resources.get(key)
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise place.error(f"expected a Kubernetes quantity such as {example}, got {value!r}", key)
    try:
        return float(parse(value))
    except ValueError as error:
        raise place.error(str(error), key) from None


def quantity(resources: dict[str, Any], key: str, place: Place) -> float:
    """A cpu (millicores) or memory (bytes) quantity from a resource map; absent is 0.

    Values repeat across thousands of pods, so parsed quantities are cached.
    """
    return _parsed(resources, key, place, _cpu if key == "cpu" else _memory, "'500m' or '1Gi'")


def checked_quantity(key: str, value: Any) -> float | None:
    """What :func:`quantity` gives for a present ``value`` of ``key`` (cpu, else bytes), or None
    where it would raise; for readers that build the error's place only when there is one."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    try:
        return float((_cpu if key == "cpu" else _memory)(value))
    except ValueError:
        return None


def amount(resources: dict[str, Any], key: str, place: Place) -> float:
    """Any resource of a resource map in its unit: cpu in millicores, byte resources in bytes,
    extended resources (``nvidia.com/gpu``) as counts; absent is 0."""
    if not isinstance(key, str):
        raise place.error(f"expected a resource name, got {key!r}", str(key))
    if key == "cpu" or is_byte_resource(key):
        return quantity(resources, key, place)
    return _parsed(resources, key, place, _count, "'1' or '2Mi'")


def labels_of(metadata: dict[str, Any], place: Place, key: str = "labels") -> dict[str, str]:
    """``metadata.labels`` as str → str."""
    labels = mapping(metadata, key, place)
    for name, value in labels.items():
        if not isinstance(name, str):
            raise place.error(f"expected a string name, got {name!r}", key, str(name))
        if not isinstance(value, str):
            raise place.error(f"expected a string label value, got {value!r}", key, name)
    return labels


CLOCK_SKEW_SECONDS = 300.0
"""Timestamps up to this far after the reference time are accepted (clocks drift)."""


class ParseContext:
    """What one read collects besides the records: reported skips and notes, tallied.

    A dump can hold 100,000 events; one line per reason ("12 events skipped: …, e.g. a, b")
    keeps the report readable while still saying what and why.
    """

    def __init__(self, reference_time: datetime) -> None:
        self.reference_time = reference_time
        self._skipped: dict[str, list[str]] = {}
        self._notes: dict[str, list[str]] = {}

    def skip(self, why: str, what: str) -> None:
        self._skipped.setdefault(why, []).append(what)

    def note(self, what: str, example: str) -> None:
        self._notes.setdefault(what, []).append(example)

    def in_future(self, moment: datetime | None) -> bool:
        """True when ``moment`` lies after the reference time by more than the clock skew."""
        return moment is not None and (moment - self.reference_time).total_seconds() > CLOCK_SKEW_SECONDS

    @staticmethod
    def _lines(tally: dict[str, list[str]]) -> list[str]:
        lines = []
        for message, examples in tally.items():
            unique = list(dict.fromkeys(examples))
            shown = ", ".join(unique[:3]) + (", …" if len(unique) > 3 else "")
            lines.append(f"{len(examples)} × {message} (e.g. {shown})")
        return lines

    def skipped_lines(self) -> list[str]:
        return self._lines(self._skipped)

    def note_lines(self) -> list[str]:
        return self._lines(self._notes)
