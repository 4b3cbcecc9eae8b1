"""Template filters and tags of the web pages; formatting itself lives in kehu.web.display."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.utils.html import format_html

from kehu.web import display
from kehu.web.access import access_of

register = template.Library()


@register.filter
def money(amount) -> str:
    return display.money_text(amount)


@register.simple_tag(takes_context=True)
def amount(context, customer, value) -> str:
    """An amount of `customer`, hidden from users who may not see its financial data."""
    if not display.may_see_amounts(access_of(context["request"]), customer):
        return "***"
    return display.money_text(value)


@register.filter
def day(value) -> str:
    return display.day_text(value)


@register.filter
def moment(value) -> str:
    return display.moment_text(value)


@register.filter
def local_input(value) -> str:
    """A datetime as the value of <input type="datetime-local"> in the team's time zone."""
    return display.moment_text(value).replace(" ", "T")


@register.simple_tag(takes_context=True)
def phone(context, customer, raw) -> str:
    """A phone number of `customer` as this user may see it (masked without the right)."""
    text = display.phone_text(access_of(context["request"]), customer, raw)
    if text == raw:
        return format_html('<a href="tel:{}">{}</a>', raw.replace(" ", ""), raw)
    return text


@register.simple_tag(takes_context=True)
def query(context, **changes) -> str:
    """The current query string with some parameters replaced (None or "" removes them)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    text = params.urlencode()
    return f"?{text}" if text else "?"


@register.simple_tag
def qs(**values) -> str:
    return urlencode({k: v for k, v in values.items() if v not in (None, "")})


@register.filter
def get_item(mapping, key):
    if mapping is None:
        return None
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def field_errors(errors, name):
    """The messages for one field name from a {field: [messages]} dict (service error keys)."""
    if not errors:
        return []
    return errors.get(name, [])
