"""/customers: list (the web list's filters, keyset cursors, fields=, q= search), read, create,
update, soft-delete, restore, verify, change stage, and bulk create/update."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Prefetch, TextField, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from kehu.accounts.models import User
from kehu.core.errors import NotFound, PermissionDenied, ValidationError
from kehu.core.policy import access_for, visible_customers
from kehu.core.schemas import ERRORS, WRITE_ERRORS, Id, Limit, Page, Version, parse_fields
from kehu.customers import services
from kehu.customers.models import Contact, Customer, Tag
from kehu.integrations import messages
from kehu.customers.queries import list_querysets, paginate, parse_filters
from kehu.customers.schemas import (
    CUSTOMER_FIELDS,
    LIST_DEFAULT_FIELDS,
    CustomerCreate,
    CustomerOut,
    CustomerPatch,
    StageIn,
    VersionIn,
    customer_out,
)

router = Router(tags=["customers"])


def _tag_names() -> RawSQL:
    """The customer's tag names as a JSON array, read in the customer's own query (one round
    trip less than a prefetch, on the API's most frequent read)."""
    through = Customer.tags.through._meta
    customer_column = through.get_field("customer").column
    tag_column = through.get_field("tag").column
    if connection.vendor == "postgresql":
        names = "COALESCE(json_agg(t.name), '[]'::json)::text"
    else:
        names = "json_group_array(t.name)"
    return RawSQL(
        f'(SELECT {names} FROM "{through.db_table}" ct JOIN "{Tag._meta.db_table}" t ON t.id = ct."{tag_column}"'
        f' WHERE ct."{customer_column}" = "{Customer._meta.db_table}"."id")', (), output_field=TextField())


def with_related(queryset, fields: set[str] | None, *, contacts: bool):
    """What customer_out() reads beside the row, for these fields: the industry, the tag names
    (in the row's own query), contacts and their methods."""
    queryset = queryset.select_related("industry")
    if fields is None or "tags" in fields:
        queryset = queryset.annotate(tag_names=_tag_names())
    if contacts:
        queryset = queryset.prefetch_related(Prefetch("contacts", queryset=Contact.objects.prefetch_related("methods")))
    return queryset


def _out(request, customer, fields=None, *, with_contacts=True):
    return customer_out(access_for(request.auth), customer, fields, with_contacts=with_contacts)


def _reload(request, customer_id: int, *, include_deleted: bool = False):
    queryset = with_related(visible_customers(request.auth, include_deleted=include_deleted), None, contacts=True)
    found = queryset.filter(pk=customer_id).first()
    if found is None:
        raise NotFound(customer_id)
    return found


@router.get("/customers", response={200: Page[CustomerOut]} | ERRORS, exclude_unset=True)
def list_customers(
    request: HttpRequest,
    q: str | None = None, stage: str | None = None, owner: str | None = None, team: str | None = None,
    industry: str | None = None, province: str | None = None, city: str | None = None, region: str | None = None,
    grade: str | None = None, segment: str | None = None, tag: str | None = None, channel: str | None = None,
    due: str | None = None, created_from: str | None = None, created_to: str | None = None,
    updated_from: str | None = None, updated_to: str | None = None,
    sort: str = "-id", cursor: str | None = None, limit: Limit = 50, fields: str | None = None,
):
    """Customers you may see. Filters as in the web list (comma-separate several values); `cursor`
    is the `next_cursor` of the previous page. With `q`, the best `limit` search matches
    (exact, then prefix, then substring; see /search) within the filters, in rank order."""
    wanted = parse_fields(fields, CUSTOMER_FIELDS)
    filters = parse_filters(request.GET)
    access = access_for(request.auth)  # one per request: led teams and the scope's shape read once
    base, branches = list_querysets(access, filters)
    shown = wanted if wanted is not None else set(LIST_DEFAULT_FIELDS)
    contacts = "contacts" in shown
    if q:
        from kehu.search import search_customer_ids

        ids = search_customer_ids(access, q, limit=limit, base=base)
        rows = with_related(Customer.objects.filter(pk__in=ids), shown, contacts=contacts).in_bulk()
        items, next_cursor = [rows[pk] for pk in ids if pk in rows], None
    else:
        page = paginate(with_related(base, shown, contacts=contacts), sort=sort, cursor=cursor, limit=limit,
                        user=access, filters=filters, branches=branches)
        items, next_cursor = page.items, page.next_cursor
    return {"items": [customer_out(access, c, shown) for c in items], "next_cursor": next_cursor}


def readable_customer(access, customer_id: int, fields: set[str]):
    """One customer for GET /customers/{id} in as few queries as the policy allows: the row (with
    its industry and tag names), the policy's per-customer answer (led teams read once; a
    collaborator link only when neither owner nor lead), then contacts and their methods when
    asked for. NotFound when it does not exist or `access` may not see it: exactly
    visible_customers(), asked of one row instead of scoping the query."""
    queryset = Customer.objects.alive().select_related("industry")
    if "tags" in fields:
        queryset = queryset.annotate(tag_names=_tag_names())
    customer = queryset.filter(pk=customer_id).first()
    if customer is None or not access.may_see(customer):
        raise NotFound(customer_id)
    if "contacts" in fields:
        prefetch_related_objects([customer], Prefetch("contacts", queryset=Contact.objects.prefetch_related("methods")))
    return customer


@router.get("/customers/{customer_id}", response={200: CustomerOut} | ERRORS, exclude_unset=True)
def get_customer(request, customer_id: Id, fields: str | None = None):
    wanted = parse_fields(fields, CUSTOMER_FIELDS)
    shown = set(CUSTOMER_FIELDS) if wanted is None else wanted
    access = access_for(request.auth)  # one per request: led teams and links read once
    customer = readable_customer(access, customer_id, shown)
    return customer_out(access, customer, shown)


def _owner(actor, owner_id: int | None):
    if owner_id is None:
        return None
    owner = User.objects.filter(pk=owner_id, is_active=True).first()
    if owner is None:
        raise ValidationError({"owner": [messages.text("owner_inactive")]})
    access = access_for(actor)
    if owner.pk != getattr(actor, "pk", None) and not (access.is_org_admin or access.is_team_lead):
        raise PermissionDenied(messages.text("owner_not_lead"))
    return owner


def _create(actor, data: dict[str, Any]) -> Customer:
    owner = _owner(actor, data.pop("owner", None))
    return services.customer_create(actor, owner=owner, **data)


@router.post("/customers", response={201: CustomerOut} | WRITE_ERRORS, exclude_unset=True)
def create_customer(request, payload: CustomerCreate):
    customer = _create(request.auth, payload.dict(exclude_unset=True))
    return Status(201, _out(request, _reload(request, customer.pk)))


@router.patch("/customers/{customer_id}", response={200: CustomerOut} | WRITE_ERRORS, exclude_unset=True)
def update_customer(request, customer_id: Id, payload: CustomerPatch):
    data = payload.dict(exclude_unset=True)
    services.customer_update(request.auth, customer_id, **data)
    return _out(request, _reload(request, customer_id))


@router.delete("/customers/{customer_id}", response={200: CustomerOut} | WRITE_ERRORS, exclude_unset=True)
def delete_customer(request, customer_id: Id, version: Version, reason: str = ""):
    """Soft delete: out of every list, restorable by a manager."""
    services.customer_soft_delete(request.auth, customer_id, version=version, reason=reason[:1000])
    return _out(request, _reload(request, customer_id, include_deleted=True))


@router.post("/customers/{customer_id}/restore", response={200: CustomerOut} | WRITE_ERRORS, exclude_unset=True)
def restore_customer(request, customer_id: Id):
    services.customer_restore(request.auth, customer_id)
    return _out(request, _reload(request, customer_id))


@router.post("/customers/{customer_id}/verify", response={200: CustomerOut} | WRITE_ERRORS, exclude_unset=True)
def verify_customer(request, customer_id: Id, payload: VersionIn):
    services.customer_verify(request.auth, customer_id, version=payload.version)
    return _out(request, _reload(request, customer_id))


@router.post("/customers/{customer_id}/stage", response={200: CustomerOut} | WRITE_ERRORS, exclude_unset=True)
def change_stage(request, customer_id: Id, payload: StageIn):
    """Move to potential, intent, deal (needs contract_date and amount), silent or lost (needs reason)."""
    data = payload.dict(exclude_unset=True)
    services.customer_change_stage(request.auth, customer_id, **data)
    return _out(request, _reload(request, customer_id))
