"""The customer and contact forms: which fields, in which sections, and reading them back from POST.

Input names are the services' error keys, so `contacts[0].phones[0]` in an error lands under the
first phone input of the first contact.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.customers.models import Contact, Customer
from kehu.customfields.models import CustomField, FieldKind, Target
from kehu.web import choices
from kehu.web.forms import FieldSpec, model_field, options

BASIC = ("kind", "name", "short_name", "industry", "source_channel", "first_contact_date", "need_description")
COMPANY = ("credit_code", "address", "province", "city", "founded_year", "ownership", "main_business", "employees",
           "annual_revenue")
NEEDS = ("need_type", "urgency", "decision_cycle", "decision_chain_length", "product_interests", "pain_points",
         "budget_min", "budget_max", "decision_chain", "cooperation_history", "competitor_info", "needs_undisclosed")
REFERRAL = ("referral_reason",)
PROFILE = BASIC + COMPANY + NEEDS + REFERRAL
REQUIRED = {"name", "industry", "source_channel", "first_contact_date", "need_description"}
CONTACT_FIELDS = ("name", "title", "department", "wechat", "preference", "decision_role", "birthday", "note")
CONTACT_SHORT = ("name", "title", "wechat", "decision_role")  # in the customer form; the rest on the contact page
SECTIONS = (
    ("company", gettext_lazy("Company"), COMPANY),
    ("needs", gettext_lazy("Needs and decision"), NEEDS),
)
_CONTACT_KEY = re.compile(r"^contacts\[(\d+)\]\.(\w+)(?:\[(\d+)\])?$")
_METHOD_KEY = re.compile(r"^(phones|emails)\[(\d+)\]$")


def custom_definitions() -> list[CustomField]:
    return list(CustomField.objects.active().for_target(Target.CUSTOMER).order_by("position", "id"))


# --- reading POST ------------------------------------------------------------------------------

def profile_from_post(post) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in PROFILE:
        if name == "needs_undisclosed":
            data[name] = bool(post.get(name))
        else:
            data[name] = post.get(name, "").strip()
    if data.get("source_channel", "").isdigit():
        data["source_channel"] = int(data["source_channel"])
    return data


def custom_from_post(post, definitions: list[CustomField]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for definition in definitions:
        name = f"custom_data.{definition.key}"
        if definition.kind == FieldKind.MULTI_CHOICE:
            values = [v for v in post.getlist(name) if v.strip()]
            if values:
                out[definition.key] = values
        elif post.get(name, "").strip():
            out[definition.key] = post.get(name).strip()
    return out


def contacts_from_post(post) -> list[dict[str, Any]]:
    """contacts[N].field and contacts[N].phones[M] into a list; empty blocks and empty phones dropped,
    so the re-rendered form's indexes match the service's error keys."""
    blocks: dict[int, dict[str, Any]] = {}
    for key in post:
        match = _CONTACT_KEY.match(key)
        if not match:
            continue
        index, name, sub = int(match.group(1)), match.group(2), match.group(3)
        block = blocks.setdefault(index, {"phones": {}, "emails": {}})
        if name in ("phones", "emails") and sub is not None:
            block[name][int(sub)] = post.get(key, "").strip()
        elif name in CONTACT_FIELDS:
            block[name] = post.get(key, "").strip()
    out = []
    for index in sorted(blocks):
        block = blocks[index]
        block["phones"] = [block["phones"][i] for i in sorted(block["phones"]) if block["phones"][i]]
        block["emails"] = [block["emails"][i] for i in sorted(block["emails"]) if block["emails"][i]]
        if any(v for k, v in block.items()) or not out:
            out.append({k: v for k, v in block.items() if v not in ("", None) or k in ("name", "title")})
    return out


def contact_from_post(post) -> dict[str, Any]:
    """The contact page: plain names (name, title, phones[0]…)."""
    data: dict[str, Any] = {name: post.get(name, "").strip() for name in CONTACT_FIELDS if name in post}
    phones, emails = {}, {}
    for key in post:
        match = _METHOD_KEY.match(key)
        if match:
            (phones if match.group(1) == "phones" else emails)[int(match.group(2))] = post.get(key, "").strip()
    data["phones"] = [phones[i] for i in sorted(phones) if phones[i]]
    data["emails"] = [emails[i] for i in sorted(emails) if emails[i]]
    data["is_primary"] = bool(post.get("is_primary"))
    return data


# --- building the fields -----------------------------------------------------------------------

def _profile_spec(name: str, values: dict, errors: dict, groups: dict) -> FieldSpec:
    spec = model_field(Customer, name, values, errors, required=name in REQUIRED)
    if name == "industry":
        spec.kind, spec.groups = "select", groups["industry"]
        spec.help = _("GB/T 4754-2017; a section covers all its divisions.")
    elif name == "source_channel":
        spec.kind, spec.groups = "select", options(groups["channels"])
    elif name == "kind":
        spec.no_blank = True
    elif name == "name":
        spec.attrs.update({"class": "dup-check", "autocomplete": "off"})
        spec.wide = True
    elif name == "credit_code":
        spec.attrs.update({"class": "dup-check", "autocomplete": "off", "maxlength": 18})
        spec.help = _("18 characters, as on the business licence.")
    elif name in ("first_contact_date",):
        spec.kind = "date"
    if name in ("need_description", "pain_points", "decision_chain", "cooperation_history", "competitor_info"):
        spec.wide = True
    return spec


def profile_sections(values: dict, errors: dict, *, hidden: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The form's fields; `hidden` (redaction.writable_hidden_fields) are left out entirely, so
    an editor without the confidential right neither sees nor submits them."""
    groups = {"industry": choices.industry_groups(), "channels": choices.channel_options()}
    basic = [_profile_spec(name, values, errors, groups) for name in BASIC if name not in hidden]
    sections = []
    for key, title, names in SECTIONS:
        fields = [_profile_spec(name, values, errors, groups) for name in names if name not in hidden]
        has_content = any(f.errors or f.value not in ("", None, False) for f in fields)
        sections.append({"key": key, "title": title, "fields": fields, "open": has_content})
    referral = [
        FieldSpec(name="referrer", label=_("Referred by (customer number)"), value=values.get("referrer", ""),
                  errors=list(errors.get("referrer", [])), help=_("The number of the customer who referred this one.")),
        _profile_spec("referral_reason", values, errors, groups),
    ]
    sections.append({"key": "referral", "title": _("Referral"), "fields": referral,
                     "open": any(f.errors or f.value for f in referral)})
    return {"basic": basic, "sections": sections}


