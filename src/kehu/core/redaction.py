"""Confidential fields (R33): what a user may read of a customer they can see.

Amounts (budget, totals, transaction amounts and margins) and the needs of a customer marked
"needs not disclosed" are for the owner and the team lead only (policy.may_see_confidential):
for everyone else they are ABSENT from API responses and exports and MASKED on pages. Phone
numbers are masked (139****5678) for those without the right (policy.may_see_full_phone); the
"show number" action (reveal_phone) shows one and writes it to the audit log.

Nothing here queries per row: pass one `Access` (policy.access_for) for a whole list, after
`access.load_links(rows)` when phones are shown.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Iterable

from django.db import models, transaction
from django.utils.translation import gettext as _

from kehu.core import audit
from kehu.core.errors import PermissionDenied
from kehu.core.models import AuditEvent
from kehu.core.policy import Access, access_for, get_visible_related
from kehu.core.validators import mask_phone

MASK = "****"
CONFIDENTIAL_AMOUNTS = ("budget_min", "budget_max", "total_amount", "average_order_value")
UNDISCLOSED_NEEDS = (
    "need_description", "pain_points", "need_type", "product_interests", "urgency", "decision_cycle",
    "decision_chain_length",
)
CONFIDENTIAL_TRANSACTION_FIELDS = ("amount", "margin_rate")
# Internal columns no reader needs (search keys are derived from the name).
INTERNAL = frozenset({"name_pinyin", "name_initials", "pool_warned_at"})


def hidden_fields(user, customer) -> frozenset[str]:
    """The customer fields `user` may not read (empty for the owner, the team lead, the org admin)."""
    access = access_for(user)
    if access.may_see_confidential(customer):
        return frozenset()
    if customer.needs_undisclosed:
        return frozenset(CONFIDENTIAL_AMOUNTS + UNDISCLOSED_NEEDS)
    return frozenset(CONFIDENTIAL_AMOUNTS)


def may_read_field(user, customer, field: str) -> bool:
    return field not in hidden_fields(user, customer)


def _value(obj: models.Model, field: models.Field) -> Any:
    return getattr(obj, field.attname)


def readable_fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if f.name not in INTERNAL]


def redact_customer(user, customer, fields: Iterable[str] | None = None, *, mask: bool = False) -> dict[str, Any]:
    """The customer as {field name: value} (foreign keys as ids under their name), without the
    fields `user` may not read; with mask=True they are present as MASK instead (for pages)."""
    hidden = hidden_fields(user, customer)
    wanted = None if fields is None else set(fields)
    out: dict[str, Any] = {}
    for field in readable_fields(type(customer)):
        if wanted is not None and field.name not in wanted:
            continue
        if field.name in hidden:
            if mask:
                out[field.name] = MASK
            continue
        out[field.name] = _value(customer, field)
    return out


def redact_transaction(user, transaction_obj, customer=None, *, mask: bool = False) -> dict[str, Any]:
    """A transaction's fields; amount and margin only for those who see the customer's amounts."""
    customer = customer or transaction_obj.customer
    confidential = access_for(user).may_see_confidential(customer)
    out: dict[str, Any] = {}
    for field in readable_fields(type(transaction_obj)):
        if field.name in CONFIDENTIAL_TRANSACTION_FIELDS and not confidential:
            if mask:
                out[field.name] = MASK
            continue
        out[field.name] = _value(transaction_obj, field)
    return out


def writable_hidden_fields(user, customer) -> frozenset[str]:
    """Customer fields `user` may neither read nor write: the hidden ones, and the "needs not
    disclosed" mark itself (clearing it would show them the needs)."""
    if access_for(user).may_see_confidential(customer):
        return frozenset()
    return hidden_fields(user, customer) | {"needs_undisclosed"}


def refuse_confidential_writes(user, customer, fields: Iterable[str]) -> None:
    """A write naming a confidential field the user may not read is refused, field by field,
    whatever the value: accepting an unchanged value would confirm a guess of it."""
    from kehu.core.cleaning import label
    from kehu.core.errors import ValidationError

    refused = sorted(set(fields) & writable_hidden_fields(user, customer))
    if refused:
        raise ValidationError({name: [_("%(label)s is confidential: only the owner and the team lead may change it.")
                                      % {"label": label(type(customer), name)}] for name in refused})


# --- phones ---------------------------------------------------------------------------------

def phone_text(user, customer, method) -> str:
    """What to show for one contact method: e-mails as they are; phones in full or masked."""
    if method.kind != "phone" or access_for(user).may_see_full_phone(customer):
        return method.raw
    return mask_phone(method.value or method.raw)


def contact_methods(user, customer, methods: Iterable) -> list[dict[str, Any]]:
    """Contact methods ready to render or serialise: id, kind, label, text, masked, may_reveal."""
    access = access_for(user)
    full = access.may_see_full_phone(customer)
    reveal = not full and access.may_reveal_phone(customer)
    out = []
    for method in methods:
        masked = method.kind == "phone" and not full
        out.append({
            "id": method.pk, "kind": method.kind, "label": method.label,
            "text": mask_phone(method.value or method.raw) if masked else method.raw,
            "masked": masked, "may_reveal": masked and reveal,
        })
    return out


