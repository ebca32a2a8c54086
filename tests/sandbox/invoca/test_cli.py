"""``python -m sandbox invoca``: starts, prints its tokens, answers, stops."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_cli_serves_the_api_until_terminated():
    port = free_port()
    command = [
        sys.executable, "-m", "sandbox", "invoca", "--port", str(port), "--size", "60",
        "--now", "2015-03-28T19:00:00+00:00", "--over-limit", "error", "--token", "cli-token",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}/api/2020-10-01/networks/transactions/33.json"
        deadline = time.monotonic() + 30
        while True:
            try:
                response = requests.get(
                    url, params={"limit": 2}, headers={"Authorization": "cli-token"}, timeout=5
                )
                break
            except requests.ConnectionError:
                assert process.poll() is None, process.stdout.read() if process.stdout else ""
                assert time.monotonic() < deadline, "the emulator did not start"
                time.sleep(0.1)
        assert response.status_code == 200
        assert len(response.json()) == 2
        limit = requests.get(url, params={"limit": 4001}, headers={"Authorization": "cli-token"}, timeout=5)
        assert limit.status_code == 403
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert "network    33       token cli-token" in output
    assert "token cli-token-advertiser-" in output
    assert "listening on http://127.0.0.1:" in output


def test_cli_rejects_bad_options():
    command = [sys.executable, "-m", "sandbox", "invoca", "--port", "1", "--timezone", "Mars/Olympus"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert "unknown time zone" in result.stderr


def test_cli_help_names_the_emulator():
    result = subprocess.run(
        [sys.executable, "-m", "sandbox", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert "Emulator of the Invoca Transactions API." in result.stdout
