"""Interactions (R13) and next actions (R14) as data; behaviour (cadence, reminders) builds on them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class InteractionMethod(models.Model):
    """How the team reached the customer; the list is editable (phone, visit, WeChat, trade show…)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=50)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("interaction method")
        verbose_name_plural = _("interaction methods")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


class Mood(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    HESITANT = "hesitant", _("Hesitant")
    UNHAPPY = "unhappy", _("Unhappy")


class Interaction(models.Model):
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="interactions")
    contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("contact"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="interactions",
    )
    occurred_at = models.DateTimeField(_("time"))
    method = models.ForeignKey(InteractionMethod, verbose_name=_("method"), on_delete=models.PROTECT)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="interactions"
    )
    summary = models.TextField(_("key points"))
    feedback = models.TextField(_("customer feedback"))
    next_step = models.TextField(_("next step"))
    need_change = models.TextField(_("change of need"), blank=True)
    commitments = models.TextField(_("commitments"), blank=True)
    mood = models.CharField(_("customer mood"), max_length=10, choices=Mood.choices, blank=True)
    responded = models.BooleanField(_("customer responded"), null=True, blank=True)
    # When it was written down, against when it happened (R16 timeliness).
    recorded_at = models.DateTimeField(_("recorded at"))
    # Written down later than the team's limit allows (R16), judged with the limit in force then.
    recorded_late = models.BooleanField(_("recorded late"), default=False)

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="interaction_customer"),
            models.Index(fields=["user", "-occurred_at"], name="interaction_user"),
            models.Index(fields=["occurred_at"], name="interaction_time"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.method}"


class Priority(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class TaskKind(models.TextChoices):
    FOLLOW_UP = "follow_up", _("Follow-up")
    IMPROVEMENT = "improvement", _("Improvement plan")
    REFERRAL_REWARD = "referral_reward", _("Referral reward")


class Task(models.Model):
    """A next action: what, who, by when, how important (R14)."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="tasks")
    interaction = models.ForeignKey(
        Interaction, verbose_name=_("from interaction"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="tasks",
    )
    title = models.CharField(_("what"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who"), on_delete=models.PROTECT, related_name="tasks"
    )
    due_at = models.DateTimeField(_("due"))
    priority = models.CharField(_("priority"), max_length=6, choices=Priority.choices, default=Priority.MEDIUM)
    status = models.CharField(_("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    note = models.TextField(_("note"), blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    result = models.TextField(_("result"), blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=TaskKind.choices, default=TaskKind.FOLLOW_UP)

    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("next action")
        verbose_name_plural = _("next actions")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["owner", "due_at"], condition=Q(status="open"), name="task_open_owner"),
            models.Index(fields=["due_at"], condition=Q(status="open"), name="task_open_due"),
            models.Index(fields=["customer", "status"], name="task_customer"),
            # Covers "the earliest open action of each customer" (next follow-up, the cadence pass).
            models.Index(fields=["customer", "due_at"], condition=Q(status="open"), name="task_open_customer"),
        ]

    def __str__(self) -> str:
        return self.title
