"""`kehu demo`: realistic, internally consistent demo data (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import models
from django.db.models import Count, Max, Min, Sum

from kehu.core import clock
from kehu.core.validators import clean_email, clean_phone, clean_uscc
from kehu.customers.models import Contact, ContactMethod, Customer, StageChange, Transaction
from kehu.followup.models import Interaction, Task

NUMBER = re.compile(r"^(\d{4})-([A-Z]{3})-(\d{3,})$")  # the default pattern {year}-{industry}-{seq:3}


@pytest.fixture
def demo(db):
    call_command("demo", customers=50, seed=1, verbosity=0)


def test_creates_the_customers_with_team_channels_and_tags(demo):
    from kehu.accounts.models import Team
    from kehu.customers.models import Channel, ChannelCost, Tag

    assert Customer.objects.count() == 50
    assert set(Team.objects.values_list("name", flat=True)) >= {"华东销售一组", "华南销售组", "大客户部"}
    assert not Team.objects.filter(name__in=["华东销售一组", "华南销售组", "大客户部"], lead__isnull=True).exists()
    assert Channel.objects.filter(owner__isnull=False).count() >= 8
    assert ChannelCost.objects.filter(channel__name="行业展会").count() == 12
    assert Tag.objects.count() >= 20
    for customer in Customer.objects.select_related("owner", "previous_owner"):
        owner = customer.owner or customer.previous_owner  # returned to the public pool by the rules
        assert owner.role == "rep"
        assert customer.team_id == owner.team_id is not None


def test_companies_have_an_industry_and_a_valid_credit_code(demo):
    companies = Customer.objects.filter(kind="company")
    assert companies.count() > 30
    for customer in companies:
        assert customer.industry is not None and customer.industry.level == 2, customer.name
        assert clean_uscc(customer.credit_code) == customer.credit_code
        assert customer.name.endswith("公司") and customer.province and customer.city and customer.macro_region
    codes = [c for c in Customer.objects.values_list("credit_code", flat=True) if c]
    assert len(codes) == len(set(codes))


def test_every_customer_has_a_reachable_contact(demo):
    for customer in Customer.objects.all():
        reachable = ContactMethod.objects.filter(customer=customer, contact__is_active=True).values("contact_id")
        assert reachable.exists(), customer.name
        assert Contact.objects.filter(customer=customer, is_active=True, is_primary=True).count() == 1
    for method in ContactMethod.objects.all():
        if method.kind == "phone":
            assert clean_phone(method.raw).e164 == method.value
            assert method.value.endswith(method.digits)
        else:
            assert clean_email(method.raw) == method.value
        assert method.customer_id == method.contact.customer_id


def test_numbers_are_unique_and_follow_the_pattern(demo):
    numbers = list(Customer.objects.values_list("number", "first_contact_date", "industry__abbr", "kind"))
    assert len({n for n, *_ in numbers}) == 50
    for number, first_contact, abbr, kind in numbers:
        match = NUMBER.match(number)
        assert match, number
        assert match.group(1) == str(first_contact.year)
        assert match.group(2) == (abbr or "PER")


def test_derived_totals_match_the_transactions(demo):
    deals = Customer.objects.filter(stage="deal")
    assert deals.exists()
    for customer in deals:
        assert customer.transactions.exists(), customer.name
    totals = Transaction.objects.values("customer_id").annotate(
        count=Count("id"), total=Sum("amount"), first=Min("signed_on"), last=Max("signed_on"))
    assert totals
    for row in totals:
        customer = Customer.objects.get(pk=row["customer_id"])
        amounts = list(customer.transactions.values_list("amount", flat=True))
        assert customer.transaction_count == row["count"] == len(amounts)
        assert customer.total_amount == sum(amounts, Decimal(0)) == row["total"]
        assert customer.first_cooperation_date == row["first"]
        assert customer.last_transaction_date == row["last"]
        assert customer.average_order_value == (customer.total_amount / len(amounts)).quantize(Decimal("0.01"))
        assert customer.first_cooperation_date >= customer.first_contact_date
    signed = models.Q(stage="deal") | models.Q(stage="silent", previous_stage="deal")  # a deal gone quiet
    assert not Customer.objects.exclude(signed).filter(transaction_count__gt=0).exists()
    assert not Customer.objects.filter(transaction_count=0).exclude(total_amount=0).exists()


def test_follow_up_facts_match_the_interactions_and_tasks(demo):
    """next_follow_up_at by the cadence rules (R15), the same function the services use."""
    from kehu.followup.services.cadence import follow_up_due, load_rules

    rules = load_rules()
    last = dict(Interaction.objects.values_list("customer_id").annotate(at=Max("occurred_at")))
    assert len(last) > 30
    for customer in Customer.objects.all():
        assert customer.last_interaction_at == last.get(customer.pk), customer.name
        open_due = Task.objects.filter(customer=customer, status="open").aggregate(due=Min("due_at"))["due"]
        expected = follow_up_due(rules, stage=customer.stage, grade=customer.grade, segment=customer.segment,
                                 created_at=customer.created_at, last_interaction_at=customer.last_interaction_at,
                                 earliest_action=open_due)
        assert customer.next_follow_up_at == expected, customer.name
    due = [task.due_at for task in Task.objects.filter(status="open")]
    assert any(at > clock.now() for at in due) and any(at < clock.now() for at in due)  # some overdue
    for interaction in Interaction.objects.all()[:200]:
        assert interaction.summary and interaction.feedback and interaction.next_step
        assert interaction.recorded_at >= interaction.occurred_at
        late = interaction.recorded_at - interaction.occurred_at > dt.timedelta(hours=2)
        assert interaction.recorded_late == late


def test_stages_are_told_consistently(demo):
    stages = Counter(Customer.objects.values_list("stage", flat=True))
    assert stages["potential"] > 0 and sum(stages.values()) == 50
    for customer in Customer.objects.exclude(stage="potential"):
        final = StageChange.objects.filter(customer=customer).order_by("-at", "-id").first()
        assert final is not None and final.to_stage == customer.stage
        assert final.at == customer.stage_changed_at
        assert customer.previous_stage == final.from_stage
    for customer in Customer.objects.filter(stage="lost"):
        assert customer.lost_reason
    for customer in Customer.objects.filter(stage="silent"):  # R17: 30 days without an interaction
        assert (customer.last_interaction_at or customer.created_at) <= clock.now() - dt.timedelta(days=30)
        assert customer.previous_stage in ("potential", "intent", "deal")
    assert not Customer.objects.exclude(stage="lost").exclude(lost_reason="").exists()
    assert set(Customer.objects.values_list("version", flat=True)) == {1}


def test_customers_are_found_by_search(demo):
    """The search documents are built by database triggers while the demo loads in bulk."""
    from kehu import search
    for customer in Customer.objects.filter(kind="company").select_related("owner")[:5]:
        assert customer.pk in search.search_customer_ids(customer.owner, customer.name, limit=200)
        contact = customer.contacts.filter(is_active=True).first()
        assert customer.pk in search.search_customer_ids(customer.owner, contact.name, limit=200)
        phone = ContactMethod.objects.filter(customer=customer, kind="phone").first()
        if phone is not None:
            assert customer.pk in search.search_customer_ids(customer.owner, phone.digits, limit=200)


def test_running_again_adds_more_without_number_clashes(demo):
    before = set(Customer.objects.values_list("number", flat=True))
    call_command("demo", customers=10, seed=1, verbosity=0)
    numbers = list(Customer.objects.values_list("number", flat=True))
    assert len(numbers) == 60 and len(set(numbers)) == 60
    assert before < set(numbers)
    names = Customer.objects.filter(kind="company").values("name").annotate(n=Count("id")).filter(n__gt=1)
    assert not names.exists()


def test_the_same_seed_draws_the_same_customers(db):
    from kehu.customers.demo import load_refs
    from kehu.customers.demo_customer import CustomerMaker, Spec
    from kehu.customers.demo_history import LocalTime
    from kehu.customers.demo_rules import Rules
    from kehu.customers.demo_profile import Dice

    today = dt.date(2026, 3, 2)
    local_time = LocalTime(dt.datetime(2026, 3, 2, 1, 30), today, dt.timedelta(hours=8))
    refs = load_refs(today, Dice(1))

    def draw(seed):
        return CustomerMaker(Spec(seed, 1000, local_time, Rules.from_settings(), refs)).generate(range(1000, 1010)).rows

    assert draw(7) == draw(7)
    assert [r["name"] for r in draw(8)["customers"]] != [r["name"] for r in draw(7)["customers"]]


def test_a_large_run_uses_the_worker_process_and_rebuilds_the_search_index(db, monkeypatch):
    from kehu.customers import demo

    monkeypatch.setattr(demo, "LARGE_LOAD", 20)  # as if it were large
    call_command("demo", customers=30, seed=2, batch=12, verbosity=0)
    assert Customer.objects.count() == 30
    assert Contact.objects.filter(customer__isnull=True).count() == 0
    assert not Interaction.objects.exclude(contact__customer_id=models.F("customer_id")).exists()
    assert not Task.objects.filter(interaction__isnull=False).exclude(
        interaction__customer_id=models.F("customer_id")).exists()
    from kehu import search
    customer = Customer.objects.select_related("owner").first()
    assert customer.pk in search.search_customer_ids(customer.owner, customer.name, limit=200)
    call_command("demo", customers=3, seed=2, verbosity=0)  # small: through the triggers again
    customer = Customer.objects.select_related("owner").order_by("-id").first()
    assert customer.pk in search.search_customer_ids(customer.owner, customer.name, limit=200)


# --- the demo agrees with the time-based rules: a first sweep changes only what is really due ---
def _state():
    return {row["pk"]: row for row in Customer.objects.values(
        "pk", "stage", "previous_stage", "stage_changed_at", "next_follow_up_at", "owner_id", "previous_owner_id",
        "pool_entered_at", "pool_warned_at")}


def test_a_sweep_right_after_the_load_changes_nothing(db, frozen_clock):
    from kehu.core.models import AuditEvent
    from kehu.core.sweep import run_sweep

    call_command("demo", customers=300, seed=3, verbosity=0)
    stages = Counter(Customer.objects.values_list("stage", flat=True))
    assert stages["silent"] > 20 and stages["potential"] > 20 and stages["intent"] > 20 and stages["deal"] > 20
    in_pool = Customer.objects.filter(owner__isnull=True)
    assert in_pool.count() > 20 and not in_pool.filter(pool_entered_at__isnull=True).exists()
    assert not in_pool.filter(previous_owner__isnull=True).exists()
    assert Customer.objects.filter(owner__isnull=False, pool_warned_at__isnull=False).exists()
    before = _state()
    result = run_sweep(clock.now())
    assert result.ok, result.failed
    assert result.done["followup.silence"] == 0
    assert result.done["followup.cadence"] == 0
    assert result.done["customers.pool"] == 0
    assert result.done["followup.referrals"] == 0  # the demo's referred deals were rewarded when they signed
    assert _state() == before
    assert not AuditEvent.objects.filter(action__in=["customer.stage", "customer.pool_warning",
                                                     "customer.pool_return"]).exists()


def test_a_day_later_the_sweep_does_only_what_fell_due_that_day(db, frozen_clock):
    """Silence, pool warnings and returns a day later: exactly the customers that crossed a limit."""
    from kehu.core.sweep import run_sweep
    from kehu.customers.services.pool import due_for_return, due_for_warning
    from kehu.followup.sweeps.silence import SILENCEABLE, quiet_since

    call_command("demo", customers=300, seed=4, verbosity=0)
    run_sweep(clock.now())
    later = clock.now() + dt.timedelta(days=1)
    quiet = Customer.objects.filter(quiet_since(later - dt.timedelta(days=30)), stage__in=SILENCEABLE)
    expected_silent = set(quiet.values_list("pk", flat=True))
    everyone = Customer.objects.count()
    assert len(expected_silent) < everyone // 20  # a day's worth, not a catch-up
    run_sweep(later, only={"followup.silence"})
    assert set(Customer.objects.filter(stage="silent", stage_changed_at=later).values_list("pk", flat=True)) \
        == expected_silent
    warned = set(due_for_warning(later).values_list("pk", flat=True))
    returned = set(due_for_return(later).values_list("pk", flat=True))
    assert len(warned) + len(returned) < everyone // 20
    run_sweep(later, only={"customers.pool"})
    assert set(Customer.objects.filter(pool_warned_at=later).values_list("pk", flat=True)) == warned
    assert set(Customer.objects.filter(pool_entered_at=later).values_list("pk", flat=True)) == returned
