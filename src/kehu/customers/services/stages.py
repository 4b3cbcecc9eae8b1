"""Moving a customer through potential → intent → deal → silent / lost (R22)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kehu.core import audit, clock
from kehu.core.cleaning import Errors, label
from kehu.core.locking import lock_current
from kehu.core.policy import get_visible_customer, may_edit_customer, require
from kehu.customers.models import Customer, Stage, StageChange
from kehu.integrations import events


def move_stage(actor, customer: Customer, stage: str, *, reason: str = "") -> StageChange:
    """Record the move (callers hold the row lock and have checked permission and the rule)."""
    now = clock.now()
    change = StageChange.objects.create(customer=customer, from_stage=customer.stage, to_stage=stage, at=now,
                                        by=actor, reason=reason)
    old = customer.stage
    customer.previous_stage, customer.stage, customer.stage_changed_at = old, stage, now
    updates = {"previous_stage": old, "stage": stage, "stage_changed_at": now}
    if stage == Stage.LOST:
        customer.lost_reason = updates["lost_reason"] = reason
    Customer.objects.filter(pk=customer.pk).update(**updates)
    audit.record(actor, "customer.stage", customer, customer_id=customer.pk, note=reason,
                 changes={"stage": [old, stage]})
    events.emit("stage.changed", {"from": old, "to": stage, "reason": reason}, customer=customer)
    return change


@transaction.atomic
def customer_change_stage(
    actor,
    customer_id: int,
    *,
    version: int,
    stage: str,
    reason: str = "",
    contract_date=None,
    amount=None,
    **contract: Any,
) -> Customer:
    """A person moves the customer. To deal needs the contract date and amount (recorded as a
    contract); to lost needs the reason; the others take an optional note."""
    from kehu.customers.services.transactions import clean_transaction, write_transaction

    customer = get_visible_customer(actor, customer_id)
    require(may_edit_customer(actor, customer), _("You may not change this customer's stage."))
    customer = lock_current(Customer.objects.alive(), customer_id, version)
    errors = Errors()
    if stage not in Stage.values:
        errors.add("stage", _("%(label)s must be one of: %(choices)s.")
                   % {"label": label(Customer, "stage"), "choices": ", ".join(Stage.values)})
    elif stage == customer.stage:
        errors.add("stage", _("The customer is already at this stage."))
    reason = (reason or "").strip()
    cleaned_contract = None
    if stage == Stage.DEAL:
        cleaned_contract = clean_transaction(
            {**contract, "kind": "contract", "signed_on": contract_date, "amount": amount}, errors
        )
        for field, key in (("signed_on", "contract_date"), ("amount", "amount")):
            if field in errors.by_field:
                errors.by_field[key] = errors.by_field.pop(field)
    if stage == Stage.LOST and not reason:
        errors.add("reason", _("Give the reason the customer was lost."))
    errors.raise_if_any()

    if cleaned_contract is not None:
        write_transaction(actor, customer, cleaned_contract)
    move_stage(actor, customer, stage, reason=reason)
    Customer.objects.filter(pk=customer.pk).update(version=customer.version + 1, updated_at=clock.now(),
                                                   updated_by=actor)
    customer.refresh_from_db()
    return customer
