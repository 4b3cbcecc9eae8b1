"""Contacts and their phones and e-mails (R6). A person who leaves is kept, marked as replaced."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kehu.core import audit, clock
from kehu.core.cleaning import Errors
from kehu.core.locking import lock_current
from kehu.core.policy import get_visible_customer, may_edit_customer, require
from kehu.core.validators import phone_digits
from kehu.customers.cleaning import clean_contact
from kehu.customers.models import Contact, ContactMethod, ContactMethodKind
from kehu.customers.search_keys import pinyin_keys

FIELDS = ("name", "title", "department", "wechat", "preference", "decision_role", "birthday", "note", "is_primary")


def _methods_text(contact: Contact) -> dict[str, list[str]]:
    rows = list(contact.methods.order_by("kind", "position", "id").values_list("kind", "raw"))
    return {
        "phones": [raw for kind, raw in rows if kind == ContactMethodKind.PHONE],
        "emails": [raw for kind, raw in rows if kind == ContactMethodKind.EMAIL],
    }


def _replace_methods(contact: Contact, phones, emails) -> None:
    contact.methods.all().delete()
    rows = [
        ContactMethod(contact=contact, customer_id=contact.customer_id, kind=ContactMethodKind.PHONE,
                      value=phone.e164, raw=phone.raw, digits=phone_digits(phone.e164), position=i)
        for i, phone in enumerate(phones)
    ] + [
        ContactMethod(contact=contact, customer_id=contact.customer_id, kind=ContactMethodKind.EMAIL,
                      value=email, raw=email, position=i)
        for i, email in enumerate(emails)
    ]
    ContactMethod.objects.bulk_create(rows)


def _demote_other_primaries(contact: Contact) -> None:
    if contact.is_primary:
        Contact.objects.filter(customer_id=contact.customer_id, is_primary=True).exclude(pk=contact.pk).update(
            is_primary=False
        )


def write_contact(actor, customer, cleaned: dict[str, Any]) -> Contact:
    """Insert a cleaned contact (callers hold the transaction and have checked permission)."""
    now = clock.now()
    contact = Contact(customer=customer, created_at=now, updated_at=now, updated_by=actor,
                      **{k: v for k, v in cleaned.items() if k in FIELDS})
    contact.name_pinyin, contact.name_initials = pinyin_keys(contact.name)
    contact.save()
    _replace_methods(contact, cleaned.get("phones", []), cleaned.get("emails", []))
    _demote_other_primaries(contact)
    snapshot = audit.snapshot(contact, [k for k in cleaned if k in FIELDS]) | _methods_text(contact)
    audit.record(actor, "contact.create", contact, customer_id=customer.pk,
                 changes={k: [None, v] for k, v in snapshot.items()})
    return contact


def _editable_customer(actor, customer_id: int):
    customer = get_visible_customer(actor, customer_id)
    require(may_edit_customer(actor, customer), _("You may not edit this customer."))
    return customer


@transaction.atomic
def contact_add(actor, customer_id: int, **data: Any) -> Contact:
    customer = _editable_customer(actor, customer_id)
    errors = Errors()
    cleaned = clean_contact(data, "", errors)
    errors.raise_if_any()
    return write_contact(actor, customer, cleaned)


@transaction.atomic
def contact_update(actor, contact_id: int, *, version: int, **data: Any) -> Contact:
    """Edit a contact's details; phones/e-mails, when given, replace the whole list."""
    contact = Contact.objects.filter(pk=contact_id).only("customer_id").first()
    customer = _editable_customer(actor, contact.customer_id if contact else -1)
    contact = lock_current(Contact.objects.filter(customer=customer), contact_id, version)
    errors = Errors()
    cleaned = clean_contact(data, "", errors, partial=True)
    errors.raise_if_any()

    fields = [k for k in cleaned if k in FIELDS]
    before = audit.snapshot(contact, fields) | _methods_text(contact)
    for name in fields:
        setattr(contact, name, cleaned[name])
    contact.name_pinyin, contact.name_initials = pinyin_keys(contact.name)
    if "phones" in cleaned:
        _replace_methods(contact, cleaned["phones"], cleaned["emails"])
    changes = audit.diff(before, audit.snapshot(contact, fields) | _methods_text(contact))
    if not changes:
        return contact
    contact.version += 1
    contact.updated_at, contact.updated_by = clock.now(), actor
    contact.save()
    _demote_other_primaries(contact)
    audit.record(actor, "contact.update", contact, customer_id=customer.pk, changes=changes)
    return contact


@transaction.atomic
def contact_replace(actor, contact_id: int, *, version: int, reason: str = "", **new_contact: Any) -> Contact:
    """The customer's contact person changes (R6): the old one stays on record as replaced."""
    old = Contact.objects.filter(pk=contact_id).only("customer_id").first()
    customer = _editable_customer(actor, old.customer_id if old else -1)
    old = lock_current(Contact.objects.filter(customer=customer, is_active=True), contact_id, version)
    errors = Errors()
    cleaned = clean_contact(new_contact, "", errors)
    errors.raise_if_any()
    cleaned.setdefault("is_primary", old.is_primary)
    new = write_contact(actor, customer, cleaned)
    now = clock.now()
    Contact.objects.filter(pk=old.pk).update(
        is_active=False, is_primary=False, left_at=now, replaced_by=new, version=old.version + 1,
        updated_at=now, updated_by=actor,
    )
    audit.record(actor, "contact.replace", old, customer_id=customer.pk, note=reason,
                 changes={"is_active": [True, False], "replaced_by": [None, new.pk]})
    return new
