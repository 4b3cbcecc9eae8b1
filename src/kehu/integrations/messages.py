"""Texts of the API's own errors, in the caller's language (the services' errors carry their own).

Kept in this app so its message catalog holds them; kehu.api and the routers call text(key).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def text(key: str, **params) -> str:
    messages = {
        "not_found": _("Not found."),
        "forbidden": _("You do not have permission to do this."),
        "auth_required": _("Authentication required: send a valid API token (Authorization: Bearer …) or sign in."),
        "throttled": _("Too many failed token attempts; try again in %(seconds)d seconds."),
        "unknown_fields": _("Unknown field(s): %(names)s. Known fields: %(known)s."),
        "bad_cursor": _("cursor is not valid; start again from the first page."),
        "enter_object": _("Enter an object."),
        "owner_inactive": _("Owner must be an active user."),
        "owner_not_lead": _("Only a team lead may make someone else the owner."),
        "audit_whole_log": _("Only managers and team leads may read the whole audit log; ask for one customer's."),
        "task_status": _("status must be one of: %(choices)s."),
    }
    message = messages[key]
    return message % params if params else message


def field_path(loc: tuple | list) -> str:
    """('body', 'payload', 'contacts', 0, 'phones', 1) → 'contacts[0].phones[1]'."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form"):
        parts = parts[1:]
        if parts and parts[0] in ("payload", "data", "filters", "params"):
            parts = parts[1:]
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "body"


def schema_error_message(error: dict) -> str:
    """Pydantic's message for one error, in the caller's language where we know the kind."""
    kind = error.get("type", "")
    messages = {
        "missing": _("This field is required."),
        "int_type": _("Enter a whole number."),
        "int_parsing": _("Enter a whole number."),
        "int_from_float": _("Enter a whole number."),
        "float_type": _("Enter a number."),
        "float_parsing": _("Enter a number."),
        "decimal_type": _("Enter a number."),
        "decimal_parsing": _("Enter a number."),
        "string_type": _("Enter text."),
        "bool_type": _("Enter true or false."),
        "bool_parsing": _("Enter true or false."),
        "list_type": _("Enter a list."),
        "dict_type": _("Enter an object."),
        "model_type": _("Enter an object."),
        "date_type": _("Enter a date in the format YYYY-MM-DD."),
        "date_parsing": _("Enter a date in the format YYYY-MM-DD."),
        "date_from_datetime_parsing": _("Enter a date in the format YYYY-MM-DD."),
        "datetime_type": _("Enter a date and time like 2024-03-15T14:30:00+08:00."),
        "datetime_parsing": _("Enter a date and time like 2024-03-15T14:30:00+08:00."),
        "datetime_from_date_parsing": _("Enter a date and time like 2024-03-15T14:30:00+08:00."),
        "extra_forbidden": _("This field is not known here."),
        "greater_than_equal": _("Ensure this value is at least %(limit)s."),
        "less_than_equal": _("Ensure this value is at most %(limit)s."),
        "too_long": _("Too many items or characters: at most %(limit)s."),
        "too_short": _("Too few items or characters: at least %(limit)s."),
        "string_too_long": _("Too long: at most %(limit)s characters."),
        "string_too_short": _("This field is required."),
        "string_pattern_mismatch": _("This value is not valid."),
        "literal_error": _("Choose one of the allowed values."),
        "enum": _("Choose one of the allowed values."),
    }
    message = messages.get(kind)
    if message is None:
        return str(error.get("msg", _("This value is not valid.")))
    context = error.get("ctx") or {}
    limit = context.get("ge", context.get("le", context.get("max_length", context.get("min_length", ""))))
    return message % {"limit": limit} if "%(limit)s" in message else message


def schema_errors(errors: list[dict]) -> list[dict[str, str]]:
    return [{"field": field_path(e.get("loc", ())), "message": schema_error_message(e)} for e in errors]


def service_errors(exc: ValidationError) -> list[dict[str, str]]:
    if hasattr(exc, "error_dict"):
        return [{"field": field, "message": message} for field, messages in exc.message_dict.items()
                for message in messages]
    return [{"field": "", "message": message} for message in exc.messages]
