"""Headless Chromium for the browser tests (the dashboard, the Dagster UI).

Debian's /usr/bin/chromium driven by Playwright through `executable_path`: Playwright's
own browsers are never downloaded. `make test` installs chromium with apt-get when it
is missing and the machine allows it (root with apt-get); a test without it fails with
the command to run, and skips, loudly, only where it cannot be installed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
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


def wait_for_url(url: str, server: subprocess.Popen, timeout: float = 90, what: str = "") -> None:
    """Poll `url` until it answers 200; fail if the server process exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"{what or 'the server'} exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{what or 'the server'} did not answer {url} in {timeout:.0f} s")
