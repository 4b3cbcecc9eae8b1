"""Important dates (R10): greetings for birthdays and cooperation anniversaries; referral rewards (R7)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Occasion(models.TextChoices):
    BIRTHDAY = "birthday", _("Birthday")
    ANNIVERSARY = "anniversary", _("Cooperation anniversary")


class GreetingTemplate(models.Model):
    """Editable text with placeholders {name} {title} {company} {years} {date}."""

    occasion = models.CharField(_("occasion"), max_length=12, choices=Occasion.choices)
    name = models.CharField(_("name"), max_length=100)
    body = models.TextField(_("text"))
    is_active = models.BooleanField(_("in use"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated at"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("greeting template")
        verbose_name_plural = _("greeting templates")
        ordering = ["occasion", "id"]

    def __str__(self) -> str:
        return self.name


class GreetingStatus(models.TextChoices):
    DUE = "due", _("To send")
    SENT = "sent", _("Sent")


class Greeting(models.Model):
    """A greeting due for one occurrence of an important date, written from a template."""

    occasion = models.CharField(_("occasion"), max_length=12, choices=Occasion.choices)
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="greetings")
    contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("contact"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="greetings",
    )
    occurs_on = models.DateField(_("date"))
    due_on = models.DateField(_("send from"))
    template = models.ForeignKey(GreetingTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=6, choices=GreetingStatus.choices, default=GreetingStatus.DUE)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("greeting")
        verbose_name_plural = _("greetings")
        ordering = ["occurs_on", "id"]
        indexes = [
            models.Index(fields=["customer", "occurs_on"], name="greeting_customer"),
            models.Index(fields=["occurs_on"], condition=Q(status="due"), name="greeting_due"),
        ]
        constraints = [
            # One greeting per person per birthday, one per customer per anniversary: sweeps may overlap.
            models.UniqueConstraint(fields=["contact", "occurs_on"], condition=Q(occasion="birthday"),
                                    name="greeting_birthday_once"),
            models.UniqueConstraint(fields=["customer", "occurs_on"], condition=Q(occasion="anniversary"),
                                    name="greeting_anniversary_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_occasion_display()} {self.occurs_on:%Y-%m-%d}"


class ReferralReward(models.Model):
    """The reward due to a referrer once the customer it referred reached deal (R7)."""

    customer = models.OneToOneField(
        "customers.Customer", verbose_name=_("referred customer"), on_delete=models.CASCADE, related_name="+"
    )
    referrer = models.ForeignKey(
        "customers.Customer", verbose_name=_("referred by"), on_delete=models.CASCADE, related_name="referral_rewards"
    )
    task = models.ForeignKey("followup.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("referral reward")
        verbose_name_plural = _("referral rewards")

    def __str__(self) -> str:
        return f"{self.referrer_id} ← {self.customer_id}"
