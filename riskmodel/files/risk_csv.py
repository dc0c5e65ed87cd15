"""Reading the CSV files teams keep their risk lists in: rows with line numbers, checked numbers.

Spreadsheets export CSV with a byte-order mark, quoted cells, thousands separators and
``$`` signs (``"$1,000,000"``) and trailing empty columns; all of that is read. What cannot
be read is an :class:`~riskmodel.errors.InputError` naming the file, the line and the
column, every problem of the file at once. Blank lines are not rows.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from riskmodel.errors import InputError, InputErrors
from riskmodel.files.yamlfile import MAX_INPUT_BYTES

TRUE_WORDS = frozenset({"yes", "y", "true", "1", "x", "accepted"})
FALSE_WORDS = frozenset({"no", "n", "false", "0", ""})
T = TypeVar("T")


@dataclass(frozen=True)
class CsvRow:
    """One data row: its 1-based line in the file and its cells by column name."""

    line: int
    cells: dict[str, str]
    problem: str = ""
    """Why the row cannot be read as a whole (a wrong number of cells); its cells are then empty."""


def _text(path: Path, max_bytes: int) -> str:
    if not path.is_file():
        raise InputError(str(path), "file not found; expected a CSV file")
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(str(path), f"file is {size:,} bytes, over the {max_bytes:,}-byte limit")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(str(path), f"expected UTF-8 text, found undecodable byte at offset {error.start}") from None
    if not text.strip():
        raise InputError(str(path), "file is empty; expected CSV rows")
    return text


def _normalise(name: str) -> str:
    return name.strip().lower()


def read_rows(path: Path, columns: Sequence[str], *, header_required: bool = True,
              max_bytes: int = MAX_INPUT_BYTES) -> list[CsvRow]:
    """The data rows of a CSV file with ``columns`` (a row with the wrong number of cells says so
    in its ``problem``; :func:`collect` reports it with the other rows' problems).

    With ``header_required`` the first non-blank line must name every column (any order,
    any case; extra columns are an error naming them). Without it a first line equal to the
    column names is a header, and otherwise every line is data in ``columns`` order (as
    riskquant writes its input files).
    """
    file = str(path)
    lines = list(csv.reader(io.StringIO(_text(path, max_bytes))))
    numbered = [(number, [cell.strip() for cell in row]) for number, row in enumerate(lines, start=1)
                if any(cell.strip() for cell in row)]
    if not numbered:
        raise InputError(file, f"no rows; expected columns {','.join(columns)}")
    wanted = [_normalise(c) for c in columns]
    first_line, first = numbered[0]
    while first and not first[-1]:
        first = first[:-1]
    if [_normalise(c) for c in first] == wanted or header_required:
        order = [_normalise(c) for c in first]
        missing = [c for c in wanted if c not in order]
        extra = [c for c in first if _normalise(c) not in wanted]
        if missing or extra:
            problems = (f"missing column(s) {', '.join(missing)}" if missing else "") + \
                ("; " if missing and extra else "") + (f"unknown column(s) {', '.join(extra)}" if extra else "")
            raise InputError(file, f"header {','.join(first)!r}: {problems}; expected columns {','.join(columns)}",
                             line=first_line)
        rows, width = numbered[1:], order
    else:
        rows, width = numbered, wanted
    result: list[CsvRow] = []
    for number, row in rows:
        while len(row) > len(width) and not row[-1]:
            row = row[:-1]
        if len(row) != len(width):
            result.append(CsvRow(number, {}, f"{len(row)} cells; expected {len(width)} ({','.join(columns)})"))
            continue
        result.append(CsvRow(number, dict(zip(width, row, strict=True))))
    if not result:
        raise InputError(file, f"a header but no data rows; expected rows of {','.join(columns)}")
    return result


class RowReader:
    """Reads the cells of one row, keeping every cell's problem, so a row reports them all."""

    def __init__(self, file: str, row: CsvRow) -> None:
        self.file, self.row = file, row
        self.errors: list[InputError] = []

    def _error(self, column: str, message: str) -> None:
        self.errors.append(InputError(self.file, message, line=self.row.line, field=column))

    def number(self, column: str, what: str, *, low: float = 0.0, low_inclusive: bool = True,
               high: float | None = None) -> float:
        """A finite number within bounds (``$``, thousands separators and ``%`` allowed); NaN if not."""
        raw = self.row.cells[column]
        text = raw.replace("$", "").replace(",", "").replace("%", "").strip()
        try:
            value = float(text)
        except ValueError:
            self._error(column, f"expected {what}, got {raw!r}")
            return math.nan
        below = value < low if low_inclusive else value <= low
        if not math.isfinite(value) or below or (high is not None and value > high):
            bound = f"{'≥' if low_inclusive else '>'} {low:g}" + (f" and ≤ {high:g}" if high is not None else "")
            self._error(column, f"expected {what} {bound}, got {raw!r}")
            return math.nan
        return value

    def flag(self, column: str) -> bool:
        """A yes/no cell: yes, y, true, 1, x, accepted, or no, n, false, 0, empty (any case)."""
        raw = self.row.cells[column]
        word = raw.strip().lower()
        if word not in TRUE_WORDS | FALSE_WORDS:
            self._error(column, f"expected yes or no (true/false, 1/0, x or empty), got {raw!r}")
        return word in TRUE_WORDS

    def text(self, column: str, what: str) -> str:
        """A non-empty text cell."""
        value = self.row.cells[column]
        if not value:
            self._error(column, f"expected {what}, got an empty cell")
        return value

    def done(self) -> None:
        """Raise the row's problems, if any."""
        InputErrors.raise_if_any(self.errors)


def collect(file: str, rows: Sequence[CsvRow], parse: Callable[[CsvRow], T]) -> list[T]:
    """``parse(row)`` of every row, with the problems of every row reported together."""
    errors: list[InputError] = []
    parsed: list[T] = []
    for row in rows:
        if row.problem:
            errors.append(InputError(file, row.problem, line=row.line))
            continue
        try:
            parsed.append(parse(row))
        except InputErrors as problem:
            errors.extend(problem.errors)
        except InputError as problem:
            errors.append(problem)
    InputErrors.raise_if_any(errors)
    return parsed


__all__ = ["CsvRow", "RowReader", "collect", "read_rows"]
