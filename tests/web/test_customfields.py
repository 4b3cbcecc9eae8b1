"""Custom fields (R11): definitions, validation of values by type, list filters on both databases."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from kehu.core.errors import PermissionDenied, ValidationError
from kehu.customers.queries import customer_page
from kehu.customers.services import customer_update
from kehu.customfields.services import customfield_create, customfield_update
from kehu.customfields.validation import validate_custom_data
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields(data_admin):
    return {
        "note": customfield_create(data_admin, target="customer", key="note", label="竞品动向", kind="text"),
        "fleet": customfield_create(data_admin, target="customer", key="fleet", label="车队规模", kind="number"),
        "visit": customfield_create(data_admin, target="customer", key="visit", label="拜访日期", kind="date"),
        "level": customfield_create(data_admin, target="customer", key="level", label="意向", kind="choice",
                                    choices="高,中,低", required=True),
        "products": customfield_create(data_admin, target="customer", key="products", label="关注产品",
                                       kind="multi_choice", choices=["MES", "ERP", "CRM"]),
    }


def test_values_are_cleaned_by_type(fields):
    cleaned = validate_custom_data("customer", {
        "note": "  用友在接触 ", "fleet": "1,200", "visit": "2026年3月5日", "level": "高", "products": "CRM, MES"})
    assert cleaned == {"note": "用友在接触", "fleet": 1200, "visit": "2026-03-05", "level": "高",
                       "products": ["MES", "CRM"]}
    assert validate_custom_data("customer", {"level": "中", "fleet": "3.5"})["fleet"] == 3.5


def test_bad_values_name_the_field(fields):
    with pytest.raises(ValidationError) as caught:
        validate_custom_data("customer", {"fleet": "很多", "visit": "2026-02-30", "level": "极高",
                                          "products": ["MES", "OA"], "ghost": "x"})
    errors = caught.value.message_dict
    assert set(errors) == {"custom_data.fleet", "custom_data.visit", "custom_data.level", "custom_data.products",
                           "custom_data.ghost"}
    assert "车队规模" in errors["custom_data.fleet"][0]
    assert "OA" in errors["custom_data.products"][0]
    with pytest.raises(ValidationError) as caught:
        validate_custom_data("customer", {"note": "x"})
    assert "custom_data.level" in caught.value.message_dict  # required


def test_services_use_the_validator(fields, rep):
    with pytest.raises(ValidationError) as caught:
        make_customer(rep, custom_data={"level": "极高"})
    assert "custom_data.level" in caught.value.message_dict
    customer = make_customer(rep, custom_data={"level": "高", "fleet": "8"})
    assert customer.custom_data == {"level": "高", "fleet": 8}
    customer = customer_update(rep, customer.pk, version=customer.version, custom_data={"level": "低"})
    assert customer.custom_data == {"level": "低"}


def test_definitions_are_for_data_admins_and_managers(rep, data_admin):
    with pytest.raises(PermissionDenied):
        customfield_create(rep, target="customer", key="x", label="X", kind="text")
    field = customfield_create(data_admin, target="contact", key="hobby", label="爱好", kind="text")
    with pytest.raises(ValidationError) as caught:
        customfield_update(data_admin, field.pk, version=field.version, kind="number")
    assert "kind" in caught.value.message_dict
    with pytest.raises(ValidationError):
        customfield_create(data_admin, target="contact", key="hobby", label="又一个", kind="text")


def test_retired_values_are_kept(fields, data_admin):
    customfield_update(data_admin, fields["note"].pk, version=fields["note"].version, is_active=False)
    cleaned = validate_custom_data("customer", {"note": "旧值 kept as is", "level": "中"})
    assert cleaned["note"] == "旧值 kept as is"


def walk(user, params):
    return {c.pk for c in customer_page(user, QueryDict(params), limit=200).items}


def test_list_filters_on_every_type(fields, rep):
    a = make_customer(rep, custom_data={"level": "高", "fleet": 120, "visit": "2026-03-05", "note": "用友在接触",
                                        "products": ["MES", "CRM"]})
    b = make_customer(rep, custom_data={"level": "低", "fleet": 8, "products": ["ERP"]})
    assert walk(rep, "cf_level=高") == {a.pk}
    assert walk(rep, "cf_fleet=8") == {b.pk}
    assert walk(rep, "cf_visit=2026-03-05") == {a.pk}
    assert walk(rep, "cf_note=用友") == {a.pk}
    assert walk(rep, "cf_products=CRM") == {a.pk}
    assert walk(rep, "cf_products=ERP") == {b.pk}
    assert walk(rep, "cf_products=MES&cf_level=低") == set()
    with pytest.raises(ValidationError) as caught:
        walk(rep, "cf_nothing=1")
    assert "cf_nothing" in caught.value.message_dict
