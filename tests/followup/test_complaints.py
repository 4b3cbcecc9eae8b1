"""R18: response due in 24 h, solution in 48 h; breaches flagged (23 h 59 min vs 24 h 01 min) and
told to the handler and the team lead; open → responded → resolved → reopened."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from kehu.core.errors import NotFound, PermissionDenied, ValidationError
from kehu.followup.models import Complaint
from kehu.followup.queries import breached_complaints, complaints, timeline_events
from kehu.followup.services import complaint_open, complaint_reopen, complaint_resolve, complaint_respond
from tests.factories import make_customer
from tests.followup.helpers import kinds, link, sweep

pytestmark = pytest.mark.django_db
SLA = "followup.complaints"


@pytest.fixture
def complaint(rep, frozen_clock):
    customer = make_customer(rep)
    return complaint_open(rep, customer.pk, description="交付延迟两周，影响了生产", channel="phone", severity="high")


def flags(complaint):
    row = Complaint.objects.get(pk=complaint.pk)
    return bool(row.response_breached_at), bool(row.solution_breached_at)


def test_deadlines_follow_the_settings(complaint, frozen_clock):
    assert complaint.status == "open"
    assert complaint.response_due_at == frozen_clock.moment + dt.timedelta(hours=24)
    assert complaint.solution_due_at == frozen_clock.moment + dt.timedelta(hours=48)


@pytest.mark.parametrize(("after", "breached"), [(dt.timedelta(hours=23, minutes=59), False),
                                                 (dt.timedelta(hours=24, minutes=1), True)])
def test_response_deadline_boundary(rep, manager, complaint, frozen_clock, after, breached):
    sweep(frozen_clock.moment + after, SLA)
    assert flags(complaint) == (breached, False)
    expected = [("complaint.response_breach", complaint.pk)] if breached else []
    assert kinds(rep) == expected
    assert kinds(manager) == expected  # the lead of the customer's team


@pytest.mark.parametrize(("after", "breached"), [(dt.timedelta(hours=47, minutes=59), False),
                                                 (dt.timedelta(hours=48, minutes=1), True)])
def test_solution_deadline_boundary(rep, complaint, frozen_clock, after, breached):
    start = frozen_clock.moment
    frozen_clock.advance(hours=2)
    complaint = complaint_respond(rep, complaint.pk, version=complaint.version, response="已联系物流，明天给方案")
    sweep(start + after, SLA)
    assert flags(complaint) == (False, breached)


def test_breach_is_flagged_and_told_once(rep, manager, complaint, frozen_clock):
    later = frozen_clock.moment + dt.timedelta(days=3)
    assert sweep(later, SLA).done[SLA] == 2
    assert sweep(later, SLA).done[SLA] == 0
    assert sweep(later + dt.timedelta(hours=1), SLA).done[SLA] == 0
    assert kinds(rep) == [("complaint.response_breach", complaint.pk), ("complaint.solution_breach", complaint.pk)]
    assert len(kinds(manager)) == 2
    assert list(breached_complaints(rep)) == [Complaint.objects.get(pk=complaint.pk)]


def test_a_late_answer_flags_the_deadline_it_missed(rep, complaint, frozen_clock):
    frozen_clock.advance(hours=25)
    answered = complaint_respond(rep, complaint.pk, version=complaint.version, response="抱歉回复晚了")
    assert answered.response_breached_at == frozen_clock.moment and answered.solution_breached_at is None
    frozen_clock.advance(hours=1)
    resolved = complaint_resolve(rep, complaint.pk, version=answered.version, resolution="补发货并赔偿运费")
    assert resolved.status == "resolved" and resolved.solution_breached_at is None  # 26 h < 48 h


def test_statuses_and_reopen(rep, complaint, frozen_clock):
    with pytest.raises(ValidationError):
        complaint_reopen(rep, complaint.pk, version=complaint.version, reason="不满意")
    resolved = complaint_resolve(rep, complaint.pk, version=complaint.version, resolution="已补发")
    assert resolved.responded_at == frozen_clock.moment  # a solution is also the answer
    with pytest.raises(ValidationError):
        complaint_resolve(rep, complaint.pk, version=resolved.version, resolution="again")
    frozen_clock.advance(days=3)
    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        complaint_reopen(rep, complaint.pk, version=resolved.version, reason=" ")
    assert "reason" in exc_info.value.message_dict
    reopened = complaint_reopen(rep, complaint.pk, version=resolved.version, reason="补发的货也有问题")
    assert (reopened.status, reopened.reopen_count) == ("reopened", 1)
    assert reopened.solution_due_at == frozen_clock.moment + dt.timedelta(hours=48)
    sweep(frozen_clock.moment + dt.timedelta(hours=47), SLA)
    assert flags(reopened) == (False, False)
    sweep(frozen_clock.moment + dt.timedelta(hours=49), SLA)
    assert flags(reopened) == (False, True)
    assert [k for k, _ in kinds(rep)] == ["complaint.solution_breach"]


def test_bad_input_is_named(rep, frozen_clock):
    customer = make_customer(rep)
    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        complaint_open(rep, customer.pk, description="", channel="pigeon", severity="apocalyptic",
                       received_at="2026-03-05 09:00", contact=999999)
    assert set(exc_info.value.message_dict) == {"description", "channel", "severity", "received_at", "contact"}


def test_who_may_see_and_handle(rep, viewer, outsider, complaint, frozen_clock):
    with pytest.raises(NotFound):
        complaint_open(outsider, complaint.customer_id, description="x", channel="phone")
    with pytest.raises(NotFound):
        complaint_respond(outsider, complaint.pk, version=1, response="x")
    assert not complaints(outsider).exists()
    link(complaint.customer, viewer)  # read-only: sees, may not handle
    assert list(complaints(viewer)) == [complaint]
    with pytest.raises(PermissionDenied):
        complaint_respond(viewer, complaint.pk, version=1, response="x")
    link_row = complaint.customer.collaborator_links.get(user=viewer)
    link_row.can_record_interaction = True
    link_row.save()
    answered = complaint_respond(viewer, complaint.pk, version=1, response="客服已致电")
    assert answered.status == "responded"


def test_handler_hears_of_a_new_complaint_and_it_is_on_the_timeline(rep, manager, frozen_clock):
    customer = make_customer(rep)
    complaint = complaint_open(manager, customer.pk, description="发票开错了", channel="email")
    assert complaint.handler == rep
    assert kinds(rep) == [("complaint.new", complaint.pk)]
    sweep(frozen_clock.moment + dt.timedelta(hours=25), SLA)
    events = [e for e in timeline_events(rep, customer) if e.kind == "complaint"]
    assert len(events) == 1 and events[0].breached and events[0].detail == "发票开错了"
