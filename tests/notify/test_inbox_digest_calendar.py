"""The inbox and its unread count (only customers the reader may still see), the daily digest,
and the iCalendar feed of next actions on a private, revocable address."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.test import RequestFactory

from kehu.customers.models import Customer
from kehu.followup.services import task_complete, task_create
from kehu.notify.context import unread
from kehu.notify.models import Delivery, Notification
from kehu.notify.queries import inbox, unread_count
from kehu.notify.services import calendar_feed_token, notifications_mark_read, notify, preference_update
from tests.factories import make_customer
from tests.followup.helpers import link, local, sweep

pytestmark = pytest.mark.django_db


def overdue_actions(owner, count, due="2026-03-03 10:00"):
    tasks = []
    for _ in range(count):
        customer = make_customer(owner)
        tasks.append(task_create(owner, customer.pk, title="寄样品", due_at=due))
    return tasks


def test_unread_count_rises_with_the_sweep_and_falls_when_read(rep, frozen_clock):
    overdue_actions(rep, 3)
    assert unread_count(rep) == 0
    sweep(local(2026, 3, 3, 10, 0), "followup.task_alerts")
    assert unread_count(rep) == 3
    first = inbox(rep).first()
    notifications_mark_read(rep, [first.pk])
    assert unread_count(rep) == 2
    notifications_mark_read(rep)
    assert unread_count(rep) == 0


def test_inbox_hides_what_the_reader_may_no_longer_see(rep, other_rep, manager, frozen_clock):
    customer = make_customer(rep)
    notify(rep, "customer.silent", customer=customer, object_id=customer.pk)
    notify(rep, "digest.test", object_id=1)  # not about a customer: always shown
    assert unread_count(rep) == 2
    Customer.objects.filter(pk=customer.pk).update(owner=other_rep)  # handed over
    assert unread_count(rep) == 1 and [n.kind for n in inbox(rep)] == ["digest.test"]
    link(customer, rep)  # kept as a collaborator: sees it again
    assert unread_count(rep) == 2


def test_context_processor_fills_the_header(rep, frozen_clock):
    from django.contrib.auth.models import AnonymousUser

    overdue_actions(rep, 2)
    sweep(local(2026, 3, 3, 10, 0), "followup.task_alerts")
    request = RequestFactory().get("/")
    request.user = rep
    assert unread(request) == {"unread_notification_count": 2, "notifications_url": "/notify/"}
    request.user = AnonymousUser()
    assert unread(request) == {}


def test_inbox_page_lists_messages_and_marks_them_read(client, rep, outsider, frozen_clock):
    overdue_actions(rep, 2)
    sweep(local(2026, 3, 3, 10, 0), "followup.task_alerts")
    client.force_login(rep)
    page = client.get("/notify/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("寄样品") == 2 and 'id="unread-count">2<' in html
    response = client.post("/notify/read/", {})
    assert response.status_code == 302 and unread_count(rep) == 0
    client.force_login(outsider)
    assert "寄样品" not in client.get("/notify/").content.decode()
    client.logout()
    assert client.get("/notify/").status_code == 302  # to sign-in


# --- digest ------------------------------------------------------------------------------------

def test_daily_digest_once_a_day_at_the_chosen_hour(rep, smtp_server, frozen_clock):
    preference_update(rep, email="li.rep@example.com", email_mode="digest", digest_hour=8)
    overdue_actions(rep, 2)
    sweep(local(2026, 3, 3, 10, 0))  # overdue notices; the digest of 03-03 goes out with this pass
    [mail] = smtp_server.messages
    assert "2026-03-03" in mail["subject"]
    assert mail["body"].count("寄样品") == 2
    assert "2" in mail["body"].splitlines()[0]  # "your overdue actions: 2"
    sweep(local(2026, 3, 3, 11, 0))
    sweep(local(2026, 3, 4, 7, 59))
    assert len(smtp_server.messages) == 1  # once a day, and not before the hour
    sweep(local(2026, 3, 4, 8, 0))
    assert len(smtp_server.messages) == 2
    assert Delivery.objects.filter(digest_day__isnull=False).count() == 2
    assert not Delivery.objects.filter(notification__isnull=False).exists()  # digest users get no one-by-one mail


def test_an_empty_digest_is_not_sent(rep, smtp_server, frozen_clock):
    preference_update(rep, email="li.rep@example.com", email_mode="digest", digest_hour=8)
    sweep(local(2026, 3, 3, 9, 0))
    assert smtp_server.messages == []
    assert Delivery.objects.get().status == "skipped"


# --- calendar ----------------------------------------------------------------------------------

def feed(client, user):
    return client.get(f"/notify/calendar/{calendar_feed_token(user)}.ics")


def test_calendar_feed_is_valid_icalendar_of_my_open_actions(client, rep, frozen_clock):
    customer = make_customer(rep, name="北京「逗号,分号;反斜杠\\」科技有限公司")
    long_title = "与客户总经理面谈年度框架合同续签事宜并确认第二季度交付计划、付款节点和售后服务条款" * 2
    kept = task_create(rep, customer.pk, title=long_title, due_at="2026-03-05 14:00", priority="high",
                       note="带上样品\n和报价单")
    done = task_create(rep, customer.pk, title="寄发票", due_at="2026-03-04 10:00")
    task_complete(rep, done.pk, version=done.version)
    response = feed(client, rep)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    raw = response.content
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))  # folded (RFC 5545 3.1)
    calendar = icalendar.Calendar.from_ical(raw)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    assert str(event["UID"]) == f"kehu-task-{kept.pk}@kehu"
    assert str(event["SUMMARY"]) == f"{long_title} · {customer.name}"
    assert str(event["DESCRIPTION"]) == "带上样品\n和报价单"
    assert event.decoded("DTSTART") == local(2026, 3, 5, 14, 0)
    assert event.decoded("DURATION") == dt.timedelta(minutes=30)
    assert int(event["PRIORITY"]) == 1
    assert f"/customers/{customer.pk}/" in str(event["URL"])
    assert calendar["VERSION"] == "2.0" and "PRODID" in calendar


def test_calendar_address_is_revocable_and_private(client, rep, outsider, viewer, frozen_clock):
    customer = make_customer(rep)
    task_create(rep, customer.pk, title="回访", due_at="2026-03-05 14:00")
    old = calendar_feed_token(rep)
    assert client.get(f"/notify/calendar/{old}.ics").status_code == 200
    client.force_login(rep)
    assert client.post("/notify/calendar/reset/").status_code == 302
    assert client.get(f"/notify/calendar/{old}.ics").status_code == 404
    new = calendar_feed_token(rep)
    assert new != old and client.get(f"/notify/calendar/{new}.ics").status_code == 200
    assert client.get("/notify/calendar/guessed-token.ics").status_code == 404
    rep.is_active = False
    rep.save(update_fields=["is_active"])
    assert client.get(f"/notify/calendar/{new}.ics").status_code == 404


def test_calendar_shows_only_actions_on_customers_the_user_may_see(client, rep, viewer, frozen_clock):
    customer = make_customer(rep)
    task_create(rep, customer.pk, title="请客服回访", due_at="2026-03-05 14:00", owner=viewer.pk)
    assert list(icalendar.Calendar.from_ical(feed(client, viewer).content).walk("VEVENT")) == []
    link(customer, viewer)
    assert len(list(icalendar.Calendar.from_ical(feed(client, viewer).content).walk("VEVENT"))) == 1


def test_notifications_are_unique_by_kind_object_and_moment(rep, frozen_clock):
    customer = make_customer(rep)
    moment = local(2026, 3, 3, 10, 0)
    assert notify(rep, "x", customer=customer, object_id=1, due_at=moment)
    assert notify(rep, "x", customer=customer, object_id=1, due_at=moment) is None
    assert notify(rep, "x", customer=customer, object_id=1, due_at=moment + dt.timedelta(minutes=1))
    assert Notification.objects.count() == 2
