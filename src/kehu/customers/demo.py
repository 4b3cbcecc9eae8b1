"""`kehu demo`: a living CRM to look at and to benchmark — realistic Chinese companies and
people, their contacts, and a year or two of follow-up, generated fast enough for a million
customers.

The team, channels and tags are created through the ORM when missing. Customers and their
history are demo data loaded in bulk, not business writes: they bypass the services and leave
no audit events, but every derived fact the services keep (totals, last interaction, next
follow-up, stage) is set consistently with the rows written, and so is what the time-based
rules would have done by now (silence, the public pool, referral rewards; see demo_rules), so a
first `kehu sweep` after a load only does what is really due. Numbers come from the same
sequences as `customer_create`, so later customers continue after them.

Modules: demo_data (word pools) → demo_profile (who) and demo_history (what happened) →
demo_customer (one batch, no database) → demo_writer (fast inserts) → here (the run). With
more than one batch, a worker process generates the next batch while this one is written.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, Iterator

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.models import Team
from kehu.core import clock, config, numbering
from kehu.customers import demo_data as data
from kehu.customers.demo_customer import CustomerMaker, Refs, Spec
from kehu.customers.demo_history import LocalTime
from kehu.customers.demo_rules import Rules
from kehu.customers.demo_profile import Dice, Weighted
from kehu.customers.demo_writer import IdSource, RowBatch, TableWriter, bulk_load_session
from kehu.customers.models import (
    Channel, ChannelCost, Contact, ContactMethod, Customer, CustomerCollaborator, Industry, StageChange, Tag,
    Transaction,
)
from kehu.followup.models import Interaction, InteractionMethod, ReferralReward, Task


# --- reference data -----------------------------------------------------------------------
def ensure_team_and_users() -> dict[str, tuple[int, int | None]]:
    """The three sales teams with their leads, reps, two collaborators and a data admin."""
    User = get_user_model()
    teams = {name: Team.objects.get_or_create(name=name)[0] for name in data.TEAMS}
    for username, display_name, role, team_name, is_lead in data.STAFF:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, display_name=display_name, role=role, team=teams.get(team_name),
                        email=f"{username}@example.com", is_staff=role == "manager")
            user.set_unusable_password()  # demo colleagues sign in only after a manager sets a password
            user.save()
        if is_lead and teams[team_name].lead_id is None:
            Team.objects.filter(pk=teams[team_name].pk).update(lead=user)
    names = [row[0] for row in data.STAFF]
    rows = User.objects.filter(username__in=names).values_list("username", "pk", "team_id")
    return {username: (pk, team) for username, pk, team in rows}


def ensure_channels(users, today: dt.date, dice: Dice) -> None:
    """The channels with owner, tool and a monthly cost for the last 12 months (R45)."""
    costs = []
    for name, owner, tool, description, monthly, _weight in data.CHANNELS:
        channel, _ = Channel.objects.get_or_create(
            name=name, defaults={"owner_id": users[owner][0], "tool": tool, "description": description})
        month = today.replace(day=1)
        for _ in range(12):
            next_month = (month + dt.timedelta(days=32)).replace(day=1)
            amount = Decimal(int(monthly * (0.7 + 0.6 * dice.random())) // 100 * 100)
            costs.append(ChannelCost(channel=channel, period_start=month, period_end=next_month - dt.timedelta(days=1),
                                     amount=amount, note="月度投放"))
            month = (month - dt.timedelta(days=1)).replace(day=1)
    ChannelCost.objects.bulk_create(costs, ignore_conflicts=True)


def load_refs(today: dt.date, dice: Dice) -> Refs:
    users = ensure_team_and_users()
    ensure_channels(users, today, dice)
    for name, group, colour in data.TAGS:
        Tag.objects.get_or_create(name=name, defaults={"group": group, "color": colour})
    channel_ids = dict(Channel.objects.filter(name__in=[c[0] for c in data.CHANNELS]).values_list("name", "pk"))
    methods = dict(InteractionMethod.objects.filter(is_active=True).values_list("code", "pk"))
    divisions = Industry.objects.filter(level=2).values_list("code", "pk", "abbr")
    return Refs(
        users=users,
        channels=Weighted((channel_ids[c[0]], c[5]) for c in data.CHANNELS),
        channel_names={pk: name for name, pk in channel_ids.items()},
        referral_channel=channel_ids[data.REFERRAL_CHANNEL],
        tags=dict(Tag.objects.values_list("name", "pk")),
        methods=Weighted((pk, data.METHOD_WEIGHTS.get(code, 1)) for code, pk in methods.items()),
        industries={code: (pk, abbr) for code, pk, abbr in divisions},
    )


# --- the run ---------------------------------------------------------------------------------
# Batch table name -> model, in the order they are written. Contacts and their phones go in
# before their customers: the per-row triggers that keep each customer's search document
# (kehu.search) then find no customer yet and do nothing, and the customer's own insert
# trigger builds the document once, complete. In the other order every contact and phone
# rebuilt the document again, which made the load five times slower.
TABLES = {
    "contacts": Contact, "contact_methods": ContactMethod, "customers": Customer,
    "customer_tags": Customer.tags.through, "collaborators": CustomerCollaborator,
    "interactions": Interaction, "tasks": Task, "transactions": Transaction, "stage_changes": StageChange,
    "referral_rewards": ReferralReward,
}


@dataclass
class Summary:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


class BatchWriter:
    """Writes generated batches: swaps local ids for keys, numbers the customers, inserts."""

    def __init__(self, now_utc: dt.datetime):
        self.pattern = config.get("customer_number_pattern")
        self.tables = {name: TableWriter(model, now_utc) for name, model in TABLES.items()}
        self.sources = {"contacts": IdSource(Contact), "interactions": IdSource(Interaction)}
        self._scopes: dict[tuple[dt.date, str], str] = {}

    def write(self, batch: RowBatch) -> None:
        # The rows are consistent by construction; SQLite's per-row foreign-key lookups would
        # only slow the load down (a no-op on PostgreSQL, which keeps checking).
        with connection.constraint_checks_disabled(), transaction.atomic():
            self._resolve_local_ids(batch)
            self._number(batch.extra["numbers"])
            for name, writer in self.tables.items():
                writer.write(batch.rows.get(name, []))

    def _resolve_local_ids(self, batch: RowBatch) -> None:
        rows = batch.rows
        contact_ids = self.sources["contacts"].reserve(len(rows["contacts"]))
        interaction_ids = self.sources["interactions"].reserve(len(rows["interactions"]))
        for row in rows["contacts"]:
            row["id"] = contact_ids[row["id"]]
            if row["replaced_by_id"] is not None:
                row["replaced_by_id"] = contact_ids[row["replaced_by_id"]]
        for row in rows["contact_methods"]:
            row["contact_id"] = contact_ids[row["contact_id"]]
        for row in rows["interactions"]:
            row["id"], row["contact_id"] = interaction_ids[row["id"]], contact_ids[row["contact_id"]]
        for row in rows["tasks"]:
            if row["interaction_id"] is not None:
                row["interaction_id"] = interaction_ids[row["interaction_id"]]

    def _number(self, pending: list[tuple[dict, str, dt.date]]) -> None:
        """One block per number scope (year of first contact × industry code) and batch."""
        scopes: dict[str, list[tuple[dict, str, dt.date]]] = {}
        for item in pending:
            _row, code, on = item
            scope = self._scopes.get((on, code))
            if scope is None:
                scope = self._scopes[on, code] = numbering.scope_key("customer", self.pattern, on=on, industry=code)
            scopes.setdefault(scope, []).append(item)
        for scope, items in scopes.items():
            first = numbering.reserve_block(scope, len(items))
            for offset, (row, code, on) in enumerate(items):
                row["number"] = numbering.render(self.pattern, on=on, industry=code, seq=first + offset)
        self._skip_taken_numbers([item for items in scopes.values() for item in items])

    def _skip_taken_numbers(self, items) -> None:
        """A team may switch the pattern back to one whose numbers exist: renumber those (rare)."""
        by_number = {row["number"]: (row, code, on) for row, code, on in items}
        numbers = list(by_number)
        taken = set()
        for start in range(0, len(numbers), 5000):
            chunk = numbers[start:start + 5000]
            taken.update(Customer.objects.filter(number__in=chunk).values_list("number", flat=True))
        for number in taken:
            row, code, on = by_number[number]
            row["number"] = numbering.allocate(
                "customer", self.pattern, on=on, industry=code,
                taken=lambda n: n in by_number or Customer.objects.filter(number=n).exists())


# A worker process's generator, built once by _start_worker.
_worker: CustomerMaker | None = None


def _start_worker(spec: Spec) -> None:
    global _worker
    import django
    from django.apps import apps

    if not apps.ready:  # a spawned (not forked) worker
        django.setup()
    _worker = CustomerMaker(spec)


def _generate_in_worker(customer_ids) -> RowBatch:
    return _worker.generate(customer_ids)


def generated_batches(spec: Spec, slices: list, *, in_process: bool) -> Iterator[RowBatch]:
    """The batches in order; with a worker process, the next is generated while one is written.
    One worker keeps the draws in order, so the seed still decides everything."""
    if in_process:
        maker = CustomerMaker(spec)
        yield from (maker.generate(ids) for ids in slices)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ProcessPoolExecutor(1, mp_context=context, initializer=_start_worker, initargs=(spec,)) as pool:
        pending = deque(pool.submit(_generate_in_worker, ids) for ids in slices[:2])
        for ids in slices[2:]:
            batch = pending.popleft().result()
            pending.append(pool.submit(_generate_in_worker, ids))
            yield batch
        while pending:
            yield pending.popleft().result()


# From this many new customers on, a load is large: the search index is rebuilt at the end rather
# than kept by its triggers row by row, and the planner statistics are refreshed.
LARGE_LOAD = 10_000


@contextmanager
def search_index_suspended(enabled: bool, notice: Callable[[str], None]) -> Iterator[None]:
    """kehu.search keeps each customer's search document with per-row triggers; for a large load
    its documented bulk path is faster (docs/search.md): drop them, load, re-create and index
    everything in one statement. Searches find nothing new (SQLite: fail) until it is done."""
    if not enabled:
        yield
        return
    from kehu.search import ddl

    with transaction.atomic():
        ddl.uninstall(connection)
    try:
        yield
    finally:
        notice(_("Rebuilding the search index…"))
        started = time.perf_counter()
        with transaction.atomic():
            if not ddl.ensure(connection):  # another run put the triggers back first
                ddl.rebuild(connection)
        notice(_("Search index rebuilt in %(seconds).1f s.") % {"seconds": time.perf_counter() - started})


def refresh_statistics(notice: Callable[[str], None]) -> None:
    """After a large load the planner's statistics are stale, or missing (SQLite keeps none until
    ANALYZE): sample them again, so lists and searches are planned for the table as it now is."""
    started = time.perf_counter()
    models = list(TABLES.values())
    if apps.is_installed("kehu.search"):
        models.append(apps.get_model("search", "SearchDocument"))
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit = 1000")  # sample, do not read every index whole
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit = 0")
    notice(_("Planner statistics refreshed in %(seconds).1f s.") % {"seconds": time.perf_counter() - started})


def _rebuild_search_after(customers: int) -> bool:
    if customers < LARGE_LOAD or not apps.is_installed("kehu.search"):
        return False
    return customers * 4 >= Customer.objects.count()  # the rebuild covers the old customers too


def run(customers: int, *, seed: int = 1, batch_size: int = 20_000,
        progress: Callable[[int, int, float, BatchWriter], None] | None = None,
        notice: Callable[[str], None] = lambda text: None) -> Summary:
    """Add `customers` demo customers; `progress(done, total, seconds, writer)` after each batch."""
    started = time.perf_counter()
    now = clock.now()
    local_time = LocalTime(
        now_utc=now.astimezone(dt.timezone.utc).replace(tzinfo=None, microsecond=0),
        today=timezone.localdate(now),
        offset=now.astimezone(timezone.get_current_timezone()).utcoffset(),
    )
    with transaction.atomic():
        refs = load_refs(local_time.today, Dice(seed))
        customer_ids = IdSource(Customer).reserve(customers)  # all at once: the worker needs them up front
    rules = Rules.from_settings()
    spec = Spec(seed, customer_ids[0] if customers else 0, local_time, rules, refs)
    writer = BatchWriter(local_time.now_utc)
    slices = [customer_ids[start:start + batch_size] for start in range(0, customers, batch_size)]
    done = 0
    with search_index_suspended(_rebuild_search_after(customers), notice), bulk_load_session():
        for batch in generated_batches(spec, slices, in_process=len(slices) < 2):
            writer.write(batch)
            done += len(batch.rows["customers"])
            if progress:
                progress(done, customers, time.perf_counter() - started, writer)
    if customers >= LARGE_LOAD:
        refresh_statistics(notice)
    shown = ("customers", "contacts", "contact_methods", "customer_tags", "collaborators", "interactions", "tasks",
             "transactions", "stage_changes")
    return Summary({name: writer.tables[name].written for name in shown}, time.perf_counter() - started)
