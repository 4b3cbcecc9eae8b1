"""HTTP latency and throughput of the API with the production server (kehu serve → gunicorn).

    KEHU_DATA_DIR=/path/with/kehu.sqlite3 .venv/bin/python bench/bench_api.py
    DATABASE_URL=postgres://kehu@127.0.0.1:5432/kehu .venv/bin/python bench/bench_api.py --seconds 20

The database must already hold the data (`kehu demo --customers 1000000`). The script creates an
API token for the org admin and for a team lead (the only writes), starts `kehu serve` on a free
local port, and measures from one keep-alive client, sequentially, after a warm-up:
- GET /customers/{id} (a random visible customer, full record with contacts)
- GET /customers?<filters>&limit=50 (stage, province, owner, due, industry, tag… as in the web list)
- GET /search?q=… (queries taken from real rows, as in bench_search.py)
then requests per second for GET /customers/{id} from --clients processes for --seconds.
Latencies are wall time at the client (the whole HTTP round trip on loopback).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Client:
    def __init__(self, port: int, token: str):
        self.port, self.token = port, token
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def get(self, path: str) -> tuple[int, bytes]:
        for attempt in range(2):
            try:
                self.connection.request("GET", path, headers={"Authorization": f"Bearer {self.token}",
                                                              "Accept-Language": "zh-hans"})
                response = self.connection.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        raise AssertionError("unreachable")


def timed(client: Client, paths: list[str]) -> list[float]:
    times = []
    for path in paths:
        started = time.perf_counter()
        status, body = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise SystemExit(f"{path}: HTTP {status} {body[:300]!r}")
    return times


def worker_cpu_ms(master: int) -> float:
    """CPU time (user + system) of the gunicorn workers so far. On SQLite the database works
    inside them, so per request it is the cost with no other load on the machine's cores."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            total += int(fields[11]) + int(fields[12])
    return total * 1000 / os.sysconf("SC_CLK_TCK")


def report(label: str, times: list[float], cpu_ms: float | None = None) -> None:
    extra = f"  server cpu/request={cpu_ms / len(times):6.2f} ms" if cpu_ms is not None else ""
    print(f"{label:34} n={len(times):4d} p50={percentile(times, .5):7.2f} ms  p95={percentile(times, .95):7.2f} ms  "
          f"max={max(times):7.2f} ms{extra}")


def _hammer(args):
    port, token, ids, seconds, seed = args
    client, rng, count, end = Client(port, token), random.Random(seed), 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        status, _body = client.get(f"/api/v1/customers/{rng.choice(ids)}")
        count += status == 200
    return count


def prepare(samples: int, seed: int):
    import django

    django.setup()
    from bench_search import people, queries, random_customers
    from kehu.accounts.models import User
    from kehu.core.policy import visible_customers
    from kehu.customers.models import Tag
    from kehu.integrations.tokens import token_create

    who = people()
    admin, lead = who["admin"], who["lead"]
    rng = random.Random(seed)
    visible = list(visible_customers(lead).order_by("-id").values_list("id", flat=True)[:20000])
    ids = rng.sample(visible, min(len(visible), 2000))
    owner = User.objects.filter(team=lead.team, role="rep").values_list("id", flat=True).first()
    tag = Tag.objects.values_list("name", flat=True).first() or ""
    filters = [
        {"stage": "intent"}, {"province": "江苏"}, {"stage": "deal", "sort": "-updated_at"},
        {"owner": owner}, {"due": "overdue"}, {"industry": "C"},
        {"tag": tag}, {"sort": "name"}, {"sort": "next_follow_up_at"}, {"channel": "1,2,3"},
        {"region": "华南", "stage": "potential"}, {"created_from": "2025-06-01", "sort": "-created_at"},
    ]
    texts = [t for kind, values in queries(random_customers(samples, seed), seed).items() for t in values]
    admin_token = token_create(admin, name="bench")[1]
    lead_token = token_create(lead, name="bench")[1]
    from django.db import connection

    vendor = connection.vendor
    connection.close()
    return vendor, admin_token, lead_token, ids, filters, texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: kehu serve's)")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    vendor, admin_token, lead_token, ids, filters, texts = prepare(args.samples, args.seed)
    port = free_port()
    # The sweeper `kehu serve` runs beside gunicorn is left out: its daily full pass would land in
    # the middle of some runs (bench_sweep.py measures it on its own).
    command = [sys.executable, "-m", "kehu.cli", "serve", "--port", str(port), "--sweep-every", "0"]
    if args.workers:
        command += ["--workers", str(args.workers)]
    env = dict(os.environ, LOG_LEVEL="WARNING", PYTHONPATH=str(ROOT / "src"))
    # A file, not a pipe nobody reads: a full pipe blocks every gunicorn worker on its next log line.
    server_log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"kehu-bench-api-{port}.log", "w")
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=server_log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"server did not start; see {server_log.name}")
                time.sleep(0.3)
        rng = random.Random(args.seed)
        print(f"database: {vendor}; server: kehu serve (gunicorn) on 127.0.0.1:{port}")
        for label, token in (("team lead", lead_token), ("org admin", admin_token)):
            client = Client(port, token)
            by_id = [f"/api/v1/customers/{rng.choice(ids)}" for _ in range(args.runs)]
            pages = [f"/api/v1/customers?{urllib.parse.urlencode({**rng.choice(filters), 'limit': 50})}"
                     for _ in range(args.runs)]
            searches = [f"/api/v1/search?{urllib.parse.urlencode({'q': rng.choice(texts), 'limit': 20})}"
                        for _ in range(args.runs)]
            # Warm-up: requests like the measured ones (other picks), a dozen per worker of each kind,
            # so every gunicorn worker has opened its connection and read its caches, as a server
            # that has been up a while has; the first requests of a fresh worker are not measured.
            warm = random.Random(args.seed + 1)
            timed(client, [f"/api/v1/customers/{warm.choice(ids)}" for _ in range(60)]
                  + [f"/api/v1/customers?{urllib.parse.urlencode({**warm.choice(filters), 'limit': 50})}"
                     for _ in range(60)]
                  + [f"/api/v1/search?{urllib.parse.urlencode({'q': warm.choice(texts), 'limit': 20})}"
                     for _ in range(60)])
            for name, paths in (("customer by id", by_id), ("filtered list page of 50", pages), ("search", searches)):
                before = worker_cpu_ms(server.pid)
                times = timed(client, paths)
                report(f"{label}: {name}", times, worker_cpu_ms(server.pid) - before)
            sample = json.loads(client.get(pages[0])[1])
            assert len(sample["items"]) <= 50
        with multiprocessing.Pool(args.clients) as pool:
            started = time.perf_counter()
            counts = pool.map(_hammer, [(port, lead_token, ids, args.seconds, i) for i in range(args.clients)])
            elapsed = time.perf_counter() - started
        print(f"throughput: GET /customers/{{id}} {sum(counts) / elapsed:.0f} requests/s "
              f"({args.clients} client processes, {args.seconds} s, {sum(counts)} requests); "
              f"load average {os.getloadavg()[0]:.1f} on 2 cores")
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
