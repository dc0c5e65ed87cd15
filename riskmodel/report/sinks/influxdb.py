"""The ``influxdb:`` sink: InfluxDB 1.x line protocol over HTTP, one ``POST /write`` per batch.

URI: ``influxdb:http[s]://[USER:PASSWORD@]HOST:PORT/[?db=NAME][&rp=POLICY][&u=USER&p=PASSWORD][&timeout=10s]``
(database default ``k8s``, as Heapster's). Measurements are Heapster-style names
(``risk/eal_per_year``), tags as :mod:`.figures` gives them, one field ``value`` (Heapster's
default schema), second-precision timestamps. Credentials go in the ``Authorization`` header,
never in the request URL, and never into a message. A database that does not exist yet is
created (``CREATE DATABASE``, as Heapster's sink did) and the batch written again.

All points of a batch share one timestamp, so a batch written twice (a retry after a timeout
the server had in fact served) overwrites its own points: InfluxDB keeps one point per series
and time.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

import requests

from riskmodel.errors import InputError
from riskmodel.report.sinks.base import SinkError, parse_duration_seconds, redact, scrub
from riskmodel.report.sinks.figures import Batch, Figure

DEFAULT_DATABASE = "k8s"
DEFAULT_TIMEOUT_SECONDS = 10.0
QUERY_KEYS = frozenset({"db", "rp", "u", "p", "timeout"})


def _escape(text: str, specials: str) -> str:
    text = text.replace("\\", "\\\\")
    for char in specials:
        text = text.replace(char, "\\" + char)
    return text.replace("\n", "\\n")


def point_line(figure: Figure, timestamp_seconds: int) -> str:
    """One line of line protocol: ``measurement,tag=v,… value=1.5 1732600000`` (seconds)."""
    measurement = _escape(figure.metric, ", ")
    tags = "".join(f",{_escape(key, ',= ')}={_escape(value, ',= ')}" for key, value in figure.tags)
    return f"{measurement}{tags} value={figure.value!r} {timestamp_seconds}"


def batch_body(batch: Batch) -> str:
    seconds = batch.timestamp_ns // 1_000_000_000
    return "\n".join(point_line(figure, seconds) for figure in batch.figures) + "\n"


class InfluxDBSink:
    keeps_history = True

    def __init__(self, uri: str) -> None:
        parts = urlsplit(uri)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InputError("--sink", f"expected influxdb:http://HOST:PORT/?db=NAME, got {redact('influxdb:' + uri)}")
        query = dict(parse_qsl(parts.query))
        unknown = sorted(set(query) - QUERY_KEYS)
        if unknown:
            raise InputError("--sink", f"{redact('influxdb:' + uri)}: unknown option(s) {', '.join(unknown)}; "
                             f"expected {', '.join(sorted(QUERY_KEYS))}")
        try:
            port = parts.port
        except ValueError:
            raise InputError("--sink", f"{redact('influxdb:' + uri)}: the port is not a number") from None
        user = unquote(parts.username) if parts.username else query.get("u")
        password = unquote(parts.password) if parts.password else query.get("p")
        self.database = query.get("db", DEFAULT_DATABASE)
        self.retention_policy = query.get("rp")
        self.timeout_seconds = (parse_duration_seconds(query["timeout"], "--sink influxdb: timeout")
                                if "timeout" in query else DEFAULT_TIMEOUT_SECONDS)
        host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        netloc = f"{host}:{port}" if port else host
        self.base_url = urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
        self.name = redact("influxdb:" + uri)
        self._secrets = tuple(s for s in (password, parts.password, query.get("p")) if s)
        self._session = requests.Session()
        if user is not None:
            self._session.auth = (user, password or "")

    def _post(self, path: str, params: dict[str, str], body: str) -> requests.Response:
        try:
            return self._session.post(f"{self.base_url}{path}", params=params, data=body.encode("utf-8"),
                                      timeout=self.timeout_seconds)
        except requests.Timeout:
            raise SinkError(f"{self.name}: no answer within {self.timeout_seconds:g} s") from None
        except requests.ConnectionError as error:
            reason = "connection refused" if "refused" in str(error).lower() else "cannot connect"
            raise SinkError(f"{self.name}: {reason} ({self.base_url})") from None
        except requests.RequestException as error:
            raise SinkError(scrub(f"{self.name}: {type(error).__name__}: {error}", self._secrets)) from None

    def _refusal(self, response: requests.Response) -> str:
        try:
            detail = str(response.json().get("error", ""))
        except ValueError:
            detail = response.text[:200]
        return scrub(f"HTTP {response.status_code}: {detail.strip() or response.reason}", self._secrets)

    def _create_database(self) -> None:
        quoted = self.database.replace("\\", "\\\\").replace('"', '\\"')
        response = self._post("/query", {"q": f'CREATE DATABASE "{quoted}"'}, "")
        if response.status_code != 200:
            raise SinkError(f"{self.name}: database {self.database!r} missing and could not be created "
                            f"({self._refusal(response)})")

    def write(self, batch: Batch) -> int:
        params = {"db": self.database, "precision": "s"}
        if self.retention_policy:
            params["rp"] = self.retention_policy
        body = batch_body(batch)
        response = self._post("/write", params, body)
        if response.status_code == 404 and "database not found" in response.text:
            self._create_database()
            response = self._post("/write", params, body)
        if response.status_code != 204:
            raise SinkError(f"{self.name}: write refused, {self._refusal(response)}")
        return len(batch.figures)

    def close(self) -> None:
        self._session.close()


def open_sink(argument: str) -> InfluxDBSink:
    return InfluxDBSink(argument)
