"""interaction_record, task_create, task_update, task_complete and the follow-up facts they keep."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from kehu.core.errors import ConflictError, PermissionDenied, ValidationError
from kehu.core.models import AuditEvent
from kehu.customers.models import Customer
from kehu.followup.models import Interaction, Task
from kehu.followup.services import interaction_record, task_complete, task_create, task_update
from tests.factories import make_customer

pytestmark = pytest.mark.django_db

FIVE = {"occurred_at": "2026-03-02 09:00", "method": "phone", "summary": "介绍了方案",
        "feedback": "对价格有顾虑", "next_step": "下周发报价"}


def local(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


def test_interaction_with_next_action_updates_customer(rep, frozen_clock):
    customer = make_customer(rep)
    interaction = interaction_record(rep, customer.pk, mood="hesitant", responded=True,
                                     next_action={"title": "发送报价", "due_at": "2026-03-05 10:00", "priority": "high"},
                                     **FIVE)
    assert interaction.occurred_at == local(2026, 3, 2, 9, 0)
    assert interaction.recorded_at == frozen_clock.moment and interaction.user == rep
    task = Task.objects.get(interaction=interaction)
    assert (task.title, task.owner, task.priority, task.status) == ("发送报价", rep, "high", "open")
    customer.refresh_from_db()
    assert customer.last_interaction_at == local(2026, 3, 2, 9, 0)
    assert customer.next_follow_up_at == local(2026, 3, 5, 10, 0)
    assert customer.version == 1
    assert AuditEvent.objects.filter(action__in=["interaction.create", "task.create"], customer_id=customer.pk).count() == 2


@pytest.mark.parametrize("missing", ["occurred_at", "method", "summary", "feedback", "next_step"])
def test_five_elements_are_required(rep, missing):
    customer = make_customer(rep)
    data = {**FIVE, missing: ""}
    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        interaction_record(rep, customer.pk, **data)
    assert exc_info.value.message_dict[missing][0].endswith("is required.")
    assert not Interaction.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"occurred_at": "2026/03/02 9点"}, "occurred_at", "2024-03-15 14:30"),
        ({"occurred_at": "2026-03-09 09:00"}, "occurred_at", "future"),
        ({"method": "telepathy"}, "method", "must be one of"),
        ({"mood": "angry"}, "mood", "must be one of"),
        ({"contact": 999999}, "contact", "this customer's contacts"),
        ({"colour": "red"}, "colour", "not an interaction field"),
    ],
)
def test_interaction_bad_input(rep, frozen_clock, changes, field, fragment):
    customer = make_customer(rep)
    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        interaction_record(rep, customer.pk, **{**FIVE, **changes})
    assert fragment in exc_info.value.message_dict[field][0]


def test_bad_next_action_rolls_back_the_interaction(rep, frozen_clock):
    customer = make_customer(rep)
    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        interaction_record(rep, customer.pk, next_action={"title": "", "due_at": "tomorrow"}, **FIVE)
    assert {"next_action.title", "next_action.due_at"} <= set(exc_info.value.message_dict)
    assert not Interaction.objects.exists() and not Task.objects.exists()


def test_task_lifecycle_and_follow_up_date(rep, frozen_clock):
    customer = make_customer(rep)
    first = task_create(rep, customer.pk, title="回访", due_at="2026-03-10 09:00")
    second = task_create(rep, customer.pk, title="寄样品", due_at="2026-03-04 09:00", priority="low")
    assert Customer.objects.get(pk=customer.pk).next_follow_up_at == local(2026, 3, 4, 9, 0)
    moved = task_update(rep, second.pk, version=1, due_at="2026-03-12 09:00")
    assert moved.version == 2
    assert Customer.objects.get(pk=customer.pk).next_follow_up_at == local(2026, 3, 10, 9, 0)
    done = task_complete(rep, first.pk, version=1, result="客户确认需求")
    assert done.status == "done" and done.completed_by == rep and done.completed_at == frozen_clock.moment
    assert Customer.objects.get(pk=customer.pk).next_follow_up_at == local(2026, 3, 12, 9, 0)
    with pytest.raises(ValidationError):
        task_complete(rep, first.pk, version=2)
    with pytest.raises(ConflictError):
        task_update(rep, second.pk, version=1, priority="high")


def test_task_bad_input_and_permissions(rep, other_rep):
    customer = make_customer(rep)
    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        task_create(rep, customer.pk, title="x", due_at="2026-03-10 09:00", priority="urgent")
    assert "priority" in exc_info.value.message_dict
    for due in ("1899-12-31 23:59", "9999-01-01 00:00"):  # outside what time zones and lead times handle
        with translation.override("en"), pytest.raises(ValidationError) as exc_info:
            task_create(rep, customer.pk, title="x", due_at=due)
        assert "between the years 1900 and 9998" in exc_info.value.message_dict["due_at"][0]
    task = task_create(rep, customer.pk, title="x", due_at="2026-03-10 09:00")
    from kehu.core.errors import NotFound

    with pytest.raises(NotFound):
        task_complete(other_rep, task.pk, version=1)


def test_collaborator_with_interaction_right_can_record_but_not_edit(rep, team):
    from kehu.accounts.services import user_create
    from kehu.customers.models import CustomerCollaborator
    from kehu.customers.services import customer_update

    service = user_create(None, username="kefu", role="collaborator", team=team)
    customer = make_customer(rep)
    CustomerCollaborator.objects.create(customer=customer, user=service, can_record_interaction=True)
    interaction_record(service, customer.pk, occurred_at=timezone.now() - dt.timedelta(hours=1),
                       **{k: v for k, v in FIVE.items() if k != "occurred_at"})
    with pytest.raises(PermissionDenied):
        customer_update(service, customer.pk, version=1, short_name="x")
