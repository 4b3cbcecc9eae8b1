"""Contacts and transactions of a customer: reads scoped by the customer's visibility, writes
through the services."""

from __future__ import annotations

from django.db.models import Prefetch

from ninja import Router
from ninja.responses import Status

from kehu.core.errors import NotFound
from kehu.core.policy import get_visible_customer, get_visible_related
from kehu.core.schemas import ERRORS, WRITE_ERRORS, Id, Limit, Page, int_cursor, keyset
from kehu.customers import services
from kehu.customers.models import Contact, ContactMethod, Transaction
from kehu.customers.schemas import (
    ContactIn,
    ContactOut,
    ContactPatch,
    ContactReplace,
    TransactionIn,
    TransactionOut,
    contact_out,
    transaction_out,
)

router = Router(tags=["contacts", "transactions"])


def _contacts():
    return Contact.objects.select_related("customer").prefetch_related(
        Prefetch("methods", queryset=ContactMethod.objects.order_by("kind", "position", "id")))


def _contact(request, contact_id: int) -> Contact:
    return get_visible_related(request.auth, _contacts(), contact_id)


@router.get("/customers/{customer_id}/contacts", response={200: list[ContactOut]} | ERRORS, tags=["contacts"])
def list_contacts(request, customer_id: Id):
    customer = get_visible_customer(request.auth, customer_id)
    return [contact_out(request.auth, customer, c) for c in _contacts().filter(customer=customer)]


@router.post("/customers/{customer_id}/contacts", response={201: ContactOut} | WRITE_ERRORS, tags=["contacts"])
def add_contact(request, customer_id: Id, payload: ContactIn):
    contact = services.contact_add(request.auth, customer_id, **payload.dict(exclude_unset=True))
    contact = _contact(request, contact.pk)
    return Status(201, contact_out(request.auth, contact.customer, contact))


@router.get("/contacts/{contact_id}", response={200: ContactOut} | ERRORS, tags=["contacts"])
def get_contact(request, contact_id: Id):
    contact = _contact(request, contact_id)
    return contact_out(request.auth, contact.customer, contact)


@router.patch("/contacts/{contact_id}", response={200: ContactOut} | WRITE_ERRORS, tags=["contacts"])
def update_contact(request, contact_id: Id, payload: ContactPatch):
    _contact(request, contact_id)  # 404 before anything else for what the caller may not see
    data = payload.dict(exclude_unset=True)
    if "phones" in data or "emails" in data:
        data.setdefault("phones", [])
        data.setdefault("emails", [])
    services.contact_update(request.auth, contact_id, **data)
    contact = _contact(request, contact_id)
    return contact_out(request.auth, contact.customer, contact)


@router.post("/contacts/{contact_id}/replace", response={201: ContactOut} | WRITE_ERRORS, tags=["contacts"])
def replace_contact(request, contact_id: Id, payload: ContactReplace):
    """The customer's contact person changes: the old one stays on record as replaced (R6)."""
    _contact(request, contact_id)
    new = services.contact_replace(request.auth, contact_id, **payload.dict(exclude_unset=True))
    contact = _contact(request, new.pk)
    return Status(201, contact_out(request.auth, contact.customer, contact))


@router.get("/customers/{customer_id}/transactions", response={200: Page[TransactionOut]} | ERRORS,
            tags=["transactions"])
def list_transactions(request, customer_id: Id, cursor: str | None = None, limit: Limit = 50):
    customer = get_visible_customer(request.auth, customer_id)
    rows, next_cursor = keyset(Transaction.objects.filter(customer=customer), int_cursor(cursor), limit)
    return {"items": [transaction_out(request.auth, row, customer) for row in rows], "next_cursor": next_cursor}


@router.post("/customers/{customer_id}/transactions", response={201: TransactionOut} | WRITE_ERRORS,
             tags=["transactions"])
def record_transaction(request, customer_id: Id, payload: TransactionIn):
    """A contract or order; a customer that signs moves to the deal stage."""
    data = payload.dict(exclude_unset=True)
    row = services.transaction_record(request.auth, customer_id, **data)
    return Status(201, transaction_out(request.auth, row, get_visible_customer(request.auth, customer_id)))


@router.get("/transactions/{transaction_id}", response={200: TransactionOut} | ERRORS, tags=["transactions"])
def get_transaction(request, transaction_id: Id):
    row = get_visible_related(request.auth, Transaction.objects.select_related("customer"), transaction_id)
    if row is None:
        raise NotFound(transaction_id)
    return transaction_out(request.auth, row, row.customer)
