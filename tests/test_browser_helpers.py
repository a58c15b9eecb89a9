"""The browser tests' server start-up (tests/browser.py): a port taken by another process
between `free_port()` and the server's bind must not fail the suite."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from browser import free_port, serve


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"hello from someone else")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def foreign_ports() -> Iterator[list[int]]:
    """Two ports other processes hold: one answers 200 without our marker, one answers
    with a line that is not HTTP (what a py4j gateway says to a GET)."""
    http_server = HTTPServer(("127.0.0.1", 0), _Hello)
    raw = socket.socket()
    raw.bind(("127.0.0.1", 0))
    raw.listen()

    def not_http() -> None:
        while True:
            try:
                connection, _ = raw.accept()
            except OSError:
                return
            with connection:
                connection.recv(1024)
                connection.sendall(b"!yro\nPy4JException: Unknown command received: GET\n")

    threads = [
        threading.Thread(target=http_server.serve_forever, daemon=True),
        threading.Thread(target=not_http, daemon=True),
    ]
    for thread in threads:
        thread.start()
    yield [raw.getsockname()[1], http_server.server_address[1]]
    http_server.shutdown()
    raw.close()


def _stop(server: subprocess.Popen) -> None:
    server.kill()
    server.wait(timeout=10)


def test_a_server_moves_to_another_port_when_a_foreign_one_answers(
    foreign_ports: list[int], tmp_path: Path
):
    site = tmp_path / "site"
    site.mkdir()
    (site / "health.txt").write_text("ours")
    ours = free_port()
    started: list[subprocess.Popen] = []

    def command(port: int) -> list[str]:
        if port in foreign_ports:  # still starting up while the port's owner answers
            return [sys.executable, "-c", "import time; time.sleep(60)"]
        return [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]

    def stop(server: subprocess.Popen) -> None:
        started.append(server)
        _stop(server)

    log = tmp_path / "server.log"
    with serve(
        command,
        "/health.txt",
        "ours",
        log,
        stop,
        "test server",
        ports=[*foreign_ports, ours],
        cwd=site,
    ) as url:
        assert url == f"http://127.0.0.1:{ours}"
        # the two servers that met a foreign answer were stopped before the third started
        assert [server.returncode for server in started] == [-9, -9]
    assert len(started) == 3 and started[2].returncode == -9
    assert log.read_text().count("--- test server on port") == 3


def test_a_server_that_keeps_exiting_fails_with_its_log(tmp_path: Path):
    def command(port: int) -> list[str]:
        return [sys.executable, "-c", f"print('cannot bind {port}'); raise SystemExit(3)"]

    log = tmp_path / "server.log"
    failing = serve(command, "/", "ours", log, _stop, "failing server", timeout=20)
    with pytest.raises(AssertionError, match=r"did not start.*exited with code 3") as failure:
        failing.__enter__()
    assert str(failure.value).count("cannot bind") == 3