@transaction.atomic
def reveal_phone(actor, contact_method_id: int) -> str:
    """The "show number" action: the phone in full, written to the audit log (who saw which
    number of which customer, when). NotFound when the actor may not see the customer."""
    from kehu.customers.models import ContactMethod

    actor = actor.user if isinstance(actor, Access) else actor
    method = get_visible_related(actor, ContactMethod.objects.select_related("customer"), contact_method_id)
    if not access_for(actor).may_reveal_phone(method.customer):
        raise PermissionDenied(_("You may not see this customer's phone numbers."))
    # The log holds the masked form and the method's id, never a second copy of the number.
    audit.record(actor, "phone.reveal", method, customer_id=method.customer_id,
                 changes={"kind": [None, method.kind]}, note=mask_phone(method.value or method.raw))
    return method.raw


# --- audited changes (timelines, the audit log) -------------------------------------------------

# Keys of an audit event's `changes` that hold amounts (customer budgets and totals, transactions).
AMOUNT_KEYS = frozenset(CONFIDENTIAL_AMOUNTS + CONFIDENTIAL_TRANSACTION_FIELDS)
PHONE_KEYS = frozenset({"phones"})
# Events about these objects name an amount in their text (Transaction.__str__ is "date amount").
AMOUNT_OBJECTS = frozenset({"customers.transaction"})


def hidden_change_keys(user, customer) -> frozenset[str]:
    """The keys of a customer's audited changes `user` may not read: amounts, and the needs while
    the customer's needs are undisclosed (the current mark decides, so marking needs undisclosed
    also hides their history)."""
    if customer is not None and access_for(user).may_see_confidential(customer):
        return frozenset()
    if customer is None or customer.needs_undisclosed:
        return AMOUNT_KEYS | frozenset(UNDISCLOSED_NEEDS)
    return AMOUNT_KEYS


def _mask_pair(pair: Any, mask_value) -> Any:
    def one(value):
        return value if value in (None, "", [], {}) else mask_value(value)

    if isinstance(pair, (list, tuple)) and len(pair) == 2:
        return [one(pair[0]), one(pair[1])]
    return one(pair)


def _phones_masked(value):
    if isinstance(value, (list, tuple)):
        return [mask_phone(str(item)) for item in value]
    return mask_phone(str(value))


def redact_changes(user, customer, changes: dict | None, *, mask: bool = False) -> dict:
    """An audit event's {field: [old, new]} as `user` may read it: confidential keys removed (or,
    with mask=True for pages, kept with MASK in place of each filled value), phone numbers masked
    for those who may not see them in full. `customer` None (unknown) hides everything confidential."""
    access = access_for(user)
    hidden = hidden_change_keys(access, customer)
    full_phones = customer is not None and access.may_see_full_phone(customer)
    out: dict = {}
    for key, pair in (changes or {}).items():
        if key in hidden:
            if mask:
                out[key] = _mask_pair(pair, lambda value: MASK)
            continue
        if key in PHONE_KEYS and not full_phones:
            pair = _mask_pair(pair, _phones_masked)
        out[key] = pair
    return out


def redact_event(user, customer, event) -> Any:
    """An AuditEvent made safe to show (in memory only; the log itself is never changed): its
    changes through redact_changes(mask=True), and an amount in its text masked."""
    hidden = hidden_change_keys(user, customer)
    event.changes = redact_changes(user, customer, event.changes, mask=True)
    if hidden and event.object_type in AMOUNT_OBJECTS:
        event.object_repr = MASK
    return event


# --- exports and bulk views ----------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula (=, +, -, @, tab, CR) is prefixed with a
    quote, so it stays text (CSV/Excel injection). Numbers and dates pass unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def cell(value: Any) -> Any:
    """A value as an export cell: plain types only, formula-safe text."""
    if isinstance(value, (int, float, Decimal, dt.date)) or value is None:
        return value
    return spreadsheet_safe(str(value))


def record_export(actor, what: str, *, count: int, params: dict[str, Any] | None = None) -> AuditEvent:
    """An export is a sensitive read: one event with what, how many rows, and the filters."""
    return _record_read(actor, f"export.{what}", changes={"count": [None, count], "params": [None, params or {}]})


def record_confidential_view(actor, where: str, customers: Iterable) -> AuditEvent | None:
    """A page or report that showed confidential data of several customers at once (a list with
    amounts, a team report): one event with the ids. Nothing is recorded for fewer than two."""
    access = access_for(actor)
    ids = [c.pk for c in customers if access.may_see_confidential(c)]
    if len(ids) < 2:
        return None
    return _record_read(actor, "confidential.view", changes={"customers": [None, ids[:500]], "count": [None, len(ids)]},
                        note=where)


def _record_read(actor, action: str, *, changes: dict, note: str = "") -> AuditEvent:
    actor = actor.user if isinstance(actor, Access) else actor
    if actor is None or getattr(actor, "pk", None) is None:
        raise PermissionDenied(_("Sign in first."))
    return audit.record(actor, action, actor, changes=changes, note=note)
