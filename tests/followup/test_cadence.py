"""R15: the strictest cadence rule plus the earliest open action set next_follow_up_at, the same in
the service (one customer) and in the sweep's SQL (all customers); managers edit the rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from kehu.core.errors import ConflictError, PermissionDenied, ValidationError
from kehu.customers.models import Customer
from kehu.followup.models import CadenceRule
from kehu.followup.queries import overdue_counts, overdue_customers
from kehu.followup.services import (
    cadence_rule_delete,
    cadence_rule_set,
    follow_up_due,
    interaction_record,
    load_rules,
    refresh_follow_up,
    task_create,
)
from kehu.followup.sweeps.cadence import recompute
from tests.factories import make_customer
from tests.followup.helpers import FIVE, local, sweep

pytestmark = pytest.mark.django_db


def classify(customer, **values):
    Customer.objects.filter(pk=customer.pk).update(**values)


def next_follow_up(customer):
    return Customer.objects.get(pk=customer.pk).next_follow_up_at


def test_seed_rules_are_the_documents_defaults():
    assert load_rules() == {
        ("stage", "potential"): 7, ("stage", "intent"): 3, ("stage", "deal"): 30,
        ("grade", "A"): 30, ("grade", "B"): 90, ("grade", "C"): 180,
        ("segment", "high_value"): 7, ("segment", "potential"): 14,
    }


@pytest.mark.parametrize(("stage", "grade", "segment", "days"), [
    ("potential", "", "", 7),
    ("intent", "", "", 3),
    ("deal", "", "", 30),
    ("deal", "A", "", 30),
    ("deal", "C", "", 30),
    ("deal", "A", "high_value", 7),  # the segment's weekly beats the deal's monthly
    ("deal", "B", "potential", 14),
    ("intent", "A", "high_value", 3),  # the stage's 3 days beat everything
    ("silent", "B", "", 90),  # no stage rule for silent: the grade's applies
    ("silent", "", "", None),
])
def test_strictest_rule_wins(rep, frozen_clock, stage, grade, segment, days):
    customer = make_customer(rep)
    interaction_record(rep, customer.pk, occurred_at="2026-03-02 09:00", **FIVE)
    classify(customer, stage=stage, grade=grade, segment=segment)
    refresh_follow_up(customer.pk)
    expected = None if days is None else local(2026, 3, 2, 9, 0) + dt.timedelta(days=days)
    assert next_follow_up(customer) == expected


def test_earliest_of_cadence_and_open_actions(rep, frozen_clock):
    customer = make_customer(rep)
    interaction_record(rep, customer.pk, occurred_at="2026-03-02 09:00", **FIVE)
    assert next_follow_up(customer) == local(2026, 3, 9, 9, 0)  # potential: weekly
    task_create(rep, customer.pk, title="寄样品", due_at="2026-03-04 10:00")
    assert next_follow_up(customer) == local(2026, 3, 4, 10, 0)  # the action comes first
    task_create(rep, customer.pk, title="回访", due_at="2026-03-20 10:00")
    assert next_follow_up(customer) == local(2026, 3, 4, 10, 0)


def test_an_action_planned_later_than_the_cadence_does_not_postpone_it(rep, frozen_clock):
    customer = make_customer(rep)
    interaction_record(rep, customer.pk, occurred_at="2026-03-02 09:00",
                       next_action={"title": "月底回访", "due_at": "2026-03-30 10:00"}, **FIVE)
    assert next_follow_up(customer) == local(2026, 3, 9, 9, 0)


def test_never_contacted_customer_counts_from_creation_unless_contact_is_planned(rep, frozen_clock):
    customer = make_customer(rep)  # created 2026-03-02 09:30
    refresh_follow_up(customer.pk)
    assert next_follow_up(customer) == local(2026, 3, 9, 9, 30)
    task_create(rep, customer.pk, title="首次电话", due_at="2026-03-12 10:00")
    assert next_follow_up(customer) == local(2026, 3, 12, 10, 0)


def test_lost_customers_follow_no_cadence(rep, frozen_clock):
    customer = make_customer(rep)
    interaction_record(rep, customer.pk, occurred_at="2026-03-02 09:00", **FIVE)
    classify(customer, stage="lost")
    refresh_follow_up(customer.pk)
    assert next_follow_up(customer) is None


def test_sweep_sql_agrees_with_the_service(rep, other_rep, frozen_clock):
    """Many shapes of customer; the sweep's bulk UPDATE must give what follow_up_due gives."""
    shapes = [
        ("potential", "", "", None, None), ("intent", "A", "", "2026-03-01 08:15", None),
        ("deal", "A", "high_value", "2026-02-20 17:45", "2026-03-03 09:00"),
        ("deal", "C", "", "2026-01-05 10:00", "2026-04-01 09:00"), ("silent", "B", "potential", "2026-01-01 09:00", None),
        ("lost", "A", "", "2026-02-01 09:00", "2026-03-10 09:00"), ("lost", "", "", None, None),
        ("potential", "", "", None, "2026-03-06 14:00"), ("intent", "Z", "ordinary", "2026-02-28 23:59", None),
    ]
    customers = []
    for index, (stage, grade, segment, met, action) in enumerate(shapes):
        customer = make_customer(rep if index % 2 else other_rep)
        if met:
            interaction_record(customer.owner, customer.pk, occurred_at=met, **FIVE)
        if action:
            task_create(customer.owner, customer.pk, title="跟进", due_at=action)
        classify(customer, stage=stage, grade=grade, segment=segment, next_follow_up_at=local(2030, 1, 1))
        customers.append(customer)
    changed = recompute(batch=3)  # several batches
    assert changed == len(customers)
    rules = load_rules()
    for customer in customers:
        row = Customer.objects.get(pk=customer.pk)
        from django.db.models import Min

        earliest = row.tasks.filter(status="open").aggregate(m=Min("due_at"))["m"]
        expected = follow_up_due(rules, stage=row.stage, grade=row.grade, segment=row.segment,
                                 created_at=row.created_at, last_interaction_at=row.last_interaction_at,
                                 earliest_action=earliest)
        assert row.next_follow_up_at == expected, (row.stage, row.grade, row.segment)
    assert recompute() == 0  # nothing left to change: a second pass writes nothing


