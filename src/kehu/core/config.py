"""Team-editable settings with the seed documents' values as defaults (rules are data)."""

from __future__ import annotations

from typing import Any

DEFAULTS: dict[str, Any] = {
    # R4: tokens {year} {yy} {month} {day} {date} {industry} {seq:N}
    "customer_number_pattern": "{year}-{industry}-{seq:3}",
    "phone_default_region": "CN",
}


def get(key: str) -> Any:
    from kehu.core.models import Setting

    if key not in DEFAULTS:
        raise KeyError(f"unknown setting {key!r}")
    row = Setting.objects.filter(key=key).values_list("value", flat=True).first()
    return DEFAULTS[key] if row is None else row
