"""Creating, editing, deleting and restoring customers."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kehu.core import audit, clock, config, numbering
from kehu.core.cleaning import Errors, label
from kehu.core.errors import ValidationError
from kehu.core.locking import lock_current
from kehu.core.redaction import refuse_confidential_writes
from kehu.core.policy import (
    get_visible_customer,
    may_create_customer,
    may_delete_customer,
    may_edit_customer,
    require,
    visible_customers,
)
from kehu.customers.cleaning import check_required, clean_contact, clean_customer_fields
from kehu.customers.models import Customer, Tag
from kehu.customers.regions import macro_region_of, short_province
from kehu.customers.search_keys import pinyin_keys
from kehu.customers.services.contacts import write_contact
from kehu.integrations import events

# What a person edits; derived facts, stage, owner and numbers have their own paths.
EDITABLE = (
    "kind", "name", "short_name", "industry", "first_contact_date", "need_description", "source_channel",
    "referral_reason", "employees", "annual_revenue", "decision_chain", "cooperation_history",
    "competitor_info", "budget_min", "budget_max", "credit_code", "address", "province", "city",
    "macro_region", "founded_year", "ownership", "main_business", "pain_points", "need_type",
    "product_interests", "urgency", "decision_cycle", "decision_chain_length", "needs_undisclosed", "custom_data",
)
INDIVIDUAL_CODE = "PER"
REQUIRED_ON_RECORD = ("kind", "name", "industry", "first_contact_date", "need_description", "source_channel")


def _fill_derived_text(values: dict[str, Any]) -> None:
    if "province" in values:
        values["province"] = short_province(values["province"])
        if not values.get("macro_region"):
            values["macro_region"] = macro_region_of(values["province"])


def _search_keys(customer: Customer) -> None:
    customer.name_pinyin, customer.name_initials = pinyin_keys(customer.name)


def _resolve_tags(names_or_tags, errors: Errors) -> list[Tag]:
    tags = []
    for item in names_or_tags or []:
        tag = item if isinstance(item, Tag) else Tag.objects.filter(name=str(item).strip()).first()
        if tag is None:
            errors.add("tags", _("Tag \"%(name)s\" does not exist; a data admin can add it.") % {"name": item})
        else:
            tags.append(tag)
    return tags


def _resolve_referrer(actor, referrer, errors: Errors) -> Customer | None:
    if referrer in (None, ""):
        return None
    pk = referrer.pk if isinstance(referrer, Customer) else referrer
    found = visible_customers(actor).filter(pk=pk).first() if str(pk).isdigit() else None
    if found is None:
        errors.add("referrer", _("%(label)s must be an existing customer you can see.") % {"label": label(Customer, "referrer")})
    return found


def _allocate_number(customer: Customer) -> str:
    code = customer.industry.abbr if customer.industry_id else INDIVIDUAL_CODE
    return numbering.allocate(
        "customer", config.get("customer_number_pattern"), on=clock.today(), industry=code,
        taken=lambda number: Customer.objects.filter(number=number).exists(),
    )


@transaction.atomic
def customer_create(
    actor,
    *,
    contacts: list[dict[str, Any]],
    owner=None,
    referrer=None,
    tags=None,
    **fields: Any,
) -> Customer:
    """A new customer with at least one reachable contact (R1). The number is allocated here."""
    require(may_create_customer(actor), _("You may not create customers."))
    errors = Errors()
    values = clean_customer_fields(fields, errors)
    values.setdefault("kind", "company")
    check_required(values, errors)
    if not contacts:
        errors.add("contacts", _("Add at least one contact with name and title."))
    cleaned_contacts = [clean_contact(c, f"contacts[{i}]", errors) for i, c in enumerate(contacts or [])]
    referrer_obj = _resolve_referrer(actor, referrer, errors)
    tag_objs = _resolve_tags(tags, errors)
    errors.raise_if_any()

    _fill_derived_text(values)
    owner = owner or (actor if getattr(actor, "role", "") in ("rep", "manager") else None)
    now = clock.now()
    customer = Customer(
        **values, referrer=referrer_obj, owner=owner, team_id=getattr(owner, "team_id", None),
        created_at=now, updated_at=now, created_by=actor, updated_by=actor, stage_changed_at=now,
    )
    _search_keys(customer)
    customer.number = _allocate_number(customer)
    customer.save()
    customer.tags.set(tag_objs)
    audit.record(actor, "customer.create", customer, customer_id=customer.pk,
                 changes={k: [None, v] for k, v in audit.snapshot(customer, ["number", *values]).items()})
    for index, contact in enumerate(cleaned_contacts):
        contact.setdefault("is_primary", index == 0)
        write_contact(actor, customer, contact)
    events.emit("customer.created", customer=customer)
    return customer


@transaction.atomic
def customer_update(actor, customer_id: int, *, version: int, tags=None, referrer=..., **fields: Any) -> Customer:
    """Change profile fields; `version` is the one the caller read (a stale one is a conflict)."""
    customer = get_visible_customer(actor, customer_id)
    require(may_edit_customer(actor, customer), _("You may not edit this customer."))
    # An editor without the confidential right (a collaborator with edit rights) may not touch
    # amounts or undisclosed needs: named per field, before anything else is checked.
    refuse_confidential_writes(actor, customer, fields)
    customer = lock_current(Customer.objects.alive(), customer_id, version)
    errors = Errors()
    values = clean_customer_fields(fields, errors)
    merged = {name: getattr(customer, name) for name in REQUIRED_ON_RECORD} | values
    check_required(merged, errors)
    new_referrer = customer.referrer if referrer is ... else _resolve_referrer(actor, referrer, errors)
    if new_referrer is not None and new_referrer.pk == customer.pk:
        errors.add("referrer", _("A customer cannot refer itself."))
    tag_objs = None if tags is None else _resolve_tags(tags, errors)
    errors.raise_if_any()

    _fill_derived_text(values)
    watched = [*values, "referrer"]
    before = audit.snapshot(customer, watched)
    before_tags = sorted(customer.tags.values_list("name", flat=True))
    for name, value in values.items():
        setattr(customer, name, value)
    customer.referrer = new_referrer
    _search_keys(customer)
    changes = audit.diff(before, audit.snapshot(customer, watched))
    if tag_objs is not None:
        after_tags = sorted(tag.name for tag in tag_objs)
        if after_tags != before_tags:
            customer.tags.set(tag_objs)
            changes["tags"] = [before_tags, after_tags]
    if not changes:
        return customer
    customer.version += 1
    customer.updated_at, customer.updated_by = clock.now(), actor
    customer.save()
    audit.record(actor, "customer.update", customer, customer_id=customer.pk, changes=changes)
    events.emit("customer.updated", {"fields": sorted(changes)}, customer=customer)
    return customer


@transaction.atomic
def customer_verify(actor, customer_id: int, *, version: int) -> Customer:
    """双人核对 (R12): a second person, not the one who created or last edited it, confirms the record."""
    customer = get_visible_customer(actor, customer_id)
    require(may_edit_customer(actor, customer), _("You may not verify this customer."))
    customer = lock_current(Customer.objects.alive(), customer_id, version)
    if actor is not None and actor.pk in {customer.created_by_id, customer.updated_by_id}:
        raise ValidationError({"verified_by": [_("A record is verified by a second person: "
                                                 "someone other than who entered or last changed it.")]})
    customer.verified_at, customer.verified_by = clock.now(), actor
    customer.version += 1
    customer.save(update_fields=["verified_at", "verified_by", "version"])
    audit.record(actor, "customer.verify", customer, customer_id=customer.pk)
    return customer


@transaction.atomic
def customer_soft_delete(actor, customer_id: int, *, version: int, reason: str = "") -> Customer:
    """Out of every list, restorable by a manager; nothing is erased."""
    customer = get_visible_customer(actor, customer_id)
    require(may_delete_customer(actor, customer), _("Only a manager may delete customers."))
    customer = lock_current(Customer.objects.alive(), customer_id, version)
    now = clock.now()
    Customer.objects.filter(pk=customer.pk).update(
        deleted_at=now, deleted_by=actor, version=customer.version + 1, updated_at=now, updated_by=actor
    )
    customer.refresh_from_db()
    audit.record(actor, "customer.delete", customer, customer_id=customer.pk, note=reason)
    events.emit("customer.deleted", customer=customer)
    return customer


@transaction.atomic
def customer_restore(actor, customer_id: int) -> Customer:
    customer = get_visible_customer(actor, customer_id, include_deleted=True)
    require(may_delete_customer(actor, customer), _("Only a manager may restore customers."))
    if customer.deleted_at is None:
        raise ValidationError({"customer": [_("This customer is not deleted.")]})
    customer = lock_current(Customer.objects.all(), customer_id, None)
    now = clock.now()
    Customer.objects.filter(pk=customer.pk).update(
        deleted_at=None, deleted_by=None, version=customer.version + 1, updated_at=now, updated_by=actor
    )
    customer.refresh_from_db()
    audit.record(actor, "customer.restore", customer, customer_id=customer.pk)
    events.emit("customer.restored", customer=customer)
    return customer
