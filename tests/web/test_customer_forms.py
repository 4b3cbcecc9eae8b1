"""Create and edit customers and contacts: errors inline next to the field, duplicates while typing."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from kehu.customers.models import Customer
from tests.factories import channel, make_customer

pytestmark = pytest.mark.django_db
CREATE = reverse("web:customer_create")


def form_data(**overrides):
    data = {
        "kind": "company", "name": "杭州新星电子有限公司", "industry": "39", "source_channel": channel().pk,
        "first_contact_date": "2026-01-10", "need_description": "想替换现有的 Excel 台账",
        "contacts[0].name": "王芳", "contacts[0].title": "IT 经理", "contacts[0].phones[0]": "138 0013 8000",
        "contacts[0].phones[1]": "", "contacts[0].emails[0]": "",
    }
    data.update(overrides)
    return data


def field_block(html: str, name: str) -> str:
    """The rendered field wrapper for input `name` (label, input, help, errors)."""
    start = html.index(f'data-field="{name}"')
    end = html.index('<div class="field', start + 1) if '<div class="field' in html[start + 1:] else len(html)
    return html[start:end]


def test_form_renders_with_labels_for_every_input(login, rep):
    html = login(rep).get(CREATE).content.decode()
    ids = set(re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html))
    labelled = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', html))
    assert ids and ids <= labelled


def test_bad_phone_error_sits_next_to_the_phone_then_fixing_it_creates(login, rep):
    client = login(rep)
    response = client.post(CREATE, form_data(**{"contacts[0].phones[0]": "139123"}))
    assert response.status_code == 422
    html = response.content.decode()
    block = field_block(html, "contacts[0].phones[0]")
    assert 'aria-invalid="true"' in block and 'class="error"' in block
    assert "139123" in block  # what the user typed is kept
    assert 'value="杭州新星电子有限公司"' in html  # and the rest of the form too
    assert not Customer.objects.exists()
    response = client.post(CREATE, form_data())
    assert response.status_code == 302
    customer = Customer.objects.get()
    assert response["Location"] == reverse("web:customer_detail", args=[customer.pk])
    assert customer.owner_id == rep.pk
    assert customer.contacts.get().methods.get().value == "+8613800138000"


def test_missing_required_fields_are_each_named(login, rep):
    response = login(rep).post(CREATE, form_data(name="", need_description="", **{"contacts[0].title": ""}))
    html = response.content.decode()
    for name in ("name", "need_description", "contacts[0].title"):
        assert 'class="error"' in field_block(html, name), name


def test_second_contact_and_its_errors(login, rep):
    response = login(rep).post(CREATE, form_data(**{
        "contacts[1].name": "李四", "contacts[1].title": "财务", "contacts[1].emails[0]": "not-an-email"}))
    assert response.status_code == 422
    assert 'class="error"' in field_block(response.content.decode(), "contacts[1].emails[0]")


def test_custom_field_on_the_form(login, rep, data_admin):
    from kehu.customfields.services import customfield_create

    customfield_create(data_admin, target="customer", key="competitor", label="竞品动向", kind="text")
    customfield_create(data_admin, target="customer", key="fleet", label="车队规模", kind="number", required=True)
    client = login(rep)
    html = client.get(CREATE).content.decode()
    assert "竞品动向" in html and 'name="custom_data.fleet"' in html
    response = client.post(CREATE, form_data(**{"custom_data.fleet": "很多"}))
    assert 'class="error"' in field_block(response.content.decode(), "custom_data.fleet")
    client.post(CREATE, form_data(**{"custom_data.fleet": "120", "custom_data.competitor": "用友在接触"}))
    assert Customer.objects.get().custom_data == {"fleet": 120, "competitor": "用友在接触"}


def test_edit_keeps_version_and_reports_conflicts(login, rep, manager, customer):
    url = reverse("web:customer_edit", args=[customer.pk])
    client = login(rep)
    html = client.get(url).content.decode()
    assert f'name="version" value="{customer.version}"' in html
    data = form_data(name=customer.name, short_name="恒力", version=customer.version)
    data = {k: v for k, v in data.items() if not k.startswith("contacts")}
    assert client.post(url, {**data, "province": "江苏"}).status_code == 302
    customer.refresh_from_db()
    assert customer.province == "江苏" and customer.macro_region == "华东"
    # A stale version: the form comes back with the conflict explained, nothing overwritten.
    response = client.post(url, {**data, "province": "浙江"})
    assert response.status_code == 422 and "version" in response.content.decode()
    customer.refresh_from_db()
    assert customer.province == "江苏"


def test_edit_keeps_values_of_retired_custom_fields(login, rep, data_admin, customer):
    from kehu.customfields.services import customfield_create, customfield_update
    from kehu.customers.services import customer_update

    old = customfield_create(data_admin, target="customer", key="old_field", label="旧字段", kind="text")
    customer = customer_update(rep, customer.pk, version=customer.version, custom_data={"old_field": "保留"})
    customfield_update(data_admin, old.pk, version=old.version, is_active=False)
    customfield_create(data_admin, target="customer", key="new_field", label="新字段", kind="text")
    url = reverse("web:customer_edit", args=[customer.pk])
    data = form_data(name=customer.name, version=customer.version, **{"custom_data.new_field": "新值"})
    data = {k: v for k, v in data.items() if not k.startswith("contacts")}
    assert login(rep).post(url, data).status_code == 302
    customer.refresh_from_db()
    assert customer.custom_data == {"old_field": "保留", "new_field": "新值"}


def test_duplicate_warning_shows_only_what_the_user_may_see(login, rep, outsider, customer):
    theirs = make_customer(outsider, name="苏州恒力汽车配件有限公司",
                           contacts=[{"name": "陈", "title": "经理", "phones": ["13900000001"]}])
    url = reverse("web:customer_duplicates")
    html = login(rep).get(url, {"name": "苏州恒力汽车零部件股份有限公司"}).content.decode()
    assert customer.name in html
    assert theirs.name not in html
    html = login(rep).get(url, {"contacts[0].phones[0]": "13912345678"}).content.decode()
    assert customer.name in html
    html = login(outsider).get(url, {"contacts[0].phones[0]": "13912345678", "name": "苏州恒力汽车零部件"}).content.decode()
    assert customer.name not in html
    assert login(rep).get(url, {"name": "完全不同的名字"}).content.decode().strip() == ""


def test_contact_add_edit_replace(login, rep, customer):
    client = login(rep)
    response = client.post(reverse("web:contact_create", args=[customer.pk]),
                           {"name": "李娜", "title": "财务总监", "phones[0]": "12"})
    assert response.status_code == 422 and 'class="error"' in field_block(response.content.decode(), "phones[0]")
    client.post(reverse("web:contact_create", args=[customer.pk]), {"name": "李娜", "title": "财务总监",
                                                                     "emails[0]": "lina@example.com"})
    contact = customer.contacts.get(name="李娜")
    response = client.post(reverse("web:contact_edit", args=[contact.pk]),
                           {"version": contact.version, "name": "李娜", "title": "CFO", "emails[0]": "lina@example.com",
                            "preference": "email"})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.title == "CFO" and contact.preference == "email"
    old = customer.contacts.get(name="张伟")
    response = client.post(reverse("web:contact_replace", args=[old.pk]),
                           {"version": old.version, "name": "周杰", "title": "采购经理", "phones[0]": "13700001111",
                            "reason": "张伟离职"})
    assert response.status_code == 302
    old.refresh_from_db()
    assert not old.is_active and old.replaced_by.name == "周杰" and old.replaced_by.is_primary
