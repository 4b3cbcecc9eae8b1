"""R14: reminders before due (lead time boundary), overdue notice, second reminder for high
priority, escalation to the lead after N days and the reassignment offer after M days; each once;
only to people who may see the customer."""

from __future__ import annotations

import datetime as dt

import pytest

from kehu.customers.models import Customer
from kehu.followup.services import task_complete, task_create, task_update
from kehu.notify.models import Notification
from tests.factories import make_customer
from tests.followup.helpers import kinds, link, local, sweep

pytestmark = pytest.mark.django_db

DUE = local(2026, 3, 10, 10, 0)
ALERTS = "followup.task_alerts"


@pytest.fixture
def action(rep, frozen_clock):
    def make(priority="medium", owner=None):
        customer = make_customer(rep)
        return task_create(rep, customer.pk, title="发送报价", due_at="2026-03-10 10:00", priority=priority,
                           owner=owner)

    return make


def test_reminder_a_lead_time_before_due(rep, action):
    task = action()
    sweep(DUE - dt.timedelta(hours=24, minutes=1), ALERTS)
    assert kinds(rep) == []
    sweep(DUE - dt.timedelta(hours=24), ALERTS)
    assert kinds(rep) == [("task.reminder", task.pk)]
    sweep(DUE - dt.timedelta(minutes=30), ALERTS)  # medium priority: no second reminder
    assert kinds(rep) == [("task.reminder", task.pk)]
    sweep(DUE - dt.timedelta(minutes=1), ALERTS)
    assert kinds(rep) == [("task.reminder", task.pk)]
    sweep(DUE, ALERTS)
    assert kinds(rep) == [("task.overdue", task.pk), ("task.reminder", task.pk)]


def test_high_priority_gets_a_second_reminder(rep, action):
    task = action(priority="high")
    sweep(DUE - dt.timedelta(hours=24), ALERTS)
    sweep(DUE - dt.timedelta(minutes=61), ALERTS)
    assert kinds(rep) == [("task.reminder", task.pk)]
    sweep(DUE - dt.timedelta(minutes=60), ALERTS)
    assert kinds(rep) == [("task.reminder", task.pk), ("task.reminder2", task.pk)]
    sweep(DUE + dt.timedelta(minutes=1), ALERTS)
    assert [k for k, _ in kinds(rep)] == ["task.overdue", "task.reminder", "task.reminder2"]


def test_escalation_to_the_lead_then_the_reassignment_offer(rep, manager, action):
    task = action()
    sweep(DUE, ALERTS)
    sweep(DUE + dt.timedelta(days=2) - dt.timedelta(minutes=1), ALERTS)
    assert kinds(manager) == []
    sweep(DUE + dt.timedelta(days=2), ALERTS)
    assert kinds(manager) == [("task.escalated", task.pk)]
    sweep(DUE + dt.timedelta(days=5) - dt.timedelta(minutes=1), ALERTS)
    assert kinds(manager) == [("task.escalated", task.pk)]
    sweep(DUE + dt.timedelta(days=5), ALERTS)
    assert kinds(manager) == [("task.escalated", task.pk), ("task.reassign", task.pk)]
    # The lead takes the offer: the new owner hears about the overdue action from the start.
    from kehu.accounts.services import user_create

    helper = user_create(None, username="qian.rep", role="rep", team=rep.team)
    link(task.customer, helper, can_edit=True)
    task_update(manager, task.pk, version=task.version, owner=helper.pk)
    assert kinds(helper) == [("task.assigned", task.pk)]  # at once, from the service
    sweep(DUE + dt.timedelta(days=5, hours=1), ALERTS)
    assert kinds(helper) == [("task.assigned", task.pk)]
    assert len(kinds(manager)) == 2


def test_a_window_crossing_several_moments_sends_only_the_latest(rep, manager, action):
    """The first pass sees an action whose reminder, due time and escalation all fell within its
    window: only the latest notice of each track goes out."""
    task = action(priority="high")
    sweep(DUE + dt.timedelta(hours=1), ALERTS)
    assert kinds(rep) == [("task.overdue", task.pk)]
    other = action()
    sweep(DUE + dt.timedelta(days=1), ALERTS)
    sweep(DUE + dt.timedelta(days=5, hours=1), ALERTS)  # 4 days without a sweep: escalation skipped
    assert kinds(manager) == [("task.reassign", task.pk), ("task.reassign", other.pk)]


