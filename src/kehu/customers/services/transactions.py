"""Contracts and orders (R9); the customer's totals are recomputed from them in the same transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Min, Sum
from django.utils.translation import gettext as _

from kehu.core import audit, clock
from kehu.core.cleaning import Errors, label
from kehu.core.errors import ValidationError
from kehu.core.policy import get_visible_customer, may_edit_customer, may_see_confidential, require
from kehu.core.validators import clean_decimal
from kehu.customers.cleaning import clean_choice, clean_past_date, clean_text
from kehu.customers.models import Customer, Stage, Transaction
from kehu.integrations import events


def refresh_totals(customer_id: int) -> None:
    """Derived facts of R9. A system write: it does not bump `version`, so it never makes a
    person's open edit of the profile stale."""
    totals = Transaction.objects.filter(customer_id=customer_id).aggregate(
        count=Count("id"), total=Sum("amount"), first=Min("signed_on"), last=Max("signed_on")
    )
    count, total = totals["count"], totals["total"] or Decimal("0")
    Customer.objects.filter(pk=customer_id).update(
        transaction_count=count,
        total_amount=total,
        average_order_value=(total / count).quantize(Decimal("0.01")) if count else Decimal("0"),
        first_cooperation_date=totals["first"],
        last_transaction_date=totals["last"],
    )


def clean_transaction(data: dict[str, Any], errors: Errors) -> dict[str, Any]:
    out: dict[str, Any] = {}
    out["kind"] = clean_choice(data.get("kind") or "order", model=Transaction, field="kind", errors=errors)
    out["signed_on"] = clean_past_date(data.get("signed_on"), field="signed_on",
                                       lbl=label(Transaction, "signed_on"), errors=errors)
    out["amount"] = errors.run("amount", clean_decimal, data.get("amount"), label=label(Transaction, "amount"),
                               min_value=Decimal("0.01"))
    margin = data.get("margin_rate")
    out["margin_rate"] = None if margin in (None, "") else errors.run(
        "margin_rate", clean_decimal, margin, label=label(Transaction, "margin_rate"), min_value=-100,
        max_digits=5, decimal_places=2)
    if out["margin_rate"] is not None and out["margin_rate"] > 100:
        errors.add("margin_rate", _("%(label)s must be at most 100.") % {"label": label(Transaction, "margin_rate")})
    for field in ("reference", "products", "note"):
        out[field] = clean_text(data.get(field), model=Transaction, field=field, errors=errors)
    return out


def refuse_without_amount_right(actor, customer: Customer) -> None:
    """Amounts are confidential (R33): only those who may read them (the owner, the team lead)
    record them. An editing collaborator would otherwise write an amount, and learn the new
    total from the stage or totals it moves."""
    if not may_see_confidential(actor, customer):
        raise ValidationError({"amount": [
            _("%(label)s is confidential: only the owner and the team lead may record transactions of this customer.")
            % {"label": label(Transaction, "amount")}]})


# The largest amount the customer's total (and each amount) can hold: 14 digits, 2 after the point.
MAX_TOTAL = Decimal("999999999999.99")


def refuse_total_overflow(customer: Customer, amount: Decimal) -> None:
    """A new amount that would push the stored total past its 14 digits is refused by name: on
    SQLite the total would be written anyway and could never be read back (every page of the
    customer would fail), on PostgreSQL the write itself would fail."""
    if customer.total_amount + amount > MAX_TOTAL:
        raise ValidationError({"amount": [
            _("%(label)s would bring the customer's total above %(max)s CNY.")
            % {"label": label(Transaction, "amount"), "max": f"{MAX_TOTAL:,}"}]})


def write_transaction(actor, customer: Customer, cleaned: dict[str, Any]) -> Transaction:
    """Insert a cleaned transaction and refresh the totals (callers hold the transaction).
    Refuses actors who may not see the customer's amounts: every path that records one (a
    transaction, a move to deal with its contract) comes through here."""
    refuse_without_amount_right(actor, customer)
    refuse_total_overflow(customer, cleaned["amount"])
    row = Transaction.objects.create(customer=customer, created_at=clock.now(), created_by=actor, **cleaned)
    refresh_totals(customer.pk)
    audit.record(actor, "transaction.create", row, customer_id=customer.pk,
                 changes={k: [None, v] for k, v in audit.snapshot(row, list(cleaned)).items()})
    events.emit("transaction.recorded", events.transaction_data(row, customer), customer=customer)
    return row


@transaction.atomic
def transaction_record(actor, customer_id: int, *, signed_on: dt.date | str, amount, **data: Any) -> Transaction:
    """Record a contract or order. A customer that signs is a deal (R22), so other stages move to deal."""
    from kehu.customers.services.stages import move_stage

    customer = get_visible_customer(actor, customer_id)
    require(may_edit_customer(actor, customer), _("You may not record transactions for this customer."))
    refuse_without_amount_right(actor, customer)
    errors = Errors()
    cleaned = clean_transaction({**data, "signed_on": signed_on, "amount": amount}, errors)
    errors.raise_if_any()
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    row = write_transaction(actor, customer, cleaned)
    if customer.stage != Stage.DEAL:
        move_stage(actor, customer, Stage.DEAL, reason=_("Transaction recorded"))
    return row
