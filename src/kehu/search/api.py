"""/search: the one-box customer search (kehu.search)."""

from __future__ import annotations

from typing import Annotated

from ninja import Field, Router

from kehu.core.policy import access_for
from kehu.core.schemas import ERRORS, Limit, Page, parse_fields
from kehu.customers.models import Customer
from kehu.customers.api.customers import with_related
from kehu.customers.schemas import CUSTOMER_FIELDS, LIST_DEFAULT_FIELDS, CustomerOut, customer_out
from kehu.search import search_customer_ids

router = Router(tags=["search"])


@router.get("/search", response={200: Page[CustomerOut]} | ERRORS, exclude_unset=True)
def search(request, q: Annotated[str, Field(max_length=200)], limit: Limit = 20, fields: str | None = None):
    """Customers by name, short name, 拼音 or initials, contact name, phone digits (4 or more),
    e-mail, customer number or credit code; exact matches first, then prefixes, then substrings."""
    wanted = parse_fields(fields, CUSTOMER_FIELDS) or set(LIST_DEFAULT_FIELDS)
    access = access_for(request.auth)  # one per request: led teams and the scope's shape read once
    ids = search_customer_ids(access, q, limit=limit)
    queryset = with_related(Customer.objects.filter(pk__in=ids), wanted, contacts="contacts" in wanted)
    rows = queryset.in_bulk()
    return {"items": [customer_out(access, rows[pk], wanted) for pk in ids if pk in rows], "next_cursor": None}
