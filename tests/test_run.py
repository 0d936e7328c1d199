"""``swoop run`` with Slack configured (HTTP mode): the server answers /healthz, /metrics and
refuses unsigned Slack requests, and SIGTERM stops it cleanly."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str, data: bytes | None = None) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, data=data, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_run_serves_health_metrics_and_signed_slack_events(sample_db: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "SWOOP_DATABASE_URL": f"sqlite+aiosqlite:///{sample_db}",
        "SWOOP_HTTP_PORT": str(port),
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": "test-signing-secret",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "adapters.cli", "run"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = get(f"{base}/healthz")
                break
            except OSError:
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "swoop run did not start"
                time.sleep(0.2)
        assert status == 200 and json.loads(body)["status"] == "ok"
        status, body = get(f"{base}/metrics")
        assert status == 200 and "swoop_total_queries 0" in body
        status, _ = get(f"{base}/slack/events", data=b'{"type":"url_verification"}')
        assert status == 401
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Slack (HTTP events at /slack/events)" in err
    assert "xoxb-test-token" not in out + err and "test-signing-secret" not in out + err
