"""API shapes of tokens and webhooks."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Schema


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None = None
    last_used_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None


class TokenCreated(TokenOut):
    token: str = Field(description="The secret: shown only in this response. Send it as Authorization: Bearer …")


class TokenIn(Schema):
    name: Annotated[str, Field(max_length=1000)]
    expires_at: dt.datetime | None = None


class WebhookOut(Schema):
    id: int
    url: str
    events: list[str]
    description: str
    is_active: bool
    created_at: dt.datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="The HMAC-SHA256 signing secret: shown only in this response.")


class WebhookIn(Schema):
    url: Annotated[str, Field(max_length=1000)]
    events: Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=50)]
    description: Annotated[str, Field(max_length=1000)] = ""


class WebhookPatch(Schema):
    url: Annotated[str, Field(max_length=1000)] | None = None
    events: Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=50)] | None = None
    description: Annotated[str, Field(max_length=1000)] | None = None
    is_active: bool | None = None


class DeliveryOut(Schema):
    id: int
    event: str
    event_id: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None = None
    last_status_code: int | None = None
    last_error: str
    created_at: dt.datetime
    delivered_at: dt.datetime | None = None
    payload: dict[str, Any]
