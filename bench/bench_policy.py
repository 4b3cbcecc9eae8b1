"""The cost of the access policy (issue 5): at 1,000,000 customers and 200 users, a rep's scoped
list or search must take no more than 1.5 × the same query unscoped.

Each case runs the app's own read path (customers.queries.customer_page for lists,
kehu.search for the search box) once for a user and once unscoped (the system actor, which sees
every customer), alternating, many times; the best time of each counts (the machine is shared,
so the best is the least disturbed). Times include the policy's own small queries (the user's
led teams and the scope's shape).

    KEHU_DATA_DIR=/data/dir kehu demo --customers 1000000
    KEHU_DATA_DIR=/data/dir python bench/bench_policy.py --prepare   # once: 200 users, owners spread
    KEHU_DATA_DIR=/data/dir python bench/bench_policy.py [--repeat 15]

--prepare (idempotent) tops the demo team up to 200 users (new teams of one manager and 19
reps), spreads the owned customers evenly over all reps (owner and team), and gives every other
rep 20 collaborator links on other reps' customers, so both scope shapes are measured: a rep
without links (owner only) and a rep with links (owner ∪ links).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from kehu.accounts.models import Team, User  # noqa: E402
from kehu.customers.models import Customer, CustomerCollaborator  # noqa: E402
from kehu.customers.queries import customer_page  # noqa: E402

USERS = 200
TEAM_SIZE = 20
LINKS = 20
TARGET = 1.5


def prepare() -> None:
    with transaction.atomic():
        _top_up_users()
    reps = list(User.objects.filter(role="rep", is_active=True).order_by("pk").values_list("pk", "team_id"))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS bench_owner (k INTEGER PRIMARY KEY, owner INTEGER, team INTEGER)")
        cursor.execute("DELETE FROM bench_owner")
        cursor.executemany("INSERT INTO bench_owner (k, owner, team) VALUES (%s, %s, %s)",
                           [(k, pk, team) for k, (pk, team) in enumerate(reps)])
        n = len(reps)
        table = Customer._meta.db_table
        # Every customer changes owner: rather than the scope triggers re-indexing each row (the
        # key rows, the search document's scope and its trigram index entries), drop them and the
        # trigram index, and let kehu.search.ddl.ensure() rebuild both set-based afterwards.
        _drop_scope_indexing(cursor)
        cursor.execute(
            f"UPDATE {table} SET owner_id = (SELECT owner FROM bench_owner WHERE k = {table}.id % {n}), "
            f"team_id = (SELECT team FROM bench_owner WHERE k = {table}.id % {n}) WHERE owner_id IS NOT NULL")
        print(f"spread {cursor.rowcount:,} owned customers over {n} reps")
        from kehu.search.ddl import ensure

        ensure(connection)
    dice = random.Random(5)
    highest = Customer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    links = []
    for index, (pk, _team) in enumerate(reps):
        if index % 2:
            continue  # every other rep keeps the owner-only scope
        for _ in range(LINKS):
            links.append(CustomerCollaborator(customer_id=dice.randint(1, highest), user_id=pk, can_edit=True))
    existing = set(Customer.objects.filter(pk__in=[link.customer_id for link in links]).values_list("pk", flat=True))
    CustomerCollaborator.objects.bulk_create([link for link in links if link.customer_id in existing],
                                             ignore_conflicts=True)
    print(f"{User.objects.count()} users, {CustomerCollaborator.objects.count():,} collaborator links")
    with connection.cursor() as cursor:  # the planners' statistics for the new owner spread
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit = 1000")
        cursor.execute("ANALYZE")


def _drop_scope_indexing(cursor) -> None:
    if connection.vendor == "sqlite":
        for name in ("search_key_scope", "search_scope", "search_document_ai", "search_document_ad",
                     "search_document_au", "search_own_ai", "search_own_ad", "search_own_au"):
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        for name in ("search_key_scope", "search_scope"):
            cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON customers_customer")
        cursor.execute("DROP INDEX IF EXISTS search_document_trgm")


def _top_up_users() -> None:
    number = 1
    while User.objects.count() < USERS:
        team, _ = Team.objects.get_or_create(name=f"基准{number:02d}组")
        number += 1
        if team.members.exists():
            continue
        missing = USERS - User.objects.count()
        for position in range(min(TEAM_SIZE, missing)):
            user = User(username=f"bench{team.pk}.{position}", role="manager" if position == 0 else "rep", team=team,
                        display_name=f"基准{team.pk}-{position}", is_staff=position == 0)
            user.set_unusable_password()
            user.save()
            if position == 0:
                Team.objects.filter(pk=team.pk).update(lead=user)


def subjects() -> dict[str, User]:
    linked = set(CustomerCollaborator.objects.filter(user__role="rep").values_list("user_id", flat=True))
    reps = list(User.objects.filter(role="rep", is_active=True).order_by("pk"))
    with_links = next(r for r in reps[len(reps) // 2:] if r.pk in linked)
    without = next(r for r in reps[len(reps) // 2:] if r.pk not in linked)
    manager = User.objects.filter(led_teams__isnull=False, is_superuser=False).order_by("pk").first()
    return {"rep (owner only)": without, "rep (owner + links)": with_links, "manager (team lead)": manager}


def once(func) -> float:
    start = time.perf_counter()
    func()
    return (time.perf_counter() - start) * 1000


def sql_of(who, params: dict):
    """The page query's SQL alone (sort by id), to show the database's share without row building;
    for a scope read by branches (a rep with links), the query of the branches' pages and the one
    of the page's rows by id."""
    from kehu.customers.queries import branch_pages_sql, list_querysets, parse_filters

    queryset, branches = list_querysets(who, parse_filters(params))
    if branches:  # the branches' pages (ids), then the page's rows by id: two statements
        first, first_params = branch_pages_sql(branches, "id", True, None, 51)
        with connection.cursor() as cursor:
            cursor.execute(first, first_params)
            ids = sorted({row[0] for row in cursor.fetchall()}, reverse=True)[:51]
        rows_sql, rows_params = Customer.objects.filter(pk__in=ids).order_by("-id").query.sql_with_params()

        def both():
            with connection.cursor() as cursor:
                cursor.execute(first, first_params)
                cursor.fetchall()
                cursor.execute(rows_sql, rows_params)
                cursor.fetchall()
        return both
    sql, sql_params = queryset.order_by("-id")[:51].query.sql_with_params()

    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, sql_params)
            cursor.fetchall()
    return run


