"""One error family for everything a user can get wrong.

Every message names the place (file, line, field path) and what was expected, so that the
CLI and the app can show it as it is, without a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

FieldPath = tuple[str | int, ...]


def format_field_path(path: FieldPath) -> str:
    """Render ``("nodes", 3, "zone")`` as ``nodes[3].zone``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


class RiskModelError(ValueError):
    """Base of every error the workbench reports to a user."""


class InputError(RiskModelError):
    """One problem in one input file, at a line and/or field path."""

    def __init__(
        self,
        file: str,
        message: str,
        *,
        line: int | None = None,
        field: FieldPath | str | None = None,
    ) -> None:
        self.file = file
        self.message = message
        self.line = line
        self.field = format_field_path(field) if isinstance(field, tuple) else field
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.field:
            return f"{where}: {self.field}: {self.message}"
        return f"{where}: {self.message}"


class InputErrors(RiskModelError):
    """Several problems found in one pass, reported together so a user can fix them all."""

    def __init__(self, errors: Sequence[InputError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(error) for error in self.errors))

    @classmethod
    def raise_if_any(cls, errors: Iterable[InputError]) -> None:
        """Raise one InputErrors holding ``errors``, if there are any."""
        collected = list(errors)
        if collected:
            raise cls(collected)


class SourceUnavailable(RiskModelError):
    """A data source (live cluster, Prometheus) could not be read; the last snapshot stays."""
