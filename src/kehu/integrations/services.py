"""Webhook subscriptions: each user manages their own; payloads carry only what they may see."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils.translation import gettext as _

from kehu.core import audit, clock
from kehu.core.cleaning import Errors, label
from kehu.core.errors import NotFound
from kehu.core.policy import require
from kehu.integrations.events import EVENTS
from kehu.integrations.models import DeliveryStatus, WebhookDelivery, WebhookSubscription


def _clean(data: dict[str, Any], errors: Errors, *, partial: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if not partial or "url" in data:
        url = str(data.get("url") or "").strip()
        try:
            parts = urlsplit(url)
        except ValueError:  # e.g. an unclosed IPv6 bracket
            parts = urlsplit("")
        if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500:
            errors.add("url", _("%(label)s must be an http:// or https:// address.") % {"label": label(WebhookSubscription, "url")})
        out["url"] = url
    if not partial or "events" in data:
        events = data.get("events") or []
        unknown = [e for e in events if e not in EVENTS]
        if not events or unknown:
            errors.add("events", _("%(label)s must be a non-empty list of: %(choices)s.")
                       % {"label": label(WebhookSubscription, "events"), "choices": ", ".join(EVENTS)})
        out["events"] = sorted(set(events))
    if "description" in data:
        out["description"] = str(data.get("description") or "").strip()[:200]
    if "is_active" in data:
        out["is_active"] = bool(data["is_active"])
    return out


@transaction.atomic
def webhook_create(actor, **data: Any) -> WebhookSubscription:
    require(actor is not None and actor.is_active, _("Sign in first."))
    errors = Errors()
    values = _clean(data, errors, partial=False)
    errors.raise_if_any()
    subscription = WebhookSubscription.objects.create(owner=actor, secret=secrets.token_hex(32),
                                                      created_at=clock.now(), **values)
    audit.record(actor, "webhook.create", subscription, changes={k: [None, v] for k, v in values.items()})
    return subscription


def own_subscription(actor, subscription_id: int, *, lock: bool = False) -> WebhookSubscription:
    queryset = WebhookSubscription.objects.filter(owner=actor) if actor is not None else WebhookSubscription.objects.none()
    found = (queryset.select_for_update() if lock else queryset).filter(pk=subscription_id).first()
    if found is None:
        raise NotFound(subscription_id)
    return found


@transaction.atomic
def webhook_update(actor, subscription_id: int, **data: Any) -> WebhookSubscription:
    subscription = own_subscription(actor, subscription_id, lock=True)
    errors = Errors()
    values = _clean(data, errors, partial=True)
    errors.raise_if_any()
    before = audit.snapshot(subscription, list(values))
    for name, value in values.items():
        setattr(subscription, name, value)
    subscription.save()
    audit.record(actor, "webhook.update", subscription, changes=audit.diff(before, audit.snapshot(subscription, list(values))))
    return subscription


@transaction.atomic
def webhook_delete(actor, subscription_id: int) -> None:
    subscription = own_subscription(actor, subscription_id, lock=True)
    audit.record(actor, "webhook.delete", subscription, changes={"url": [subscription.url, None]})
    subscription.delete()


@transaction.atomic
def delivery_redeliver(actor, delivery_id: int) -> WebhookDelivery:
    """Send a delivery again now (after a receiver was fixed), whatever its status."""
    delivery = WebhookDelivery.objects.select_for_update().filter(pk=delivery_id, subscription__owner=actor).first()
    if delivery is None:
        raise NotFound(delivery_id)
    delivery.status, delivery.next_attempt_at = DeliveryStatus.PENDING, clock.now()
    delivery.save(update_fields=["status", "next_attempt_at"])

    def send():
        from kehu.integrations.delivery import send_in_background

        send_in_background([delivery.pk])

    transaction.on_commit(send)
    return delivery
