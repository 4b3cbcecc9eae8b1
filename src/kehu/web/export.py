"""The customers export (R35, R44): the list's current filters and search as Excel or CSV.

Only what the user may see leaves the building: rows from visible_customers(), confidential
columns (amounts, budget, undisclosed needs) left out for those who can never see them and empty
on the rows where they may not, phones masked for those without the right
(redaction.contact_methods), text made formula-safe (redaction.cell, the same as the audit
export). Rows are read in keyset batches by id, so a 100,000-row export never holds more than a
batch of customers in memory; the export is one audit event (who, filters, rows, format).
"""

from __future__ import annotations

import csv
import datetime as dt
from typing import IO, Any, Iterable, Iterator, Mapping

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.core.policy import OWNER_ROLES, Access, access_for, require, visible_customers
from kehu.core.redaction import (
    CONFIDENTIAL_AMOUNTS,
    UNDISCLOSED_NEEDS,
    cell,
    contact_methods,
    hidden_fields,
    record_export,
)
from kehu.core.spreadsheet import write_xlsx
from kehu.customers.models import ContactMethod, Customer
from kehu.customers.queries import apply_filters, parse_filters

BATCH = 1000
SEARCH_LIMIT = 200  # a search exports its best matches, as many as the list can show (kehu.search's limit)
# Query parameters that are not filters: paging and sorting of the page on screen.
NOT_FILTERS = frozenset({"cursor", "more", "sort", "format", "csrfmiddlewaretoken"})

BASIC = ("number", "name", "short_name", "kind", "stage", "grade", "segment", "value_tier", "owner", "team",
         "industry", "province", "city", "credit_code", "address", "source_channel", "first_contact_date")
NEEDS = UNDISCLOSED_NEEDS
AMOUNTS = CONFIDENTIAL_AMOUNTS
ACTIVITY = ("transaction_count", "first_cooperation_date", "last_transaction_date", "last_interaction_at",
            "next_follow_up_at", "created_at", "updated_at")
# Not model fields: the current contacts, their phones and e-mails, the tags.
EXTRA = ("contacts", "phones", "emails", "tags")
EXTRA_LABELS = {"contacts": gettext_lazy("Contacts"), "phones": gettext_lazy("Phones"),
                "emails": gettext_lazy("E-mails"), "tags": gettext_lazy("Tags")}


def may_see_some_amounts(access: Access) -> bool:
    """Whether any customer's amounts can reach this user (owners, team leads, the org admin).
    For everyone else the amount columns are left out of the file, not just emptied."""
    return access.is_org_admin or access.is_team_lead or access.role in OWNER_ROLES


def columns(access: Access, custom_fields: list) -> list[str]:
    # The needs columns stay for everyone: they are confidential only where a customer's needs
    # are marked undisclosed, and those cells are empty for whoever may not read them.
    names = [*BASIC, *NEEDS, *(AMOUNTS if may_see_some_amounts(access) else ()), *ACTIVITY, *EXTRA]
    return names + [f"cf_{f.key}" for f in custom_fields]


def header(names: list[str], custom_fields: list) -> list[str]:
    labels = {f"cf_{f.key}": f.display_label for f in custom_fields}
    out = []
    for name in names:
        if name in labels:
            out.append(labels[name])
        elif name in EXTRA_LABELS:
            out.append(str(EXTRA_LABELS[name]))
        else:
            out.append(str(capfirst(Customer._meta.get_field(name).verbose_name)))
    return [cell(text) for text in out]


def export_filters(params: Mapping) -> dict[str, Any]:
    """The list's filters and search as the audit event records them (lists for repeated keys)."""
    out: dict[str, Any] = {}
    for key in params:
        if key in NOT_FILTERS:
            continue
        values = [v for v in (params.getlist(key) if hasattr(params, "getlist") else [params[key]]) if str(v).strip()]
        if values:
            out[key] = values[0] if len(values) == 1 else values
    return out


def export_queryset(access: Access, params: Mapping) -> tuple[QuerySet, list[int] | None]:
    """The customers to export: the list's filters over visible_customers(); with a search, the
    ids of its best matches in rank order (ValidationError for bad filters, as on the list)."""
    queryset = apply_filters(visible_customers(access), parse_filters(params))
    query = str(params.get("q") or "").strip()
    if not query:
        return queryset, None
    from kehu.search import search_customer_ids

    return queryset, search_customer_ids(access, query, limit=SEARCH_LIMIT, base=queryset)


