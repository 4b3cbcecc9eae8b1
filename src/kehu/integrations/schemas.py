"""API shapes of tokens and webhooks."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from kehu.integrations.events import EVENTS

# What the services accept, said in the document (so clients and fuzzers know it up front):
# a name with something besides spaces in it, http(s) addresses, the known event names.
NotBlank = r"\S"
TokenName = Annotated[str, Field(min_length=1, max_length=100, pattern=NotBlank)]
HookUrl = Annotated[str, Field(max_length=500, pattern=r"^\s*[Hh][Tt][Tt][Pp][Ss]?://[^/?#\s]")]
EventName = Literal[EVENTS]  # type: ignore[valid-type]
HookEvents = Annotated[list[EventName], Field(min_length=1, max_length=len(EVENTS))]
HookDescription = Annotated[str, Field(max_length=200)]


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
    name: TokenName
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
    url: HookUrl
    events: HookEvents
    description: HookDescription = ""


class WebhookPatch(Schema):
    """Only the fields sent change; none of them may be null."""

    url: HookUrl = None  # type: ignore[assignment]
    events: HookEvents = None  # type: ignore[assignment]
    description: HookDescription = None  # type: ignore[assignment]
    is_active: bool = None  # type: ignore[assignment]


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
