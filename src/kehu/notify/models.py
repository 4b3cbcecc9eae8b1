"""The in-app inbox, each user's choice of channels, the delivery log and the calendar feed token."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One thing a user should know about. Text is rendered when shown or sent, in the reader's
    language, from `kind` and the object it points at (see kehu.notify.render)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=40)
    # The customer it is about: what the visibility policy checks before showing or sending it.
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.BigIntegerField(_("object id"), default=0)
    # The moment the notice is about (a due time, a deadline): with kind and object it makes the notice
    # unique, so overlapping sweeps and retries can never notify twice.
    due_at = models.DateTimeField(_("about the moment"))
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "object_id", "due_at"], name="notification_once"),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="notification_user"),
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.object_id} → {self.user_id}"


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WECOM = "wecom", _("WeCom robot")
    DINGTALK = "dingtalk", _("DingTalk robot")
    FEISHU = "feishu", _("Feishu robot")


ROBOTS = (Channel.WECOM, Channel.DINGTALK, Channel.FEISHU)


class Mode(models.TextChoices):
    OFF = "off", _("Off")
    IMMEDIATE = "immediate", _("Each notification")
    DIGEST = "digest", _("Daily digest")


class Preference(models.Model):
    """A user's channels besides the inbox, which is always on (the default when no row exists)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_preference")
    email = models.EmailField(_("e-mail address"), blank=True)
    email_mode = models.CharField(_("e-mail"), max_length=10, choices=Mode.choices, default=Mode.OFF)
    robot_kind = models.CharField(_("robot"), max_length=10, choices=[c for c in Channel.choices if c[0] != "email"],
                                  blank=True)
    robot_url = models.URLField(_("robot webhook address"), max_length=500, blank=True)
    robot_secret = models.CharField(_("robot signing secret"), max_length=200, blank=True)
    robot_mode = models.CharField(_("robot messages"), max_length=10, choices=Mode.choices, default=Mode.OFF)
    digest_hour = models.PositiveSmallIntegerField(_("digest at (hour)"), default=8)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")
        indexes = [
            models.Index(fields=["email_mode"], name="preference_email_mode"),
            models.Index(fields=["robot_mode"], name="preference_robot_mode"),
        ]

    def __str__(self) -> str:
        return str(self.user)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent")


class Delivery(models.Model):
    """One message to send on one channel, and what happened to it: the delivery log."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    notification = models.ForeignKey(Notification, null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="deliveries")
    digest_day = models.DateField(_("digest of"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Also a lease: a sender claims a row by moving this into the future before it sends.
    next_attempt_at = models.DateTimeField(_("next attempt"))
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], condition=Q(notification__isnull=False),
                                    name="delivery_once"),
            models.UniqueConstraint(fields=["user", "channel", "digest_day"], condition=Q(digest_day__isnull=False),
                                    name="delivery_digest_once"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="delivery_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.user_id} ({self.status})"


class CalendarFeed(models.Model):
    """The secret in a user's calendar URL; a new one revokes the old address."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.user)
