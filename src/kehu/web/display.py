"""How phones, amounts and dates are shown: the one place to change for masking (R33) and formats.

Templates reach these through the `kehu_web` template tags; views never format these values
themselves, so the confidentiality rules of kehu.core.policy apply everywhere once wired in here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from kehu.core.policy import access_for
from kehu.core.validators import mask_phone


def may_see_phone(user, customer) -> bool:
    """Phones in full for those accountable for the customer; masked (139****5678) for the rest (R33)."""
    return access_for(user).may_see_full_phone(customer)


def may_see_amounts(user, customer) -> bool:
    """Amounts and undisclosed needs (R33): the owner and the team lead."""
    return access_for(user).may_see_confidential(customer)


def phone_text(user, customer, raw: str) -> str:
    if not raw:
        return ""
    return raw if may_see_phone(user, customer) else mask_phone(raw)


def money_text(amount) -> str:
    """CNY with thousands separators and two decimals: ¥1,234,567.50."""
    if amount in (None, ""):
        return ""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    sign = "-" if value < 0 else ""
    return f"{sign}¥{abs(value):,.2f}"


def day_text(value) -> str:
    """YYYY-MM-DD in the team's time zone, whatever the language."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def moment_text(value) -> str:
    """YYYY-MM-DD HH:MM in the team's time zone."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.strftime("%Y-%m-%d %H:%M")
    return day_text(value)
