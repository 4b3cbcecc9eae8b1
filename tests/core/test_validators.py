import datetime
import os
from decimal import Decimal

import pytest
from django.conf import settings

# The validators call gettext; that needs *some* settings, but not a project.
# Under pytest-django (DJANGO_SETTINGS_MODULE set) the project settings win.
if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
    settings.configure(USE_I18N=False)

from kehu.core.validators import (  # noqa: E402
    FieldError,
    PhoneValue,
    clean_date,
    clean_decimal,
    clean_email,
    clean_phone,
    clean_required,
    clean_uscc,
    mask_phone,
    normalise_text,
    phone_digits,
    uscc_check_char,
)


def assert_field_error(excinfo, field, fragment):
    err = excinfo.value
    assert isinstance(err, FieldError)
    assert isinstance(err, ValueError)
    assert err.field == field
    assert fragment in err.message, err.message
    assert str(err) == err.message


# --- normalise_text / clean_required -----------------------------------------

@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  hello   world ", "hello world"),
        ("１２３ＡＢＣ", "123ABC"),
        ("a\t\n b\u3000c", "a b c"),
        ("", ""),
    ],
)
def test_normalise_text(value, expected):
    assert normalise_text(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(" Acme  Ltd ", "Acme Ltd"), ("ＡＢＣ", "ABC"), (0, "0"), (42, "42")],
)
def test_clean_required_valid(value, expected):
    assert clean_required(value, field="name") == expected


@pytest.mark.parametrize("value", [None, "", "   ", "\u3000\t"])
def test_clean_required_invalid(value):
    with pytest.raises(FieldError) as excinfo:
        clean_required(value, field="name", label="Company name")
    assert_field_error(excinfo, "name", "Company name is required.")


def test_label_defaults_to_field_name():
    with pytest.raises(FieldError) as excinfo:
        clean_required("", field="name")
    assert_field_error(excinfo, "name", "name is required.")


# --- phone -------------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "e164"),
    [
        ("13912345678", "+8613912345678"),
        ("139-1234-5678", "+8613912345678"),
        ("139 1234 5678", "+8613912345678"),
        ("+86 139 1234 5678", "+8613912345678"),
        ("0086 13912345678", "+8613912345678"),
        ("１３９１２３４５６７８", "+8613912345678"),
        ("010-12345678", "+861012345678"),
        ("021 1234 5678", "+862112345678"),
        ("(010)12345678", "+861012345678"),
        ("（010）12345678", "+861012345678"),
        ("0755-12345678", "+8675512345678"),
        ("+1 650 253 0000", "+16502530000"),
        ("+44 20 7946 0958", "+442079460958"),
        (13912345678, "+8613912345678"),
    ],
)
def test_clean_phone_valid(value, e164):
    result = clean_phone(value)
    assert result == PhoneValue(e164=e164, raw=str(value).strip())
    assert result.extension == ""


def test_clean_phone_keeps_raw_as_typed():
    result = clean_phone("  139-1234-5678 ")
    assert result.raw == "139-1234-5678"
    assert result.e164 == "+8613912345678"


@pytest.mark.parametrize(
    "value", ["010-12345678 转 123", "010-12345678 ext 123", "010-12345678 分机123", "010-12345678#123"]
)
def test_clean_phone_extension(value):
    result = clean_phone(value)
    assert result.e164 == "+861012345678"
    assert result.extension == "123"


def test_clean_phone_other_region():
    assert clean_phone("650 253 0000", region="US").e164 == "+16502530000"


def test_clean_phone_is_frozen():
    result = clean_phone("13912345678")
    with pytest.raises(AttributeError):
        result.e164 = "x"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "Mobile is required."),
        (None, "Mobile is required."),
        ("   ", "Mobile is required."),
        ("abc", "Mobile may only contain digits"),
        ("139abc45678", "Mobile may only contain digits"),  # not a vanity number
        ("call me", "Mobile may only contain digits"),
        ("12345", "Mobile is too short"),
        ("12345678", "Mobile is not a valid phone number"),  # local number, no area code
        ("1", "Mobile is too short"),
        ("1391234567", "Mobile is not a valid phone number"),  # 10-digit mobile
        ("139123456789", "Mobile is not a valid phone number"),
        ("+999 1234567", "Mobile has an unknown country code."),
    ],
)
def test_clean_phone_invalid(value, fragment):
    with pytest.raises(FieldError) as excinfo:
        clean_phone(value, field="mobile", label="Mobile")
    assert_field_error(excinfo, "mobile", fragment)


