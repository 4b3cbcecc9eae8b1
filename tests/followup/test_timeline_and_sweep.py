"""The customer's one timeline (for the web page), and `kehu sweep` as a user runs it: one pass,
twice, and several at once."""

from __future__ import annotations

import time

import pytest

from kehu.core.errors import NotFound
from kehu.customers.models import Customer
from kehu.customers.services import customer_update, transaction_record
from kehu.followup.queries import timeline_events
from kehu.followup.services import complaint_open, interaction_record, task_create
from kehu.notify.models import Notification
from tests.factories import make_customer
from tests.followup.helpers import FIVE, link
from tests.procs import start_python

pytestmark = pytest.mark.django_db


def test_timeline_holds_every_kind_newest_first(rep, viewer, outsider, frozen_clock):
    customer = make_customer(rep)
    interaction_record(rep, customer.pk, occurred_at="2026-03-02 08:00", **FIVE)
    frozen_clock.advance(minutes=10)
    transaction_record(rep, customer.pk, signed_on="2026-03-02", amount="120000", reference="HT-1")
    frozen_clock.advance(minutes=10)
    complaint_open(rep, customer.pk, description="包装破损", channel="phone")
    frozen_clock.advance(minutes=10)
    customer_update(rep, customer.pk, version=Customer.objects.get(pk=customer.pk).version, short_name="恒力")
    frozen_clock.advance(minutes=10)
    task_create(rep, customer.pk, title="回访", due_at="2026-03-05 10:00")
    events = timeline_events(rep, customer)
    kinds = [event.kind for event in events]
    assert {"interaction", "stage", "transaction", "complaint", "change", "task"} <= set(kinds)
    assert [e.at for e in events] == sorted((e.at for e in events), reverse=True)
    assert events[0].kind == "task"
    [deal] = [e for e in events if e.kind == "transaction"]
    assert deal.amount == 120000
    [stage] = [e for e in events if e.kind == "stage"]
    assert "→" in stage.title
    link(customer, viewer)
    [hidden] = [e for e in timeline_events(viewer, customer) if e.kind == "transaction"]
    assert hidden.amount is None  # amounts are for the owner and the lead only (R33)
    with pytest.raises(NotFound):
        timeline_events(outsider, customer)


def test_timeline_uses_a_fixed_number_of_queries(rep, frozen_clock, django_assert_max_num_queries):
    customer = make_customer(rep)
    for hour in range(5):
        interaction_record(rep, customer.pk, occurred_at=f"2026-03-02 0{hour}:00", **FIVE)
        complaint_open(rep, customer.pk, description=f"问题{hour}", channel="phone")
    with django_assert_max_num_queries(12):
        timeline_events(rep, customer)


def _overdue_world(rep, count=3, due="2026-03-02 08:00"):
    for _ in range(count):
        customer = make_customer(rep)
        task_create(rep, customer.pk, title="发送报价", due_at=due, priority="high")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_kehu_sweep_twice_writes_each_notice_once(rep, kehu, frozen_clock):
    _overdue_world(rep)
    first = kehu("sweep", "--at", "2026-03-02 10:00")
    assert first.returncode == 0, first.stderr
    assert "followup.task_alerts: 3" in first.stdout
    second = kehu("sweep", "--at", "2026-03-02 10:00")
    assert second.returncode == 0, second.stderr
    assert "followup.task_alerts: 0" in second.stdout
    assert Notification.objects.filter(user=rep, kind="task.overdue").count() == 3
    bad = kehu("sweep", "--at", "tomorrow")
    assert bad.returncode != 0 and "2024-03-15 14:30" in bad.stderr


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_sweeps_never_notify_twice(rep, manager, frozen_clock):
    """Four processes sweep the same moment at once (on PostgreSQL truly in parallel)."""
    _overdue_world(rep, count=40, due="2026-04-09 09:00")
    for index in range(40):
        customer = make_customer(rep)
        complaint_open(manager, customer.pk, description=f"投诉{index}", channel="phone")
    start = time.time() + 4  # all four start sweeping at the same moment, after Django has loaded
    code = ("from kehu.core.sweep import run_sweep; import datetime as dt, time; from django.utils import timezone\n"
            f"time.sleep(max(0, {start} - time.time()))\n"
            "r = run_sweep(timezone.make_aware(dt.datetime(2026, 4, 9, 10, 0)))\n"
            "assert r.ok, r.failed\nprint(sum(r.done.values()))")
    processes = [start_python(code) for _ in range(4)]
    for process in processes:
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err
    notices = Notification.objects.filter(user=rep)
    assert notices.filter(kind="task.overdue").count() == 40
    assert notices.filter(kind="complaint.new").count() == 40
    assert notices.filter(kind="complaint.response_breach").count() == 40
    assert notices.filter(kind="complaint.solution_breach").count() == 40
    assert Notification.objects.filter(user=manager, kind="complaint.response_breach").count() == 40
    assert not notices.filter(kind="customer.silent").exists()  # silent since 04-01: listed, not notified
    assert Customer.objects.filter(stage="silent").count() == 80
    from kehu.customers.models import StageChange

    assert StageChange.objects.filter(to_stage="silent").count() == 80  # never two changes for one customer
