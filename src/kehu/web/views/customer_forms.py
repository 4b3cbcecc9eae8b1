"""Create and edit customers and contacts; the possible-duplicate warning while typing."""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from kehu.core.errors import ConflictError, ValidationError
from kehu.core.policy import may_create_customer, may_edit_customer, visible_customers
from kehu.core.redaction import writable_hidden_fields
from kehu.customers.duplicates import find_duplicates
from kehu.customers.models import Contact, ContactMethodKind
from kehu.customers.services import contact_add, contact_replace, contact_update, customer_create, customer_update
from kehu.web import choices
from kehu.web.access import customer_for, error_dict, web_view
from kehu.web.customer_form import (
    PROFILE,
    contact_block,
    contact_from_post,
    contacts_from_post,
    custom_definitions,
    custom_from_post,
    custom_specs,
    known_names,
    profile_from_post,
    profile_sections,
)
from kehu.web.forms import FieldSpec, form_values, nonfield_errors

_PHONE_KEY = re.compile(r"phones\[\d+\]$")


def _resolve_referrer(user, text: str):
    """The referrer typed as a customer number (what people know) → its id for the service."""
    text = (text or "").strip()
    if not text:
        return None
    found = visible_customers(user).filter(number=text).values_list("pk", flat=True).first()
    return found if found is not None else f"?{text}"  # unknown: the service names the error


def _owner_field(user, value, errors) -> FieldSpec | None:
    people = choices.people_for(user)
    if len(people) <= 1:
        return None
    return FieldSpec(name="owner", label=_("Owner"), kind="select", value=value or user.pk,
                     groups=[("", [(p.pk, str(p)) for p in people])], no_blank=True, errors=errors.get("owner", []))


def _tag_field(values: list[str], errors) -> FieldSpec:
    return FieldSpec(name="tags", label=_("Tags"), kind="multi", choices=choices.tag_options(), values=values,
                     errors=errors.get("tags", []), wide=True)


def _render_customer_form(request, *, customer=None, values, contacts, custom_values, tags, errors, owner=None):
    definitions = custom_definitions()
    hidden = writable_hidden_fields(request.user, customer) if customer is not None else frozenset()
    profile = profile_sections(values, errors, hidden=hidden)
    blocks = [contact_block(i, c, errors) for i, c in enumerate(contacts)] if customer is None else []
    customs = custom_specs(definitions, custom_values, errors)
    tag_field = _tag_field(tags, errors)
    owner_field = _owner_field(request.user, owner, errors) if customer is None else None
    names = known_names(profile["basic"], *[s["fields"] for s in profile["sections"]], customs, [tag_field],
                        *[b["fields"] for b in blocks], [owner_field] if owner_field else [])
    names |= {f"contacts[{b['index']}].phones" for b in blocks}
    context = {
        "customer": customer, "profile": profile, "contact_blocks": blocks, "custom_fields": customs,
        "tag_field": tag_field, "owner_field": owner_field, "form_errors": nonfield_errors(errors, names),
        "new_contact": contact_block("__N__", {}, {}) if customer is None else None,
    }
    status = 422 if errors else 200
    return render(request, "web/customers/form.html", context, status=status)


@web_view
def customer_create_view(request):
    user = request.user
    if not may_create_customer(user):
        raise PermissionDenied
    if request.method != "POST":
        return _render_customer_form(request, values={"kind": "company"}, contacts=[{}], custom_values={}, tags=[],
                                     errors={})
    values = profile_from_post(request.POST)
    contacts = contacts_from_post(request.POST)
    definitions = custom_definitions()
    custom_values = custom_from_post(request.POST, definitions)
    tags = request.POST.getlist("tags")
    owner_id = request.POST.get("owner", "")
    owner = next((p for p in choices.people_for(user) if str(p.pk) == owner_id), None)
    referrer_text = request.POST.get("referrer", "")
    try:
        customer = customer_create(
            user, contacts=contacts, tags=tags, referrer=_resolve_referrer(user, referrer_text), owner=owner,
            custom_data=custom_values, **values,
        )
    except (ValidationError, ConflictError) as exc:
        values["referrer"] = referrer_text
        return _render_customer_form(request, values=values, contacts=contacts or [{}], custom_values=custom_values,
                                     tags=tags, errors=error_dict(exc), owner=owner_id)
    messages.success(request, _("Customer %(name)s created with number %(number)s.")
                     % {"name": customer.name, "number": customer.number})
    return HttpResponseRedirect(reverse("web:customer_detail", args=[customer.pk]))


@web_view
def customer_edit_view(request, pk: int):
    user = request.user
    customer = customer_for(user, pk)
    if not may_edit_customer(user, customer):
        raise PermissionDenied
    definitions = custom_definitions()
    if request.method != "POST":
        values = form_values(customer, [n for n in PROFILE])
        values["source_channel"] = customer.source_channel_id or ""
        values["industry"] = customer.industry.code if customer.industry_id else ""
        values["referrer"] = customer.referrer.number if customer.referrer_id else ""
        return _render_customer_form(request, customer=customer, values=values, contacts=[],
                                     custom_values=customer.custom_data or {},
                                     tags=list(customer.tags.values_list("name", flat=True)), errors={})
    # Confidential fields the user may not read are not in their form and never sent on.
    hidden = writable_hidden_fields(user, customer)
    values = {k: v for k, v in profile_from_post(request.POST).items() if k not in hidden}
    custom_values = custom_from_post(request.POST, definitions)
    tags = request.POST.getlist("tags")
    referrer_text = request.POST.get("referrer", "")
    active = {d.key for d in definitions}
    stored = customer.custom_data or {}
    # Values of retired fields are not in the form: carry them over untouched.
    merged_custom = {k: v for k, v in stored.items() if k not in active} | custom_values
    extra = {"custom_data": merged_custom} if merged_custom != stored else {}
    try:
        customer_update(user, customer.pk, version=int(request.POST.get("version") or 0), tags=tags,
                        referrer=_resolve_referrer(user, referrer_text), **values, **extra)
    except (ValidationError, ConflictError) as exc:
        values["referrer"] = referrer_text
        return _render_customer_form(request, customer=customer, values=values, contacts=[],
                                     custom_values=custom_values, tags=tags, errors=error_dict(exc))
    messages.success(request, _("Changes saved."))
    return HttpResponseRedirect(reverse("web:customer_detail", args=[customer.pk]))