def test_clean_phone_default_field():
    with pytest.raises(FieldError) as excinfo:
        clean_phone("12345")
    assert_field_error(excinfo, "phone", "phone is too short")


@pytest.mark.parametrize(
    ("value", "digits"),
    [
        ("+8613912345678", "13912345678"),
        ("+861012345678", "1012345678"),
        ("+16502530000", "6502530000"),
        ("139-1234-5678", "13912345678"),
        ("010-12345678 转 123", "1012345678"),
        ("", ""),
    ],
)
def test_phone_digits(value, digits):
    assert phone_digits(value) == digits


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("+8613912345678", "139****5678"),
        ("139 1234 5678", "139****5678"),
        ("+861012345678", "101***5678"),
        ("+16502530000", "650***0000"),
        ("12345678", "123*5678"),
        ("1234567", "*****67"),
        ("12345", "***45"),
        ("", ""),
    ],
)
def test_mask_phone(value, masked):
    assert mask_phone(value) == masked


# --- email -------------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("li.lei@example.com", "li.lei@example.com"),
        ("  Li.Lei@Example.COM ", "Li.Lei@example.com"),
        ("ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｎ", "zhang@example.cn"),
        ("a+tag@mail.example.com.cn", "a+tag@mail.example.com.cn"),
    ],
)
def test_clean_email_valid(value, expected):
    assert clean_email(value) == expected


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "Email is required."),
        ("not-an-email", "Email is not a valid email address"),
        ("a@b", "Email is not a valid email address"),
        ("a b@example.com", "Email is not a valid email address"),
        ("a@@example.com", "Email is not a valid email address"),
    ],
)
def test_clean_email_invalid(value, fragment):
    with pytest.raises(FieldError) as excinfo:
        clean_email(value, label="Email")
    assert_field_error(excinfo, "email", fragment)


# --- unified social credit code ----------------------------------------------

# Checked against the GB 32100-2015 algorithm; the last three are built by
# computing the check character for a made-up 17-character body.
VALID_USCC = [
    "91350100M000100Y43",
    "91110000802100433B",
    "91440300708461136T",
    "91310000MA1FL0000N",
    "12100000400000000W",
    "52110000MJ00000003",
]


@pytest.mark.parametrize("code", VALID_USCC)
def test_clean_uscc_valid(code):
    assert clean_uscc(code) == code
    assert uscc_check_char(code[:17]) == code[17]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("91350100m000100y43", "91350100M000100Y43"),
        (" 9135 0100 M000 100Y 43 ", "91350100M000100Y43"),
        ("９１１１００００８０２１００４３３Ｂ", "91110000802100433B"),
    ],
)
def test_clean_uscc_normalises(value, expected):
    assert clean_uscc(value) == expected


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "Credit code is required."),
        ("91350100M000100Y4", "must be exactly 18 characters long (17 given)"),
        ("91350100M000100Y433", "must be exactly 18 characters long (19 given)"),
        ("91350100I000100Y43", "contains characters that are not allowed (I)"),
        ("91350100O0001S0Y43", "contains characters that are not allowed (O S)"),
        ("91350100M000100Y4-", "contains characters that are not allowed (-)"),
        ("9135A100M000100Y43", "characters 3 to 8 must be digits"),
        ("91350100M000100Y44", "the last character is 4 but should be 3"),
        ("91110000802100433C", "the last character is C but should be B"),
    ],
)
def test_clean_uscc_invalid(value, fragment):
    with pytest.raises(FieldError) as excinfo:
        clean_uscc(value, label="Credit code")
    assert_field_error(excinfo, "credit_code", fragment)


def test_clean_uscc_wrong_check_message_names_field():
    with pytest.raises(FieldError) as excinfo:
        clean_uscc("91440300708461136A", field="uscc", label="Credit code")
    assert_field_error(excinfo, "uscc", "Credit code has a wrong check character")


