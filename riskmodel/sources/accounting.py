"""Every object an import reads, counted per kind: how many were read, used and skipped, and why.

A reader calls :meth:`Accounting.saw` for each object it reads and :meth:`Accounting.skip`
for each one it (or the translation into a scenario) does not use, with the reason; a file
that could not be read at all is skipped as kind ``File``. ``used`` is read minus skipped, so
the summary accounts for every object by construction.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

FILE_KIND = "File"
"""The kind of a skip that stands for a whole file (not JSON/YAML, unreadable, a log)."""


@dataclass(frozen=True)
class Skip:
    """One object (or file) not used, and why."""

    file: str
    kind: str
    name: str
    reason: str


@dataclass(frozen=True)
class KindCount:
    kind: str
    read: int
    used: int
    skipped: int


@dataclass(frozen=True)
class ImportSummary:
    """What ``import`` prints: per kind read / used / skipped, and each skip with its reason."""

    kinds: tuple[KindCount, ...]
    skipped: tuple[Skip, ...]

    @property
    def read(self) -> dict[str, int]:
        return {k.kind: k.read for k in self.kinds}

    @property
    def used(self) -> dict[str, int]:
        return {k.kind: k.used for k in self.kinds}

    @property
    def files_skipped(self) -> tuple[Skip, ...]:
        return tuple(s for s in self.skipped if s.kind == FILE_KIND)


@dataclass
class Accounting:
    """Mutable tally while one read (and its translation) runs."""

    seen: Counter[str] = field(default_factory=Counter)
    skips: list[Skip] = field(default_factory=list)

    def saw(self, kind: str) -> None:
        self.seen[kind] += 1

    def skip(self, file: str, kind: str, name: str, reason: str) -> None:
        self.skips.append(Skip(file, kind, name, reason))

    def skip_file(self, file: str, reason: str) -> None:
        self.skips.append(Skip(file, FILE_KIND, file.rsplit("/", 1)[-1], reason))

    def merged(self, other: Accounting) -> Accounting:
        return Accounting(self.seen + other.seen, self.skips + other.skips)

    def summary(self) -> ImportSummary:
        skipped = Counter(s.kind for s in self.skips if s.kind in self.seen)
        kinds = tuple(KindCount(kind, count, count - skipped[kind], skipped[kind])
                      for kind, count in sorted(self.seen.items()))
        return ImportSummary(kinds, tuple(self.skips))

    def reason_lines(self, limit: int = 3) -> list[str]:
        """One line per (kind, reason): ``3 × Pod: finished (Succeeded) (e.g. a, b, c)``."""
        grouped: dict[tuple[str, str], list[str]] = {}
        for skip in self.skips:
            grouped.setdefault((skip.kind, skip.reason), []).append(skip.name)
        lines = []
        for (kind, reason), names in grouped.items():
            shown = ", ".join(names[:limit]) + (", …" if len(names) > limit else "")
            lines.append(f"{len(names)} × {kind}: {reason} (e.g. {shown})")
        return lines
