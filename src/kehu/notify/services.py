"""Telling users things: one notification (services call `notify`), many at once (the sweep calls
`notify_rows`), read marks, each user's channel choice and calendar address.

Every notification goes through the visibility policy: a user is only told about customers they
may see, both when it is written and again when it is shown or sent (kehu.notify.queries,
kehu.notify.delivery)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any, Iterable

from django.core.validators import URLValidator, validate_email
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Cast
from django.db.models import BigIntegerField, DateTimeField, Exists, F, JSONField, OuterRef, Q, QuerySet, Value
from django.utils.translation import gettext as _

from kehu.core import audit, clock
from kehu.core.cleaning import Errors, label
from kehu.core.errors import NotFound
from kehu.core.policy import customer_scope, may_see_customer, require, visible_customers
from kehu.notify import sql
from kehu.notify.models import (
    ROBOTS,
    CalendarFeed,
    Channel,
    Delivery,
    DeliveryStatus,
    Mode,
    Notification,
    Preference,
)


def immediate_channels(preference: Preference | None, user) -> list[str]:
    """The channels that get each notification as it happens (the inbox always does)."""
    if preference is None:
        return []
    channels = []
    if preference.email_mode == Mode.IMMEDIATE and (preference.email or user.email):
        channels.append(Channel.EMAIL)
    if preference.robot_mode == Mode.IMMEDIATE and preference.robot_kind in ROBOTS and preference.robot_url:
        channels.append(preference.robot_kind)
    return channels


def _after_commit_send() -> None:
    from kehu.notify import delivery

    transaction.on_commit(delivery.kick)


def notify(user, kind: str, *, customer=None, object_id: int = 0, due_at: dt.datetime | None = None,
           data: dict | None = None) -> Notification | None:
    """Tell `user` about something (once: the same kind, object and moment is never repeated).
    Returns None when the user may not see the customer, is inactive, or was already told.
    Sending by e-mail or robot happens after the caller's transaction commits."""
    if user is None or not user.is_active:
        return None
    if customer is not None and not may_see_customer(user, customer):
        return None
    now = clock.now()
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                user=user, kind=kind, customer=customer, object_id=object_id or 0, due_at=due_at or now,
                data=data or {}, created_at=now)
    except IntegrityError:
        return None
    channels = immediate_channels(Preference.objects.filter(user=user).first(), user)
    for channel in channels:
        Delivery.objects.create(user=user, channel=channel, notification=notification, next_attempt_at=now,
                                created_at=now)
    if channels:
        _after_commit_send()
    return notification


def _visible_rows(user, rows: QuerySet, customer: str, where: Q | None = None) -> QuerySet:
    """The rows about customers `user` may see (and that match `where`). For rows that point at a
    customer, a correlated EXISTS: the database walks the rows' own index (e.g. actions by due
    time) and checks each customer by primary key, instead of starting from all the customers a
    team lead may see."""
    if customer in ("pk", "id"):
        scope = customer_scope(user)
        rows = rows.filter(deleted_at__isnull=True)
        rows = rows if where is None else rows.filter(where)
        return rows if scope is None else rows.filter(scope)
    customers = visible_customers(user).filter(pk=OuterRef(customer))
    return rows.filter(Exists(customers if where is None else customers.filter(where)))


NOTIFICATION_COLUMNS = ("user_id", "kind", "customer_id", "object_id", "due_at", "data", "created_at")
NOTIFICATION_ALIASES = ("n_user", "n_kind", "n_customer", "n_object", "n_due", "n_data", "n_created")
DELIVERY_COLUMNS = ("user_id", "channel", "notification_id", "status", "attempts", "next_attempt_at", "last_error",
                    "created_at")
DELIVERY_ALIASES = ("d_user", "d_channel", "d_notification", "d_status", "d_attempts", "d_next", "d_error", "d_created")


