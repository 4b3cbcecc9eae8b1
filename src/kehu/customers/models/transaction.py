"""Contracts and orders (R9); the customer's totals follow from them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kehu.customers.models.customer import MONEY


class TransactionKind(models.TextChoices):
    CONTRACT = "contract", _("Contract")
    ORDER = "order", _("Order")


class Transaction(models.Model):
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="transactions")
    kind = models.CharField(_("kind"), max_length=8, choices=TransactionKind.choices, default=TransactionKind.ORDER)
    reference = models.CharField(_("contract / order number"), max_length=60, blank=True)
    signed_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount (CNY)"), **MONEY)
    products = models.CharField(_("products"), max_length=300, blank=True)
    margin_rate = models.DecimalField(
        _("margin (%)"), max_digits=5, decimal_places=2, null=True, blank=True,
        help_text=_("Gross margin as a percentage of the amount."),
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("transaction")
        verbose_name_plural = _("transactions")
        ordering = ["-signed_on", "-id"]
        indexes = [
            models.Index(fields=["customer", "signed_on"], name="transaction_customer"),
            models.Index(fields=["signed_on"], name="transaction_date"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="transaction_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.signed_on:%Y-%m-%d} {self.amount}"