def _batches(queryset: QuerySet, ids: list[int] | None) -> Iterator[list[Customer]]:
    """Keyset batches by id (never OFFSET, never the whole set at once)."""
    queryset = queryset.select_related("owner", "team", "industry", "source_channel")
    if ids is not None:
        for start in range(0, len(ids), BATCH):
            chunk = ids[start:start + BATCH]
            found = queryset.filter(pk__in=chunk).in_bulk()
            yield [found[pk] for pk in chunk if pk in found]
        return
    last = 0
    while True:
        batch = list(queryset.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def _contact_facts(access: Access, batch: list[Customer]) -> dict[int, dict[str, list[str]]]:
    """Current contacts, phones (masked as the user must see them) and e-mails: one query a batch."""
    by_customer = {c.pk: c for c in batch}
    methods: dict[int, list] = {}
    names: dict[int, list[str]] = {}
    rows = (ContactMethod.objects.filter(customer_id__in=list(by_customer), contact__is_active=True)
            .select_related("contact").order_by("customer_id", "-contact__is_primary", "contact_id", "kind", "position",
                                                "id"))
    for method in rows:
        methods.setdefault(method.customer_id, []).append(method)
        label = f"{method.contact.name} ({method.contact.title})" if method.contact.title else method.contact.name
        if label not in names.setdefault(method.customer_id, []):
            names[method.customer_id].append(label)
    out = {}
    for pk, customer in by_customer.items():
        shown = contact_methods(access, customer, methods.get(pk, []))
        out[pk] = {
            "contacts": names.get(pk, []),
            "phones": [m["text"] for m in shown if m["kind"] == "phone"],
            "emails": [m["text"] for m in shown if m["kind"] != "phone"],
        }
    return out


def _tags(batch: list[Customer]) -> dict[int, list[str]]:
    through = Customer.tags.through
    out: dict[int, list[str]] = {}
    for customer_id, name in (through.objects.filter(customer_id__in=[c.pk for c in batch])
                              .order_by("tag__name").values_list("customer_id", "tag__name")):
        out.setdefault(customer_id, []).append(name)
    return out


def _value(customer: Customer, name: str) -> Any:
    if name.startswith("cf_"):
        value = (customer.custom_data or {}).get(name[3:])
        return "、".join(str(v) for v in value) if isinstance(value, list) else value
    field = Customer._meta.get_field(name)
    if field.is_relation:
        related = getattr(customer, name)
        return str(related) if related is not None else None
    if field.choices:
        return getattr(customer, f"get_{name}_display")() or None
    value = getattr(customer, name)
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value


def customer_rows(access: Access, queryset: QuerySet, ids: list[int] | None, names: list[str]) -> Iterator[list]:
    """The export's rows, batch by batch: confidential cells None where the user may not read
    them, every value through redaction.cell (plain types, formula-safe text)."""
    for batch in _batches(queryset, ids):
        access.load_links(batch)
        facts = _contact_facts(access, batch)
        tags = _tags(batch)
        for customer in batch:
            hidden = hidden_fields(access, customer)
            extra = {**facts[customer.pk], "tags": tags.get(customer.pk, [])}
            row = []
            for name in names:
                if name in hidden:
                    row.append(None)
                elif name in extra:
                    row.append(cell("; ".join(extra[name])) if extra[name] else None)
                else:
                    row.append(cell(_value(customer, name)))
            yield row


def export_customers(user, params: Mapping, stream: IO, *, kind: str = "xlsx") -> int:
    """Write the export to `stream` (text for CSV, bytes for Excel); record it; return the rows.
    PermissionDenied for users without the export right."""
    from kehu.customfields.models import CustomField, Target

    access = access_for(user)
    require(access.may_export(), _("You may not export customers."))
    queryset, ids = export_queryset(access, params)
    custom = list(CustomField.objects.active().for_target(Target.CUSTOMER).order_by("position", "id"))
    names = columns(access, custom)
    rows = customer_rows(access, queryset, ids, names)
    head = header(names, custom)
    count = write_csv(stream, head, rows) if kind == "csv" else write_xlsx(stream, "customers", head, rows, frozen_columns=2)
    record_export(access, "customers", count=count, params={**export_filters(params), "format": kind})
    return count


def write_csv(stream: IO[str], head: list, rows: Iterable[list]) -> int:
    stream.write("\ufeff")  # so that Excel reads UTF-8
    writer = csv.writer(stream)
    writer.writerow(head)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count

