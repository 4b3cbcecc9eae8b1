"""task.due and task.overdue: emitted by the sweep's task-alert pass, after commit, once per action
and moment (a rerun or a concurrent pass adds nothing), only to subscribers whose owner may see the
customer, with the customer as that owner may read it. Against a local HTTP receiver."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

import pytest

from kehu.followup.services import task_complete, task_create, task_update
from kehu.integrations.models import WebhookDelivery
from kehu.integrations.services import webhook_create
from kehu.integrations.task_events import emit_task_moments
from tests.factories import make_customer
from tests.followup.helpers import link, local, sweep
from tests.webhooks.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DUE = local(2026, 3, 10, 10, 0)
ALERTS = "followup.task_alerts"
LEAD = dt.timedelta(hours=24)  # config "task_reminder_minutes" (1440)


def bodies(receiver) -> list[dict]:
    return [json.loads(request["body"]) for request in receiver.requests]


def events_sent(receiver) -> list[tuple[str, int]]:
    return sorted((body["event"], body["data"]["task"]["id"]) for body in bodies(receiver))


def settle(receiver, count: int) -> None:
    """Wait for `count` requests, then make sure no more are on their way."""
    wait_for(lambda: len(receiver.requests) >= count)
    wait_for(lambda: not WebhookDelivery.objects.filter(status="pending").exists())
    assert len(receiver.requests) == count, events_sent(receiver)


@pytest.fixture
def world(rep, outsider_rep, frozen_clock, receiver):
    customer = make_customer(rep, name="苏州恒力汽车零部件有限公司", budget_min="100000", needs_undisclosed=True)
    task = task_create(rep, customer.pk, title="发送报价", due_at="2026-03-10 10:00")
    own = webhook_create(rep, url=receiver.url, events=["task.due", "task.overdue"])
    # Another team's rep subscribes to the same events: they may not see this customer.
    stranger = webhook_create(outsider_rep, url=receiver.url, events=["task.due", "task.overdue"])
    return customer, task, own, stranger


@pytest.fixture
def outsider_rep(db):
    from kehu.accounts.models import Role
    from kehu.accounts.services import team_create, user_create

    return user_create(None, username="chen.rep", role=Role.REP, team=team_create(None, name="华南销售组"))


def test_due_then_overdue_once_each_signed_and_scoped(world, receiver):
    customer, task, own, stranger = world
    sweep(DUE - LEAD - dt.timedelta(minutes=1), ALERTS)
    assert WebhookDelivery.objects.count() == 0

    sweep(DUE - LEAD, ALERTS)  # the reminder lead time begins: task.due
    settle(receiver, 1)
    assert events_sent(receiver) == [("task.due", task.pk)]
    sweep(DUE - LEAD + dt.timedelta(hours=1), ALERTS)
    sweep(DUE - dt.timedelta(minutes=1), ALERTS)
    settle(receiver, 1)

    sweep(DUE, ALERTS)  # due time passed while open: task.overdue
    settle(receiver, 2)
    sweep(DUE + dt.timedelta(minutes=5), ALERTS)
    sweep(DUE + dt.timedelta(days=1), ALERTS)
    settle(receiver, 2)
    assert events_sent(receiver) == [("task.due", task.pk), ("task.overdue", task.pk)]

    # Only the owner's subscription got them; the other team's rep got nothing at all.
    assert not WebhookDelivery.objects.filter(subscription=stranger).exists()
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}

    overdue = receiver.requests[1]
    headers = {k.lower(): v for k, v in overdue["headers"].items()}
    mac = hmac.new(own.secret.encode(), headers["x-kehu-timestamp"].encode() + b"." + overdue["body"], hashlib.sha256)
    assert headers["x-kehu-signature"] == f"sha256={mac.hexdigest()}"
    assert headers["x-kehu-event"] == "task.overdue"
    body = json.loads(overdue["body"])
    assert body["data"]["task"]["id"] == task.pk and body["data"]["task"]["status"] == "open"
    assert body["data"]["customer"]["id"] == customer.pk
    assert body["data"]["customer"]["budget_min"] is not None  # the owner may see their own budget


def test_a_repeated_or_concurrent_pass_sends_nothing_twice(world, receiver):
    _customer, task, _own, _stranger = world
    sweep(DUE, ALERTS)
    settle(receiver, 1)
    assert events_sent(receiver) == [("task.overdue", task.pk)]
    # A second sweep over the same window (another process that read the watermark before the
    # first moved it) emits the same moment again: nothing new is queued or sent.
    assert emit_task_moments(DUE - dt.timedelta(minutes=5), DUE) == 0
    assert emit_task_moments(DUE - LEAD - dt.timedelta(hours=1), DUE) == 0
    settle(receiver, 1)
    assert WebhookDelivery.objects.count() == 1


def test_a_rescheduled_action_is_a_new_moment_and_a_completed_one_is_silent(world, receiver, rep):
    _customer, task, _own, _stranger = world
    sweep(DUE - LEAD, ALERTS)
    settle(receiver, 1)
    task = task_update(rep, task.pk, version=task.version, due_at="2026-03-12 10:00")
    sweep(DUE, ALERTS)  # the old due time: no longer a moment of this action
    sweep(local(2026, 3, 11, 10, 0), ALERTS)  # the new lead time begins
    settle(receiver, 2)
    assert events_sent(receiver) == [("task.due", task.pk), ("task.due", task.pk)]
    assert [b["data"]["task"]["due_at"][:10] for b in bodies(receiver)] == ["2026-03-10", "2026-03-12"]

    task_complete(rep, task.pk, version=task.version, result="已发送")
    sweep(local(2026, 3, 12, 10, 5), ALERTS)
    settle(receiver, 2)


def test_payload_for_a_read_only_collaborator_leaves_confidential_fields_out(world, receiver):
    from kehu.accounts.models import Role
    from kehu.accounts.services import user_create

    customer, task, own, stranger = world
    marketing = user_create(None, username="xu.marketing", role=Role.COLLABORATOR)
    link(customer, marketing)
    theirs = webhook_create(marketing, url=receiver.url, events=["task.overdue"])
    sweep(DUE, ALERTS)
    settle(receiver, 2)
    payloads = {row.subscription_id: row.payload for row in WebhookDelivery.objects.all()}
    assert set(payloads) == {own.pk, theirs.pk}
    assert payloads[own.pk]["data"]["customer"]["budget_min"] is not None
    assert "budget_min" not in payloads[theirs.pk]["data"]["customer"]
    assert payloads[theirs.pk]["data"]["task"]["id"] == task.pk