def notify_rows(kind: str, rows: QuerySet, *, recipient: str | None, due_at: str | dt.datetime, now: dt.datetime,
                customer: str | None = "customer_id", object_id: str = "pk", recipients: Iterable[int] | None = None,
                customers_where: Q | None = None) -> int:
    """Set-based `notify`: one notification per row of `rows` to the user in its `recipient`
    column (or, with recipient=None, to each user of `recipients`), about the customer in its
    `customer` column (which must also match `customers_where`, if given). One INSERT … SELECT
    per recipient, scoped by the policy; rows already notified are skipped by the unique
    constraint. Passing `recipients` (e.g. all active users) saves reading the distinct
    recipients from the rows first.

    customer=None writes notices about no customer row, unscoped: for news the caller vouches the
    recipient may hear although they no longer see the customer (their customer went to the
    public pool). The renderer then shows only what the notice itself may say."""
    from kehu.accounts.models import User

    if recipients is None:
        recipients = {pk for pk in rows.order_by().values_list(recipient, flat=True).distinct() if pk}
    recipient_ids = set(recipients)
    if not recipient_ids:
        return 0
    preferences = {p.user_id: p for p in Preference.objects.filter(user_id__in=recipient_ids)}
    due = F(due_at) if isinstance(due_at, str) else Value(due_at, output_field=DateTimeField())
    written = 0
    for user in User.objects.filter(pk__in=recipient_ids, is_active=True):
        theirs = rows if recipient is None else rows.filter(**{recipient: user.pk})
        if customer is not None:
            theirs = _visible_rows(user, theirs, customer, customers_where)
        # A typed NULL: psycopg sends a bare None parameter as text, which PostgreSQL will not insert.
        about = F(customer) if customer is not None else Cast(Value(None), output_field=BigIntegerField())
        subset = theirs.order_by().annotate(
            n_user=Value(user.pk), n_kind=Value(kind), n_customer=about, n_object=F(object_id), n_due=due,
            n_data=Value({}, output_field=JSONField()), n_created=Value(now, output_field=DateTimeField()),
        ).values(*NOTIFICATION_ALIASES)
        channels = immediate_channels(preferences.get(user.pk), user)
        with transaction.atomic():
            count = sql.insert_rows(Notification._meta.db_table, NOTIFICATION_COLUMNS, subset, NOTIFICATION_ALIASES)
            if count and channels:
                _plan_bulk_deliveries(user, kind, now, channels)
        written += count
    return written


def _plan_bulk_deliveries(user, kind: str, now: dt.datetime, channels: Iterable[str]) -> None:
    fresh = Notification.objects.filter(user=user, kind=kind, created_at=now)
    for channel in channels:
        rows = fresh.order_by().annotate(
            d_user=F("user_id"), d_channel=Value(channel), d_notification=F("pk"),
            d_status=Value(DeliveryStatus.PENDING), d_attempts=Value(0), d_next=Value(now, output_field=DateTimeField()),
            d_error=Value(""), d_created=Value(now, output_field=DateTimeField()),
        ).values(*DELIVERY_ALIASES)
        sql.insert_rows(Delivery._meta.db_table, DELIVERY_COLUMNS, rows, DELIVERY_ALIASES)