def cases(user) -> dict:
    from kehu.search import search_customer_ids

    def page_two(who):
        first = customer_page(who, {})
        return lambda: customer_page(who, {}, cursor=first.next_cursor)

    out = {
        "list, newest first (default)": lambda who: (lambda: customer_page(who, {})),
        "  its SQL alone": lambda who: sql_of(who, {}),
        "  its SQL alone, stage = intent": lambda who: sql_of(who, {"stage": "intent"}),
        "list, page 2": page_two,
        "list, stage = intent": lambda who: (lambda: customer_page(who, {"stage": "intent"})),
        "list, by last change": lambda who: (lambda: customer_page(who, {"sort": "-updated_at"})),
        "list, by name": lambda who: (lambda: customer_page(who, {"sort": "name"})),
        "search 科技 (name)": lambda who: (lambda: search_customer_ids(who, "科技", limit=20)),
        "search zhang (拼音)": lambda who: (lambda: search_customer_ids(who, "zhang", limit=20)),
        "search 5678 (phone digits)": lambda who: (lambda: search_customer_ids(who, "5678", limit=20)),
    }
    return out


def measure(repeat: int, only: str = "") -> None:
    total = Customer.objects.alive().count()
    print(f"{total:,} customers, {User.objects.count()} users, {connection.vendor}")
    for label, user in subjects().items():
        print(f"\n{label}: {user.username}, sees {Customer.objects.filter(owner=user).count():,} owned "
              f"+ {CustomerCollaborator.objects.filter(user=user).count()} linked")
        print("| case | unscoped best / median ms | scoped best / median ms | ratio (best) |")
        print("| --- | ---: | ---: | ---: |")
        for name, make in cases(user).items():
            if only and only not in name:
                continue
            scoped, unscoped = make(user), make(None)
            scoped(), unscoped()  # warm caches
            runs_u, runs_s = [], []
            for _ in range(repeat):  # alternate, so load on the machine hits both alike
                runs_u.append(once(unscoped))
                runs_s.append(once(scoped))
            bu, mu, bs, ms = min(runs_u), statistics.median(runs_u), min(runs_s), statistics.median(runs_s)
            flag = "" if bs <= TARGET * bu else "  (over 1.5×)"
            print(f"| {name} | {bu:.2f} / {mu:.2f} | {bs:.2f} / {ms:.2f} | {bs / bu:.2f}{flag} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prepare", action="store_true", help="top up to 200 users and spread the owners first")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--only", default="", help="run only the cases whose name contains this")
    args = parser.parse_args()
    if args.prepare:
        prepare()
    measure(args.repeat, args.only)


if __name__ == "__main__":
    main()
