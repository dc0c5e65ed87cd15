"""Text for the terminal: control characters shown, never obeyed.

A key or name from an input file can hold ``ESC [ …`` (an ANSI escape that recolours, moves the
cursor or retitles the window), a carriage return that overwrites the line before it, or a
bell. Every error message the CLI prints goes through :func:`terminal_text`, which writes such
characters as visible escapes (``\\x1b``); line breaks and tabs between messages stay.
"""

from __future__ import annotations

import re
import sys

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_text(text: str) -> str:
    """``text`` with C0/C1 control characters (ESC, CR, BEL …) and bidi overrides escaped."""
    return _CONTROL.sub(_visible, text)


def print_error(message: object) -> None:
    """One error message on stderr, escaped for the terminal."""
    print(terminal_text(str(message)), file=sys.stderr)


__all__ = ["print_error", "terminal_text"]
