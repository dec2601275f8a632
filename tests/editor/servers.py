"""decap-server (the editor's local backend) on 127.0.0.1, over a temporary copy of the content."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.webapp.gunicorn import stop

DECAP_SERVER = ROOT / "editor" / "node_modules" / "decap-server" / "dist" / "index.js"
BUNDLE = ROOT / "editor" / "node_modules" / "decap-cms" / "dist" / "decap-cms.js"


def require_editor_packages():
    node = shutil.which("node")
    if not (node and DECAP_SERVER.is_file() and BUNDLE.is_file()):
        pytest.fail("the editor's npm packages are missing: run `make test-deps` (it runs `npm ci` in editor/)")
    return node


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    request = urllib.request.Request(url, data=json.dumps({"action": "info"}).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return json.load(response).get("type") == "local_fs"
    except (OSError, urllib.error.URLError, ValueError):
        return False


@contextmanager
def decap_server(repo: Path):
    """decap-server writing into `repo` (which holds content/); yields its API URL; stopped at the end."""
    node = require_editor_packages()
    port = free_port()
    url = f"http://127.0.0.1:{port}/api/v1"
    env = {**os.environ, "PORT": str(port), "BIND_HOST": "127.0.0.1", "MODE": "fs",
           "GIT_REPO_DIRECTORY": str(repo), "LOG_LEVEL": "warn"}
    process = subprocess.Popen([node, str(DECAP_SERVER)], cwd=repo, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):  # a bounded wait for it to listen, not a timing assertion
            if process.poll() is not None:
                pytest.fail("decap-server stopped: " + process.stdout.read().decode(errors="replace"))
            if _answers(url):
                break
            time.sleep(0.1)
        else:
            pytest.fail("decap-server did not answer on " + url)
        yield url
    finally:
        stop(process, timeout=10)
        process.stdout.close()
