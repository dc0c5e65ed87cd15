"""Reading input files at the edge: the path checked, the size bounded, the text decoded.

Every loader and source reads its files through :func:`read_bytes` or :func:`read_text`, so a
missing file, a folder, a device, a NUL byte in the path or a file over the size limit gets
the same clear :class:`~riskmodel.errors.InputError` wherever it is read.
"""

from __future__ import annotations

import os
from pathlib import Path

from riskmodel.errors import InputError

MAX_INPUT_BYTES = 64 * 1024 * 1024
"""Largest input file read (bytes); a generated 1,000-node scenario is well under 10 MiB."""


def checked_path(path: Path | str, label: str | None = None) -> Path:
    """``path`` as a Path, refusing a NUL byte (which no file system allows in a name)."""
    text = os.fspath(path)
    if "\x00" in text:
        shown = text.replace("\x00", "\\x00")
        raise InputError(label or shown, "the path contains a NUL byte; expected a file name")
    return Path(text)


def read_bytes(path: Path | str, max_bytes: int = MAX_INPUT_BYTES, *, label: str | None = None) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; every failure an InputError.

    ``label`` is how messages name the file (default: the path). The size is checked before
    reading and again while reading, so a file that grows (or lies about its size) is cut off.
    """
    path = checked_path(path, label)
    name = label or str(path)
    try:
        if not path.exists():
            raise InputError(name, "file not found")
        if not path.is_file():
            raise InputError(name, "expected a file, found a directory or special file")
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(name, f"file is {size:,} bytes, over the {max_bytes:,}-byte limit; expected a smaller input")
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as error:
        raise InputError(name, f"cannot read: {error.strerror or error}") from None
    if len(data) > max_bytes:
        raise InputError(name, f"file is over the {max_bytes:,}-byte limit; expected a smaller input")
    return data


def decode_utf8(data: bytes, name: str) -> str:
    """UTF-8 text (a byte-order mark dropped); an undecodable byte is named by its offset."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(name, f"expected UTF-8 text, found undecodable byte at offset {error.start}") from None


def read_text(
    path: Path | str, max_bytes: int = MAX_INPUT_BYTES, *, label: str | None = None, expected: str = "a YAML mapping"
) -> str:
    """A UTF-8 input file as text, refusing missing, oversized, binary or empty files."""
    name = label or os.fspath(path).replace("\x00", "\\x00")
    text = decode_utf8(read_bytes(path, max_bytes, label=label), name)
    if not text.strip():
        raise InputError(name, f"file is empty; expected {expected}")
    return text


def write_text(path: Path | str, text: str) -> Path:
    """Write an output file (UTF-8); a NUL byte, a folder in the way or a full disk is an InputError."""
    return write_bytes(path, text.encode("utf-8"))


def write_bytes(path: Path | str, data: bytes) -> Path:
    """Write an output file as given (a PDF, say); the same clear errors as :func:`write_text`."""
    target = checked_path(path, "--output")
    try:
        target.write_bytes(data)
    except OSError as error:
        raise InputError(str(target), f"cannot write: {error.strerror or error}") from None
    return target
