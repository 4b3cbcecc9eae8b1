"""R19 surveys (A → B under 80, with an improvement action), R10 greetings 3 days ahead from
editable templates, R7 referral rewards on deal, R16 late entries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from kehu.core.errors import PermissionDenied, ValidationError
from kehu.core.models import AuditEvent
from kehu.customers.models import Customer
from kehu.followup.models import ClassificationChange, Greeting, ReferralReward, Task
from kehu.followup.queries import greetings_due, late_customers, late_interactions, surveys_due, timeline_events
from kehu.followup.services import (
    greeting_mark_sent,
    greeting_template_save,
    interaction_record,
    render_greeting,
    survey_record,
)
from tests.factories import make_customer
from tests.followup.helpers import FIVE, kinds, link, local, sweep

pytestmark = pytest.mark.django_db

SCORES = {"service_quality": 85, "product_function": 90}


# --- surveys -----------------------------------------------------------------------------------

def test_poor_score_moves_an_a_customer_to_b_with_an_improvement_action(rep, manager, frozen_clock):
    customer = make_customer(rep)
    Customer.objects.filter(pk=customer.pk).update(grade="A", stage="deal")
    survey = survey_record(manager, customer.pk, overall=79, **SCORES)
    assert Customer.objects.get(pk=customer.pk).grade == "B"
    change = ClassificationChange.objects.get(customer=customer)
    assert (change.field, change.old_value, change.new_value, change.source, change.by) == ("grade", "A", "B", "survey", None)
    assert "79" in change.reason and "80" in change.reason
    assert AuditEvent.objects.filter(action="customer.grade", customer_id=customer.pk).exists()
    task = survey.improvement_task
    assert (task.kind, task.priority, task.owner, task.status) == ("improvement", "high", rep, "open")
    assert task.due_at == frozen_clock.moment + dt.timedelta(days=7)
    assert kinds(rep) == [("task.assigned", task.pk)]  # the manager recorded it: the owner is told
    titles = [event.kind for event in timeline_events(rep, customer)]
    assert "survey" in titles and "classification" in titles


@pytest.mark.parametrize(("grade", "overall", "new_grade", "action"), [
    ("A", 80, "A", False), ("B", 50, "B", True), ("", 10, "", True)])
def test_only_a_customers_move_and_only_below_the_threshold(rep, frozen_clock, grade, overall, new_grade, action):
    customer = make_customer(rep)
    Customer.objects.filter(pk=customer.pk).update(grade=grade)
    survey = survey_record(rep, customer.pk, overall=overall, **SCORES)
    assert Customer.objects.get(pk=customer.pk).grade == new_grade
    assert (survey.improvement_task is not None) is action
    assert not ClassificationChange.objects.exists()


def test_survey_input_is_checked(rep, viewer, frozen_clock):
    customer = make_customer(rep)
    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        survey_record(rep, customer.pk, service_quality=101, product_function="good", overall=None,
                      surveyed_on="2026-03-09")
    assert set(exc_info.value.message_dict) == {"service_quality", "product_function", "overall", "surveyed_on"}
    link(customer, viewer)
    with pytest.raises(PermissionDenied):
        survey_record(viewer, customer.pk, overall=90, **SCORES)


def test_customers_due_for_a_survey_every_six_months(rep, outsider, frozen_clock):
    deal, fresh, other = (make_customer(rep) for _ in range(3))
    Customer.objects.filter(pk__in=[deal.pk, fresh.pk]).update(stage="deal")
    survey_record(rep, deal.pk, overall=90, surveyed_on="2025-09-02", **SCORES)
    survey_record(rep, fresh.pk, overall=90, surveyed_on="2025-09-03", **SCORES)
    assert list(surveys_due(rep, today=dt.date(2026, 3, 2))) == [deal]  # six months to the day
    assert set(surveys_due(rep, today=dt.date(2026, 3, 3))) == {deal, fresh}
    assert not surveys_due(outsider, today=dt.date(2026, 3, 3)).exists()
    assert other not in surveys_due(rep)


# --- greetings ---------------------------------------------------------------------------------

def birthday_contact(customer, day: dt.date):
    contact = customer.contacts.first()
    contact.birthday = day
    contact.save(update_fields=["birthday"])
    return contact


def test_birthday_greeting_is_due_three_days_ahead_from_the_template(rep, frozen_clock):
    customer = make_customer(rep)
    contact = birthday_contact(customer, dt.date(1980, 3, 6))  # today 2026-03-02: 4 days away
    sweep(local(2026, 3, 2, 9, 0), "followup.greetings")
    assert not Greeting.objects.exists()
    sweep(local(2026, 3, 3, 9, 0), "followup.greetings")
    greeting = Greeting.objects.get()
    assert (greeting.occasion, greeting.contact, greeting.occurs_on, greeting.due_on) == (
        "birthday", contact, dt.date(2026, 3, 6), dt.date(2026, 3, 3))
    assert "张伟" in greeting.text and "采购经理" in greeting.text and customer.name in greeting.text
    assert kinds(rep) == [("greeting.due", greeting.pk)]
    assert list(greetings_due(rep, today=dt.date(2026, 3, 3))) == [greeting]
    sweep(local(2026, 3, 3, 15, 0), "followup.greetings")
    sweep(local(2026, 3, 4, 9, 0), "followup.greetings")
    assert Greeting.objects.count() == 1 and len(kinds(rep)) == 1
    sent = greeting_mark_sent(rep, greeting.pk, text="张总生日快乐！")
    assert (sent.status, sent.sent_by, sent.text) == ("sent", rep, "张总生日快乐！")
    assert not greetings_due(rep, today=dt.date(2026, 3, 4)).exists()
    with pytest.raises(ValidationError):
        greeting_mark_sent(rep, greeting.pk)


def test_anniversary_greeting_counts_the_years(rep, data_admin_user, frozen_clock):
    customer = make_customer(rep)
    Customer.objects.filter(pk=customer.pk).update(first_cooperation_date=dt.date(2023, 3, 5))
    greeting_template_save(data_admin_user, occasion="anniversary", name="周年",
                           body="{name}您好，{company}与我们合作{years}年了（{date}）")
    from kehu.followup.models import GreetingTemplate

    GreetingTemplate.objects.filter(occasion="anniversary").exclude(name="周年").update(is_active=False)
    sweep(local(2026, 3, 2, 8, 0), "followup.greetings")
    greeting = Greeting.objects.get(occasion="anniversary")
    assert greeting.text == f"张伟您好，{customer.name}与我们合作3年了（2026-03-05）"


def test_29_february_birthdays_are_greeted_on_the_28th_in_other_years(rep, frozen_clock):
    customer = make_customer(rep)
    birthday_contact(customer, dt.date(1984, 2, 29))
    sweep(local(2027, 2, 25, 9, 0), "followup.greetings")
    assert Greeting.objects.get().occurs_on == dt.date(2027, 2, 28)


def test_templates_are_edited_by_data_admins_with_known_placeholders(rep, data_admin_user):
    with pytest.raises(PermissionDenied):
        greeting_template_save(rep, occasion="birthday", name="x", body="{name}")
    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        greeting_template_save(data_admin_user, occasion="wedding", name="", body="Dear {nmae}")
    errors = exc_info.value.message_dict
    assert set(errors) == {"occasion", "name", "body"} and "{nmae}" in errors["body"][0]
    template = greeting_template_save(data_admin_user, occasion="birthday", name="简短", body="{name}生日快乐")
    changed = greeting_template_save(data_admin_user, template_id=template.pk, version=1, occasion="birthday",
                                     name="简短", body="{name}（{title}）生日快乐")
    assert changed.version == 2
    assert render_greeting(changed.body, name="张伟", title="经理") == "张伟（经理）生日快乐"
    assert render_greeting("{name} {unknown}", name="张伟") == "张伟 {unknown}"


@pytest.fixture
def data_admin_user(db, team):
    from kehu.accounts.services import user_create

    return user_create(None, username="data.admin", role="data_admin", team=team)


# --- referral rewards --------------------------------------------------------------------------

def test_referral_reward_when_the_referred_customer_signs(rep, other_rep, manager, frozen_clock):
    from kehu.customers.services import transaction_record

    referrer = make_customer(other_rep)
    referred = make_customer(manager, owner=rep, referrer=referrer.pk, referral_reason="老客户介绍")
    sweep(frozen_clock.moment, "followup.referrals")
    assert not ReferralReward.objects.exists()
    transaction_record(rep, referred.pk, signed_on="2026-03-02", amount="50000")
    frozen_clock.advance(minutes=5)
    assert sweep(frozen_clock.moment, "followup.referrals").done["followup.referrals"] == 1
    reward = ReferralReward.objects.get()
    task = reward.task
    assert (reward.customer, reward.referrer, task.customer, task.owner, task.kind) == (
        referred, referrer, referrer, other_rep, "referral_reward")
    assert referrer.name in task.title and referred.name in task.title
    assert kinds(other_rep) == [("referral.reward", reward.pk)]
    assert AuditEvent.objects.filter(action="task.create", object_id=task.pk, actor_name="system").exists()
    assert sweep(frozen_clock.moment + dt.timedelta(hours=1), "followup.referrals").done["followup.referrals"] == 0
    assert Task.objects.filter(kind="referral_reward").count() == 1


# --- late entries (R16) ------------------------------------------------------------------------

def test_interactions_recorded_after_the_limit_are_flagged(rep, outsider, frozen_clock):
    customer = make_customer(rep)  # now 2026-03-02 09:30
    in_time = interaction_record(rep, customer.pk, occurred_at="2026-03-02 07:30", **FIVE)
    late = interaction_record(rep, customer.pk, occurred_at="2026-03-02 07:29", **FIVE)
    assert (in_time.recorded_late, late.recorded_late) == (False, True)
    assert list(late_interactions(rep)) == [late]
    assert not late_interactions(outsider).exists()


def test_customers_entered_long_after_first_contact_are_listed(rep, frozen_clock):
    on_time = make_customer(rep, first_contact_date="2026-03-01")
    late = make_customer(rep, first_contact_date="2026-02-28")
    assert list(late_customers(rep)) == [late]
    assert on_time not in late_customers(rep)
