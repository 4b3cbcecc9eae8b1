"""The public pool (公海) at its day boundaries: warning 3 days before, return after 30 days without
follow-up (defaults), claims with a daily limit, the previous owner's wait, manager assignment."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from kehu.core.errors import NotFound, PermissionDenied, ValidationError
from kehu.core.models import AuditEvent, Setting
from kehu.core.policy import get_visible_customer, pool_customers
from kehu.core.sweep import checks
from kehu.customers.models import Customer
from kehu.customers.services import pool_assign, pool_claim, pool_release
from kehu.customers.services.pool import pool_returned, pool_warning, returns_on
from tests.factories import make_customer


def at(text: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(text))


def sweep(moment: str) -> int:
    (check,) = [c for c in checks() if c.name == "customers.pool"]
    return check.run(at(moment))


@pytest.fixture
def silent(world, frozen_clock):
    """A customer of owner_rep created 2026-03-02 09:30 and never followed up since."""
    return make_customer(world.owner_rep)


def test_warning_three_days_before_at_midnight(world, silent, django_capture_on_commit_callbacks):
    received = []
    pool_warning.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="test-warning")
    try:
        assert sweep("2026-03-28 23:59") == 0
        with django_capture_on_commit_callbacks(execute=True):
            assert sweep("2026-03-29 00:00") == 1
    finally:
        pool_warning.disconnect(dispatch_uid="test-warning")
    event = AuditEvent.objects.get(action="customer.pool_warning", customer_id=silent.pk)
    assert event.changes["returns_on"] == [None, "2026-04-01"]
    assert received == [{"signal": pool_warning, "sender": Customer, "owner_id": world.owner_rep.pk,
                         "customer_ids": [silent.pk]}]
    assert sweep("2026-03-29 00:00") == 0 and sweep("2026-03-30 12:00") == 0  # idempotent
    assert returns_on(Customer.objects.get(pk=silent.pk)) == dt.date(2026, 4, 1)


def test_return_on_day_thirty_at_midnight(world, silent, django_capture_on_commit_callbacks):
    sweep("2026-03-29 08:00")
    assert sweep("2026-03-31 23:59") == 0
    returned = []
    pool_returned.connect(lambda **kw: returned.append(kw["customer_ids"]), weak=False, dispatch_uid="test-ret")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert sweep("2026-04-01 00:00") == 1
    finally:
        pool_returned.disconnect(dispatch_uid="test-ret")
    assert returned == [[silent.pk]]
    customer = Customer.objects.get(pk=silent.pk)
    assert customer.owner is None and customer.previous_owner == world.owner_rep
    assert customer.pool_entered_at == at("2026-04-01 00:00") and customer.team == world.team_a
    event = AuditEvent.objects.get(action="customer.pool_return")
    assert event.actor is None and event.changes["owner"] == [world.owner_rep.pk, None]
    with pytest.raises(NotFound):
        get_visible_customer(world.owner_rep, silent.pk)
    assert get_visible_customer(world.manager, silent.pk)  # the team lead still sees it
    assert pool_customers(world.other_rep).filter(pk=silent.pk).exists()
    assert not pool_customers(world.rep_b).filter(pk=silent.pk).exists()
    assert sweep("2026-04-01 00:00") == 0


def test_no_return_without_a_warning_days_before(world, silent):
    """A sweep that first runs long after the silence began warns, and returns 3 days later."""
    assert sweep("2026-05-10 09:00") == 1
    assert AuditEvent.objects.filter(action="customer.pool_warning").count() == 1
    assert sweep("2026-05-12 23:59") == 0
    assert sweep("2026-05-13 00:00") == 1
    assert Customer.objects.get(pk=silent.pk).owner is None


def test_a_follow_up_restarts_the_count(world, silent, frozen_clock):
    from kehu.followup.services import interaction_record

    sweep("2026-03-29 08:00")  # warned
    frozen_clock.set(dt.datetime(2026, 3, 30, 10, 0))
    interaction_record(world.owner_rep, silent.pk, occurred_at="2026-03-30 10:00", method="phone",
                       summary="回访", feedback="还在评估", next_step="下周再联系")
    assert sweep("2026-04-01 00:00") == 0
    assert sweep("2026-04-25 23:59") == 0
    assert sweep("2026-04-26 00:00") == 1  # warned again, 27 days after the interaction
    assert sweep("2026-04-29 00:00") == 1  # and returned on day 30
    assert Customer.objects.get(pk=silent.pk).owner is None


def test_signed_customers_and_deleted_ones_never_return(world, frozen_clock):
    from kehu.customers.services import customer_soft_delete, transaction_record

    signed = make_customer(world.owner_rep)
    transaction_record(world.owner_rep, signed.pk, signed_on="2026-03-01", amount="1000")
    deleted = make_customer(world.owner_rep)
    customer_soft_delete(world.manager, deleted.pk, version=deleted.version)
    sweep("2026-06-01 00:00")
    sweep("2026-06-10 00:00")
    assert Customer.objects.get(pk=signed.pk).owner == world.owner_rep
    assert Customer.objects.get(pk=deleted.pk).owner == world.owner_rep


def test_the_settings_move_the_boundaries(world, silent):
    Setting.objects.create(key="pool_return_days", value=10)
    Setting.objects.create(key="pool_warning_days", value=0)
    assert sweep("2026-03-11 23:59") == 0
    assert sweep("2026-03-12 00:00") == 1
    assert not AuditEvent.objects.filter(action="customer.pool_warning").exists()


def _in_pool(world, count=1):
    customers = [make_customer(world.owner_rep) for _ in range(count)]
    for customer in customers:
        pool_release(world.owner_rep, customer.pk, reason="客户暂无需求")
    return customers


def test_claim_moves_owner_and_open_actions(world, frozen_clock):
    from kehu.followup.services import task_create

    customer = make_customer(world.owner_rep)
    task = task_create(world.owner_rep, customer.pk, title="回访", due_at="2026-12-01 10:00")
    pool_release(world.owner_rep, customer.pk, reason="客户暂无需求")
    claimed = pool_claim(world.other_rep, customer.pk)
    assert (claimed.owner, claimed.team, claimed.pool_entered_at) == (world.other_rep, world.team_a, None)
    assert claimed.owner_since == frozen_clock.moment and claimed.previous_owner == world.owner_rep
    task.refresh_from_db()
    assert task.owner == world.other_rep
    assert AuditEvent.objects.filter(action="customer.pool_claim", actor=world.other_rep).count() == 1
    with pytest.raises(NotFound):
        pool_claim(world.manager, customer.pk)  # claimed: no longer in the pool


def test_daily_claim_limit_resets_at_midnight(world, frozen_clock):
    Setting.objects.create(key="pool_claim_limit_per_day", value=2)
    first, second, third = _in_pool(world, 3)
    frozen_clock.set(dt.datetime(2026, 3, 2, 23, 58))
    pool_claim(world.other_rep, first.pk)
    pool_claim(world.other_rep, second.pk)
    frozen_clock.set(dt.datetime(2026, 3, 2, 23, 59))
    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        pool_claim(world.other_rep, third.pk)
    assert "daily limit" in exc_info.value.message_dict["customer"][0]
    frozen_clock.set(dt.datetime(2026, 3, 3, 0, 0))
    assert pool_claim(world.other_rep, third.pk).owner == world.other_rep


def test_previous_owner_waits_before_claiming_again(world, frozen_clock):
    (customer,) = _in_pool(world)  # left owner_rep on 2026-03-02
    frozen_clock.set(dt.datetime(2026, 3, 8, 23, 59))
    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        pool_claim(world.owner_rep, customer.pk)
    assert "2026-03-09" in exc_info.value.message_dict["customer"][0]
    frozen_clock.set(dt.datetime(2026, 3, 9, 0, 0))
    assert pool_claim(world.owner_rep, customer.pk).owner == world.owner_rep


def test_who_may_claim(world, frozen_clock):
    (customer,) = _in_pool(world)
    with pytest.raises(NotFound):
        pool_claim(world.rep_b, customer.pk)  # another team's pool
    with pytest.raises(PermissionDenied):
        pool_claim(world.collaborator_assigned, customer.pk)
    with pytest.raises(PermissionDenied):
        pool_claim(world.deactivated, customer.pk)
    with pytest.raises(NotFound):
        pool_claim(world.other_rep, world.theirs.pk)  # owned, not in any pool


def test_manager_assigns_from_the_pool(world, frozen_clock):
    first, second = _in_pool(world, 2)
    with pytest.raises(PermissionDenied):
        pool_assign(world.other_rep, first.pk, world.other_rep)
    with pytest.raises(NotFound):
        pool_assign(world.manager_other_team, first.pk, world.rep_b)
    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        pool_assign(world.manager, first.pk, world.rep_b)
    assert "to_owner" in exc_info.value.message_dict
    Setting.objects.create(key="pool_claim_limit_per_day", value=0)  # the limit is for claims only
    assigned = pool_assign(world.manager, first.pk, world.other_rep, reason="重点客户，指定跟进")
    assert assigned.owner == world.other_rep
    event = AuditEvent.objects.get(action="customer.pool_assign")
    assert (event.actor, event.note) == (world.manager, "重点客户，指定跟进")


def test_release_needs_owner_or_lead_and_a_reason(world):
    customer = make_customer(world.owner_rep)
    with pytest.raises(NotFound):
        pool_release(world.other_rep, customer.pk, reason="x")
    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        pool_release(world.owner_rep, customer.pk, reason="")
    assert "reason" in exc_info.value.message_dict
    released = pool_release(world.manager, customer.pk, reason="重新分配")
    assert released.owner is None and released.pool_entered_at is not None
    with pytest.raises(ValidationError):
        pool_release(world.manager, customer.pk, reason="again")


def test_kehu_sweep_runs_the_pool_check(world, silent):
    from django.core.management import call_command

    call_command("sweep", "--only", "customers.pool", "--at", "2026-03-29 00:00", verbosity=0)
    call_command("sweep", "--only", "customers.pool", "--at", "2026-04-01 00:00", verbosity=0)
    assert Customer.objects.get(pk=silent.pk).owner is None
    assert list(AuditEvent.objects.filter(customer_id=silent.pk, action__startswith="customer.pool_")
                .order_by("at").values_list("action", flat=True)) == ["customer.pool_warning", "customer.pool_return"]


def test_zero_days_switches_the_pool_off(world, silent):
    Setting.objects.create(key="pool_return_days", value=0)
    assert sweep("2026-06-01 00:00") == 0 and sweep("2026-06-10 00:00") == 0
    assert returns_on(silent) is None and Customer.objects.get(pk=silent.pk).owner == world.owner_rep


def test_many_due_at_once_are_handled_in_batches(world, frozen_clock, monkeypatch):
    from kehu.customers.services import pool

    monkeypatch.setattr(pool, "BATCH", 3)
    customers = [make_customer(world.owner_rep) for _ in range(8)]
    assert sweep("2026-03-29 00:00") == 8
    assert sweep("2026-04-01 00:00") == 8
    assert not Customer.objects.filter(pk__in=[c.pk for c in customers], owner__isnull=False).exists()


# --- the sweep's set-based path ---------------------------------------------------------------
def test_a_first_pass_over_many_writes_everything_set_based(world, frozen_clock, monkeypatch,
                                                              django_assert_max_num_queries):
    """Batches of ids, each a handful of statements whatever its size: audit events, the owners'
    notifications, the version bump and the previous owner, as handover.move_owners writes them."""
    from kehu.customers.services import pool
    from kehu.notify.models import Notification

    monkeypatch.setattr(pool, "BATCH", 25)
    customers = [make_customer(world.owner_rep) for _ in range(30)] + [make_customer(world.other_rep) for _ in range(20)]
    ids = {c.pk for c in customers}
    with django_assert_max_num_queries(60):  # 2 batches of 25; not one query per customer
        assert sweep("2026-03-29 00:00") == 50
    assert set(Customer.objects.filter(pool_warned_at=at("2026-03-29 00:00")).values_list("pk", flat=True)) == ids
    events = AuditEvent.objects.filter(action="customer.pool_warning")
    assert events.count() == 50 and {e.changes["returns_on"][1] for e in events} == {"2026-04-01"}
    assert {e.customer_id for e in events} == ids and {e.actor_name for e in events} == {"system"}
    assert Notification.objects.filter(kind="pool.warning", user=world.owner_rep).count() == 30
    with django_assert_max_num_queries(60):
        assert sweep("2026-04-01 00:00") == 50
    for customer in Customer.objects.filter(pk__in=ids):
        assert customer.owner_id is None and customer.owner_since is None and customer.pool_warned_at is None
        assert customer.previous_owner_id in (world.owner_rep.pk, world.other_rep.pk)
        assert customer.version == 2 and customer.updated_at == at("2026-04-01 00:00")
    returns = AuditEvent.objects.filter(action="customer.pool_return")
    assert returns.count() == 50
    assert {tuple(e.changes["owner"]) for e in returns} == {(world.owner_rep.pk, None), (world.other_rep.pk, None)}
    assert len({e.note for e in returns}) == 1 and "30" in returns[0].note
    assert Notification.objects.filter(kind="pool.returned", user=world.other_rep).count() == 20


def test_between_midnights_only_changed_customers_are_looked_at(world, frozen_clock):
    """Who is due changes at midnight; during the day a stage move (a service write) can make a
    customer due at once and is seen by the next pass. A change made behind the services' back
    waits for the next day's full pass."""
    from kehu.customers.services import customer_change_stage

    signed, imported = make_customer(world.owner_rep), make_customer(world.owner_rep)
    Customer.objects.filter(pk__in=[signed.pk, imported.pk]).update(stage="deal")
    assert sweep("2026-04-10 00:00") == 0  # deal customers stay with their owner
    frozen_clock.set(dt.datetime(2026, 4, 10, 10, 0))
    customer_change_stage(world.owner_rep, signed.pk, stage="lost", reason="选了竞品",
                          version=Customer.objects.get(pk=signed.pk).version)
    Customer.objects.filter(pk=imported.pk).update(stage="lost")  # no updated_at: not a service write
    assert sweep("2026-04-10 10:05") == 1
    assert Customer.objects.get(pk=signed.pk).pool_warned_at == at("2026-04-10 10:05")
    assert Customer.objects.get(pk=imported.pk).pool_warned_at is None
    assert sweep("2026-04-10 23:59") == 0
    assert sweep("2026-04-11 00:00") == 1  # the day's full pass warns the other
    assert sweep("2026-04-13 00:00") == 1  # each returns 3 days after its own warning
    assert Customer.objects.get(pk=signed.pk).owner is None
    assert sweep("2026-04-14 00:00") == 1
    assert Customer.objects.get(pk=imported.pk).owner is None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_sweeps_warn_and_return_each_customer_once(rep, other_rep, frozen_clock):
    """Four processes run the pool check at the same moment (on PostgreSQL truly in parallel, each
    taking the rows the others do not hold); every customer is warned and returned exactly once."""
    import time

    from kehu.notify.models import Notification
    from tests.procs import start_python

    customers = [make_customer(rep if index % 2 else other_rep) for index in range(120)]
    ids = {c.pk for c in customers}

    def four_at_once(moment: str) -> int:
        start = time.time() + 4  # all four begin together, after Django has loaded
        code = ("import datetime as dt, time; from django.utils import timezone\n"
                "from kehu.core.sweep import run_sweep\n"
                "from kehu.customers.services import pool\n"
                "pool.BATCH = 7  # many small transactions, so the processes interleave\n"
                f"time.sleep(max(0, {start} - time.time()))\n"
                f"r = run_sweep(timezone.make_aware(dt.datetime.fromisoformat('{moment}')), only={{'customers.pool'}})\n"
                "assert r.ok, r.failed\nprint(r.done['customers.pool'])")
        processes = [start_python(code) for _ in range(4)]
        done = 0
        for process in processes:
            out, err = process.communicate(timeout=180)
            assert process.returncode == 0, err
            done += int(out.strip().splitlines()[-1])
        return done

    assert four_at_once("2026-03-29 00:00") == 120
    assert AuditEvent.objects.filter(action="customer.pool_warning").count() == 120
    assert Notification.objects.filter(kind="pool.warning").count() == 120
    assert four_at_once("2026-04-01 00:00") == 120
    assert AuditEvent.objects.filter(action="customer.pool_return").count() == 120
    assert Notification.objects.filter(kind="pool.returned").count() == 120
    rows = Customer.objects.filter(pk__in=ids)
    assert not rows.filter(owner__isnull=False).exists()
    assert set(rows.values_list("version", flat=True)) == {2}  # moved once
    assert {c.previous_owner_id for c in rows} == {rep.pk, other_rep.pk}
