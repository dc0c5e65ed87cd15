"""Real Prometheus and InfluxDB 1.x servers for the sink tests, each on free 127.0.0.1 ports with
its data under a temporary folder, started and stopped by the test (Debian packages
``prometheus`` and ``influxdb``, installed by ``make test`` through scripts/install-monitoring.sh).
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

INFLUXD = shutil.which("influxd")
PROMETHEUS = shutil.which("prometheus")
START_SECONDS = 30.0

needs_influxdb = pytest.mark.skipif(
    INFLUXD is None, reason="Debian package influxdb is not installed (make test installs it as root)")
needs_prometheus = pytest.mark.skipif(
    PROMETHEUS is None, reason="Debian package prometheus is not installed (make test installs it as root)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, timeout: float = 5.0, auth: tuple[str, str] | None = None,
         data: bytes | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data)
    if auth:
        import base64

        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback only
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _wait(check, what: str, timeout: float = START_SECONDS, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
    raise AssertionError(f"{what} did not come up within {timeout:g} s\n{tail}")


class _Server:
    """A server process of this test run: started on its ports, stopped (SIGTERM) by the test."""

    log: Path
    process: subprocess.Popen[bytes] | None = None

    def _start(self, argv: list[str], ready_url: str, ready_status: int, what: str) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(argv, stdout=log, stderr=log)
        _wait(lambda: _get(ready_url, 1.0)[0] == ready_status, what, log=self.log)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(20)
        self.process = None


class InfluxServer(_Server):
    """``influxd run`` with a generated config: loopback binds, meta/data/wal under ``root``,
    reporting and self-monitoring off; optionally with authentication and an admin user."""

    def __init__(self, root: Path, user: str | None = None, password: str | None = None) -> None:
        self.root = root
        self.port = free_port()
        self.rpc_port = free_port()
        self.user, self.password = user, password
        self.log = root / "influxd.log"
        self.config = root / "influxdb.conf"
        self.config.write_text(f"""reporting-enabled = false
bind-address = "127.0.0.1:{self.rpc_port}"
[meta]
  dir = "{root / 'meta'}"
[data]
  dir = "{root / 'data'}"
  wal-dir = "{root / 'wal'}"
  query-log-enabled = false
[monitor]
  store-enabled = false
[subscriber]
  enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:{self.port}"
  auth-enabled = {'true' if user else 'false'}
  log-enabled = false
  pprof-enabled = false
  unix-socket-enabled = false
[logging]
  level = "warn"
  suppress-logo = true
""", encoding="utf-8")
        self._users_made = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        assert INFLUXD is not None
        self._start([INFLUXD, "run", "-config", str(self.config)], f"{self.url}/ping", 204, "influxd")
        if self.user and not self._users_made:  # with no user yet, InfluxDB lets the first admin be made
            self.query(f"CREATE USER \"{self.user}\" WITH PASSWORD '{self.password}' WITH ALL PRIVILEGES", post=True,
                       auth=False)
            self._users_made = True

    def query(self, q: str, db: str | None = None, post: bool = False, auth: bool = True,
              missing_ok: bool = False) -> dict[str, Any]:
        """One InfluxQL statement; with ``missing_ok``, a database not created yet answers with no series."""
        params = {"q": q, **({"db": db} if db else {})}
        encoded = urllib.parse.urlencode(params)
        credentials = (self.user, self.password) if auth and self.user and self.password else None
        if post:
            status, body = _get(f"{self.url}/query", auth=credentials, data=encoded.encode())
        else:
            status, body = _get(f"{self.url}/query?{encoded}", auth=credentials)
        result = json.loads(body)
        if missing_ok and "database not found" in str(result["results"][0].get("error", "")):
            return {"results": [{"statement_id": 0}]}
        assert status == 200 and "error" not in result["results"][0], (q, status, result)
        return result

    def rows(self, q: str, db: str) -> list[dict[str, Any]]:
        """Every row of every series of one InfluxQL query, as column → value (tags of GROUP BY included);
        none while the database does not exist yet (the sink creates it on its first write)."""
        found = []
        for series in self.query(q, db, missing_ok=True)["results"][0].get("series", []):
            for values in series["values"]:
                found.append({**series.get("tags", {}), "name": series["name"],
                              **dict(zip(series["columns"], values, strict=True))})
        return found


class PrometheusServer(_Server):
    """``prometheus`` scraping ``targets`` every second, its TSDB under ``root``."""

    def __init__(self, root: Path, targets: list[str]) -> None:
        self.root = root
        self.port = free_port()
        self.log = root / "prometheus.log"
        self.config = root / "prometheus.yml"
        listed = ", ".join(f'"{target}"' for target in targets)
        self.config.write_text(f"""global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: riskmodel
    static_configs:
      - targets: [{listed}]
""", encoding="utf-8")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        assert PROMETHEUS is not None
        self._start([PROMETHEUS, f"--config.file={self.config}", f"--storage.tsdb.path={self.root / 'tsdb'}",
                     f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"],
                    f"{self.url}/-/ready", 200, "prometheus")

    def api(self, path: str, **params: str) -> Any:
        status, body = _get(f"{self.url}/api/v1/{path}?{urllib.parse.urlencode(params)}")
        answer = json.loads(body)
        assert status == 200 and answer["status"] == "success", (path, params, answer)
        return answer["data"]

    def instant(self, expr: str) -> list[dict[str, Any]]:
        """The vector of an instant query: ``[{"metric": {...}, "value": [t, "1.5"]}, …]``."""
        return self.api("query", query=expr)["result"]

    def wait_for(self, expr: str, check, timeout: float = 30.0) -> list[dict[str, Any]]:
        """Poll ``expr`` until ``check(result)`` holds (scrapes run every second)."""
        deadline = time.monotonic() + timeout
        result: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            result = self.instant(expr)
            if check(result):
                return result
            time.sleep(0.25)
        raise AssertionError(f"{expr} never satisfied the check within {timeout:g} s; last: {result[:3]}")