def notifications_mark_read(user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notifications read (all of them when `ids` is None)."""
    rows = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=[int(i) for i in ids])
    return rows.update(read_at=clock.now())


# --- channel choice --------------------------------------------------------------------------

PREFERENCE_FIELDS = ("email", "email_mode", "robot_kind", "robot_url", "robot_secret", "robot_mode", "digest_hour")


def _clean_preference(data: dict[str, Any], errors: Errors) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in sorted(set(data) - set(PREFERENCE_FIELDS)):
        errors.add(field, _("%(field)s is not a notification setting.") % {"field": field})
    for field in ("email_mode", "robot_mode"):
        if field in data:
            if data[field] not in Mode.values:
                errors.add(field, _("%(label)s must be one of: %(choices)s.")
                           % {"label": label(Preference, field), "choices": ", ".join(Mode.values)})
            out[field] = data[field]
    if "robot_kind" in data:
        if data["robot_kind"] not in ("", *ROBOTS):
            errors.add("robot_kind", _("%(label)s must be one of: %(choices)s.")
                       % {"label": label(Preference, "robot_kind"), "choices": ", ".join(ROBOTS)})
        out["robot_kind"] = data["robot_kind"] or ""
    if data.get("email"):
        try:
            validate_email(str(data["email"]).strip())
        except DjangoValidationError:
            errors.add("email", _("%(label)s must be an e-mail address like name@example.com.")
                       % {"label": label(Preference, "email")})
    if "email" in data:
        out["email"] = str(data["email"] or "").strip()
    if data.get("robot_url"):
        try:
            URLValidator(schemes=["http", "https"])(str(data["robot_url"]).strip())
        except DjangoValidationError:
            errors.add("robot_url", _("%(label)s must be an http(s) address.") % {"label": label(Preference, "robot_url")})
    for field in ("robot_url", "robot_secret"):
        if field in data:
            out[field] = str(data[field] or "").strip()
    if "digest_hour" in data:
        try:
            hour = int(data["digest_hour"])
        except (TypeError, ValueError):
            hour = -1
        if not 0 <= hour <= 23:
            errors.add("digest_hour", _("%(label)s must be a whole number from 0 to 23.")
                       % {"label": label(Preference, "digest_hour")})
        out["digest_hour"] = hour
    return out


@transaction.atomic
def preference_update(actor, user_id: int | None = None, **data: Any) -> Preference:
    """A user chooses their channels (an organisation admin may set them for anyone)."""
    from kehu.accounts.models import User

    target_id = user_id if user_id is not None else getattr(actor, "pk", None)
    require(actor is None or target_id == actor.pk or actor.is_superuser,
            _("You may only change your own notification settings."))
    target = User.objects.filter(pk=target_id).first()
    if target is None:
        raise NotFound(target_id)
    errors = Errors()
    cleaned = _clean_preference(data, errors)
    preference = Preference.objects.select_for_update().filter(user=target).first() or Preference(
        user=target, updated_at=clock.now())
    merged = {field: cleaned.get(field, getattr(preference, field)) for field in PREFERENCE_FIELDS}
    robot_on = merged["robot_mode"] != Mode.OFF
    if robot_on and not (merged["robot_kind"] and merged["robot_url"]):
        errors.add("robot_url", _("Choose the robot and give its webhook address to receive robot messages."))
    if merged["email_mode"] != Mode.OFF and not (merged["email"] or target.email):
        errors.add("email", _("Give an e-mail address to receive e-mail."))
    errors.raise_if_any()
    before = audit.snapshot(preference, list(cleaned)) if preference.pk else {}
    for field, value in cleaned.items():
        setattr(preference, field, value)
    changes = audit.diff(before, audit.snapshot(preference, list(cleaned)))
    if "robot_secret" in changes:  # the log says it changed, never what it is
        changes["robot_secret"] = ["***", "***"]
    preference.version = preference.version + 1 if preference.pk else 1
    preference.updated_at = clock.now()
    preference.save()
    audit.record(actor, "notify.preference", preference, changes=changes)
    return preference


# --- calendar address ------------------------------------------------------------------------

def calendar_feed_token(user) -> str:
    """The secret of the user's calendar address, made on first use."""
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is None:
        feed, _created = CalendarFeed.objects.get_or_create(
            user=user, defaults={"token": secrets.token_urlsafe(32), "created_at": clock.now()})
    return feed.token


@transaction.atomic
def calendar_feed_reset(actor, user_id: int | None = None) -> str:
    """A new address; the old one stops working at once (revocation)."""
    target_id = user_id if user_id is not None else actor.pk
    require(target_id == actor.pk or actor.is_superuser, _("You may only reset your own calendar address."))
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.select_for_update().filter(user_id=target_id).first()
    if feed is None:
        feed = CalendarFeed.objects.create(user_id=target_id, token=token, created_at=clock.now())
    else:
        feed.token, feed.created_at = token, clock.now()
        feed.save()
    audit.record(actor, "notify.calendar_reset", feed)
    return token
