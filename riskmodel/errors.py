"""One error family for everything a user can get wrong.

Every message names the place (file, line, field path) and what was expected, so that the
CLI and the app can show it as it is, without a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

FieldPath = tuple[str | int, ...]

REDACTED = "***"
SECRET_QUERY_KEYS = frozenset({
    "access_token", "token", "id_token", "refresh_token", "api_key", "api-key", "apikey", "key", "password",
    "passwd", "pwd", "pw", "p", "secret", "client_secret", "auth", "authorization", "sig", "signature",
    "x-amz-signature", "x-goog-signature"})
"""Query parameters whose value is a credential (InfluxDB 1.x takes its password as ``p``)."""
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#\s]+)@")
_SECRET_PARAMETER = re.compile(
    r"(?P<name>[?&;](?:" + "|".join(sorted((re.escape(k) for k in SECRET_QUERY_KEYS), key=len, reverse=True))
    + r")=)[^&#\s'\"]*",
    re.IGNORECASE,
)
_AUTHORIZATION = re.compile(r"\b(?P<scheme>Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{4,}", re.IGNORECASE)


def _userinfo(match: re.Match[str], keep_user: bool) -> str:
    user, colon, _ = match["userinfo"].partition(":")
    if not keep_user:
        return match["scheme"]
    return f"{match['scheme']}{user}:{REDACTED}@" if colon else match[0]


def redact(text: str, *, keep_user: bool = False) -> str:
    """``text`` with the secrets URIs carry replaced by ``***``.

    ``scheme://user:password@host`` becomes ``scheme://host`` (the whole user part goes: a token
    alone may be the user), or with ``keep_user`` ``scheme://user:***@host`` (a sink's name,
    where the user says which account writes); query parameters that carry credentials
    (:data:`SECRET_QUERY_KEYS`) lose their values, and ``Bearer …`` / ``Basic …`` their token.
    Every message of the RiskModelError family passes through here, and so does every source
    and sink name that reaches an output; use it wherever else a URI is printed.
    """
    if "@" in text:
        text = _USERINFO.sub(lambda match: _userinfo(match, keep_user), text)
    if "=" in text:
        text = _SECRET_PARAMETER.sub(lambda match: f"{match['name']}{REDACTED}", text)
    return _AUTHORIZATION.sub(lambda match: f"{match['scheme']} {REDACTED}", text)


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
    """Base of every error the workbench reports to a user; its message never holds a secret."""

    def __init__(self, *args: object) -> None:
        super().__init__(*(redact(arg) if isinstance(arg, str) else arg for arg in args))


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
        self.file = redact(file)
        self.message = redact(message)
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
