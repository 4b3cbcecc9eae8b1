"""Contacts with history, stage moves (R22) and transactions keeping the totals (R9)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from kehu.core.errors import ConflictError, PermissionDenied, ValidationError
from kehu.core.models import AuditEvent
from kehu.customers.models import Contact, Customer, StageChange
from kehu.customers.services import (
    contact_add,
    contact_replace,
    contact_update,
    customer_change_stage,
    transaction_record,
)
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def test_contact_add_and_update_with_history_in_audit(rep):
    customer = make_customer(rep)
    contact = contact_add(rep, customer.pk, name="王芳", title="技术总监", phones=["021 1234 5678"],
                          decision_role="influencer", birthday="1985-06-01")
    assert contact.methods.get().value == "+862112345678"
    updated = contact_update(rep, contact.pk, version=1, title="副总经理", emails=["wangfang@example.com"], phones=[])
    assert updated.version == 2 and updated.title == "副总经理"
    assert list(updated.methods.values_list("kind", "value")) == [("email", "wangfang@example.com")]
    event = AuditEvent.objects.get(action="contact.update")
    assert event.changes["title"] == ["技术总监", "副总经理"]
    assert event.changes["phones"] == [["021 1234 5678"], []]


def test_contact_update_conflict_and_validation(rep, manager):
    customer = make_customer(rep)
    contact = customer.contacts.get()
    contact_update(manager, contact.pk, version=1, title="采购总监")
    with pytest.raises(ConflictError):
        contact_update(rep, contact.pk, version=1, title="采购主管")
    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        contact_update(rep, contact.pk, version=2, phones=["12"], emails=[])
    assert "phones[0]" in exc_info.value.message_dict
    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        contact_update(rep, contact.pk, version=2, birthday="1985-13-01")
    assert "birthday" in exc_info.value.message_dict


def test_contact_replacement_keeps_the_old_person(rep):
    customer = make_customer(rep)
    old = customer.contacts.get()
    new = contact_replace(rep, old.pk, version=1, reason="原采购经理离职", name="刘洋", title="采购经理",
                          phones=["13800138000"])
    old.refresh_from_db()
    assert not old.is_active and old.replaced_by == new and old.left_at is not None
    assert new.is_primary and not old.is_primary
    assert Contact.objects.filter(customer=customer).count() == 2
    assert AuditEvent.objects.filter(action="contact.replace", object_id=old.pk).exists()


def test_contact_of_invisible_customer_is_not_found(rep, other_rep):
    from kehu.core.errors import NotFound

    customer = make_customer(rep)
    with pytest.raises(NotFound):
        contact_add(other_rep, customer.pk, name="x", title="y", phones=["13800138000"])


def test_transactions_keep_totals_and_move_to_deal(rep, frozen_clock):
    customer = make_customer(rep)
    transaction_record(rep, customer.pk, signed_on="2026-01-10", amount="120,000.00", products="A", margin_rate=25)
    transaction_record(rep, customer.pk, signed_on="2026-02-20", amount=80000, kind="contract")
    customer.refresh_from_db()
    assert customer.transaction_count == 2
    assert customer.total_amount == Decimal("200000.00")
    assert customer.average_order_value == Decimal("100000.00")
    assert customer.first_cooperation_date == dt.date(2026, 1, 10)
    assert customer.last_transaction_date == dt.date(2026, 2, 20)
    assert customer.stage == "deal" and customer.version == 1  # system writes leave the version alone
    assert StageChange.objects.filter(customer=customer, to_stage="deal").count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"signed_on": "2026-01-10", "amount": "0"}, "amount"),
        ({"signed_on": "2026-01-10", "amount": "abc"}, "amount"),
        ({"signed_on": "10.01.2026", "amount": "100"}, "signed_on"),
        ({"signed_on": "2026-01-10", "amount": "100", "margin_rate": "150"}, "margin_rate"),
        ({"signed_on": "2026-01-10", "amount": "100", "kind": "gift"}, "kind"),
    ],
)
def test_transaction_bad_input(rep, data, field):
    customer = make_customer(rep)
    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        transaction_record(rep, customer.pk, **data)
    assert field in exc_info.value.message_dict
    assert Customer.objects.get(pk=customer.pk).transaction_count == 0


def test_a_total_beyond_fourteen_digits_is_refused_and_the_customer_stays_readable(rep, frozen_clock):
    customer = make_customer(rep)
    transaction_record(rep, customer.pk, signed_on="2026-01-10", amount="999999999999.99")
    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        transaction_record(rep, customer.pk, signed_on="2026-01-11", amount="999999999999.99")
    assert "total above 999,999,999,999.99" in exc_info.value.message_dict["amount"][0]
    customer = Customer.objects.get(pk=customer.pk)  # still readable: the total was not overflowed
    assert customer.total_amount == Decimal("999999999999.99") and customer.transaction_count == 1


def test_stage_to_deal_needs_contract_date_and_amount(rep):
    customer = make_customer(rep)
    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        customer_change_stage(rep, customer.pk, version=1, stage="deal")
    assert {"contract_date", "amount"} <= set(exc_info.value.message_dict)
    moved = customer_change_stage(rep, customer.pk, version=1, stage="deal", contract_date="2026-02-01", amount="50000")
    assert moved.stage == "deal" and moved.previous_stage == "potential" and moved.version == 2
    assert moved.total_amount == Decimal("50000.00") and moved.transactions.get().kind == "contract"


def test_stage_to_lost_needs_reason(rep):
    customer = make_customer(rep)
    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        customer_change_stage(rep, customer.pk, version=1, stage="lost")
    assert "reason" in exc_info.value.message_dict
    lost = customer_change_stage(rep, customer.pk, version=1, stage="lost", reason="选择了竞品")
    assert lost.lost_reason == "选择了竞品"
    change = StageChange.objects.get(customer=customer)
    assert (change.from_stage, change.to_stage, change.by, change.reason) == ("potential", "lost", rep, "选择了竞品")


def test_stage_change_checks_version_and_value(rep):
    customer = make_customer(rep)
    customer_change_stage(rep, customer.pk, version=1, stage="intent", reason="报价已发")
    with pytest.raises(ConflictError):
        customer_change_stage(rep, customer.pk, version=1, stage="lost", reason="x")
    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        customer_change_stage(rep, customer.pk, version=2, stage="won")
    assert "stage" in exc_info.value.message_dict


def test_collaborator_without_edit_right_cannot_move_stage(rep, team):
    from kehu.accounts.services import user_create
    from kehu.customers.models import CustomerCollaborator

    helper = user_create(None, username="mkt", role="collaborator", team=team)
    customer = make_customer(rep)
    CustomerCollaborator.objects.create(customer=customer, user=helper)
    with pytest.raises(PermissionDenied):
        customer_change_stage(helper, customer.pk, version=1, stage="intent")


@pytest.fixture
def editing_colleague(rep, team):
    """A rep of the same team who collaborates on the customer with edit rights: edits the profile,
    but amounts are the owner's and the team lead's (R33)."""
    from kehu.accounts.services import user_create

    return user_create(None, username="zhou.rep", role="rep", team=team)


def test_editing_collaborator_may_not_record_an_amount(rep, manager, editing_colleague):
    from kehu.customers.models import CustomerCollaborator

    customer = make_customer(rep)
    CustomerCollaborator.objects.create(customer=customer, user=editing_colleague, can_edit=True)
    for language, word in (("en", "confidential"), ("zh-hans", "保密")):
        with translation.override(language), pytest.raises(ValidationError) as exc_info:
            transaction_record(editing_colleague, customer.pk, signed_on="2026-01-10", amount="1000")
        assert list(exc_info.value.message_dict) == ["amount"] and word in exc_info.value.message_dict["amount"][0]
        # A move to deal records its contract amount: refused the same way, the stage unchanged.
        with translation.override(language), pytest.raises(ValidationError) as exc_info:
            customer_change_stage(editing_colleague, customer.pk, version=1, stage="deal",
                                  contract_date="2026-01-10", amount="1000")
        assert word in exc_info.value.message_dict["amount"][0]
    customer.refresh_from_db()
    assert customer.transaction_count == 0 and customer.stage == "potential" and customer.version == 1
    assert not AuditEvent.objects.filter(action="transaction.create").exists()
    # Other stage moves stay theirs; the owner and the team lead record amounts.
    customer_change_stage(editing_colleague, customer.pk, version=1, stage="intent")
    transaction_record(rep, customer.pk, signed_on="2026-01-10", amount="1000")
    transaction_record(manager, customer.pk, signed_on="2026-01-11", amount="2000")
    assert Customer.objects.get(pk=customer.pk).total_amount == Decimal("3000.00")


def test_a_contact_person_has_a_name_not_a_company_title():
    """In Chinese a person's name is 姓名; 名称 is a company's or a thing's (the customer, a tag)."""
    with translation.override("zh-hans"):
        assert str(Contact._meta.get_field("name").verbose_name) == "姓名"
        assert str(Customer._meta.get_field("name").verbose_name) != "姓名"
    with translation.override("en"):
        assert str(Contact._meta.get_field("name").verbose_name) == "name"
