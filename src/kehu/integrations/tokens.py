"""Personal API tokens: created and revoked by their user, stored as SHA-256, shown once.

A request authenticates with `Authorization: Bearer kehu_…`. Every request re-checks that the
token is neither revoked nor expired and that its user is still active, so deactivating a user
stops their tokens at once (kehu.accounts.signin.user_may_authenticate, the check sessions use
too). Repeated failures from one address are throttled (429).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.signin import user_may_authenticate
from kehu.core import audit, clock, config
from kehu.core.cleaning import Errors, label
from kehu.core.errors import NotFound, ValidationError
from kehu.core.policy import require
from kehu.integrations.models import ApiToken, TokenFailures

PREFIX = "kehu_"
# last_used_at is written at most this often: a write per request would serialise readers on SQLite.
TOUCH_EVERY = dt.timedelta(minutes=1)
# Further ahead is "never" in practice, and near year 9999 the time cannot be stored in UTC.
MAX_LIFETIME = dt.timedelta(days=100 * 365)


@dataclass
class Throttled(Exception):
    retry_after: int


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_create(actor, *, name: str, expires_at: dt.datetime | None = None) -> tuple[ApiToken, str]:
    """A new token for `actor` and its secret (the only time the secret exists in clear)."""
    require(actor is not None and actor.is_active, _("Sign in first."))
    errors = Errors()
    name = (name or "").strip()
    if not name:
        errors.add("name", _("%(label)s is required.") % {"label": label(ApiToken, "name")})
    elif len(name) > 100:
        errors.add("name", _("%(label)s is too long: at most %(max)d characters (%(count)d given).")
                   % {"label": label(ApiToken, "name"), "max": 100, "count": len(name)})
    if expires_at is not None:
        if timezone.is_naive(expires_at):  # a time without offset is local time, like in the web pages
            expires_at = timezone.make_aware(expires_at)
        if expires_at <= clock.now():
            errors.add("expires_at", _("%(label)s must be in the future.") % {"label": label(ApiToken, "expires_at")})
        elif expires_at > clock.now() + MAX_LIFETIME:
            errors.add("expires_at", _("%(label)s must be within %(years)d years.")
                       % {"label": label(ApiToken, "expires_at"), "years": MAX_LIFETIME.days // 365})
    errors.raise_if_any()
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=actor, name=name, prefix=secret[:12], digest=digest_of(secret),
                                    created_at=clock.now(), expires_at=expires_at)
    audit.record(actor, "token.create", token, changes={"name": [None, name]})
    return token, secret


@transaction.atomic
def token_revoke(actor, token_id: int) -> ApiToken:
    """Revoke one of `actor`'s own tokens; someone else's is NotFound."""
    token = ApiToken.objects.select_for_update().filter(pk=token_id, user=actor).first() if actor else None
    if token is None:
        raise NotFound(token_id)
    if token.revoked_at is not None:
        raise ValidationError({"token": [_("This token is already revoked.")]})
    token.revoked_at = clock.now()
    token.save(update_fields=["revoked_at"])
    audit.record(actor, "token.revoke", token)
    return token


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=int(config.get("api_token_failure_window_minutes")))


def check_throttle(address: str) -> None:
    row = TokenFailures.objects.filter(address=address).first()
    if row is not None:
        _raise_if_throttled(row.failures, row.window_start)


def _raise_if_throttled(failures: int | None, window_start: dt.datetime | None) -> None:
    if failures is None or window_start is None:
        return
    ends = window_start + _window()
    now = clock.now()
    if ends > now and failures >= int(config.get("api_token_failure_limit")):
        raise Throttled(retry_after=max(1, int((ends - now).total_seconds())))


@transaction.atomic
def record_failure(address: str) -> None:
    now = clock.now()
    row, _created = TokenFailures.objects.select_for_update().get_or_create(
        address=address, defaults={"window_start": now, "failures": 0})
    if row.window_start + _window() <= now:
        row.window_start, row.failures = now, 0
    row.failures += 1
    row.save()


def authenticate(secret: str, address: str):
    """The user a valid token belongs to, or None (and one more failure for `address`).

    One query on the way in: the token with its user and, beside them, this address's failure
    count (a throttled address is refused even with a good token)."""
    token = None
    if secret.startswith(PREFIX) and len(secret) < 200:
        failures = TokenFailures.objects.filter(address=address)
        token = (ApiToken.objects.select_related("user").filter(digest=digest_of(secret))
                 .annotate(address_failures=Subquery(failures.values("failures")[:1]),
                           address_window_start=Subquery(failures.values("window_start")[:1])).first())
    if token is None:
        check_throttle(address)
    else:
        _raise_if_throttled(token.address_failures, token.address_window_start)
    now = clock.now()
    # The user is read with the token on every request, so a changed role, team or lead takes
    # effect at once; user_may_authenticate is the answer sessions get too (deactivated → no).
    if (token is None or token.revoked_at is not None or (token.expires_at and token.expires_at <= now)
            or not user_may_authenticate(token.user)):
        record_failure(address)
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