def test_a_changed_rule_reaches_customers_on_the_next_sweep(rep, manager, frozen_clock):
    customer = make_customer(rep)
    interaction_record(rep, customer.pk, occurred_at="2026-03-02 09:00", **FIVE)
    rule = CadenceRule.objects.get(dimension="stage", value="potential")
    cadence_rule_set(manager, dimension="stage", value="potential", interval_days=5, version=rule.version)
    assert next_follow_up(customer) == local(2026, 3, 9, 9, 0)
    result = sweep(frozen_clock.moment, "followup.cadence")
    assert result.done["followup.cadence"] >= 1
    assert next_follow_up(customer) == local(2026, 3, 7, 9, 0)


def test_rules_are_edited_by_managers_only_with_clear_errors(rep, manager, frozen_clock):
    with pytest.raises(PermissionDenied):
        cadence_rule_set(rep, dimension="stage", value="intent", interval_days=1)
    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        cadence_rule_set(manager, dimension="mood", value="", interval_days=0)
    assert set(exc_info.value.message_dict) == {"dimension", "value", "interval_days"}
    assert "1 to 3660" in exc_info.value.message_dict["interval_days"][0]
    rule = cadence_rule_set(manager, dimension="segment", value="churn_risk", interval_days=10)
    assert (rule.version, rule.interval_days) == (1, 10)
    rule = cadence_rule_set(manager, dimension="segment", value="churn_risk", interval_days=5, version=1)
    assert (rule.version, rule.interval_days) == (2, 5)
    with pytest.raises(ConflictError):
        cadence_rule_set(manager, dimension="segment", value="churn_risk", interval_days=4, version=1)
    cadence_rule_delete(manager, rule.pk, version=2)
    assert not CadenceRule.objects.filter(value="churn_risk").exists()
    from kehu.core.models import AuditEvent

    assert list(AuditEvent.objects.filter(action__startswith="cadence.").values_list("action", flat=True)) == [
        "cadence.delete", "cadence.update", "cadence.create"]


def test_overdue_customers_per_rep_and_team(rep, other_rep, manager, outsider, frozen_clock):
    mine = [make_customer(rep) for _ in range(2)]
    theirs = make_customer(other_rep)
    for customer in [*mine, theirs]:
        interaction_record(customer.owner, customer.pk, occurred_at="2026-03-02 09:00", **FIVE)
    later = local(2026, 3, 10, 9, 0)  # potential: due 03-09 09:00
    assert set(overdue_customers(rep, now=later)) == set(mine)
    assert set(overdue_customers(manager, now=later)) == {*mine, theirs}
    assert list(overdue_customers(manager, now=later, owner=other_rep)) == [theirs]
    assert not overdue_customers(rep, now=local(2026, 3, 9, 8, 59)).exists()
    assert not overdue_customers(outsider, now=later).exists()
    counts = overdue_counts(manager, now=later)
    assert [(row["owner"], row["count"]) for row in counts] == [("李销售", 2), ("赵销售", 1)]


def test_between_daily_passes_only_changed_customers_are_recomputed(rep, frozen_clock):
    customer = make_customer(rep)
    interaction_record(rep, customer.pk, occurred_at="2026-03-02 09:00", **FIVE)
    classify(customer, stage="deal")  # written without a timestamp, as a bulk rule might
    sweep(local(2026, 3, 2, 10, 0), "followup.cadence")  # the day's first pass: everyone
    assert next_follow_up(customer) == local(2026, 4, 1, 9, 0)
    classify(customer, stage="intent", stage_changed_at=local(2026, 3, 2, 10, 30))  # a stage move
    sweep(local(2026, 3, 2, 11, 0), "followup.cadence")
    assert next_follow_up(customer) == local(2026, 3, 5, 9, 0)
    classify(customer, stage="deal", segment="high_value")  # again no timestamp: waits for the daily pass
    sweep(local(2026, 3, 2, 12, 0), "followup.cadence")
    assert next_follow_up(customer) == local(2026, 3, 5, 9, 0)
    sweep(local(2026, 3, 3, 0, 5), "followup.cadence")
    assert next_follow_up(customer) == local(2026, 3, 9, 9, 0)
