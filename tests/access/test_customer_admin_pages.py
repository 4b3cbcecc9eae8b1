"""The manager's pages for delete, restore and handover (R32, R34): the team lead (and the org
admin) soft-deletes with a confirmation, restores from the deleted customers, and hands a customer
(or a selection from the list) to another owner with their open actions. Everyone else sees no
control and gets 404 (may not know the customer) or 403 (sees it, may not do this)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kehu.core.models import AuditEvent
from kehu.customers.models import Customer
from kehu.customers.services import customer_soft_delete

pytestmark = pytest.mark.django_db

# What each role gets when it tries to delete, restore or hand over `ours` (team A's customer).
DENIED = {
    "manager_other_team": 404, "other_rep": 404, "collaborator_not_assigned": 404,  # may not know it exists
    "owner_rep": 403, "collaborator_assigned": 403, "data_admin": 403,  # see it, may not do this
    "deactivated": 302, "anonymous": 302,  # to the sign-in page
}


def client_for(world, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def test_manager_deletes_with_confirmation_and_restores(world):
    client = client_for(world, "manager")
    detail = client.get(reverse("web:customer_detail", args=[world.ours.pk])).content.decode()
    assert reverse("web:customer_delete", args=[world.ours.pk]) in detail
    assert reverse("web:customer_handover", args=[world.ours.pk]) in detail
    page = client.get(reverse("web:customer_delete", args=[world.ours.pk]))
    assert page.status_code == 200 and 'name="version"' in page.content.decode()
    assert Customer.objects.get(pk=world.ours.pk).deleted_at is None  # the GET only asks
    response = client.post(reverse("web:customer_delete", args=[world.ours.pk]),
                           {"version": world.ours.version, "reason": "重复录入"})
    assert response.status_code == 302 and response["Location"] == reverse("web:customer_list")
    assert Customer.objects.get(pk=world.ours.pk).deleted_at is not None
    assert AuditEvent.objects.get(action="customer.delete").note == "重复录入"
    assert client.get(reverse("web:customer_detail", args=[world.ours.pk])).status_code == 404
    # Listed for the manager to restore; not for the other team's manager.
    deleted = client.get(reverse("web:customer_deleted")).content.decode()
    assert world.ours.number in deleted and reverse("web:customer_restore", args=[world.ours.pk]) in deleted
    assert world.ours.number not in client_for(world, "manager_other_team").get(reverse("web:customer_deleted")).content.decode()
    response = client.post(reverse("web:customer_restore", args=[world.ours.pk]))
    assert response.status_code == 302
    assert Customer.objects.get(pk=world.ours.pk).deleted_at is None
    assert AuditEvent.objects.filter(action="customer.restore", customer_id=world.ours.pk).exists()
    # Restoring what is not deleted: a message, nothing changes.
    assert client.post(reverse("web:customer_restore", args=[world.ours.pk])).status_code == 302
    assert AuditEvent.objects.filter(action="customer.restore").count() == 1


def test_stale_version_is_a_conflict_not_a_delete(world):
    response = client_for(world, "manager").post(reverse("web:customer_delete", args=[world.ours.pk]),
                                                 {"version": world.ours.version - 1 or 99, "reason": ""})
    assert response.status_code == 409
    assert Customer.objects.get(pk=world.ours.pk).deleted_at is None


@pytest.mark.parametrize("role", sorted(DENIED))
def test_others_get_no_controls_and_are_refused(world, role):
    client = client_for(world, role)
    expected = DENIED[role]
    ours = world.ours
    if role in ("owner_rep", "collaborator_assigned", "data_admin"):
        detail = client.get(reverse("web:customer_detail", args=[ours.pk])).content.decode()
        assert reverse("web:customer_delete", args=[ours.pk]) not in detail
        assert reverse("web:customer_handover", args=[ours.pk]) not in detail
        assert reverse("web:customer_deleted") not in client.get(reverse("web:customer_list")).content.decode()
    for method, name in (("get", "customer_delete"), ("post", "customer_delete"), ("get", "customer_handover"),
                         ("post", "customer_handover")):
        response = getattr(client, method)(reverse(f"web:{name}", args=[ours.pk]),
                                           {"version": ours.version, "reason": "x", "to_owner": world.other_rep.pk}
                                           if method == "post" else {})
        assert response.status_code == expected, (method, name)
    ours.refresh_from_db()
    assert ours.deleted_at is None and ours.owner_id == world.owner_rep.pk
    # Restore: deleted by the manager, then tried by `role`.
    customer_soft_delete(world.manager, ours.pk, version=ours.version)
    assert client.post(reverse("web:customer_restore", args=[ours.pk])).status_code == expected
    assert Customer.objects.get(pk=ours.pk).deleted_at is not None
    deleted_list = client.get(reverse("web:customer_deleted"))
    if role == "manager_other_team":  # leads another team: their deleted customers, not ours
        assert deleted_list.status_code == 200 and ours.number not in deleted_list.content.decode()
    else:
        assert deleted_list.status_code == (302 if expected == 302 else 403)


def test_handover_page_moves_the_customer(world):
    client = client_for(world, "manager")
    page = client.get(reverse("web:customer_handover", args=[world.ours.pk])).content.decode()
    assert f'value="{world.other_rep.pk}"' in page
    assert f'value="{world.owner_rep.pk}"' not in page  # the current owner is not offered
    assert f'value="{world.rep_b.pk}"' not in page  # not a member of a team the manager leads
    response = client.post(reverse("web:customer_handover", args=[world.ours.pk]),
                           {"to_owner": world.other_rep.pk, "reason": ""})
    assert response.status_code == 422 and 'id="f-reason-error"' in response.content.decode()
    response = client.post(reverse("web:customer_handover", args=[world.ours.pk]),
                           {"to_owner": world.other_rep.pk, "reason": "李销售离职", "keep_as_collaborator": "1"})
    assert response.status_code == 302
    ours = Customer.objects.get(pk=world.ours.pk)
    assert ours.owner_id == world.other_rep.pk
    event = AuditEvent.objects.get(action="customer.handover")
    assert event.note == "李销售离职" and event.changes["collaborator"] == [None, world.owner_rep.pk]
    # The new owner works on it; the old one, kept as a collaborator, sees it and edits nothing.
    assert client_for(world, "other_rep").get(reverse("web:customer_edit", args=[ours.pk])).status_code == 200
    old = client_for(world, "owner_rep")
    assert old.get(reverse("web:customer_detail", args=[ours.pk])).status_code == 200
    assert old.get(reverse("web:customer_edit", args=[ours.pk])).status_code == 403


def test_handover_page_moves_open_actions_and_drops_access(world):
    from kehu.followup.models import Task
    from kehu.followup.services import task_create

    task = task_create(world.owner_rep, world.ours.pk, title="寄合同", due_at="2030-03-03 10:00")
    response = client_for(world, "manager").post(reverse("web:customer_handover", args=[world.ours.pk]),
                                                 {"to_owner": world.other_rep.pk, "reason": "李销售离职"})
    assert response.status_code == 302
    assert Task.objects.get(pk=task.pk).owner_id == world.other_rep.pk
    assert AuditEvent.objects.get(action="customer.handover").changes["tasks"] == [None, [task.pk]]
    # Not kept as a collaborator: the old owner no longer finds it.
    assert client_for(world, "owner_rep").get(reverse("web:customer_edit", args=[world.ours.pk])).status_code == 404


def test_handover_to_someone_outside_the_led_teams_is_a_field_error(world):
    response = client_for(world, "manager").post(reverse("web:customer_handover", args=[world.ours.pk]),
                                                 {"to_owner": world.rep_b.pk, "reason": "调整"})
    assert response.status_code == 422 and 'id="f-to-owner-error"' in response.content.decode()
    assert Customer.objects.get(pk=world.ours.pk).owner_id == world.owner_rep.pk


@pytest.mark.parametrize("role", ["owner_rep", "other_rep", "collaborator_assigned", "collaborator_not_assigned",
                                  "data_admin", "manager_other_team"])
def test_bulk_handover_is_the_team_leads_only(world, role):
    client = client_for(world, role)
    listing = client.get(reverse("web:customer_list")).content.decode()
    assert 'value="owner"' not in listing or role == "manager_other_team"
    client.post(reverse("web:customer_bulk"), {"ids": [world.ours.pk], "action": "owner",
                                               "owner": world.other_rep.pk, "reason": "x"})
    assert Customer.objects.get(pk=world.ours.pk).owner_id == world.owner_rep.pk
    assert not AuditEvent.objects.filter(action="customer.handover").exists()


def test_bulk_handover_of_a_selection(world):
    from tests.factories import make_customer

    second = make_customer(world.owner_rep, name="杭州第二客户有限公司")
    client = client_for(world, "manager")
    assert 'value="owner"' in client.get(reverse("web:customer_list")).content.decode()
    client.post(reverse("web:customer_bulk"), {"ids": [world.ours.pk, second.pk, world.theirs.pk], "action": "owner",
                                               "owner": world.other_rep.pk, "reason": "区域调整"})
    owners = dict(Customer.objects.filter(pk__in=[world.ours.pk, second.pk, world.theirs.pk])
                  .values_list("pk", "owner_id"))
    assert owners == {world.ours.pk: world.other_rep.pk, second.pk: world.other_rep.pk,
                      world.theirs.pk: world.rep_b.pk}  # theirs: not visible, not part of the selection
    assert AuditEvent.objects.filter(action="customer.handover").count() == 2