@web_view
def customer_duplicates(request):
    """The warning under the create form: customers this user may see that look the same."""
    params = request.GET
    phones = [v for k, v in params.items() if _PHONE_KEY.search(k) and v.strip()]
    exclude = params.get("exclude", "")
    found = find_duplicates(request.user, name=params.get("name", ""), phones=phones,
                            credit_code=params.get("credit_code", ""),
                            exclude_pk=int(exclude) if exclude.isdigit() else None)
    return render(request, "web/customers/_duplicates.html", {"duplicates": found})


# --- contacts ----------------------------------------------------------------------------------

def _contact_values(contact: Contact) -> dict:
    values = form_values(contact, ["name", "title", "department", "wechat", "preference", "decision_role",
                                   "birthday", "note"])
    methods = list(contact.methods.order_by("kind", "position", "id"))
    values["phones"] = [m.raw for m in methods if m.kind == ContactMethodKind.PHONE]
    values["emails"] = [m.raw for m in methods if m.kind == ContactMethodKind.EMAIL]
    values["is_primary"] = contact.is_primary
    return values


def _render_contact_form(request, *, customer, contact, values, errors, mode):
    block = contact_block(-1, values, errors, short=False)
    primary = FieldSpec(name="is_primary", label=_("Main contact"), kind="checkbox", value=values.get("is_primary"))
    reason = FieldSpec(name="reason", label=_("Why the contact changed"), value=values.get("reason", ""),
                       errors=errors.get("reason", []), wide=True) if mode == "replace" else None
    names = known_names(block["fields"], [primary]) | {"phones"}
    if reason:
        names.add("reason")
    context = {"customer": customer, "contact": contact, "contact_fields": block["fields"], "primary": primary, "reason": reason,
               "mode": mode, "form_errors": nonfield_errors(errors, names)}
    return render(request, "web/customers/contact_form.html", context, status=422 if errors else 200)


def _editable_contact(user, pk: int):
    contact = Contact.objects.filter(pk=pk).only("customer_id").first()
    customer = customer_for(user, contact.customer_id if contact else -1)
    if not may_edit_customer(user, customer):
        raise PermissionDenied
    return customer, Contact.objects.get(pk=pk)


@web_view
def contact_create_view(request, pk: int):
    customer = customer_for(request.user, pk)
    if not may_edit_customer(request.user, customer):
        raise PermissionDenied
    if request.method != "POST":
        return _render_contact_form(request, customer=customer, contact=None, values={}, errors={}, mode="add")
    data = contact_from_post(request.POST)
    try:
        contact_add(request.user, customer.pk, **data)
    except ValidationError as exc:
        return _render_contact_form(request, customer=customer, contact=None, values=data, errors=error_dict(exc),
                                    mode="add")
    messages.success(request, _("Contact added."))
    return HttpResponseRedirect(reverse("web:customer_detail", args=[customer.pk]))


@web_view
def contact_edit_view(request, pk: int):
    customer, contact = _editable_contact(request.user, pk)
    if request.method != "POST":
        return _render_contact_form(request, customer=customer, contact=contact, values=_contact_values(contact),
                                    errors={}, mode="edit")
    data = contact_from_post(request.POST)
    try:
        contact_update(request.user, contact.pk, version=int(request.POST.get("version") or 0), **data)
    except (ValidationError, ConflictError) as exc:
        return _render_contact_form(request, customer=customer, contact=contact, values=data,
                                    errors=error_dict(exc), mode="edit")
    messages.success(request, _("Contact saved."))
    return HttpResponseRedirect(reverse("web:customer_detail", args=[customer.pk]))


@web_view
def contact_replace_view(request, pk: int):
    """The person changes (R6): the old contact stays on record, replaced by the new one."""
    customer, contact = _editable_contact(request.user, pk)
    if request.method != "POST":
        return _render_contact_form(request, customer=customer, contact=contact, values={}, errors={},
                                    mode="replace")
    data = contact_from_post(request.POST)
    if not data["is_primary"]:
        del data["is_primary"]  # the new person inherits the old one's "main contact" mark
    reason = request.POST.get("reason", "").strip()
    try:
        contact_replace(request.user, contact.pk, version=int(request.POST.get("version") or 0), reason=reason,
                        **data)
    except (ValidationError, ConflictError) as exc:
        return _render_contact_form(request, customer=customer, contact=contact, values={**data, "reason": reason},
                                    errors=error_dict(exc), mode="replace")
    messages.success(request, _("%(old)s is now recorded as a former contact.") % {"old": contact.name})
    return HttpResponseRedirect(reverse("web:customer_detail", args=[customer.pk]))
