"""After-sales care: complaints with their deadlines (R18), satisfaction surveys (R19), and the
classification changes they cause."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESPONDED = "responded", _("Responded")
    RESOLVED = "resolved", _("Resolved")
    REOPENED = "reopened", _("Reopened")


UNANSWERED = Q(status="open") & Q(response_breached_at__isnull=True)
UNSOLVED = Q(status__in=["open", "responded", "reopened"]) & Q(solution_breached_at__isnull=True)


class Complaint(models.Model):
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="complaints")
    contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("contact"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="complaints",
    )
    channel = models.ForeignKey(
        "followup.InteractionMethod", verbose_name=_("channel"), on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField(_("description"))
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    status = models.CharField(_("status"), max_length=10, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("handled by"), on_delete=models.PROTECT, related_name="complaints"
    )
    received_at = models.DateTimeField(_("received at"))
    response_due_at = models.DateTimeField(_("response due"))
    solution_due_at = models.DateTimeField(_("solution due"))
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    response = models.TextField(_("response"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution = models.TextField(_("solution"), blank=True)
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    # When a deadline was found missed (by the sweep, or by a late answer); empty = not breached.
    response_breached_at = models.DateTimeField(_("response deadline missed"), null=True, blank=True)
    solution_breached_at = models.DateTimeField(_("solution deadline missed"), null=True, blank=True)

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
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-received_at"], name="complaint_customer"),
            models.Index(fields=["response_due_at"], condition=UNANSWERED, name="complaint_response_due"),
            models.Index(fields=["solution_due_at"], condition=UNSOLVED, name="complaint_solution_due"),
        ]

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d} {self.description[:40]}"

    @property
    def is_breached(self) -> bool:
        return bool(self.response_breached_at or self.solution_breached_at)


class SatisfactionSurvey(models.Model):
    """One survey answer: scores 0–100 (R19)."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="surveys")
    surveyed_on = models.DateField(_("survey date"))
    service_quality = models.PositiveSmallIntegerField(_("service quality"))
    product_function = models.PositiveSmallIntegerField(_("product function"))
    overall = models.PositiveSmallIntegerField(_("overall"))
    comment = models.TextField(_("comment"), blank=True)
    improvement_task = models.ForeignKey(
        "followup.Task", verbose_name=_("improvement action"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        ordering = ["-surveyed_on", "-id"]
        indexes = [models.Index(fields=["customer", "surveyed_on"], name="survey_customer")]
        constraints = [
            models.CheckConstraint(
                condition=Q(service_quality__lte=100) & Q(product_function__lte=100) & Q(overall__lte=100),
                name="survey_scores_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.surveyed_on:%Y-%m-%d} {self.overall}"


class ClassificationChange(models.Model):
    """A change of a customer's classification field made by follow-up rules or people (R29)."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    field = models.CharField(_("field"), max_length=20)
    old_value = models.CharField(_("from"), max_length=20, blank=True)
    new_value = models.CharField(_("to"), max_length=20, blank=True)
    reason = models.CharField(_("reason"), max_length=300)
    source = models.CharField(_("source"), max_length=20)
    at = models.DateTimeField(_("time"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", help_text=_("Empty when the rules changed it."),
    )

    class Meta:
        verbose_name = _("classification change")
        verbose_name_plural = _("classification changes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "at"], name="classification_customer")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.field}: {self.old_value} → {self.new_value}"
