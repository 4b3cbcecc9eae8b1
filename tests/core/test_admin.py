"""The admin: every model's list and detail page opens, customer data goes through the policy,
business records are read-only there, and reference edits are audited."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from kehu.accounts.services import team_create, user_create
from kehu.core.models import AuditEvent
from kehu.customers.models import Tag
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return user_create(None, username="root", role="manager", is_superuser=True)


def test_every_model_list_opens_for_an_org_admin(client, superuser, rep):
    make_customer(rep)
    client.force_login(superuser)
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url)
        assert response.status_code == 200, url


def test_customer_detail_is_read_only(client, superuser, rep):
    customer = make_customer(rep)
    client.force_login(superuser)
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    page = client.get(url)
    assert page.status_code == 200 and customer.name in page.content.decode()
    client.post(url, {"name": "改名"})
    customer.refresh_from_db()
    assert customer.name != "改名"


def test_manager_of_another_team_sees_no_foreign_customer(client, rep):
    customer = make_customer(rep)
    other_team = team_create(None, name="华南销售组")
    outsider = user_create(None, username="chen.manager", role="manager", team=other_team)
    other_team.lead = outsider
    other_team.save()
    client.force_login(outsider)
    listing = client.get(reverse("admin:customers_customer_changelist"))
    assert customer.name not in listing.content.decode()
    detail = client.get(reverse("admin:customers_customer_change", args=[customer.pk]))
    assert detail.status_code in (302, 404)
    contacts = client.get(reverse("admin:customers_contact_changelist"))
    assert "张伟" not in contacts.content.decode()


def test_rep_has_no_admin_access(client, rep):
    client.force_login(rep)
    response = client.get(reverse("admin:customers_customer_changelist"))
    assert response.status_code == 302  # to the login page: reps work in the app, not the admin


def test_reference_edit_in_admin_is_audited(client, superuser):
    client.force_login(superuser)
    response = client.post(reverse("admin:customers_tag_add"), {"name": "价格敏感", "group": "特征", "color": "#ff0000"})
    assert response.status_code == 302
    tag = Tag.objects.get(name="价格敏感")
    event = AuditEvent.objects.get(action="tag.create", object_id=tag.pk)
    assert event.actor == superuser and event.changes["name"] == [None, "价格敏感"]


def test_team_lead_reads_own_team_customer_and_audit_log(client, manager, rep):
    customer = make_customer(rep)
    client.force_login(manager)
    listing = client.get(reverse("admin:customers_customer_changelist"))
    assert customer.name in listing.content.decode()
    detail = client.get(reverse("admin:customers_customer_change", args=[customer.pk]))
    assert detail.status_code == 200
    assert client.get(reverse("admin:core_auditevent_changelist")).status_code == 200
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
