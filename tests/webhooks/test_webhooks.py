"""Webhooks against a local HTTP receiver: signed, sent after commit, retried, never lost,
scoped to what the subscription's owner may see."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

import pytest

from kehu.integrations.models import WebhookDelivery
from kehu.integrations.services import delivery_redeliver, webhook_create
from tests.factories import make_customer
from tests.webhooks.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def delivered(count):
    return lambda: WebhookDelivery.objects.filter(status="delivered").count() >= count


def test_signed_event_after_commit(receiver, rep):
    subscription = webhook_create(rep, url=receiver.url, events=["customer.created", "stage.changed"])
    customer = make_customer(rep, name="苏州恒力汽车零部件有限公司")
    wait_for(lambda: receiver.requests)
    request = receiver.requests[0]
    headers = {k.lower(): v for k, v in request["headers"].items()}
    expected = hmac.new(subscription.secret.encode(), headers["x-kehu-timestamp"].encode() + b"." + request["body"],
                        hashlib.sha256).hexdigest()
    assert headers["x-kehu-signature"] == f"sha256={expected}"
    assert headers["x-kehu-event"] == "customer.created"
    body = json.loads(request["body"])
    assert body["event"] == "customer.created" and body["data"]["customer"]["id"] == customer.pk
    assert body["data"]["customer"]["name"] == "苏州恒力汽车零部件有限公司"
    wait_for(delivered(1))
    row = WebhookDelivery.objects.get()
    assert row.attempts == 1 and row.last_status_code == 200 and row.delivered_at


def test_nothing_is_sent_for_a_rolled_back_write(receiver, rep):
    from django.db import transaction

    webhook_create(rep, url=receiver.url, events=["customer.created"])
    with pytest.raises(RuntimeError), transaction.atomic():
        make_customer(rep)
        raise RuntimeError("abort")
    assert WebhookDelivery.objects.count() == 0
    assert receiver.requests == []


def test_retry_after_500_with_back_off(receiver, rep, frozen_clock):
    from kehu.integrations.delivery import deliver_due

    webhook_create(rep, url=receiver.url, events=["customer.created"])
    receiver.statuses = [500]
    make_customer(rep)
    row = wait_for(lambda: WebhookDelivery.objects.filter(attempts=1).first())
    assert row.status == "pending" and row.last_status_code == 500
    assert row.next_attempt_at == frozen_clock.moment + dt.timedelta(seconds=60)
    assert deliver_due(frozen_clock.moment) == 0  # not due yet
    frozen_clock.advance(seconds=61)
    assert deliver_due(frozen_clock.moment) == 1
    row.refresh_from_db()
    assert row.status == "delivered" and row.attempts == 2
    assert len(receiver.requests) == 2
    first, second = (json.loads(r["body"]) for r in receiver.requests)
    assert first["id"] == second["id"]  # the same event: receivers dedupe on it


def test_a_dead_receiver_never_blocks_or_loses_a_write(rep, frozen_clock):
    from kehu.core import config
    from kehu.integrations.delivery import deliver_due

    webhook_create(rep, url="http://127.0.0.1:9/nobody-listens", events=["customer.created"])
    customer = make_customer(rep)  # the write succeeds
    assert customer.pk
    row = wait_for(lambda: WebhookDelivery.objects.filter(attempts=1).first())
    assert row.status == "pending" and row.last_error
    for delay in config.get("webhook_retry_delays_seconds"):
        frozen_clock.advance(seconds=delay + 1)
        deliver_due(frozen_clock.moment)
    row.refresh_from_db()
    assert row.status == "failed" and row.attempts == len(config.get("webhook_retry_delays_seconds")) + 1
    assert row.payload["data"]["customer"]["id"] == customer.pk  # kept in the log, can be sent again


def test_redeliver_after_the_receiver_is_fixed(receiver, rep):
    webhook_create(rep, url=receiver.url, events=["customer.created"])
    receiver.statuses = [503]
    make_customer(rep)
    row = wait_for(lambda: WebhookDelivery.objects.filter(attempts=1).first())
    delivery_redeliver(rep, row.pk)
    wait_for(delivered(1))
    assert len(receiver.requests) == 2


def test_payload_is_scoped_to_the_subscription_owner(receiver, rep, other_rep, manager, superuser_factory):
    from kehu.accounts.models import Role
    from kehu.accounts.services import user_create
    from kehu.customers.services import customer_change_stage

    data_admin = user_create(None, username="data.admin", role=Role.DATA_ADMIN)
    for owner in (rep, other_rep, data_admin):
        webhook_create(owner, url=f"{receiver.url}?owner={owner.username}", events=["stage.changed"])
    customer = make_customer(rep, budget_min="10000", budget_max="50000")
    customer_change_stage(rep, customer.pk, version=1, stage="intent")
    wait_for(lambda: len(receiver.requests) >= 2)
    wait_for(delivered(2))
    bodies = {r["headers"].get("Host"): json.loads(r["body"]) for r in receiver.requests}
    assert len(receiver.requests) == 2  # other_rep may not see the customer: nothing sent to them
    by_owner = {row.subscription.owner.username: row.payload for row in WebhookDelivery.objects.select_related("subscription__owner")}
    assert set(by_owner) == {"li.rep", "data.admin"}
    assert by_owner["li.rep"]["data"]["customer"]["budget_max"] == "50000.00"
    assert "budget_max" not in by_owner["data.admin"]["data"]["customer"]  # confidential (R33)
    assert by_owner["li.rep"]["data"]["to"] == "intent"
    assert bodies


def test_api_manages_subscriptions_and_shows_the_log(receiver, rep):
    from tests.api.conftest import ApiClient

    api = ApiClient(rep)
    created = api.post("/webhooks", {"url": receiver.url, "events": ["customer.created"]})
    assert created.status_code == 201 and len(created.json()["secret"]) == 64
    assert "secret" not in api.get(f"/webhooks/{created.json()['id']}").json()
    bad = api.post("/webhooks", {"url": "ftp://x", "events": ["nope"]})
    # The document lists the event names, so the wrong one is named by its place in the list.
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["detail"]} == {"url", "events[0]"}
    make_customer(rep)
    wait_for(delivered(1))
    log = api.get(f"/webhooks/{created.json()['id']}/deliveries").json()["items"]
    assert log[0]["status"] == "delivered" and log[0]["event"] == "customer.created"
    from tests.api.conftest import ApiClient as Other

    assert api.patch(f"/webhooks/{created.json()['id']}", {"is_active": False}).json()["is_active"] is False
    assert api.delete(f"/webhooks/{created.json()['id']}").status_code == 200
    assert Other