def test_moments_older_than_the_catch_up_limit_are_left_to_the_lists(rep, manager, action):
    """A first sweep over old data (or after long downtime) does not flood the inbox."""
    from kehu.followup.queries import overdue_tasks

    task = action()
    sweep(DUE + dt.timedelta(days=9), ALERTS)
    assert kinds(rep) == [] and kinds(manager) == []
    assert list(overdue_tasks(rep, now=DUE + dt.timedelta(days=9))) == [task]
    sweep(DUE + dt.timedelta(days=3), ALERTS)  # the clock went back: this window is already swept
    assert kinds(rep) == []


def test_sweeping_twice_never_notifies_twice(rep, manager, action):
    action(priority="high")
    action()
    for moment in (DUE - dt.timedelta(hours=24), DUE - dt.timedelta(minutes=60), DUE, DUE + dt.timedelta(days=5, hours=1)):
        sweep(moment, ALERTS)
        before = Notification.objects.count()
        sweep(moment, ALERTS)
        assert Notification.objects.count() == before
    assert Notification.objects.filter(user=rep).count() == 5  # 2 reminders + 1 second + 2 overdue
    assert Notification.objects.filter(user=manager).count() == 2  # reassignment offers (skipped escalation)


def test_rescheduling_is_a_new_promise_with_new_reminders(rep, action):
    task = action()
    sweep(DUE, ALERTS)
    task_update(rep, task.pk, version=task.version, due_at="2026-03-12 10:00")
    sweep(local(2026, 3, 11, 10, 0), ALERTS)
    assert kinds(rep) == [("task.overdue", task.pk), ("task.reminder", task.pk)]
    assert Notification.objects.get(user=rep, kind="task.reminder", due_at=local(2026, 3, 12, 10, 0))


def test_done_actions_are_not_reminded(rep, action):
    task = action()
    task_complete(rep, task.pk, version=task.version)
    sweep(DUE + dt.timedelta(days=9), ALERTS)
    assert kinds(rep) == []


def test_nobody_is_told_about_a_customer_they_may_not_see(rep, other_rep, manager, viewer, outsider, action):
    """An action owned by someone who cannot see its customer (a read-only colleague, a rep of
    another team) produces no notification for them; the lead of the customer's team is told."""
    first = action(owner=viewer.pk)  # not linked: may not see the customer
    second = action(owner=outsider.pk)
    sweep(DUE, ALERTS)
    sweep(DUE + dt.timedelta(days=2, hours=1), ALERTS)
    assert kinds(viewer) == [] and kinds(outsider) == [] and kinds(other_rep) == []
    assert kinds(manager) == [("task.escalated", first.pk), ("task.escalated", second.pk)]
    assert kinds(outsider.team.lead) == []


def test_a_linked_read_only_colleague_is_reminded_of_their_own_action(rep, viewer, action):
    task = action(owner=viewer.pk)
    link(task.customer, viewer)
    sweep(DUE, ALERTS)
    assert kinds(viewer) == [("task.overdue", task.pk)]


def test_a_lead_who_owns_the_action_is_not_escalated_to(manager, frozen_clock):
    customer = make_customer(manager)
    task = task_create(manager, customer.pk, title="拜访", due_at="2026-03-10 10:00")
    for moment in (DUE, DUE + dt.timedelta(days=2, hours=1), DUE + dt.timedelta(days=5, hours=1)):
        sweep(moment, ALERTS)
    assert kinds(manager) == [("task.overdue", task.pk)]


def test_deleted_customers_actions_stay_quiet(rep, manager, action):
    from kehu.customers.services import customer_soft_delete

    task = action()
    customer_soft_delete(manager, task.customer_id, version=Customer.objects.get(pk=task.customer_id).version)
    sweep(DUE, ALERTS)
    sweep(DUE + dt.timedelta(days=2, hours=1), ALERTS)
    assert kinds(rep) == [] and kinds(manager) == []
