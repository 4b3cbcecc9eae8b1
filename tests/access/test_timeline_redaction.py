"""The customer page's timeline (kehu.followup.queries.timeline_events through kehu.web) shows
audited changes; for those without the confidential right the amounts (old → new), undisclosed
needs and full phone numbers in them are masked, and other people's number reveals are for
managers only (R33)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from kehu.core import audit
from kehu.core.redaction import reveal_phone
from kehu.customers.services import contact_update, customer_update


def _timeline(user, customer) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("web:customer_detail", args=[customer.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index('id="timeline"'):html.index('id="tx-heading"')]


def _changed(world):
    ours = world.ours
    ours = customer_update(world.owner_rep, ours.pk, version=ours.version, budget_min="150000",
                           budget_max="450000", pain_points="交付周期太长需要三周", city="无锡")
    contact = ours.contacts.first()
    contact_update(world.owner_rep, contact.pk, version=contact.version, phones=["139-8765-4321"], emails=[])
    # A transaction change of the kind other services log: its text carries the amount.
    txn = ours.transactions.first()
    audit.record(world.owner_rep, "transaction.update", txn, customer_id=ours.pk,
                 changes={"amount": ["120000.00", "135000.00"], "margin_rate": ["12", "15"]})
    return ours


SECRETS = ("150000", "150,000", "450000", "交付周期太长需要三周", "现有系统无法追踪交付", "135000", "120000",
           "139-8765-4321", "13987654321")


def test_collaborator_sees_changes_with_confidential_values_masked(world):
    ours = _changed(world)
    page = _timeline(world.collaborator_assigned, ours)
    for secret in SECRETS:
        assert secret not in page, secret
    assert "无锡" in page  # the rest of the change is there
    assert "139****4321" in page  # the new phone, masked
    assert "****" in page


def test_owner_and_lead_see_the_values(world):
    ours = _changed(world)
    for user in (world.owner_rep, world.manager):
        page = _timeline(user, ours)
        for secret in ("150000", "交付周期太长需要三周", "135000", "139-8765-4321"):
            assert secret in page, (user, secret)


def test_undisclosed_needs_masked_but_disclosed_needs_shown(world):
    ours = customer_update(world.owner_rep, world.ours.pk, version=world.ours.version, needs_undisclosed=False,
                           pain_points="公开的痛点")
    page = _timeline(world.collaborator_assigned, ours)
    assert "公开的痛点" in page and "150000" not in page


def test_others_number_reveals_are_for_managers(world):
    reveal_phone(world.collaborator_assigned, world.phone_method(world.ours).pk)
    who = str(world.collaborator_assigned)
    manager_page = _timeline(world.manager, world.ours)
    assert who in manager_page and "phone.reveal" not in manager_page  # shown with its label
    assert who not in _timeline(world.owner_rep, world.ours)
    assert who in _timeline(world.collaborator_assigned, world.ours)  # one's own reveal
