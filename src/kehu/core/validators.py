"""Field validators for Kehu: pure functions that clean a value or raise FieldError.

They know nothing about forms or models, so the same rules serve forms, imports
(CSV/Excel) and the API. Messages are gettext'ed at call time (not lazily) because
a FieldError is usually turned into text straight away for the current request.
"""

from __future__ import annotations

import datetime
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

__all__ = [
    "FieldError", "PhoneValue", "normalise_text", "clean_required", "clean_phone",
    "phone_digits", "mask_phone", "clean_email", "clean_uscc", "uscc_check_char",
    "clean_date", "clean_decimal",
]


class FieldError(ValueError):
    """A bad value for one field; `message` already names the field by its label."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _err(field: str, label: str | None, message: str, **params) -> FieldError:
    return FieldError(field, message % {"label": label or field, **params})


def normalise_text(value: str) -> str:
    # NFKC folds full-width digits/letters/punctuation (common with Chinese IMEs)
    # to ASCII; split/join strips and collapses any Unicode whitespace run.
    return " ".join(unicodedata.normalize("NFKC", value).split())


def clean_required(value, *, field: str, label: str | None = None) -> str:
    from django.utils.translation import gettext as _

    text = "" if value is None else normalise_text(str(value))
    if not text:
        raise _err(field, label, _("%(label)s is required."))
    return text


# --- phone -------------------------------------------------------------------

@dataclass(frozen=True)
class PhoneValue:
    e164: str
    raw: str  # as typed (stripped), for display back to the user
    extension: str = ""


# "转"/"分机" is how extensions are written in China; phonenumbers only knows "ext"/"x".
_EXTENSION = re.compile(r"^(.*?)\s*(?:转|分机|ext\.?|x|#)\s*(\d{1,6})$", re.IGNORECASE)
# Letters must be rejected up front: phonenumbers would read "139ABC..." as a
# vanity number and silently turn the letters into digits.
_PHONE_CHARS = re.compile(r"^[\d\s\-+().]*\d[\d\s\-+().]*$")


def _split_extension(text: str) -> tuple[str, str]:
    match = _EXTENSION.match(text)
    return (match.group(1), match.group(2)) if match else (text, "")


def clean_phone(value, *, field: str = "phone", label: str | None = None,
                region: str = "CN") -> PhoneValue:
    from django.utils.translation import gettext as _

    raw = "" if value is None else str(value).strip()
    number_text, extension = _split_extension(clean_required(raw, field=field, label=label))
    if not _PHONE_CHARS.match(number_text):
        raise _err(field, label, _("%(label)s may only contain digits, spaces, "
                                   "brackets, \"-\" and a leading \"+\"."))
    too_short = _("%(label)s is too short; enter the full number, including the area code.")
    try:
        number = phonenumbers.parse(number_text, region)
    except phonenumbers.NumberParseException as exc:
        if exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            raise _err(field, label, _("%(label)s has an unknown country code.")) from exc
        raise _err(field, label, too_short) from exc
    reason = phonenumbers.is_possible_number_with_reason(number)
    # LOCAL_ONLY = a fixed-line number typed without its area code (e.g. 12345678).
    if reason in (phonenumbers.ValidationResult.TOO_SHORT,
                  phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY):
        raise _err(field, label, too_short)
    if not phonenumbers.is_valid_number(number):
        raise _err(field, label, _("%(label)s is not a valid phone number; check the "
                                   "number of digits and the area or country code."))
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return PhoneValue(e164=e164, raw=raw, extension=extension)


def phone_digits(e164: str) -> str:
    """National significant digits, e.g. +8613912345678 -> 13912345678."""
    text, _ext = _split_extension(normalise_text(e164))
    try:
        return phonenumbers.national_significant_number(phonenumbers.parse(text, "CN"))
    except phonenumbers.NumberParseException:
        return re.sub(r"\D", "", text)  # best effort: never fail on display paths


def mask_phone(e164_or_raw: str) -> str:
    digits = phone_digits(e164_or_raw)
    if len(digits) <= 7:  # keeping 3 + 4 would reveal (almost) everything
        return "*" * max(len(digits) - 2, 0) + digits[-2:]
    # For an 11-digit Chinese mobile this gives the familiar 139****5678.
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


# --- email -------------------------------------------------------------------

_email_validator = EmailValidator()


def clean_email(value, *, field: str = "email", label: str | None = None) -> str:
    from django.utils.translation import gettext as _

    text = clean_required(value, field=field, label=label)
    local, at, domain = text.rpartition("@")
    if at:  # domains are case-insensitive; the local part, strictly, is not
        text = f"{local}@{domain.lower()}"
    try:
        _email_validator(text)
    except ValidationError as exc:
        raise _err(field, label, _("%(label)s is not a valid email address, "
                                   "such as name@example.com.")) from exc
    return text


# --- unified social credit code (GB 32100-2015) ------------------------------

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, Z, S, V
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(body: str) -> str:
    """Check character for the first 17 characters of a credit code."""
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(body, _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def clean_uscc(value, *, field: str = "credit_code", label: str | None = None) -> str:
    from django.utils.translation import gettext as _

    code = "".join(clean_required(value, field=field, label=label).split()).upper()
    if len(code) != 18:
        raise _err(field, label, _("%(label)s must be exactly 18 characters long "
                                   "(%(count)d given)."), count=len(code))
    bad = sorted({c for c in code if c not in USCC_CHARSET})
    if bad:
        raise _err(field, label, _("%(label)s contains characters that are not allowed "
                                   "(%(chars)s); only digits and capital letters except "
                                   "I, O, Z, S and V may be used."), chars=" ".join(bad))
    if not code[2:8].isdigit():
        raise _err(field, label, _("%(label)s is invalid: characters 3 to 8 must be "
                                   "digits (the administrative division code)."))
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise _err(field, label, _("%(label)s has a wrong check character: the last "
                                   "character is %(given)s but should be %(expected)s."),
                   given=code[17], expected=expected)
    return code


# --- date --------------------------------------------------------------------

_DATE_FORMATS = (
    re.compile(r"^(\d{4})([-/])(\d{2})\2(\d{2})$"),  # 2024-03-05, 2024/03/05
    re.compile(r"^(\d{4})(年)(\d{1,2})月(\d{1,2})日$"),  # 2024年3月5日
)


def clean_date(value, *, field: str = "date", label: str | None = None) -> datetime.date:
    from django.utils.translation import gettext as _

    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = clean_required(value, field=field, label=label).replace(" ", "")
    match = next((m for p in _DATE_FORMATS if (m := p.match(text))), None)
    if match is None:
        raise _err(field, label, _("%(label)s must be a date in the format YYYY-MM-DD, "
                                   "for example 2024-03-15."))
    year, _sep, month, day = match.groups()
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError as exc:
        raise _err(field, label, _("%(label)s is not a real calendar date; use the "
                                   "format YYYY-MM-DD, for example 2024-03-15.")) from exc


# --- decimal -----------------------------------------------------------------

_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def _to_decimal(value) -> Decimal | None:
    if isinstance(value, bool):  # bool is an int; True is never a meant amount
        return None
    if isinstance(value, (Decimal, int)):
        return Decimal(value) if Decimal(value).is_finite() else None  # no NaN/Infinity
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    # Thousands separators ("1,234.50", full-width "，" after NFKC) are just dropped.
    text = normalise_text(str(value)).replace(",", "").replace(" ", "")
    return Decimal(text) if _DECIMAL.match(text) else None


def clean_decimal(value, *, field: str, label: str | None = None, min_value=None,
                  max_digits: int = 14, decimal_places: int = 2) -> Decimal:
    from django.utils.translation import gettext as _, ngettext

    if not isinstance(value, (Decimal, int, float)):
        clean_required(value, field=field, label=label)
    number = _to_decimal(value)
    if number is None:
        raise _err(field, label, _("%(label)s must be a number, such as 1234.50."))
    whole_max = max_digits - decimal_places
    if max(number.adjusted() + 1, 0) > whole_max:
        raise _err(field, label, ngettext(
            "%(label)s is too large: at most %(max)d digit is allowed before the decimal point.",
            "%(label)s is too large: at most %(max)d digits are allowed before the decimal point.",
            whole_max), max=whole_max)
    rounded = number.quantize(Decimal(1).scaleb(-decimal_places))
    if rounded != number:
        raise _err(field, label, ngettext(
            "%(label)s can have at most %(places)d decimal place.",
            "%(label)s can have at most %(places)d decimal places.",
            decimal_places), places=decimal_places)
    if min_value is not None and rounded < Decimal(str(min_value)):
        raise _err(field, label, _("%(label)s must be at least %(min)s."), min=min_value)
    return rounded
