"""The OpenAPI document fuzzed by schemathesis against the real production server (kehu serve:
gunicorn, with its sweeper) on its own SQLite database.

Strict: every operation of the document is exercised with a token that stays valid (not a single
401), no request may fail at the network level or time out, no 5xx, no undocumented status, no
response that breaks its schema, and no operation whose schema lets through data the API then
rejects (schemathesis' "validation mismatch"). Bounded: a fixed seed, a few examples per
operation, a time budget (about three minutes in all on an idle 2-core machine).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_EXAMPLES = int(os.environ.get("KEHU_FUZZ_EXAMPLES", "5"))
MAX_SECONDS = int(os.environ.get("KEHU_FUZZ_SECONDS", "150"))
# A request to this small database answers in milliseconds; one that takes this long is a hang.
REQUEST_TIMEOUT = 20
CHECKS = "not_a_server_error,content_type_conformance,response_schema_conformance"
# Statuses no operation documents because Django never sees the request: gunicorn answers 414
# itself when the request line is longer than 4094 bytes (the fuzzer sends kilobyte-long
# query strings). Every other status must be one the operation documents (checked below).
FRONT_SERVER_STATUSES = {414}
# Warnings that mean "this run did not really test the API": an operation that only got 401s, a
# 429, a filter that matched nothing.
FAIL_ON_WARNINGS = ["missing_auth", "rate_limited", "unmatched_filter"]
# Operations whose whole input the document can state (a non-blank name of at most 100
# characters, an expiry; an http(s) URL, known event names): data valid by the schema must be
# accepted, so "validation mismatch" fails them. POST channels and tags state their lengths and
# non-blank names too, but they also refuse a name that exists already (the fuzzer repeats its
# favourite values) and a channel owner id that is no active user: no schema says that, so like
# customers, contacts and tasks (phones, credit codes, dates against today, stage rules) they
# answer a 422 per field and are not held to it.
FULLY_DESCRIBED = ["POST /api/v1/tokens", "POST /api/v1/webhooks"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(KEHU_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="kehu.settings", LOG_LEVEL="WARNING",
               PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]))
    return env


def _wait_until_up(url: str, server: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"server exited: {log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("server did not come up")


def _config(path: Path, spare_token_id: int) -> Path:
    """The fuzzer may revoke only the spare token (see fuzz_setup.py)."""
    text = f"[warnings]\nfail-on = {json.dumps(FAIL_ON_WARNINGS)}\n"
    for name in FULLY_DESCRIBED:
        text += (f'\n[[operations]]\ninclude-name = "{name}"\n'
                 f'warnings = {{ fail-on = {json.dumps(FAIL_ON_WARNINGS + ["validation_mismatch"])} }}\n')
    text += ('\n[[operations]]\ninclude-name = "DELETE /api/v1/tokens/{token_id}"\n'
             f"parameters = {{ token_id = {spare_token_id} }}\n")
    path.write_text(text, encoding="utf-8")
    return path


def _documented(schema: dict) -> dict[str, set[int]]:
    return {f"{method.upper()} {path}": {int(code) for code in operation["responses"]}
            for path, operations in schema["paths"].items() for method, operation in operations.items()}


def _operation_matchers(schema: dict) -> list[tuple[str, str, re.Pattern]]:
    matchers = []
    for path, operations in schema["paths"].items():
        pattern = re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$")
        for method in operations:
            matchers.append((method.upper(), path, pattern))
    # Literal paths before templated ones (/webhooks/events is not /webhooks/{webhook_id}).
    return sorted(matchers, key=lambda m: m[1].count("{"))


def _statuses_by_operation(har: dict, matchers) -> dict[str, list[int]]:
    from urllib.parse import unquote, urlsplit

    seen: dict[str, list[int]] = defaultdict(list)
    literal = {template for _, template, _ in matchers if "{" not in template}
    for entry in har["log"]["entries"]:
        method = entry["request"]["method"].upper()
        path = unquote(urlsplit(entry["request"]["url"]).path)
        if path in literal and (method, path) not in {(m, t) for m, t, _ in matchers}:
            # e.g. GET /customers/{customer_id} with the id "bulk": that URL is POST /customers/bulk,
            # and the 405 it gets is right; it is no answer of the operation the fuzzer meant.
            continue
        for op_method, template, pattern in matchers:
            if op_method == method and pattern.match(path):
                seen[f"{method} {template}"].append(int(entry["response"]["status"]))
                break
    return seen


def test_openapi_fuzzed_by_schemathesis(tmp_path):
    env = _env(tmp_path)
    subprocess.run([sys.executable, "-m", "kehu.cli", "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
    setup = subprocess.run([sys.executable, str(ROOT / "tests/api/fuzz_setup.py")], env=env, check=True, cwd=ROOT,
                           capture_output=True, text=True)
    made = json.loads(setup.stdout.strip().splitlines()[-1])
    config = _config(tmp_path / "schemathesis.toml", made["spare_token_id"])
    port = _free_port()
    # The server's output (an access-log line per request) goes to a file. A pipe that nobody
    # reads until the end fills after a few hundred requests, and then every gunicorn worker
    # blocks writing its log line: that was the "timed out after 90 s" of the earlier runs.
    log = tmp_path / "server.log"
    with log.open("w") as log_file:
        server = subprocess.Popen(
            [sys.executable, "-m", "kehu.cli", "serve", "--port", str(port), "--workers", "3"],
            env=env, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(f"{base}/healthz", server, log)
        with urllib.request.urlopen(f"{base}/api/v1/openapi.json") as response:
            schema = json.load(response)
        run = subprocess.run([
            sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run",
            f"{base}/api/v1/openapi.json",
            "--header", f"Authorization: Bearer {made['token']}", "--header", "Accept-Language: en",
            "--checks", CHECKS,
            "--max-examples", str(MAX_EXAMPLES), "--seed", "20261122", "--max-time", str(MAX_SECONDS),
            "--phases", "examples,coverage,fuzzing", "--generation-with-security-parameters", "false",
            "--generation-database", "none", "--workers", "1", "--no-color",
            "--request-timeout", str(REQUEST_TIMEOUT),
            "--report", "har", "--report-har-path", str(tmp_path / "requests.har"),
        ], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=MAX_SECONDS + 120)
        output = run.stdout + run.stderr
        context = f"{output[-8000:]}\n--- server log ---\n{log.read_text(errors='replace')[-3000:]}"
        # Failures, errors (network, time-outs) and the warnings above all make a non-zero exit.
        assert run.returncode == 0, context
        assert not re.search(r"\d+ (failed|errored)", output), context

        har = json.loads((tmp_path / "requests.har").read_text())
        statuses = _statuses_by_operation(har, _operation_matchers(schema))
        documented = _documented(schema)
        assert set(documented) - set(statuses) == set(), context
        # The token stays valid all along: a single 401 means auth broke under the fuzzer.
        unauthorised = {op: codes.count(401) for op, codes in statuses.items() if 401 in codes}
        assert unauthorised == {}, context
        server_errors = {op: sorted(set(c for c in codes if c >= 500)) for op, codes in statuses.items()
                         if any(c >= 500 for c in codes)}
        assert server_errors == {}, context
        undocumented = {op: sorted(set(codes) - documented[op] - FRONT_SERVER_STATUSES)
                        for op, codes in statuses.items() if set(codes) - documented[op] - FRONT_SERVER_STATUSES}
        assert undocumented == {}, context
        # The spare token is the only one the fuzzer could reach, and it did revoke it.
        assert 200 in statuses["DELETE /api/v1/tokens/{token_id}"], context
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
