"""GET /api/v1/audit is scoped like the audit log pages (kehu.core.audit_queries): each persona of
the access world (tests/access/conftest.py) reads exactly its part, amounts and phones redacted."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from kehu.core import audit
from tests.access.conftest import FAST_HASHERS, build_world
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        world = build_world()
        # A manager revealed a number of our customer: a sensitive read, for managers' eyes only.
        method = world.phone_method(world.ours)
        audit.record(world.manager, "phone.reveal", method, customer_id=world.ours.pk)
        yield world


def items(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["items"]


def customers_in(events) -> set:
    return {event["customer_id"] for event in events}


def test_whole_log_is_scoped_to_the_teams_a_manager_leads(world):
    ours, theirs = world.ours.pk, world.theirs.pk
    lead = ApiClient(world.manager)
    assert ours in customers_in(items(lead.get("/audit", {"limit": 200})))
    assert theirs not in customers_in(items(lead.get("/audit", {"limit": 200})))

    other_lead = ApiClient(world.manager_other_team)
    seen = items(other_lead.get("/audit", {"limit": 200}))
    assert theirs in customers_in(seen) and ours not in customers_in(seen)
    # Asking for the other team's customer by id is a 404, like every other guess.
    assert other_lead.get("/audit", {"customer": ours}).status_code == 404
    # Nor do filters reach past the scope: the other team's owner as actor gives nothing of ours.
    by_actor = items(other_lead.get("/audit", {"actor": world.owner_rep.pk, "limit": 200}))
    assert ours not in customers_in(by_actor)

    admin = ApiClient(world.org_admin)
    assert {ours, theirs} <= customers_in(items(admin.get("/audit", {"limit": 200})))


def test_reps_and_collaborators_read_only_the_history_of_customers_they_see(world):
    ours = world.ours.pk
    for persona in ("owner_rep", "collaborator_assigned", "other_rep", "collaborator_not_assigned", "rep_b"):
        client = ApiClient(world.users[persona])
        assert client.get("/audit").status_code == 403, persona  # the whole log is for managers
    assert items(ApiClient(world.owner_rep).get("/audit", {"customer": ours}))
    assert items(ApiClient(world.collaborator_assigned).get("/audit", {"customer": ours}))
    for outsider in ("other_rep", "collaborator_not_assigned", "rep_b", "manager_other_team"):
        response = ApiClient(world.users[outsider]).get("/audit", {"customer": ours})
        assert response.status_code == 404, outsider
        assert response.json() == {"detail": "Not found."}


def test_confidential_amounts_and_others_number_reveals_are_hidden_from_a_read_only_collaborator(world):
    ours = world.ours.pk
    owner_view = items(ApiClient(world.owner_rep).get("/audit", {"customer": ours, "limit": 200}))
    collaborator_view = items(ApiClient(world.collaborator_assigned).get("/audit", {"customer": ours, "limit": 200}))
    # The owner sees the amounts of the transaction and the budget they entered…
    owner_text = json.dumps(owner_view, ensure_ascii=False)
    assert "120000" in owner_text and "300000" in owner_text
    # …the collaborator the same events with those values masked.
    collaborator_text = json.dumps(collaborator_view, ensure_ascii=False)
    assert "120000" not in collaborator_text and "300000" not in collaborator_text
    assert {e["action"] for e in collaborator_view} >= {"customer.create", "transaction.create"}
    # A manager's number reveal is a read of someone else: the lead sees it, the rep does not.
    assert "phone.reveal" not in {e["action"] for e in owner_view}
    assert "phone.reveal" not in {e["action"] for e in collaborator_view}
    lead_view = items(ApiClient(world.manager).get("/audit", {"customer": ours, "limit": 200}))
    assert "phone.reveal" in {e["action"] for e in lead_view}


def test_filters_and_cursor_within_the_scope(world):
    lead = ApiClient(world.manager)
    first = lead.get("/audit", {"customer": world.ours.pk, "limit": 1}).json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    second = items(lead.get("/audit", {"customer": world.ours.pk, "limit": 1, "cursor": first["next_cursor"]}))
    assert second[0]["id"] < first["items"][0]["id"]
    prefixed = items(lead.get("/audit", {"action": "customer.", "limit": 200}))
    assert prefixed and all(e["action"].startswith("customer.") for e in prefixed)
    exact = items(lead.get("/audit", {"action": "transaction.create", "object_type": "customers.transaction"}))
    assert [e["customer_id"] for e in exact] == [world.ours.pk]

