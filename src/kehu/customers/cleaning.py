"""Cleaning customer and contact input: the same rules for forms, the API and imports (R1, R2, R12)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.core.cleaning import Errors, label
from kehu.core.validators import (
    FieldError,
    clean_date,
    clean_decimal,
    clean_email,
    clean_phone,
    clean_uscc,
    normalise_text,
)
from kehu.customers.industry_data import normalise_industry_text
from kehu.customers.models import Channel, Contact, Customer, Industry

TEXT_FIELDS = (
    "name", "short_name", "need_description", "referral_reason", "decision_chain", "cooperation_history",
    "competitor_info", "address", "province", "city", "macro_region", "main_business", "pain_points",
    "product_interests",
)
CHOICE_FIELDS = ("kind", "ownership", "need_type", "urgency", "decision_cycle", "decision_chain_length")
MONEY_FIELDS = ("annual_revenue", "budget_min", "budget_max")
REQUIRED = ("name", "need_description", "first_contact_date", "source_channel")


def clean_text(value: Any, *, model: type[models.Model], field: str, errors: Errors) -> str:
    if value is None:
        return ""
    text = str(value).strip()
    limit = model._meta.get_field(field).max_length
    if limit and len(text) > limit:
        errors.add(field, _("%(label)s is too long: at most %(max)d characters (%(count)d given).")
                   % {"label": label(model, field), "max": limit, "count": len(text)})
    return text


def clean_choice(value: Any, *, model: type[models.Model], field: str, errors: Errors) -> str:
    if value in (None, ""):
        return ""
    choices = model._meta.get_field(field).choices
    if value not in {key for key, _name in choices}:
        allowed = ", ".join(f"{key} ({name})" for key, name in choices)
        errors.add(field, _("%(label)s must be one of: %(choices)s.") % {"label": label(model, field), "choices": allowed})
        return ""
    return value


def clean_int(value: Any, *, field: str, lbl: str, low: int, high: int, errors: Errors) -> int | None:
    if value in (None, ""):
        return None
    try:
        if isinstance(value, bool):  # True is an int to Python, never a meant number
            raise ValueError
        number = value if isinstance(value, int) else int(normalise_text(str(value)))
    except ValueError:
        errors.add(field, _("%(label)s must be a whole number.") % {"label": lbl})
        return None
    if not low <= number <= high:
        errors.add(field, _("%(label)s must be between %(low)d and %(high)d.") % {"label": lbl, "low": low, "high": high})
        return None
    return number


def clean_past_date(value: Any, *, field: str, lbl: str, errors: Errors) -> dt.date | None:
    day = errors.run(field, clean_date, value, label=lbl)
    if day is not None and day > clock.today():
        errors.add(field, _("%(label)s cannot be in the future.") % {"label": lbl})
        return None
    return day


def resolve_industry(value: Any, *, errors: Errors) -> Industry | None:
    """An Industry from an instance, an id, a GB/T 4754 code or the words a team types."""
    if value in (None, ""):
        return None
    if isinstance(value, Industry):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        found = Industry.objects.filter(pk=value).first()
    else:
        phrase_hit = Industry.objects.filter(industryphrase__phrase=normalise_text(str(value))).first()
        code = normalise_industry_text(str(value))
        found = phrase_hit or (Industry.objects.filter(code=code).first() if code else None)
    if found is None:
        errors.add("industry", _("%(label)s \"%(value)s\" is not in the national industry classification "
                                 "(GB/T 4754-2017); choose one from the list, such as 汽车制造业.")
                   % {"label": label(Customer, "industry"), "value": value})
    return found


def resolve_channel(value: Any, *, errors: Errors) -> Channel | None:
    if value in (None, ""):
        return None
    if isinstance(value, Channel):
        return value
    lookup = {"pk": value} if isinstance(value, int) and not isinstance(value, bool) else {"name": str(value).strip()}
    found = Channel.objects.filter(is_active=True, **lookup).first()
    if found is None:
        names = "、".join(Channel.objects.filter(is_active=True).values_list("name", flat=True)[:20])
        errors.add("source_channel", _("%(label)s \"%(value)s\" is not a known channel; use one of: %(names)s.")
                   % {"label": label(Customer, "source_channel"), "value": value, "names": names})
    return found


def clean_custom_data(value: Any, errors: Errors) -> dict[str, Any]:
    """Custom-field values checked against the definitions a data admin made (R11)."""
    from kehu.core.errors import ValidationError
    from kehu.customfields.validation import validate_custom_data

    try:
        return validate_custom_data("customer", value)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            for message in messages:
                errors.add(key, message)
    except FieldError as exc:
        errors.add(exc.field, exc.message)
    return {}


def clean_customer_fields(data: dict[str, Any], errors: Errors) -> dict[str, Any]:
    """Clean the profile fields present in `data`; returns model-ready values."""
    out: dict[str, Any] = {}
    for field, value in data.items():
        lbl = label(Customer, field) if field not in ("tags", "custom_data") else field
        if field in TEXT_FIELDS:
            out[field] = clean_text(value, model=Customer, field=field, errors=errors)
        elif field in CHOICE_FIELDS:
            out[field] = clean_choice(value, model=Customer, field=field, errors=errors)
        elif field in MONEY_FIELDS:
            out[field] = None if value in (None, "") else errors.run(field, clean_decimal, value, label=lbl, min_value=0)
        elif field == "employees":
            out[field] = clean_int(value, field=field, lbl=lbl, low=0, high=10_000_000, errors=errors)
        elif field == "founded_year":
            out[field] = clean_int(value, field=field, lbl=lbl, low=1800, high=clock.today().year, errors=errors)
        elif field == "first_contact_date":
            out[field] = clean_past_date(value, field=field, lbl=lbl, errors=errors)
        elif field == "credit_code":
            out[field] = "" if value in (None, "") else errors.run(field, clean_uscc, value, label=lbl)
        elif field == "industry":
            out[field] = resolve_industry(value, errors=errors)
        elif field == "source_channel":
            out[field] = resolve_channel(value, errors=errors)
        elif field == "needs_undisclosed":
            out[field] = bool(value)
        elif field == "custom_data":
            out[field] = clean_custom_data(value, errors)
        else:
            errors.add(field, _("%(field)s is not a customer field that can be set here.") % {"field": field})
    budget_min, budget_max = out.get("budget_min"), out.get("budget_max")
    if budget_min is not None and budget_max is not None and budget_max < budget_min:
        errors.add("budget_max", _("%(label)s must not be below the lower end of the budget.")
                   % {"label": label(Customer, "budget_max")})
    return out


def check_required(values: dict[str, Any], errors: Errors) -> None:
    for field in REQUIRED:
        if values.get(field) in (None, "") and field not in errors.by_field:
            errors.add(field, _("%(label)s is required.") % {"label": label(Customer, field)})
    if values.get("kind", "company") == "company" and values.get("industry") is None and "industry" not in errors.by_field:
        errors.add("industry", _("%(label)s is required.") % {"label": label(Customer, "industry")})


def error_key(prefix: str, name: str) -> str:
    """Error keys for nested input: contacts[0].phones[1], or phones[1] for a contact on its own."""
    return f"{prefix}.{name}" if prefix else name


def clean_contact_methods(contact: dict[str, Any], prefix: str, errors: Errors) -> tuple[list, list]:
    """Phones (E.164 + as typed) and e-mails of one contact; field names like contacts[0].phones[1]."""
    phones, emails = [], []
    for index, text in enumerate(contact.get("phones") or []):
        phone = errors.run(error_key(prefix, f"phones[{index}]"), clean_phone, text, label=_("Phone"))
        if phone is not None:
            phones.append(phone)
    for index, text in enumerate(contact.get("emails") or []):
        email = errors.run(error_key(prefix, f"emails[{index}]"), clean_email, text, label=_("E-mail"))
        if email is not None:
            emails.append(email)
    return phones, emails


CONTACT_TEXT = ("name", "title", "department", "wechat", "note")
CONTACT_CHOICES = ("preference", "decision_role")


def clean_contact(data: dict[str, Any], prefix: str, errors: Errors, *, partial: bool = False) -> dict[str, Any]:
    """One contact's fields; with partial=True only the keys present are checked (updates)."""
    out: dict[str, Any] = {}
    for field, value in data.items():
        name = error_key(prefix, field)
        if field in CONTACT_TEXT:
            sub = Errors()
            out[field] = clean_text(value, model=Contact, field=field, errors=sub)
            for message in sub.by_field.get(field, []):
                errors.add(name, message)
        elif field in CONTACT_CHOICES:
            sub = Errors()
            out[field] = clean_choice(value, model=Contact, field=field, errors=sub) or (
                "any" if field == "preference" else "")
            for message in sub.by_field.get(field, []):
                errors.add(name, message)
        elif field == "birthday":
            out[field] = None if value in (None, "") else clean_past_date(
                value, field=name, lbl=label(Contact, "birthday"), errors=errors)
        elif field == "is_primary":
            out[field] = bool(value)
        elif field not in ("phones", "emails"):
            errors.add(name, _("%(field)s is not a contact field that can be set here.") % {"field": field})
    touches_methods = not partial or "phones" in data or "emails" in data
    if touches_methods:
        out["phones"], out["emails"] = clean_contact_methods(data, prefix, errors)
    if not partial:
        for field in ("name", "title"):
            if not out.get(field):
                errors.add(error_key(prefix, field), _("%(label)s is required.") % {"label": label(Contact, field)})
    method_errors = any(k.startswith((error_key(prefix, "phones"), error_key(prefix, "emails"))) for k in errors.by_field)
    if touches_methods and not out["phones"] and not out["emails"] and not method_errors:
        errors.add(error_key(prefix, "phones"),
                   _("Give at least one way to reach the contact: a phone number or an e-mail address."))
    return out
