"""R17: 30 quiet days make a customer silent (day 29/30/31), recorded by the system with its reason
and told to the owner; the next interaction brings it back to its previous stage."""

from __future__ import annotations

import datetime as dt

import pytest

from kehu.core.models import AuditEvent
from kehu.customers.models import Customer, StageChange
from kehu.followup.queries import silent_customers
from kehu.followup.services import interaction_record
from tests.factories import make_customer
from tests.followup.helpers import FIVE, kinds, local, sweep

pytestmark = pytest.mark.django_db

MET = local(2026, 3, 2, 9, 0)


def contacted(owner, *, stage="intent"):
    customer = make_customer(owner)
    interaction_record(owner, customer.pk, occurred_at="2026-03-02 09:00", **FIVE)
    Customer.objects.filter(pk=customer.pk).update(stage=stage)
    return customer


def stage_of(customer) -> str:
    return Customer.objects.get(pk=customer.pk).stage


@pytest.mark.parametrize(("after", "silent"), [
    (dt.timedelta(days=29, hours=23, minutes=59), False),
    (dt.timedelta(days=30), True),
    (dt.timedelta(days=31), True),
])
def test_silence_boundary(rep, frozen_clock, after, silent):
    customer = contacted(rep)
    sweep(MET + after, "followup.silence")
    assert (stage_of(customer) == "silent") is silent


def test_silence_is_recorded_like_a_system_stage_change_and_told_to_the_owner(rep, manager, frozen_clock):
    customer = contacted(rep, stage="deal")
    moment = MET + dt.timedelta(days=30, hours=1)
    result = sweep(moment, "followup.silence")
    assert result.done["followup.silence"] == 1
    row = Customer.objects.get(pk=customer.pk)
    assert (row.stage, row.previous_stage, row.stage_changed_at) == ("silent", "deal", moment)
    change = StageChange.objects.get(customer=customer, to_stage="silent")
    assert (change.from_stage, change.by, change.at) == ("deal", None, moment)
    assert "30" in change.reason
    event = AuditEvent.objects.get(action="customer.stage", customer_id=customer.pk)
    assert (event.actor, event.actor_name, event.changes, event.note) == (None, "system", {"stage": ["deal", "silent"]},
                                                                           change.reason)
    assert kinds(rep) == [("customer.silent", customer.pk)]
    assert list(silent_customers(rep)) == [row]
    assert list(silent_customers(manager)) == [row]


def test_silence_twice_does_nothing_more(rep, frozen_clock):
    customer = contacted(rep)
    moment = MET + dt.timedelta(days=30, hours=12)
    sweep(moment, "followup.silence")
    again = sweep(moment, "followup.silence")
    again_later = sweep(moment + dt.timedelta(hours=1), "followup.silence")
    assert again.done["followup.silence"] == again_later.done["followup.silence"] == 0
    assert StageChange.objects.filter(customer=customer).count() == 1
    assert len(kinds(rep)) == 1


def test_a_pass_between_the_daily_ones_catches_the_customers_that_just_crossed(rep, frozen_clock):
    customer = contacted(rep)  # last interaction 2026-03-02 09:00
    sweep(local(2026, 4, 1, 8, 0), "followup.silence")  # the day's first pass: everyone
    assert stage_of(customer) == "intent"
    sweep(local(2026, 4, 1, 9, 1), "followup.silence")  # in between: the index range since 08:00
    assert stage_of(customer) == "silent"
    assert kinds(rep) == [("customer.silent", customer.pk)]


def test_never_contacted_customers_fall_silent_from_creation_on_the_daily_pass(rep, frozen_clock):
    customer = make_customer(rep)  # created 2026-03-02 09:30, no interaction
    sweep(local(2026, 4, 1, 9, 29), "followup.silence")
    assert stage_of(customer) == "potential"
    sweep(local(2026, 4, 1, 9, 30), "followup.silence")
    assert stage_of(customer) == "potential"  # not indexed by creation: waits for the next day's pass
    sweep(local(2026, 4, 2, 0, 5), "followup.silence")
    assert stage_of(customer) == "silent"


def test_lost_and_deleted_customers_stay_as_they_are(rep, manager, frozen_clock):
    from kehu.customers.services import customer_soft_delete

    lost = contacted(rep, stage="lost")
    deleted = contacted(rep)
    customer_soft_delete(manager, deleted.pk, version=Customer.objects.get(pk=deleted.pk).version)
    sweep(MET + dt.timedelta(days=40), "followup.silence")
    assert stage_of(lost) == "lost"
    assert stage_of(deleted) == "intent"


def test_next_interaction_brings_it_back_to_its_previous_stage(rep, frozen_clock):
    customer = contacted(rep, stage="intent")
    sweep(MET + dt.timedelta(days=31), "followup.silence")
    assert stage_of(customer) == "silent"
    interaction_record(rep, customer.pk, occurred_at=(MET + dt.timedelta(days=31)).strftime("%Y-%m-%d %H:%M"), **FIVE)
    row = Customer.objects.get(pk=customer.pk)
    assert (row.stage, row.previous_stage) == ("intent", "silent")
    back = StageChange.objects.filter(customer=customer).order_by("-at", "-id").first()
    assert (back.from_stage, back.to_stage, back.by) == ("silent", "intent", None)
    assert row.last_interaction_at == MET + dt.timedelta(days=31)
    assert row.next_follow_up_at == MET + dt.timedelta(days=34)  # intent: every 3 days again


def test_the_owner_who_may_no_longer_see_the_customer_is_not_told(rep, other_rep, frozen_clock):
    customer = contacted(rep)
    Customer.objects.filter(pk=customer.pk).update(owner=None)  # back in the pool: nobody's
    sweep(MET + dt.timedelta(days=31), "followup.silence")
    assert stage_of(customer) == "silent"
    assert kinds(rep) == [] and kinds(other_rep) == []


def test_long_silent_customers_found_on_a_first_pass_are_listed_not_notified(rep, frozen_clock):
    old = contacted(rep)
    sweep(MET + dt.timedelta(days=45), "followup.silence")  # silent since day 30: 15 days ago
    assert stage_of(old) == "silent"
    assert kinds(rep) == []
    assert list(silent_customers(rep)) == [Customer.objects.get(pk=old.pk)]
