"""The OpenAPI document fuzzed by schemathesis against the real production server (kehu serve:
gunicorn) on its own SQLite database: no 5xx, and every documented response matches its schema.

Bounded: a fixed seed, a few examples per operation, a time budget; it stops by itself."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_EXAMPLES = int(os.environ.get("KEHU_FUZZ_EXAMPLES", "8"))
MAX_SECONDS = int(os.environ.get("KEHU_FUZZ_SECONDS", "100"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(KEHU_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="kehu.settings", LOG_LEVEL="WARNING",
               PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]))
    return env


def _wait_until_up(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"server exited: {server.stdout.read() if server.stdout else ''}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("server did not come up")


def test_openapi_fuzzed_by_schemathesis(tmp_path):
    env = _env(tmp_path)
    subprocess.run([sys.executable, "-m", "kehu.cli", "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
    setup = subprocess.run([sys.executable, str(ROOT / "tests/api/fuzz_setup.py")], env=env, check=True, cwd=ROOT,
                           capture_output=True, text=True)
    token = setup.stdout.strip().splitlines()[-1]
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "kehu.cli", "serve", "--port", str(port), "--workers", "2"],
                              env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(f"{base}/healthz", server)
        run = subprocess.run([
            sys.executable, "-m", "schemathesis.cli", "run", f"{base}/api/v1/openapi.json",
            "--header", f"Authorization: Bearer {token}", "--header", "Accept-Language: en",
            "--checks", "not_a_server_error,response_schema_conformance",
            "--max-examples", str(MAX_EXAMPLES), "--seed", "20261122", "--max-time", str(MAX_SECONDS),
            "--phases", "examples,coverage,fuzzing", "--generation-with-security-parameters", "false",
            "--generation-database", "none", "--workers", "1", "--no-color", "--request-timeout", "20",
        ], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=MAX_SECONDS + 240)
        assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
        assert "/api/v1/customers" in run.stdout
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
