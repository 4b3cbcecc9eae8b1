"""An editor without the confidential right (a rep collaborating with edit rights) may change the
profile but not amounts, undisclosed needs or the "needs not disclosed" mark: the service refuses
field by field (zh-Hans and en), and the edit form neither shows nor submits those fields."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kehu.core.errors import ValidationError
from kehu.customers.models import CustomerCollaborator
from kehu.customers.services import customer_update


@pytest.fixture
def editor(world):
    """A rep of the same team who collaborates on `ours` with edit rights (not its owner)."""
    CustomerCollaborator.objects.create(customer=world.ours, user=world.other_rep, can_edit=True)
    return world.other_rep


def _refused(user, customer, language, **fields) -> dict:
    with translation.override(language), pytest.raises(ValidationError) as exc_info:
        customer_update(user, customer.pk, version=customer.version, **fields)
    return exc_info.value.message_dict


@pytest.mark.parametrize("field, value", [
    ("budget_min", "1"), ("budget_max", "999999"), ("pain_points", "猜测"), ("need_description", "改写"),
    ("needs_undisclosed", False),
])
def test_service_refuses_each_confidential_field_by_name(world, editor, field, value):
    errors = _refused(editor, world.ours, "en", short_name="新简称", **{field: value})
    assert list(errors) == [field] and "confidential" in errors[field][0]
    zh = _refused(editor, world.ours, "zh-hans", **{field: value})
    assert "保密" in zh[field][0]
    world.ours.refresh_from_db()
    assert world.ours.budget_min == Decimal("100000") and world.ours.short_name != "新简称"


def test_an_unchanged_value_is_refused_too(world, editor):
    # Accepting the right guess silently would confirm it.
    errors = _refused(editor, world.ours, "en", budget_min=str(world.ours.budget_min))
    assert list(errors) == ["budget_min"]


def test_the_editor_still_edits_the_rest(world, editor):
    updated = customer_update(editor, world.ours.pk, version=world.ours.version, short_name="新简称", city="无锡")
    assert (updated.short_name, updated.city) == ("新简称", "无锡")


def test_owner_and_lead_change_confidential_fields(world):
    updated = customer_update(world.owner_rep, world.ours.pk, version=world.ours.version, budget_min="110000")
    updated = customer_update(world.manager, world.ours.pk, version=updated.version, pain_points="交付延期",
                              needs_undisclosed=False)
    assert updated.budget_min == Decimal("110000") and not updated.needs_undisclosed


def test_disclosed_needs_are_editable_but_amounts_are_not(world, editor):
    customer_update(world.owner_rep, world.ours.pk, version=world.ours.version, needs_undisclosed=False)
    world.ours.refresh_from_db()
    updated = customer_update(editor, world.ours.pk, version=world.ours.version, pain_points="新痛点")
    assert updated.pain_points == "新痛点"
    assert list(_refused(editor, updated, "en", budget_max="5")) == ["budget_max"]


def _form(user, customer):
    client = Client()
    client.force_login(user)
    return client, client.get(reverse("web:customer_edit", args=[customer.pk]))


def test_the_edit_form_leaves_out_confidential_fields_for_the_editor(world, editor):
    client, response = _form(editor, world.ours)
    page = response.content.decode()
    assert response.status_code == 200
    for name in ("budget_min", "budget_max", "pain_points", "need_description", "needs_undisclosed"):
        assert f'name="{name}"' not in page, name
    assert "100000" not in page and "现有系统无法追踪交付" not in page
    assert 'name="short_name"' in page


def test_the_editors_form_saves_without_touching_confidential_fields(world, editor):
    client, _ = _form(editor, world.ours)
    c = world.ours
    post = {"version": c.version, "kind": c.kind, "name": c.name, "short_name": "表单简称",
            "industry": c.industry.code, "source_channel": c.source_channel_id,
            "first_contact_date": c.first_contact_date.isoformat(),
            # A hand-made request adding them anyway: dropped, never written.
            "budget_min": "1", "pain_points": "篡改"}
    response = client.post(reverse("web:customer_edit", args=[c.pk]), post)
    assert response.status_code == 302, response.content.decode()[:2000]
    c.refresh_from_db()
    assert c.short_name == "表单简称" and c.budget_min == Decimal("100000") and c.pain_points == "现有系统无法追踪交付"
    assert c.needs_undisclosed


def test_the_owners_form_shows_them(world):
    _client, response = _form(world.owner_rep, world.ours)
    page = response.content.decode()
    for name in ("budget_min", "pain_points", "needs_undisclosed"):
        assert f'name="{name}"' in page


def test_the_editor_gets_no_deal_move_and_records_no_amount(world):
    """A move to deal records the contract amount: an editor without the confidential right is
    not offered it on the board or the move page, and a hand-made request is refused on the
    amount field (the stage and totals unchanged)."""
    from tests.factories import make_customer

    customer = make_customer(world.owner_rep, name="无锡新客户有限公司")
    CustomerCollaborator.objects.create(customer=customer, user=world.other_rep, can_edit=True)
    client = Client()
    client.force_login(world.other_rep)
    board = client.get(reverse("web:pipeline")).content.decode()
    card = board[board.index(f'data-customer="{customer.pk}"'):]
    card = card[:card.index("</article>")]
    assert 'value="intent"' in card and 'value="deal"' not in card
    move = client.get(reverse("web:stage_move", args=[customer.pk])).content.decode()
    assert 'name="amount"' not in move and 'value="deal"' not in move
    with translation.override("en"):
        response = client.post(reverse("web:pipeline_move"), {
            "customer": customer.pk, "version": customer.version, "stage": "deal", "contract_date": "2026-02-01",
            "amount": "50000"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert "保密" in response.content.decode() or "confidential" in response.content.decode()
    customer.refresh_from_db()
    assert customer.stage == "potential" and customer.transaction_count == 0
    # The owner is offered the deal move with its amount.
    owner = Client()
    owner.force_login(world.owner_rep)
    assert 'name="amount"' in owner.get(reverse("web:stage_move", args=[customer.pk])).content.decode()