# --- date --------------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-15", datetime.date(2024, 3, 15)),
        (" 2024-03-15 ", datetime.date(2024, 3, 15)),
        ("2024/03/15", datetime.date(2024, 3, 15)),
        ("2024年03月15日", datetime.date(2024, 3, 15)),
        ("2024年3月5日", datetime.date(2024, 3, 5)),
        ("２０２４－０３－１５", datetime.date(2024, 3, 15)),
        ("２０２４年３月１５日", datetime.date(2024, 3, 15)),
        ("2024-02-29", datetime.date(2024, 2, 29)),
        (datetime.date(2024, 3, 15), datetime.date(2024, 3, 15)),
        (datetime.datetime(2024, 3, 15, 10, 30), datetime.date(2024, 3, 15)),
    ],
)
def test_clean_date_valid(value, expected):
    result = clean_date(value)
    assert result == expected
    assert type(result) is datetime.date


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "Birthday is required."),
        (None, "Birthday is required."),
        ("12/03/2024", "must be a date in the format YYYY-MM-DD"),
        ("yesterday", "must be a date in the format YYYY-MM-DD"),
        ("2024-3-5", "must be a date in the format YYYY-MM-DD"),
        ("2024-03/15", "must be a date in the format YYYY-MM-DD"),
        ("20240315", "must be a date in the format YYYY-MM-DD"),
        (20240315, "must be a date in the format YYYY-MM-DD"),
        ("2024-13-01", "is not a real calendar date; use the format YYYY-MM-DD"),
        ("2024-02-30", "is not a real calendar date; use the format YYYY-MM-DD"),
        ("2023-02-29", "is not a real calendar date"),
        ("0000-01-01", "is not a real calendar date"),
    ],
)
def test_clean_date_invalid(value, fragment):
    with pytest.raises(FieldError) as excinfo:
        clean_date(value, field="birthday", label="Birthday")
    assert_field_error(excinfo, "birthday", fragment)


# --- decimal -----------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1,234.50", Decimal("1234.50")),
        ("１２３", Decimal("123.00")),
        ("１，２３４．５", Decimal("1234.50")),
        (" 99 ", Decimal("99.00")),
        ("-5.5", Decimal("-5.50")),
        (".5", Decimal("0.50")),
        ("1.500", Decimal("1.50")),  # trailing zeros are not extra precision
        (Decimal("12.3"), Decimal("12.30")),
        (7, Decimal("7.00")),
        (0, Decimal("0.00")),
        (2.5, Decimal("2.50")),
        ("999999999999.99", Decimal("999999999999.99")),
    ],
)
def test_clean_decimal_valid(value, expected):
    result = clean_decimal(value, field="amount")
    assert result == expected
    assert result.as_tuple().exponent == -2


def test_clean_decimal_min_value_boundary():
    assert clean_decimal("0", field="amount", min_value=0) == Decimal("0")


def test_clean_decimal_custom_places():
    assert clean_decimal("3", field="qty", decimal_places=0, max_digits=5) == Decimal("3")


@pytest.mark.parametrize(
    ("value", "kwargs", "fragment"),
    [
        ("", {}, "Amount is required."),
        (None, {}, "Amount is required."),
        ("abc", {}, "Amount must be a number"),
        ("1.2.3", {}, "Amount must be a number"),
        ("1e5", {}, "Amount must be a number"),
        ("NaN", {}, "Amount must be a number"),
        (Decimal("Infinity"), {}, "Amount must be a number"),
        (True, {}, "Amount must be a number"),
        ("-1", {"min_value": 0}, "Amount must be at least 0."),
        ("-0.01", {"min_value": 0}, "Amount must be at least 0."),
        ("1000000000000", {}, "at most 12 digits are allowed before the decimal point"),
        ("123456", {"max_digits": 5, "decimal_places": 0},
         "at most 5 digits are allowed before the decimal point"),
        ("1.234", {}, "Amount can have at most 2 decimal places."),
        ("1.5", {"decimal_places": 0}, "Amount can have at most 0 decimal places."),
        ("1.25", {"decimal_places": 1}, "Amount can have at most 1 decimal place."),
    ],
)
def test_clean_decimal_invalid(value, kwargs, fragment):
    with pytest.raises(FieldError) as excinfo:
        clean_decimal(value, field="amount", label="Amount", **kwargs)
    assert_field_error(excinfo, "amount", fragment)


@pytest.fixture(autouse=True)
def _english_messages():
    """These tests read the English source messages; the zh-Hans catalog is tested elsewhere."""
    from django.utils import translation

    with translation.override("en"):
        yield
