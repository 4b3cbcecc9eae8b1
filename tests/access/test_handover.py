"""Handover (R34): a manager moves customers to another owner with their open actions; history
stays; the move is audited and on the timeline; the old owner loses access unless kept."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from kehu.core.audit_queries import customer_timeline
from kehu.core.errors import NotFound, PermissionDenied, ValidationError
from kehu.core.models import AuditEvent
from kehu.core.policy import (
    get_visible_customer,
    may_edit_customer,
    may_record_interaction,
    may_see_confidential,
    visible_customers,
)
from kehu.customers.services import customer_handover, customer_handover_all
from tests.factories import make_customer


def _open_task(actor, customer, title="回访"):
    from kehu.followup.services import task_create

    return task_create(actor, customer.pk, title=title, due_at="2026-12-01 10:00", owner=actor)


def test_access_before_and_after_handover(world, frozen_clock):
    ours, old, new = world.ours, world.owner_rep, world.other_rep
    own_task = _open_task(old, ours)
    collaborator_task = _open_task(world.collaborator_assigned, ours, "寄样品")
    done = _open_task(old, ours, "已完成的事")
    from kehu.followup.services import task_complete

    task_complete(old, done.pk, version=done.version)
    assert get_visible_customer(old, ours.pk) and may_edit_customer(old, ours)
    with pytest.raises(NotFound):
        get_visible_customer(new, ours.pk)

    moved = customer_handover(world.manager, [ours.pk], to_owner=new, reason="李销售离职")

    assert moved == [ours.pk]
    with pytest.raises(NotFound):
        get_visible_customer(old, ours.pk)
    customer = get_visible_customer(new, ours.pk)
    assert may_edit_customer(new, customer) and may_see_confidential(new, customer)
    assert (customer.owner, customer.previous_owner, customer.team) == (new, old, world.team_a)
    assert customer.owner_since == frozen_clock.moment and customer.version == ours.version + 1
    own_task.refresh_from_db()
    collaborator_task.refresh_from_db()
    done.refresh_from_db()
    assert own_task.owner == new and own_task.version == 2
    assert collaborator_task.owner == world.collaborator_assigned  # someone else's action stays theirs
    assert done.owner == old  # history stays as it was
    assert customer.transactions.count() == 1 and customer.contacts.count() == 1

    event = AuditEvent.objects.get(action="customer.handover")
    assert (event.actor, event.customer_id, event.note) == (world.manager, ours.pk, "李销售离职")
    assert event.changes["owner"] == [old.pk, new.pk] and event.changes["tasks"] == [None, [own_task.pk]]
    assert AuditEvent.objects.get(action="task.update", object_id=own_task.pk).changes["owner"] == [old.pk, new.pk]
    assert "customer.handover" in [e.action for e in customer_timeline(new, ours.pk)]


def test_old_owner_kept_as_collaborator_sees_and_records_but_edits_nothing(world):
    customer_handover(world.manager, [world.ours.pk], to_owner=world.other_rep, keep_as_collaborator=True,
                      reason="调岗，保留协作")
    ours = get_visible_customer(world.owner_rep, world.ours.pk)
    assert may_record_interaction(world.owner_rep, ours)
    assert not may_edit_customer(world.owner_rep, ours) and not may_see_confidential(world.owner_rep, ours)
    assert AuditEvent.objects.get(action="customer.handover").changes["collaborator"] == [None, world.owner_rep.pk]


def test_new_owner_loses_an_old_collaborator_link(world):
    """Otherwise the link would outlive their ownership after a later handover."""
    customer_handover(world.manager, [world.ours.pk], to_owner=world.other_rep, keep_as_collaborator=True, reason="a")
    customer_handover(world.manager, [world.ours.pk], to_owner=world.owner_rep, reason="b")
    assert not world.ours.collaborator_links.filter(user=world.owner_rep).exists()
    with pytest.raises(NotFound):
        get_visible_customer(world.other_rep, world.ours.pk)


def test_only_the_team_manager_hands_over(world):
    with pytest.raises(PermissionDenied):
        customer_handover(world.owner_rep, [world.ours.pk], to_owner=world.other_rep, reason="x")
    with pytest.raises(NotFound):
        customer_handover(world.manager_other_team, [world.ours.pk], to_owner=world.rep_b, reason="x")
    with pytest.raises(NotFound):  # one foreign id spoils the whole batch, and nothing moves
        customer_handover(world.manager, [world.ours.pk, world.theirs.pk], to_owner=world.other_rep, reason="x")
    world.ours.refresh_from_db()
    assert world.ours.owner == world.owner_rep


def test_handover_errors_name_the_field(world):
    world.deactivated.refresh_from_db()
    cases = [
        ({"to_owner": world.collaborator_assigned, "reason": "x"}, "to_owner"),
        ({"to_owner": world.deactivated, "reason": "x"}, "to_owner"),
        ({"to_owner": world.rep_b, "reason": "x"}, "to_owner"),  # another team's rep
        ({"to_owner": 10**9, "reason": "x"}, "to_owner"),
        ({"to_owner": world.other_rep, "reason": "  "}, "reason"),
    ]
    with translation.override("en"):
        for kwargs, field in cases:
            with pytest.raises(ValidationError) as exc_info:
                customer_handover(world.manager, [world.ours.pk], **kwargs)
            assert field in exc_info.value.message_dict, kwargs
        with pytest.raises(ValidationError) as exc_info:
            customer_handover(world.manager, [], to_owner=world.other_rep, reason="x")
        assert "customer_ids" in exc_info.value.message_dict


def test_org_admin_moves_a_customer_across_teams(world):
    customer_handover(world.org_admin, [world.ours.pk], to_owner=world.rep_b, reason="区域调整")
    world.ours.refresh_from_db()
    assert (world.ours.owner, world.ours.team) == (world.rep_b, world.team_b)
    assert get_visible_customer(world.manager_other_team, world.ours.pk)
    with pytest.raises(NotFound):
        get_visible_customer(world.manager, world.ours.pk)
    assert AuditEvent.objects.get(action="customer.handover").changes["team"] == [world.team_a.pk, world.team_b.pk]


def test_a_leaving_reps_whole_book_moves_in_a_few_statements(world):
    customers = [make_customer(world.owner_rep) for _ in range(30)]
    with CaptureQueriesContext(connection) as queries:
        moved = customer_handover_all(world.manager, world.owner_rep, to_owner=world.other_rep, reason="离职交接")
    assert sorted(moved) == sorted([world.ours.pk] + [c.pk for c in customers])
    assert len(queries) < 40, len(queries)  # no statement per customer
    assert not visible_customers(world.owner_rep).exists()
    assert visible_customers(world.other_rep).count() == 31
    assert AuditEvent.objects.filter(action="customer.handover").count() == 31


def test_the_customer_page_shows_a_handover_that_moved_actions(world, client):
    """The handover's audit entry lists the moved actions under `tasks`, a reverse relation of the
    customer: the timeline names it instead of failing on a field without a verbose name."""
    ours = world.ours
    task = _open_task(world.owner_rep, ours)
    customer_handover(world.manager, [ours.pk], to_owner=world.other_rep, reason="李销售离职")
    client.force_login(world.other_rep)
    response = client.get(f"/customers/{ours.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    page = response.content.decode()
    assert "李销售离职" in page and task.title in page
