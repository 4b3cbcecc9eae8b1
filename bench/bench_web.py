"""Server-side render time of the main web pages on a large database (issue 3's benchmark).

    KEHU_DATA_DIR=/path/with/kehu.sqlite3 .venv/bin/python bench/bench_web.py
    DATABASE_URL=postgres://kehu@127.0.0.1:5432/kehu .venv/bin/python bench/bench_web.py --runs 100

The database must already hold the data (`kehu demo --customers 1000000`). Each page is requested
through Django's test client (the whole request: middleware, session, views, templates, but no
network), signed in as a team lead and as a rep of the demo; after a few warm-up requests the
wall time of `--runs` requests is measured. Prints p50 / p95 / max in milliseconds and the number
of database queries per page. It only reads: sessions live in signed cookies here and signing in
does not touch `last_login`, so it can run against a database someone else is using.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def pick_people():
    from kehu.accounts.models import Team, User

    team = Team.objects.filter(lead__isnull=False).order_by("pk").first()
    if team is None:
        raise SystemExit("no team with a lead: load data with `kehu demo` first")
    rep = User.objects.filter(team=team, role="rep", is_active=True).order_by("pk").first()
    return team.lead, rep


def search_terms(user) -> dict[str, str]:
    """A name fragment, 拼音 initials and the last four digits of a phone of a customer `user` sees."""
    from kehu.core.policy import visible_customers
    from kehu.customers.models import ContactMethod

    customer = visible_customers(user).order_by("-id").only("pk", "name", "name_initials")[200]
    phone = ContactMethod.objects.filter(customer_id=customer.pk, kind="phone").values_list("digits", flat=True).first()
    middle = len(customer.name) // 2
    terms = {"name": customer.name[max(0, middle - 1):middle + 1], "initials": customer.name_initials[:4]}
    if phone:
        terms["phone"] = phone[-4:]
    return terms


def pages_for(user) -> list[tuple[str, str]]:
    from kehu.core.policy import visible_customers

    pk = visible_customers(user).order_by("-id").values_list("pk", flat=True)[100]
    terms = search_terms(user)
    pages = [
        ("list, first page", "/customers/"),
        ("list, filtered", "/customers/?stage=intent&industry=C&due=overdue"),
        ("list, sorted by next follow-up", "/customers/?sort=next_follow_up_at"),
        (f"list, search name “{terms['name']}”", f"/customers/?q={terms['name']}"),
        (f"list, search initials “{terms['initials']}”", f"/customers/?q={terms['initials']}"),
    ]
    if "phone" in terms:
        pages.append((f"list, search phone “{terms['phone']}”", f"/customers/?q={terms['phone']}"))
    pages += [("customer page", f"/customers/{pk}/"), ("my day", "/"), ("actions inbox", "/actions/"),
              ("pipeline board", "/pipeline/")]
    return pages


def measure(client, url: str, runs: int, warmup: int) -> tuple[list[float], list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        assert client.get(url, HTTP_HOST="localhost").status_code == 200, url
    with CaptureQueriesContext(connection) as ctx:
        client.get(url, HTTP_HOST="localhost")
    queries = len(ctx.captured_queries)  # read now: the next request clears the log
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url, HTTP_HOST="localhost")
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times, cpu, queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--limit-ms", type=float, default=100.0, help="the p95 target (default 100)")
    parser.add_argument("--no-bell", action="store_true",
                        help="leave out the header's unread-notification count (to see the pages' own cost)")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # progress shows while it runs

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from kehu.customers.models import Customer

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver", "localhost"]
    # Read-only: no session rows, no last_login update (a session query per request remains
    # in production; it is one indexed primary-key read).
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    from django.contrib.auth.models import update_last_login
    from django.contrib.auth.signals import user_logged_in

    user_logged_in.disconnect(update_last_login)
    # Static files are served by WhiteNoise from a manifest in production; the pages only need URLs.
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    if args.no_bell:
        for engine in settings.TEMPLATES:
            processors = engine.get("OPTIONS", {}).get("context_processors", [])
            engine["OPTIONS"]["context_processors"] = [p for p in processors if p != "kehu.notify.context.unread"]
    total = Customer.objects.count()
    print(f"database: {connection.vendor}, {total:,} customers; {args.runs} runs per page after {args.warmup} warm-up;"
          f" load average at start {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if args.no_bell:
        print("without the unread-notification count in the header (--no-bell)")
    print("cpu = this process's CPU time (the Django side); wall includes the database and waiting for a core")
    worst = 0.0
    for user in pick_people():
        client = Client()
        client.force_login(user)
        print(f"\n{user.username} ({user.role}{', team lead' if user.led_teams.exists() else ''})")
        print(f"  {'page':44} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'cpu p95':>8} {'queries':>8}")
        for name, url in pages_for(user):
            times, cpu, queries = measure(client, url, args.runs, args.warmup)
            p95 = percentile(times, 0.95)
            worst = max(worst, p95) if name.startswith(("list", "customer page")) else worst
            print(f"  {name:44} {statistics.median(times):8.1f} {p95:8.1f} {max(times):8.1f} "
                  f"{percentile(cpu, 0.95):8.1f} {queries:8d}")
    print(f"\nload average at end {os.getloadavg()[0]:.1f}")
    verdict = "within" if worst <= args.limit_ms else "OVER"
    print(f"\nworst p95 of the list and customer pages: {worst:.1f} ms ({verdict} the {args.limit_ms:.0f} ms target)")


if __name__ == "__main__":
    main()
