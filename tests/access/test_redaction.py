"""Confidential fields (R33): amounts and undisclosed needs for the owner and team lead only;
phones masked for those without the right; "show number" audited; exports neutralise formulas."""

from __future__ import annotations

import pytest

from kehu.core.errors import NotFound, PermissionDenied
from kehu.core.models import AuditEvent
from kehu.core.policy import access_for, visible_customers
from kehu.core.redaction import (
    MASK,
    contact_methods,
    record_confidential_view,
    record_export,
    redact_customer,
    redact_transaction,
    reveal_phone,
    spreadsheet_safe,
)
from tests.factories import make_customer


@pytest.mark.parametrize("role", ["owner_rep", "manager", "org_admin"])
def test_owner_lead_and_org_admin_read_amounts_and_undisclosed_needs(world, role):
    shown = redact_customer(world.users[role], world.ours)
    assert str(shown["total_amount"]) == "120000.00" and str(shown["budget_min"]) == "100000.00"
    assert shown["pain_points"] == "现有系统无法追踪交付" and shown["need_description"]


@pytest.mark.parametrize("role", ["collaborator_assigned", "data_admin"])
def test_others_get_no_amounts_and_no_undisclosed_needs(world, role):
    user = world.users[role]
    shown = redact_customer(user, world.ours)
    for name in ("total_amount", "average_order_value", "budget_min", "budget_max", "pain_points",
                 "need_description", "need_type", "urgency"):
        assert name not in shown, name
    assert shown["name"] == world.ours.name and shown["number"] == world.ours.number
    masked = redact_customer(user, world.ours, ["name", "total_amount", "pain_points"], mask=True)
    assert masked == {"name": world.ours.name, "total_amount": MASK, "pain_points": MASK}


def test_disclosed_needs_stay_visible_but_amounts_do_not(world):
    shown = redact_customer(world.data_admin, world.theirs)  # theirs has needs_undisclosed=False
    assert shown["need_description"] == world.theirs.need_description
    assert "budget_min" not in shown and "total_amount" not in shown


def test_transaction_amounts_follow_the_customer(world):
    row = world.ours.transactions.get()
    assert str(redact_transaction(world.owner_rep, row)["amount"]) == "120000.00"
    hidden = redact_transaction(world.collaborator_assigned, row)
    assert "amount" not in hidden and "margin_rate" not in hidden and str(hidden["signed_on"]) == "2026-02-01"
    assert redact_transaction(world.collaborator_assigned, row, mask=True)["amount"] == MASK


def test_phones_masked_without_the_right_and_revealed_with_an_audit_event(world):
    methods = list(world.ours.contact_methods.order_by("kind", "pk"))
    owner_view = {m["kind"]: m for m in contact_methods(world.owner_rep, world.ours, methods)}
    assert owner_view["phone"]["text"] == "139-1234-5678" and not owner_view["phone"]["masked"]

    collaborator_view = {m["kind"]: m for m in contact_methods(world.collaborator_assigned, world.ours, methods)}
    assert collaborator_view["phone"]["text"] == "139****5678"
    assert collaborator_view["phone"]["masked"] and collaborator_view["phone"]["may_reveal"]
    assert collaborator_view["email"]["text"] == "zhangwei@example.com"

    admin_view = {m["kind"]: m for m in contact_methods(world.data_admin, world.ours, methods)}
    assert admin_view["phone"]["text"] == "139****5678" and not admin_view["phone"]["may_reveal"]

    phone = world.phone_method(world.ours)
    assert reveal_phone(world.collaborator_assigned, phone.pk) == "139-1234-5678"
    event = AuditEvent.objects.get(action="phone.reveal")
    assert (event.actor, event.customer_id, event.object_id) == (world.collaborator_assigned, world.ours.pk, phone.pk)
    assert event.note == "139****5678" and "5678" not in str(event.changes)  # the log holds no copy of the number

    with pytest.raises(PermissionDenied):
        reveal_phone(world.data_admin, phone.pk)
    with pytest.raises(NotFound):
        reveal_phone(world.other_rep, phone.pk)
    with pytest.raises(NotFound):
        reveal_phone(world.owner_rep, 10**9)


@pytest.mark.parametrize("text", ["=1+1", "+8613912345678", "-2+3", "@SUM(A1)", "\t=cmd", "\r=cmd",
                                  "=HYPERLINK(\"http://x\",\"点我\")"])
def test_spreadsheet_formulas_are_neutralised(text):
    assert spreadsheet_safe(text) == "'" + text


def test_plain_values_pass_unchanged():
    assert spreadsheet_safe("苏州恒力") == "苏州恒力"
    assert spreadsheet_safe(-5) == -5 and spreadsheet_safe(None) is None


def _export_rows(user, fields: list[str]) -> list[list]:
    """The customers export's own rows (kehu.web.export, what the export page writes)."""
    from kehu.web.export import customer_rows

    access = access_for(user)
    return list(customer_rows(access, visible_customers(access), None, fields))


def test_export_rows_leave_confidential_cells_empty_and_neutralise_formulas(world):
    evil = make_customer(world.owner_rep, name="=HYPERLINK(\"http://evil\",\"x\")")
    fields = ["name", "total_amount", "pain_points"]
    owner_rows = _export_rows(world.owner_rep, fields)
    assert owner_rows[0][1] is not None and owner_rows[0][2] == "现有系统无法追踪交付"
    assert owner_rows[-1][0] == "'" + evil.name
    admin_rows = _export_rows(world.data_admin, fields)
    assert [row[1] for row in admin_rows] == [None] * len(admin_rows)
    assert admin_rows[0][2] is None  # ours: needs not disclosed
    assert admin_rows[1][2] == "" and admin_rows[1][0] == world.theirs.name  # disclosed (and empty)


def test_exports_and_bulk_confidential_views_are_recorded(world):
    second = make_customer(world.owner_rep)
    event = record_export(world.manager, "customers", count=2, params={"stage": ["deal"]})
    assert (event.action, event.actor, event.changes["count"]) == ("export.customers", world.manager, [None, 2])

    access = access_for(world.manager)
    view = record_confidential_view(access, "customer list", [world.ours, second, world.theirs])
    assert view.action == "confidential.view" and view.changes["customers"][1] == [world.ours.pk, second.pk]
    # One row, or rows whose amounts the user does not see, are not a bulk view.
    assert record_confidential_view(world.collaborator_assigned, "customer list", [world.ours, second]) is None
    with pytest.raises(PermissionDenied):
        record_export(world.anonymous, "customers", count=1)
