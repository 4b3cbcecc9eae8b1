"""Custom fields (R11): a data admin adds fields to customers and contacts without code.

A definition says what the field holds; the values live beside the record in a JSON column
(Customer.custom_data), keyed by the definition's `key`, so the list filters and the API carry
them without joins. Retiring a field hides it from forms but keeps every stored value.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Target(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    CONTACT = "contact", _("Contact")


class FieldKind(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Single choice")
    MULTI_CHOICE = "multi_choice", _("Multiple choice")


CHOICE_KINDS = (FieldKind.CHOICE, FieldKind.MULTI_CHOICE)


class CustomFieldQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def for_target(self, target: str):
        return self.filter(target=target)


class CustomField(models.Model):
    target = models.CharField(_("applies to"), max_length=10, choices=Target.choices, default=Target.CUSTOMER)
    # The JSON key and the API/export name; fixed once created so stored values never lose their field.
    key = models.SlugField(_("key"), max_length=40, help_text=_("Letters, digits and underscores; used by the API and exports."))
    label = models.CharField(_("label"), max_length=60)
    label_en = models.CharField(_("English label"), max_length=60, blank=True)
    kind = models.CharField(_("type"), max_length=12, choices=FieldKind.choices, default=FieldKind.TEXT)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    help_text = models.CharField(_("help text"), max_length=200, blank=True)
    show_in_list = models.BooleanField(_("column in the list"), default=False)
    filterable = models.BooleanField(_("filter in the list"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = CustomFieldQuerySet.as_manager()

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        ordering = ["target", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["target", "key"], name="customfield_target_key")]

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        if self.label_en and (get_language() or "").startswith("en"):
            return self.label_en
        return self.label
