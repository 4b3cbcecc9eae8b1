"""Contacts of a customer (R6): several phones and e-mails, and a history when the person changes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Preference(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    WECHAT = "wechat", _("WeChat")
    VISIT = "visit", _("Visit")
    ANY = "any", _("No preference")


class DecisionRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    INFLUENCER = "influencer", _("Influencer")
    USER = "user", _("User")
    OTHER = "other", _("Other")


class ContactMethodKind(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")


class Contact(models.Model):
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(pgettext_lazy("person", "name"), max_length=100)  # 姓名, not a company's 名称
    title = models.CharField(_("title"), max_length=100)
    department = models.CharField(_("department"), max_length=100, blank=True)
    wechat = models.CharField(_("WeChat"), max_length=100, blank=True)
    preference = models.CharField(
        _("communication preference"), max_length=8, choices=Preference.choices, default=Preference.ANY
    )
    decision_role = models.CharField(_("decision role"), max_length=16, choices=DecisionRole.choices, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    is_primary = models.BooleanField(_("main contact"), default=False)
    # A contact who left stays on record (R6): inactive, with who took over.
    is_active = models.BooleanField(_("current"), default=True)
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self", verbose_name=_("replaced by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name_pinyin = models.CharField(max_length=300, blank=True, editable=False)
    name_initials = models.CharField(max_length=100, blank=True, editable=False)

    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_active", "-is_primary", "id"]
        indexes = [
            models.Index(fields=["customer", "is_active"], name="contact_customer"),
            models.Index(fields=["name"], name="contact_name"),
            models.Index(fields=["birthday"], name="contact_birthday"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.title})"


class ContactMethod(models.Model):
    """One phone number or e-mail address of a contact; phones stored as E.164 plus the text as typed."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="methods")
    # Repeated from the contact so a phone or e-mail lookup finds the customer in one step.
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="contact_methods")
    kind = models.CharField(_("kind"), max_length=5, choices=ContactMethodKind.choices)
    value = models.CharField(_("value"), max_length=254, help_text=_("E.164 for phones, lower-case domain for e-mail."))
    raw = models.CharField(_("as entered"), max_length=254)
    digits = models.CharField(max_length=20, blank=True, editable=False)
    label = models.CharField(_("label"), max_length=30, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("contact method")
        verbose_name_plural = _("contact methods")
        ordering = ["contact", "kind", "position", "id"]
        indexes = [
            models.Index(fields=["kind", "value"], name="contact_method_value"),
            models.Index(fields=["digits"], name="contact_method_digits"),
            models.Index(fields=["customer"], name="contact_method_customer"),
        ]

    def __str__(self) -> str:
        return self.raw
