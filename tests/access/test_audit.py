"""The audit log for managers: append-only, scoped to the teams a manager leads, filterable by
user, customer, action and time, paged by keyset, exportable (and the export itself logged)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import translation

from kehu.core import audit
from kehu.core.audit_queries import audit_events, audit_page, customer_timeline, export_audit_csv
from kehu.core.errors import NotFound, PermissionDenied, ValidationError
from kehu.core.models import AuditEvent
from tests.factories import make_customer


def test_the_log_is_append_only(world):
    event = AuditEvent.objects.filter(customer_id=world.ours.pk).first()
    event.note = "changed"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(note="changed")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_admin_offers_no_change_or_delete_of_events(world):
    from django.contrib import admin
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = world.org_admin
    model_admin = admin.site._registry[AuditEvent]
    assert not model_admin.has_change_permission(request) and not model_admin.has_delete_permission(request)
    assert not model_admin.has_add_permission(request)


def test_who_reads_which_events(world):
    ours = set(audit_events(world.manager).values_list("customer_id", flat=True))
    assert world.ours.pk in ours and world.theirs.pk not in ours
    # Events of the team's members count too (e.g. the deactivation the manager did, a lock-out).
    assert audit_events(world.manager, {"action": "user.deactivate"}).exists()
    assert not audit_events(world.manager_other_team, {"action": "user.deactivate"}).exists()
    assert world.theirs.pk in set(audit_events(world.org_admin).values_list("customer_id", flat=True))
    for role in ("owner_rep", "collaborator_assigned", "data_admin", "deactivated", "anonymous"):
        with pytest.raises(PermissionDenied):
            audit_events(world.users[role])


def test_filters_by_user_customer_action_and_day(world, frozen_clock):
    frozen_clock.set(dt.datetime(2026, 3, 10, 23, 59))
    audit.record(world.owner_rep, "customer.update", world.ours, customer_id=world.ours.pk, changes={"city": ["", "苏州"]})
    frozen_clock.set(dt.datetime(2026, 3, 11, 0, 0))
    audit.record(world.other_rep, "customer.update", world.ours, customer_id=world.ours.pk, changes={"city": ["苏州", "无锡"]})
    manager = world.manager
    by_day = audit_events(manager, {"since": "2026-03-10", "until": "2026-03-10"})
    assert [e.actor for e in by_day] == [world.owner_rep]
    assert [e.actor for e in audit_events(manager, {"since": "2026-03-11", "until": "2026-03-11"})] == [world.other_rep]
    assert audit_events(manager, {"actor": str(world.other_rep.pk)}).count() == 1
    assert set(audit_events(manager, {"action": "customer."}).values_list("action", flat=True)) >= {
        "customer.create", "customer.update", "customer.stage"}
    assert all(e.customer_id == world.ours.pk for e in audit_events(manager, {"customer": world.ours.pk}))
    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        audit_events(manager, {"actor": "abc", "since": "10/03/2026", "until": "2026-01-01"})
    assert {"actor", "since"} <= set(exc_info.value.message_dict)


def test_keyset_pages_cover_every_event_once(world):
    for i in range(120):
        audit.record(world.owner_rep, "customer.view_test", world.ours, customer_id=world.ours.pk, note=str(i))
    seen, cursor = [], None
    while True:
        page = audit_page(world.manager, {"action": "customer.view_test"}, cursor=cursor, limit=50)
        seen += [e.pk for e in page.items]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)) == 120
    with pytest.raises(ValidationError):
        audit_page(world.manager, {}, cursor="not-a-cursor")


def test_export_is_csv_with_formulas_neutralised_and_is_itself_logged(world):
    evil = make_customer(world.owner_rep, name="=cmd|' /C calc'!A0")
    out = io.StringIO()
    count = export_audit_csv(world.manager, {"customer": str(evil.pk)}, out)
    text = out.getvalue()
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["at", "actor_name", "action"] and len(rows) == count + 1
    assert all(row[5].startswith("'=") for row in rows[1:] if row[3] == "customers.customer")
    event = AuditEvent.objects.get(action="export.audit")
    assert event.actor == world.manager and event.changes["count"] == [None, count]
    assert event.changes["params"] == [None, {"customer": evil.pk, "format": "csv"}]
    with pytest.raises(PermissionDenied):
        export_audit_csv(world.owner_rep, {}, io.StringIO())


def test_timeline_hides_amounts_and_masks_phones_for_collaborators(world):
    manager_view = customer_timeline(world.manager, world.ours.pk)
    transaction = next(e for e in manager_view if e.action == "transaction.create")
    assert transaction.changes["amount"][1] == "120000.00"
    contact = next(e for e in manager_view if e.action == "contact.create")
    assert contact.changes["phones"][1] == ["139-1234-5678"]

    collaborator_view = customer_timeline(world.collaborator_assigned, world.ours.pk)
    transaction = next(e for e in collaborator_view if e.action == "transaction.create")
    assert "amount" not in transaction.changes
    created = next(e for e in collaborator_view if e.action == "customer.create")
    assert "budget_min" not in created.changes and "pain_points" not in created.changes
    contact = next(e for e in collaborator_view if e.action == "contact.create")
    assert contact.changes["phones"][1] == ["139****5678"]
    with pytest.raises(NotFound):
        customer_timeline(world.manager_other_team, world.ours.pk)


def test_timeline_shows_other_peoples_number_reveals_to_managers_only(world):
    from kehu.core.redaction import reveal_phone

    reveal_phone(world.collaborator_assigned, world.phone_method(world.ours).pk)
    assert "phone.reveal" in [e.action for e in customer_timeline(world.manager, world.ours.pk)]
    assert "phone.reveal" not in [e.action for e in customer_timeline(world.owner_rep, world.ours.pk)]
    assert "phone.reveal" in [e.action for e in customer_timeline(world.collaborator_assigned, world.ours.pk)]
