"""Search latency in the query layer (kehu.search.search_customer_ids) on a large database.

    KEHU_DATA_DIR=/path/with/kehu.sqlite3 .venv/bin/python bench/bench_search.py
    DATABASE_URL=postgres://kehu@127.0.0.1:5432/kehu .venv/bin/python bench/bench_search.py --samples 60

The database must already hold the data (`kehu demo --customers 1000000`). Queries are taken
from real rows (random customers): Chinese name fragments of 2–4 characters, full names, 拼音
prefixes and initials, contact names and their 拼音, the last 4 and a middle 7 digits of phones,
e-mail prefixes, customer numbers, credit codes, and a query that matches nothing. Each runs as
three people: the org admin (sees all), a team lead and a rep (the key table and trigram index
asked with their scope). Prints p50 / p95 / max in milliseconds per kind and overall.

`--lists` measures the filtered list page instead (customers.queries.customer_page, 50 rows) for
the same three people over the web list's filter sets and sorts. Read only.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def people():
    from kehu.accounts.models import Team, User

    admin = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if admin is None:
        from kehu.accounts.services import user_create

        admin = user_create(None, username="bench.admin", role="manager", is_superuser=True)
    team = Team.objects.filter(lead__isnull=False).order_by("pk").first()
    rep = User.objects.filter(team=team, role="rep", is_active=True).order_by("pk").first()
    return {"admin": admin, "lead": team.lead, "rep": rep}


def random_customers(count: int, seed: int):
    from django.db.models import Max

    from kehu.customers.models import Customer

    rng = random.Random(seed)
    top = Customer.objects.aggregate(m=Max("id"))["m"]
    found = []
    while len(found) < count:
        row = Customer.objects.filter(pk__gte=rng.randint(1, top)).order_by("pk").first()
        if row is not None:
            found.append(row)
    return found


def queries(customers, seed: int) -> dict[str, list[str]]:
    from kehu.customers.models import Contact, ContactMethod

    rng = random.Random(seed)
    out: dict[str, list[str]] = defaultdict(list)
    for customer in customers:
        name = customer.name
        size = rng.choice([2, 3, 4])
        start = rng.randint(0, max(0, len(name) - size))
        out["name fragment (zh)"].append(name[start:start + size])
        out["full name"].append(name)
        out["pinyin prefix"].append(customer.name_pinyin[: rng.randint(4, 10)])
        out["initials"].append(customer.name_initials[: rng.randint(2, 5)])
        out["number"].append(customer.number)
        if customer.credit_code:
            out["credit code"].append(customer.credit_code)
        contact = Contact.objects.filter(customer=customer).first()
        if contact:
            out["contact name"].append(contact.name)
            out["contact pinyin"].append(contact.name_pinyin)
        phone = ContactMethod.objects.filter(customer=customer, kind="phone").values_list("digits", flat=True).first()
        if phone:
            out["phone last 4"].append(phone[-4:])
            out["phone middle 7"].append(phone[2:9])
        email = ContactMethod.objects.filter(customer=customer, kind="email").values_list("value", flat=True).first()
        if email:
            out["e-mail prefix"].append(email.split("@")[0][:8])
        out["no match"].append(f"zzq{rng.randint(1000, 9999)}无此")
    return out


LIST_CASES = [
    {}, {"stage": "intent"}, {"province": "江苏"}, {"stage": "deal", "sort": "-updated_at"}, {"due": "overdue"},
    {"industry": "C"}, {"sort": "name"}, {"sort": "next_follow_up_at"}, {"channel": "1,2,3"},
    {"region": "华南", "stage": "potential"}, {"created_from": "2025-06-01", "sort": "-created_at"},
    {"sort": "-created_at"}, {"sort": "-updated_at"}, {"sort": "-last_interaction_at"}, {"tag": "初步接触"},
    {"owner": "REP"},  # the customers of the first rep of the lead's team (as bench_api.py's owner filter)
]


def lists(repeat: int) -> None:
    from kehu.customers.queries import customer_page

    who = people()
    print(f"{'filters':48} {'person':6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'cpu p95':>8} {'rows':>5}")
    overall: dict[str, list[float]] = defaultdict(list)
    cpu_overall: dict[str, list[float]] = defaultdict(list)
    for params in LIST_CASES:
        params = {k: str(who["rep"].pk) if v == "REP" else v for k, v in params.items()}
        for label, user in who.items():
            page = customer_page(user, params)  # warm
            times, cpu = [], []
            for run in range(repeat):
                cursor = page.next_cursor if run % 2 else None  # first pages and second pages
                started, started_cpu = time.perf_counter(), time.process_time()
                customer_page(user, params, cursor=cursor)
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
            for key in (label, "all"):
                overall[key] += times
                cpu_overall[key] += cpu
            name = "&".join(f"{k}={v}" for k, v in params.items()) or "(default: newest first)"
            print(f"{name:48} {label:6} {percentile(times, .5):8.2f} {percentile(times, .95):8.2f} {max(times):8.2f} "
                  f"{percentile(cpu, .95):8.2f} {len(page.items):5d}")
    for label, times in overall.items():
        cpu = cpu_overall[label]
        print(f"OVERALL {label:6} n={len(times)} wall p50={percentile(times, .5):.2f} p95={percentile(times, .95):.2f} "
              f"max={max(times):.2f} ms | cpu p50={percentile(cpu, .5):.2f} p95={percentile(cpu, .95):.2f} ms")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (2 cores)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=40, help="random customers to take queries from")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--lists", action="store_true", help="measure customer_page instead of search")
    parser.add_argument("--repeat", type=int, default=10, help="runs per list case (--lists)")
    args = parser.parse_args()

    import django

    django.setup()
    if args.lists:
        lists(args.repeat)
        return
    from django.db import connection

    from kehu.customers.models import Customer
    from kehu.search import search_customer_ids

    who = people()
    total = Customer.objects.order_by("-id").values_list("id", flat=True).first()
    print(f"database: {connection.vendor}, customers up to id {total:,}; limit {args.limit}")
    kinds = queries(random_customers(args.samples, args.seed), args.seed)
    for user in who.values():  # warm caches the way a running server has them
        for text in list(kinds["full name"])[:5]:
            search_customer_ids(user, text, limit=args.limit)
    overall: dict[str, list[float]] = defaultdict(list)
    # Wall time, and this process's CPU time: on SQLite the database works inside this process, so
    # CPU time is what the query costs when the machine's cores are shared with other work.
    print(f"{'kind':22} {'person':6} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'cpu p95':>8} {'hits':>6}")
    cpu_overall: dict[str, list[float]] = defaultdict(list)
    for kind, texts in kinds.items():
        for label, user in who.items():
            times, cpu, hits = [], [], 0
            for text in texts:
                started, started_cpu = time.perf_counter(), time.process_time()
                ids = search_customer_ids(user, text, limit=args.limit)
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
                hits += bool(ids)
            for key in (label, "all"):
                overall[key] += times
                cpu_overall[key] += cpu
            print(f"{kind:22} {label:6} {len(times):4d} {percentile(times, .5):8.2f} {percentile(times, .95):8.2f} "
                  f"{max(times):8.2f} {percentile(cpu, .95):8.2f} {hits:6d}")
    for label, times in overall.items():
        cpu = cpu_overall[label]
        print(f"OVERALL {label:6} n={len(times)} wall p50={percentile(times, .5):.2f} p95={percentile(times, .95):.2f} "
              f"p99={percentile(times, .99):.2f} max={max(times):.2f} ms | cpu p50={percentile(cpu, .5):.2f} "
              f"p95={percentile(cpu, .95):.2f} ms")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (2 cores)")


if __name__ == "__main__":
    main()
