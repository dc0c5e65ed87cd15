"""The SQLite file under a review store: whose it is, and what a storage fault means to a user.

A review database carries riskmodel's ``PRAGMA application_id`` (:data:`APPLICATION_ID`), so a
store never writes its tables into someone else's SQLite file (an app's ``sessions`` table, a
browser profile) and says so instead. Files from before the id (tables all riskmodel's, a
``schema_version`` row) are adopted. Every ``sqlite3`` failure of a read or a write becomes
one :class:`~riskmodel.review.records.ReviewStoreError` saying what happened in words (the
disk is full, the file system is read-only, the file is damaged, another writer holds the
lock) and what was kept, never a raw ``sqlite3.OperationalError``.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from riskmodel.review.records import ReviewStoreError

APPLICATION_ID = int.from_bytes(b"RskM", "big")
"""``PRAGMA application_id`` of every riskmodel review database (0x52736B4D, "RskM")."""
_SQLITE_OWN = frozenset({"sqlite_sequence", "sqlite_stat1", "sqlite_stat4"})

_EXPLANATIONS = (
    ("SQLITE_FULL", "the disk (or the database's size limit) is full; free some space and try again"),
    ("SQLITE_READONLY", "the database is read-only (file permissions or a read-only file system); "
                        "open a writable copy to record changes"),
    ("SQLITE_CORRUPT", "the database file is damaged; restore it from a backup, or start a new file"),
    ("SQLITE_NOTADB", "the file is not an SQLite database (or is damaged); expected a file written by riskmodel"),
    ("SQLITE_BUSY", "another writer held the database longer than the 15 s wait; try again"),
    ("SQLITE_LOCKED", "another writer held the database longer than the 15 s wait; try again"),
    ("SQLITE_IOERR", "the disk reported an I/O error (full, removed, or failing)"),
    ("SQLITE_CANTOPEN", "the database file cannot be opened (missing folder or no permission)"),
    ("SQLITE_PERM", "permission to the database file was denied"),
)


def explain(error: sqlite3.Error) -> str:
    """A sqlite3 error in words a reviewer can act on (the raw message in brackets)."""
    name = getattr(error, "sqlite_errorname", "") or ""
    for prefix, words in _EXPLANATIONS:
        if name.startswith(prefix):
            return f"{words} ({error})"
    return f"the database failed ({error})"


@contextmanager
def translated(path: Path, action: str, writing: bool) -> Iterator[None]:
    """Run a read or a write; any sqlite3 error leaves as ReviewStoreError naming ``path``.

    A failed write changed nothing (its transaction rolled back): the message says so, so the
    user knows what is kept.
    """
    try:
        yield
    except sqlite3.Error as error:
        kept = "; nothing of this change was written, everything recorded before is kept" if writing else ""
        raise ReviewStoreError(f"{path}: cannot {action}: {explain(error)}{kept}") from None


def schema_names(statements: Iterable[str]) -> frozenset[str]:
    """Tables, views and indexes a schema creates (``CREATE … IF NOT EXISTS name``)."""
    pattern = re.compile(r"CREATE\s+(?:TABLE|VIEW|INDEX)\s+IF\s+NOT\s+EXISTS\s+(\w+)", re.IGNORECASE)
    return frozenset(match.group(1) for statement in statements for match in pattern.finditer(statement))


def check_owner(conn: sqlite3.Connection, path: Path, known: frozenset[str]) -> bool:
    """Refuse a database that is not riskmodel's; True when its schema must still be written.

    Ours: ``application_id`` is :data:`APPLICATION_ID`. New: no tables at all. Older riskmodel:
    id 0, a ``schema_version`` table and no table riskmodel does not know. Anything else is
    someone else's file and is left untouched.
    """
    application_id = conn.execute("PRAGMA application_id").fetchone()[0]
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_autoindex%'")}
    names -= _SQLITE_OWN
    if application_id == APPLICATION_ID:
        return not known <= names
    if application_id != 0:
        raise ReviewStoreError(
            f"{path}: belongs to another application (SQLite application_id {application_id:#010x}, riskmodel's is "
            f"{APPLICATION_ID:#010x}); refusing to write into it. Choose a new path for the review database"
        )
    foreign = sorted(names - known)
    if names and ("schema_version" not in names or foreign):
        shown = ", ".join(foreign or sorted(names))[:200]
        raise ReviewStoreError(
            f"{path}: is not a riskmodel review database (it holds {shown}); refusing to write into it. "
            "Choose a new path for the review database"
        )
    return True
