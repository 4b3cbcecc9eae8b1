"""Emitting webhook events: `emit(name, payload, customer=...)`, called by services inside their
transaction (one line each). For every active subscription to `name` whose owner may see the
customer, a delivery row is written in the same transaction — so an event is never lost, and
never sent for a change that rolled back — and sent once the transaction commits.

`payload` is a dict (the same for every receiver) or a callable(owner) -> dict (when what a
receiver may read depends on who they are). With `customer`, data["customer"] is the customer as
the subscription's owner may read it through the API (confidential fields left out, phones
masked). The follow-up sweep emits task.due / task.overdue through this same function
(kehu.integrations.task_events), once per task and moment.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, Callable

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from kehu.core import clock
from kehu.core.policy import access_for

EVENTS = (
    "customer.created", "customer.updated", "customer.deleted", "customer.restored", "stage.changed",
    "interaction.recorded", "transaction.recorded", "task.created", "task.completed",
    "task.due", "task.overdue",
)
Payload = dict[str, Any] | Callable[[Any], dict[str, Any]] | None


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def subscriptions_to(name: str) -> list:
    from kehu.integrations.models import WebhookSubscription

    return [s for s in WebhookSubscription.objects.filter(is_active=True).select_related("owner") if name in s.events]


def moment_event_id(name: str, obj, moment) -> str:
    """The one id of `name` for `obj` at `moment` (e.g. task.overdue of task 7 due at 10:00):
    emitting it again, from a repeated or concurrent sweep, adds no delivery."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"kehu:{name}:{obj._meta.label_lower}:{obj.pk}:{moment.isoformat()}"))


def emit(name: str, payload: Payload = None, *, customer=None, event_id: str | None = None,
         subscriptions: list | None = None) -> int:
    """Queue `name` for its subscribers; returns how many deliveries were queued. With `event_id`
    (moment_event_id) the event is queued at most once per subscription, whoever emits it again."""
    from kehu.integrations.models import WebhookDelivery

    if subscriptions is None:
        subscriptions = subscriptions_to(name)
    if not subscriptions:
        return 0
    if isinstance(customer, int):
        from kehu.customers.models import Customer

        customer = Customer.objects.get(pk=customer)
    now = clock.now()
    once = event_id is not None
    event_id = event_id or str(uuid.uuid4())
    rows = []
    for subscription in subscriptions:
        access = access_for(subscription.owner)
        if not access.active or (customer is not None and not access.may_see(customer)):
            continue
        data = payload(subscription.owner) if callable(payload) else dict(payload or {})
        if customer is not None:
            from kehu.customers.schemas import customer_out

            data.setdefault("customer", customer_out(access, customer, with_contacts=False))
        body = {"id": event_id, "event": name, "occurred_at": now, "data": data}
        rows.append(WebhookDelivery(subscription=subscription, event=name, event_id=event_id,
                                    payload=_json_safe(body), created_at=now, next_attempt_at=now))
    if not rows:
        return 0
    if once:
        # Leave out the subscriptions that have this event already; the unique (subscription,
        # event_id) stops a concurrent emit that read the same gap. Should both then try to send
        # a row, delivery's claim (a lease) lets only one of them.
        have = set(WebhookDelivery.objects.filter(event_id=event_id).values_list("subscription_id", flat=True))
        rows = [row for row in rows if row.subscription_id not in have]
        if not rows:
            return 0
        WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
        ids = list(WebhookDelivery.objects.filter(event_id=event_id, subscription__in=[r.subscription_id for r in rows])
                   .values_list("pk", flat=True))
    else:
        ids = [row.pk for row in WebhookDelivery.objects.bulk_create(rows)]
    if not ids:
        return 0

    def send():
        from kehu.integrations.delivery import send_in_background

        send_in_background(ids)

    transaction.on_commit(send)
    return len(ids)


# --- payload builders the services pass (so their emit calls stay one line) -----------------

def interaction_data(row) -> dict[str, Any]:
    from kehu.followup.schemas import interaction_out

    return {"interaction": interaction_out(row)}


def task_data(row) -> dict[str, Any]:
    from kehu.followup.schemas import task_out

    return {"task": task_out(row)}


def transaction_data(row, customer) -> Callable[[Any], dict[str, Any]]:
    """Amounts only for receivers whose owner may see them (R33)."""
    from kehu.customers.schemas import transaction_out

    return lambda owner: {"transaction": transaction_out(owner, row, customer)}
