"""The 360° customer page: profile, contacts, timeline, open actions, transactions, referrals."""

from __future__ import annotations

from django.db.models import Prefetch
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.views.decorators.http import require_POST
from django.shortcuts import render

from kehu.core.policy import visible_customers
from kehu.core.redaction import MASK, contact_methods, hidden_fields, reveal_phone
from kehu.customers.models import Contact, ContactMethod, Customer, Stage
from kehu.customfields.models import CustomField, Target
from kehu.followup.models import Task, TaskStatus
from kehu.web import display
from kehu.web.access import Rights, access_of, web_view
from kehu.web.timeline import timeline_for
from kehu.web.views.inbox import row_labels

PROFILE_SECTIONS = (
    ("company", ("kind", "short_name", "credit_code", "address", "province", "city", "macro_region",
                 "founded_year", "ownership", "employees", "annual_revenue", "main_business", "size_class")),
    ("needs", ("need_description", "pain_points", "need_type", "product_interests", "urgency", "decision_cycle",
               "decision_chain_length", "budget_min", "budget_max", "decision_chain", "cooperation_history",
               "competitor_info")),
    ("record", ("first_contact_date", "source_channel", "team", "value_tier", "segment", "grade",
                "first_cooperation_date", "created_at", "created_by", "updated_at", "verified_at", "verified_by")),
)
MONEY = {"annual_revenue", "budget_min", "budget_max"}


def _facts(customer: Customer, names, *, hidden: frozenset[str]) -> list[tuple[str, str]]:
    """(label, text) of the filled fields; confidential ones masked for those who may not read them."""
    out = []
    for name in names:
        model_field = Customer._meta.get_field(name)
        value = getattr(customer, name)
        if value in (None, ""):
            continue
        if name in hidden:
            value = MASK
        elif model_field.choices:
            value = getattr(customer, f"get_{name}_display")()
        elif name in MONEY:
            value = display.money_text(value)
        elif hasattr(value, "year") and hasattr(value, "month"):
            value = display.moment_text(value) if hasattr(value, "hour") else display.day_text(value)
        out.append((str(capfirst(model_field.verbose_name)), str(value)))
    return out


def _custom_facts(customer: Customer) -> list[tuple[str, str]]:
    data = customer.custom_data or {}
    out = []
    for definition in CustomField.objects.for_target(Target.CUSTOMER).order_by("position", "id"):
        value = data.get(definition.key)
        if value in (None, "", []):
            continue
        out.append((definition.display_label, "、".join(value) if isinstance(value, list) else str(value)))
    return out


@web_view
def customer_detail(request, pk: int):
    access = access_of(request)
    customer = (visible_customers(access).select_related("owner", "industry__parent", "source_channel", "referrer",
                                                         "team", "created_by", "verified_by")
                .filter(pk=pk).first())
    if customer is None:
        raise Http404
    rights = Rights(access, customer)
    show_amounts = rights.confidential
    hidden = hidden_fields(access, customer)
    methods = Prefetch("methods", queryset=ContactMethod.objects.order_by("kind", "position", "id"))
    contacts = list(Contact.objects.filter(customer=customer).select_related("replaced_by").prefetch_related(methods))
    for contact in contacts:
        contact.method_list = contact_methods(access, customer, contact.methods.all())
    open_tasks = list(Task.objects.filter(customer=customer, status=TaskStatus.OPEN).select_related("owner")
                      .order_by("due_at", "id")[:50])
    transactions = list(customer.transactions.order_by("-signed_on", "-id")[:20])
    referrals = list(visible_customers(access).filter(referrer=customer).only("pk", "name", "number", "stage")[:50])
    referrer_visible = bool(customer.referrer_id) and access.may_see(customer.referrer)
    sections = {name: _facts(customer, fields, hidden=hidden) for name, fields in PROFILE_SECTIONS}
    context = {
        "customer": customer, "rights": rights, "show_amounts": show_amounts,
        "active_contacts": [c for c in contacts if c.is_active],
        "former_contacts": [c for c in contacts if not c.is_active],
        "open_tasks": open_tasks, "transactions": transactions, "referrals": referrals,
        "tags": list(customer.tags.all()),
        "company_facts": sections["company"], "need_facts": sections["needs"], "record_facts": sections["record"],
        "custom_facts": _custom_facts(customer),
        "timeline": timeline_for(access, customer, show_phones=rights.full_phone),
        "referrer_visible": referrer_visible,
        "stages": [s for s in Stage.choices if s[0] != customer.stage],
        "L": row_labels(),
    }
    return render(request, "web/customers/detail.html", context)


@web_view
@require_POST
def phone_reveal(request, pk: int):
    """The audited "show number" (R33): the full phone in place of the masked one."""
    try:
        number = reveal_phone(request.user, pk)
    except PermissionDenied:
        return HttpResponse(status=403)
    return HttpResponse(format_html('<a href="tel:{}">{}</a>', number.replace(" ", ""), number))
