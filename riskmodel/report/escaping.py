"""Escaping user strings for the destination they are written to: Markdown and CSV.

Names, notes, reasons and owners come from scenario files, cluster dumps and review sessions,
that is from anyone. In the Markdown export they must stay text: HTML is escaped (no
``<script>``, no ``<img onerror>``), Markdown punctuation is backslash-escaped (no links, images
or emphasis), a line break becomes a space (no heading or list injected through a newline) and
a ``javascript:``/``vbscript:``/``data:`` scheme loses its colon. In the CSV export a cell that a
spreadsheet would take for a formula (``= + - @``, or a leading tab or carriage return) gets a
leading single quote, OWASP's advice; plain numbers such as ``-2413.00`` stay numbers.
"""

from __future__ import annotations

import html
import re

_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+!|~])")
_SCRIPT_SCHEME = re.compile(r"\b(javascript|vbscript|data)\s*:", re.IGNORECASE)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def markdown_text(text: str) -> str:
    """``text`` as literal text on one line of Markdown (a paragraph, a table cell, a heading)."""
    flat = _CONTROL.sub("", _LINE_BREAKS.sub(" ", text))
    escaped = _MARKDOWN_PUNCTUATION.sub(r"\\\1", html.escape(flat, quote=False))
    return _SCRIPT_SCHEME.sub(lambda match: f"{match[1]}&#58;", escaped)


def code_fence(text: str, info: str = "") -> str:
    """``text`` in a fenced code block whose fence is longer than any run of backticks inside,
    so no line of ``text`` can close it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def csv_cell(value: object) -> object:
    """``value`` safe to open in a spreadsheet: a string that would start a formula gets a
    leading ``'``; numbers and other values pass unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def csv_row(values: list[object] | tuple[object, ...]) -> list[object]:
    return [csv_cell(value) for value in values]


__all__ = ["code_fence", "csv_cell", "csv_row", "markdown_text"]
