"""`kehu serve` as a user runs it: a real gunicorn answering /healthz and serving static files."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth import authenticate

from tests.procs import child_env

# Committed rows, so the server's workers see them. serialized_rollback: see tests/cli/conftest.py.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

KEHU = str(Path(sys.executable).with_name("kehu"))
PASSWORD_LINE = re.compile(r"(?:Password|密码)\s*[:：]\s*(\S+)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@contextlib.contextmanager
def running_server(tmp_path, *args: str):
    """Start `kehu serve`, wait until /healthz answers 200, yield (base URL, output file, pid); stop it after."""
    port = free_port()
    log = tmp_path / f"serve-{port}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [KEHU, "serve", "--port", str(port), "--workers", "2", *args],
            env=child_env(KEHU_DATA_DIR=str(tmp_path / "data")),
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(process, base, log)
        yield base, log, process.pid
    finally:
        process.terminate()  # SIGTERM reaches gunicorn's master itself: serve exec'd into it
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def proc_stat(pid: int | str) -> tuple[str, int]:
    """(state, parent pid) from /proc; a vanished process reads as a zombie ("Z")."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return "Z", 0
    return fields[0], int(fields[1])


def children_running(pid: int, word: str) -> list[int]:
    """Live child processes of PID whose command line contains WORD."""
    found = []
    for folder in Path("/proc").glob("[0-9]*"):
        state, parent = proc_stat(folder.name)
        if parent != pid or state == "Z":
            continue
        try:
            cmdline = (folder / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if word in cmdline:
            found.append(int(folder.name))
    return found


def wait_until_healthy(process: subprocess.Popen, base: str, log) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"kehu serve exited with {process.returncode}:\n{log.read_text()}")
        with contextlib.suppress(OSError):
            if get(base + "/healthz")[0] == 200:
                return
        time.sleep(0.2)
    pytest.fail(f"kehu serve did not answer /healthz within 90 s:\n{log.read_text()}")


def test_serve_init_answers_healthz_serves_static_and_prints_a_working_password_once(tmp_path):
    with running_server(tmp_path, "--init") as (base, log, server_pid):
        status, headers, body = get(base + "/healthz")
        assert status == 200
        assert json.loads(body)["status"] == "ok"
        assert headers["Server"].startswith("gunicorn")

        status, headers, body = get(base + "/static/admin/css/base.css")
        assert status == 200, "WhiteNoise should serve the collected admin CSS"
        assert headers["Content-Type"].startswith("text/css")
        assert len(body) > 1000

        assert get(base + "/admin/login/")[0] == 200
        assert get(base + "/")[0] == 200  # the CRM itself (after a redirect to its sign-in page)

    output = log.read_text()
    passwords = PASSWORD_LINE.findall(output)
    assert len(passwords) == 1, output
    assert base + "/" in output
    user = authenticate(username="admin", password=passwords[0])
    assert user is not None and user.is_superuser and user.role == "manager"

    # Starting again on the same database keeps that account and shows no new password.
    with running_server(tmp_path, "--init") as (base, second_log, _pid):
        assert get(base + "/healthz")[0] == 200
    assert PASSWORD_LINE.findall(second_log.read_text()) == []
    assert authenticate(username="admin", password=passwords[0]) == user


def test_serve_runs_the_sweep_beside_gunicorn_and_it_stops_with_the_server(tmp_path):
    with running_server(tmp_path, "--init", "--sweep-every", "1") as (_, log, server_pid):
        sweepers = children_running(server_pid, "sweep")
        assert len(sweepers) == 1, log.read_text()
    # The server is gone; the sweeper sees it has a new parent and ends within a second or two.
    deadline = time.monotonic() + 15
    while any(proc_stat(pid)[0] != "Z" for pid in sweepers):
        assert time.monotonic() < deadline, "the sweeper outlived the server"
        time.sleep(0.2)
