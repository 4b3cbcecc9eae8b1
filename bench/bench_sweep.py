"""Time of `kehu sweep` on a large database (issue 6's benchmark).

    KEHU_DATA_DIR=/path/with/kehu.sqlite3 .venv/bin/python bench/bench_sweep.py --actions 3000000
    DATABASE_URL=postgres://kehu@127.0.0.1:5432/kehu .venv/bin/python bench/bench_sweep.py --actions 3000000

The database must already hold the customers (`kehu demo --customers 1000000`); the demo gives
about one open next action to a third of them, so `--actions N` first tops the open actions up to
N with bulk inserts (due times spread from 10 days ago to 30 days ahead like the demo's own,
owners the customers' owners, a quarter high priority) and refreshes the customers' next follow-up
as task_create would (untimed; `--no-refresh` leaves that to the first sweep). Then three sweeps
are timed, each
printed check by check (`--apps followup,notify` times only this issue's checks):

1. the first sweep over the loaded data: the daily full passes (silence, cadence, public pool,
   greetings over every customer; the demo data already agrees with these rules, so they change
   only what fell due since the load) and the notices whose moment fell in the last
   `sweep_catch_up_hours`;
2. five minutes later: what `kehu serve` does all day;
3. a day later: the daily full passes again and a whole day's reminders, overdue notices and
   escalations (about 1/40 of the open actions cross each moment per day).

The sweeps change the data (notifications, watermarks, silent customers). To measure again
from the same start, copy the SQLite file (or `CREATE DATABASE … TEMPLATE …`) before the run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")

BATCH = 50_000
TITLES = ("电话回访，确认需求", "发送报价单", "安排上门拜访", "寄送样品", "跟进合同审批", "邀请参加展会")


def open_actions() -> int:
    from kehu.followup.models import Task

    return Task.objects.filter(status="open").count()


COLUMNS = ("customer_id", "title", "owner_id", "due_at", "priority", "status", "note", "result", "kind",
           "version", "created_at", "updated_at", "created_by_id", "updated_by_id")


def _insert(rows: list[tuple]) -> None:
    """One COPY (PostgreSQL) or executemany (SQLite) per batch: model instances would be the slow part."""
    from django.db import connection

    from kehu.followup.models import Task

    table, columns = Task._meta.db_table, ", ".join(COLUMNS)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        connection.ensure_connection()
        connection.connection.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(COLUMNS))})", rows)


def top_up(target: int, seed: int) -> int:
    """Insert open actions until there are `target`; returns how many were added."""
    from django.db import connection, transaction

    from kehu.customers.models import Customer

    missing = target - open_actions()
    if missing <= 0:
        return 0
    dice = random.Random(seed)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    if connection.vendor == "sqlite":
        now = now.replace(tzinfo=None)  # Django's SQLite convention: naive UTC
    owners = list(Customer.objects.filter(owner__isnull=False, deleted_at__isnull=True)
                  .values_list("pk", "owner_id").order_by("pk"))
    if not owners:
        raise SystemExit("no customers with an owner: run `kehu demo --customers N` first")
    added, started = 0, time.perf_counter()
    while added < missing:
        size = min(BATCH, missing - added)
        rows = []
        for _ in range(size):
            customer_id, owner_id = owners[dice.randrange(len(owners))]
            due = now + dt.timedelta(minutes=dice.randrange(-10 * 1440, 30 * 1440) // 30 * 30)
            created = min(now, due)
            priority = dice.choices(("high", "medium", "low"), (25, 50, 25))[0]
            rows.append((customer_id, dice.choice(TITLES), owner_id, due, priority, "open", "", "", "follow_up",
                         1, created, created, owner_id, owner_id))
        with transaction.atomic():
            _insert(rows)
        added += size
        print(f"  {added:>10,} / {missing:,} open actions added  ({time.perf_counter() - started:6.1f} s)", flush=True)
    return added


def refresh_follow_up() -> None:
    """What task_create does for each customer given an action (refresh_follow_up), once for all
    the customers: the top-up writes actions in bulk, as an import would, and without this the
    first sweep would re-date most customers' next follow-up, a catch-up no running team has."""
    from kehu.followup.sweeps.cadence import recompute

    started = time.perf_counter()
    changed = recompute()
    print(f"next_follow_up_at refreshed for {changed:,} customers ({time.perf_counter() - started:.1f} s, untimed)")


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def timed_sweep(label: str, moment: dt.datetime, only: set[str] | None) -> float:
    from kehu.core.sweep import run_sweep

    before = load_average()
    started = time.perf_counter()
    result = run_sweep(moment, only=only)
    total = time.perf_counter() - started
    print(f"\n{label} at {moment:%Y-%m-%d %H:%M} UTC: {total:.1f} s   (load average before: {before}, after: "
          f"{load_average()})")
    for name, seconds in result.seconds.items():
        print(f"  {name:<24} {seconds:7.2f} s   {result.done.get(name, 'FAILED')}")
    if result.failed:
        print("  failed:", result.failed)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=3_000_000, help="open actions to have (default 3,000,000)")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--no-sweep", action="store_true", help="only top up the actions")
    parser.add_argument("--no-refresh", action="store_true",
                        help="leave next_follow_up_at as it was before the top-up (the first sweep then re-dates it)")
    parser.add_argument("--apps", default="", help="only the checks of these apps, e.g. followup,notify "
                                                    "(default: every registered check)")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from kehu.customers.models import Customer

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    added = top_up(args.actions, args.seed)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"customers: {Customer.objects.count():,}   open actions: {open_actions():,}   (added {added:,})")
    if added and not args.no_refresh:
        refresh_follow_up()
    if args.no_sweep:
        return
    from kehu.core.sweep import checks, discover

    discover()
    apps = {name.strip() for name in args.apps.split(",") if name.strip()}
    only = {c.name for c in checks() if c.name.split(".")[0] in apps} if apps else None
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    timings = [timed_sweep("sweep 1 (first pass over the loaded data)", now, only),
               timed_sweep("sweep 2 (5 minutes later)", now + dt.timedelta(minutes=5), only),
               timed_sweep("sweep 3 (a day later)", now + dt.timedelta(days=1), only)]
    from kehu.notify.models import Notification

    print(f"\nnotifications written: {Notification.objects.count():,}")
    print("seconds per sweep: " + " / ".join(f"{t:.1f}" for t in timings))


if __name__ == "__main__":
    main()