def custom_specs(definitions: list[CustomField], values: dict, errors: dict) -> list[FieldSpec]:
    specs = []
    for definition in definitions:
        name = f"custom_data.{definition.key}"
        value = values.get(definition.key, "")
        spec = FieldSpec(name=name, label=definition.display_label, required=definition.required,
                         help=definition.help_text, errors=list(errors.get(name, [])))
        if definition.kind == FieldKind.MULTI_CHOICE:
            spec.kind, spec.choices = "multi", [(c, c) for c in definition.choices]
            spec.values = value if isinstance(value, list) else [value] if value else []
        elif definition.kind == FieldKind.CHOICE:
            spec.kind, spec.groups, spec.value = "select", options((c, c) for c in definition.choices), value
        elif definition.kind == FieldKind.DATE:
            spec.kind, spec.value = "date", value
        elif definition.kind == FieldKind.NUMBER:
            spec.kind, spec.value = "decimal", value
        else:
            spec.kind, spec.value = "text", value
        specs.append(spec)
    return specs


def contact_block(index: int | str, contact: dict, errors: dict, *, short: bool = True) -> dict[str, Any]:
    """One contact of the customer form (prefix contacts[N].; N may be the "__N__" placeholder of the
    "another contact" template) or of the contact page (index -1: no prefix)."""
    prefix = "" if index == -1 else f"contacts[{index}]."
    values = {f"{prefix}{k}": v for k, v in contact.items() if k not in ("phones", "emails")}
    names = CONTACT_SHORT if short else CONTACT_FIELDS
    fields = [model_field(Contact, name, values, errors, prefix=prefix, required=name in ("name", "title"))
              for name in names]
    for spec in fields:
        if spec.name.endswith("preference"):
            spec.no_blank = True
        if spec.name.endswith("note"):
            spec.wide = True
    phones = list(contact.get("phones") or []) + [""] * max(0, 2 - len(contact.get("phones") or []))
    emails = list(contact.get("emails") or []) or [""]
    method_errors = list(errors.get(f"{prefix}phones", []))
    for i, phone in enumerate(phones):
        name = f"{prefix}phones[{i}]"
        spec = FieldSpec(name=name, label=_("Phone") + (f" {i + 1}" if i else ""), kind="tel", value=phone,
                         errors=list(errors.get(name, [])) + (method_errors if i == 0 else []))
        spec.attrs.update({"class": "dup-check", "autocomplete": "off"})
        fields.append(spec)
    for i, email in enumerate(emails):
        name = f"{prefix}emails[{i}]"
        fields.append(FieldSpec(name=name, label=_("E-mail"), kind="email", value=email,
                                errors=list(errors.get(name, []))))
    return {"index": index, "fields": fields}


def known_names(*groups) -> set[str]:
    names: set[str] = {"__all__"}
    for group in groups:
        for spec in group:
            names.add(spec.name)
    return names
