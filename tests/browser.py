"""Headless Chromium for the browser tests (the dashboard, the Dagster UI).

Debian's /usr/bin/chromium driven by Playwright through `executable_path`: Playwright's
own browsers are never downloaded. `make test` installs chromium with apt-get when it
is missing and the machine allows it (root with apt-get); a test without it fails with
the command to run, and skips, loudly, only where it cannot be installed.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = "headless Chromium is needed: apt-get install -y chromium chromium-driver"


def _installable() -> bool:
    """What `make test` needs to install chromium: apt-get, as root."""
    return shutil.which("apt-get") is not None and os.geteuid() == 0


def chromium_path() -> Path:
    """The Chromium executable. Missing where `make test` could have installed it: the test
    fails. Missing where it cannot be installed (no apt-get, not root): the test skips,
    saying so loudly."""
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).exists():
            return Path(candidate)
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return Path(found)
    if not _installable():
        pytest.skip(
            f"NO BROWSER CHECK: chromium is missing and cannot be installed here. {INSTALL_HINT}"
        )
    raise AssertionError(f"{INSTALL_HINT} (`make test` does it)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ForeignServer(Exception):
    """Another process answers on the port: not the server this test started."""


def wait_for_url(
    url: str, server: subprocess.Popen, timeout: float = 90, what: str = "", marker: str = ""
) -> None:
    """Poll `url` until it answers 200 with `marker` in its body; fail if the server process
    exits first. An answer without the marker, or one that is not HTTP, comes from another
    process holding the port (a port is free when `free_port()` looks, not necessarily when
    the server binds it): that raises `ForeignServer`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"{what or 'the server'} exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                body = response.read().decode("utf-8", "replace")
        except http.client.HTTPException as error:  # not HTTP: e.g. a py4j gateway
            raise ForeignServer(f"{url}: {error!r}") from error
        except OSError:  # refused, reset or an HTTP error status: not up yet
            time.sleep(0.5)
            continue
        if marker in body:
            return
        raise ForeignServer(f"{url} answered without {marker!r}: {body[:200]!r}")
    raise AssertionError(f"{what or 'the server'} did not answer {url} in {timeout:.0f} s")


@contextlib.contextmanager
def serve(
    command: Callable[[int], list[str]],
    health: str,
    marker: str,
    log_path: Path,
    stop: Callable[[subprocess.Popen], None],
    what: str,
    timeout: float = 90,
    ports: Iterable[int] | None = None,
    **popen: object,
) -> Iterator[str]:
    """Start `command(port)` on a free port and yield its base URL once `health` answers
    with `marker`; stop it with `stop` at the end. When the server exits before it answers
    or another process answers on its port, it is stopped and started again on the next
    port (three tries): the suite can share the machine with other servers."""
    candidates = iter(ports) if ports is not None else None
    failures = []
    for _ in range(3):
        port = next(candidates) if candidates is not None else free_port()
        url = f"http://127.0.0.1:{port}"
        with log_path.open("a") as log:
            log.write(f"--- {what} on port {port}\n")
            log.flush()
            server = subprocess.Popen(command(port), stdout=log, stderr=subprocess.STDOUT, **popen)
        try:
            try:
                wait_for_url(f"{url}{health}", server, timeout, what, marker)
            except (ForeignServer, AssertionError) as error:
                if isinstance(error, AssertionError) and server.poll() is None:
                    raise  # timed out while running: starting again will not help
                failures.append(f"port {port}: {error}")
                continue
            yield url
            return
        finally:
            stop(server)
    log = log_path.read_text()[-3000:]
    raise AssertionError(f"{what} did not start: {failures}\n{log}")
