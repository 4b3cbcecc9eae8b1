"""/tokens (your personal API tokens) and /webhooks (your subscriptions and their delivery log)."""

from __future__ import annotations

from ninja import Router
from ninja.responses import Status

from kehu.core.schemas import ERRORS, WRITE_ERRORS, Id, Limit, MessageOut, Page, int_cursor, keyset
from kehu.integrations import services, tokens
from kehu.integrations.events import EVENTS
from kehu.integrations.models import ApiToken, WebhookDelivery
from kehu.integrations.schemas import (
    DeliveryOut,
    TokenCreated,
    TokenIn,
    TokenOut,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
    WebhookPatch,
)

router = Router(tags=["integrations"])


@router.get("/tokens", response={200: list[TokenOut]} | ERRORS)
def list_tokens(request):
    return list(ApiToken.objects.filter(user=request.auth).order_by("-created_at", "-id"))


@router.post("/tokens", response={201: TokenCreated} | WRITE_ERRORS)
def create_token(request, payload: TokenIn):
    """A new personal token. The secret is in this response only: store it now."""
    token, secret = tokens.token_create(request.auth, name=payload.name, expires_at=payload.expires_at)
    fields = ("id", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    return Status(201, {**{name: getattr(token, name) for name in fields}, "token": secret})


@router.delete("/tokens/{token_id}", response={200: TokenOut} | WRITE_ERRORS)
def revoke_token(request, token_id: Id):
    return tokens.token_revoke(request.auth, token_id)


@router.get("/webhooks/events", response={200: list[str]} | ERRORS)
def list_events(request):
    return list(EVENTS)


@router.get("/webhooks", response={200: list[WebhookOut]} | ERRORS)
def list_webhooks(request):
    return list(request.auth.webhook_subscriptions.order_by("-id"))


@router.post("/webhooks", response={201: WebhookCreated} | WRITE_ERRORS)
def create_webhook(request, payload: WebhookIn):
    """Subscribe a URL to events. Bodies are signed: see X-Kehu-Signature in docs/api.md."""
    return Status(201, services.webhook_create(request.auth, **payload.dict()))


@router.get("/webhooks/{webhook_id}", response={200: WebhookOut} | ERRORS)
def get_webhook(request, webhook_id: Id):
    return services.own_subscription(request.auth, webhook_id)


@router.patch("/webhooks/{webhook_id}", response={200: WebhookOut} | WRITE_ERRORS)
def update_webhook(request, webhook_id: Id, payload: WebhookPatch):
    return services.webhook_update(request.auth, webhook_id, **payload.dict(exclude_unset=True))


@router.delete("/webhooks/{webhook_id}", response={200: MessageOut} | WRITE_ERRORS)
def delete_webhook(request, webhook_id: Id):
    services.webhook_delete(request.auth, webhook_id)
    return {"detail": "deleted"}


@router.get("/webhooks/{webhook_id}/deliveries", response={200: Page[DeliveryOut]} | ERRORS)
def list_deliveries(request, webhook_id: Id, cursor: str | None = None, limit: Limit = 50):
    subscription = services.own_subscription(request.auth, webhook_id)
    rows, next_cursor = keyset(WebhookDelivery.objects.filter(subscription=subscription), int_cursor(cursor), limit)
    return {"items": rows, "next_cursor": next_cursor}


@router.post("/webhooks/deliveries/{delivery_id}/redeliver", response={200: DeliveryOut} | WRITE_ERRORS)
def redeliver(request, delivery_id: Id):
    return services.delivery_redeliver(request.auth, delivery_id)
