"""E-mail to a real SMTP server and robot messages to a real HTTP receiver, sent after commit, with
retries and a delivery log; a failing channel never blocks or undoes the write."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import socket

import pytest
from django.utils import translation

from kehu.core.errors import ValidationError
from kehu.followup.services import complaint_open, task_create
from kehu.notify import delivery
from kehu.notify.models import Delivery, Notification
from kehu.notify.services import notify, preference_update
from tests.factories import make_customer
from tests.followup.helpers import local, sweep

pytestmark = pytest.mark.django_db


def new_complaint(manager, rep):
    """A manager records a complaint; its handler (the rep) is told."""
    customer = make_customer(rep)
    return complaint_open(manager, customer.pk, description="产品有异响", channel="phone", severity="high")


def test_email_after_commit_to_an_smtp_server(rep, manager, smtp_server, frozen_clock, django_capture_on_commit_callbacks):
    preference_update(rep, email="li.rep@example.com", email_mode="immediate")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        complaint = new_complaint(manager, rep)
        assert smtp_server.messages == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    [mail] = smtp_server.messages
    assert mail["to"] == ["li.rep@example.com"]
    assert "投诉" in mail["subject"] and "高" in mail["subject"]  # in the rep's language (zh-Hans by default)
    assert "产品有异响" in mail["body"] and f"/customers/{complaint.customer_id}/" in mail["body"]
    row = Delivery.objects.get()
    assert (row.status, row.attempts, row.channel, row.sent_at) == ("sent", 1, "email", frozen_clock.moment)


def test_a_user_reading_english_gets_english(rep, manager, smtp_server, frozen_clock, django_capture_on_commit_callbacks):
    rep.language = "en"
    rep.save(update_fields=["language"])
    preference_update(rep, email="li.rep@example.com", email_mode="immediate")
    with django_capture_on_commit_callbacks(execute=True):
        new_complaint(manager, rep)
    assert smtp_server.messages[0]["subject"] == "New complaint to handle (High)"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_failing_channel_is_retried_and_logged_never_blocking_the_write(
        rep, manager, settings, smtp_server, frozen_clock, django_capture_on_commit_callbacks):
    working_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = closed_port()  # the mail server is down
    preference_update(rep, email="li.rep@example.com", email_mode="immediate")
    with django_capture_on_commit_callbacks(execute=True):
        complaint = new_complaint(manager, rep)
    assert complaint.pk and Notification.objects.filter(kind="complaint.new").count() == 1  # the write stands
    row = Delivery.objects.get()
    assert (row.status, row.attempts) == ("pending", 1)
    assert "e-mail to li.rep@example.com" in row.last_error
    assert row.next_attempt_at == frozen_clock.moment + dt.timedelta(minutes=1)
    sweep(frozen_clock.moment + dt.timedelta(seconds=30), "notify.deliver")
    assert Delivery.objects.get().attempts == 1  # not yet due again
    settings.EMAIL_PORT = working_port
    sweep(frozen_clock.moment + dt.timedelta(minutes=1), "notify.deliver")
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")
    assert len(smtp_server.messages) == 1


def test_after_the_last_attempt_the_delivery_is_marked_failed(rep, manager, settings, frozen_clock,
                                                              django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port()
    preference_update(rep, email="li.rep@example.com", email_mode="immediate")
    with django_capture_on_commit_callbacks(execute=True):
        new_complaint(manager, rep)
    moment = frozen_clock.moment
    for _ in range(6):
        moment += dt.timedelta(hours=9)
        sweep(moment, "notify.deliver")
    row = Delivery.objects.get()
    assert (row.status, row.attempts) == ("failed", 5)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sending_happens_in_the_background_after_commit(rep, manager, smtp_server, frozen_clock):
    preference_update(rep, email="li.rep@example.com", email_mode="immediate")
    new_complaint(manager, rep)  # commits: the background sender takes over
    assert delivery.wait_idle(timeout=20)
    assert len(smtp_server.messages) == 1
    assert Delivery.objects.get().status == "sent"


# --- robots ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["wecom", "dingtalk", "feishu"])
def test_robot_messages_in_each_vendors_format(kind, rep, manager, robot, frozen_clock,
                                               django_capture_on_commit_callbacks):
    if kind == "feishu":
        robot.ok = {"code": 0, "msg": "success"}
    preference_update(rep, robot_kind=kind, robot_url=robot.url(), robot_secret="SECabc" if kind != "wecom" else "",
                      robot_mode="immediate")
    with django_capture_on_commit_callbacks(execute=True):
        new_complaint(manager, rep)
    [request] = robot.requests
    body = request["json"]
    assert request["content_type"].startswith("application/json")
    if kind == "wecom":
        assert body["msgtype"] == "text" and "产品有异响" in body["text"]["content"]
    elif kind == "dingtalk":
        assert body["msgtype"] == "text" and "产品有异响" in body["text"]["content"]
        timestamp, sign = request["query"]["timestamp"], request["query"]["sign"]
        expected = base64.b64encode(hmac.new(b"SECabc", f"{timestamp}\nSECabc".encode(), hashlib.sha256).digest())
        assert sign == expected.decode() and request["query"]["access_token"] == "t0ken"
    else:
        assert body["msg_type"] == "text" and "产品有异响" in body["content"]["text"]
        key = f"{body['timestamp']}\nSECabc".encode()
        assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert Delivery.objects.get().status == "sent"


def test_robot_error_answers_are_retried(rep, manager, robot, frozen_clock, django_capture_on_commit_callbacks):
    robot.replies = [(500, {"error": "busy"}), (200, {"errcode": 310000, "errmsg": "keywords not in content"})]
    preference_update(rep, robot_kind="wecom", robot_url=robot.url(), robot_mode="immediate")
    with django_capture_on_commit_callbacks(execute=True):
        new_complaint(manager, rep)
    row = Delivery.objects.get()
    assert row.status == "pending" and "HTTP 500" in row.last_error
    sweep(frozen_clock.moment + dt.timedelta(minutes=1), "notify.deliver")
    row.refresh_from_db()
    assert row.attempts == 2 and "310000" in row.last_error
    sweep(frozen_clock.moment + dt.timedelta(minutes=6), "notify.deliver")
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 3)
    assert len(robot.requests) == 3


def test_sweep_notifications_reach_the_chosen_channels(rep, robot, frozen_clock):
    preference_update(rep, robot_kind="dingtalk", robot_url=robot.url(), robot_mode="immediate")
    for _ in range(3):
        customer = make_customer(rep)
        task_create(rep, customer.pk, title="寄合同", due_at="2026-03-03 10:00")
    sweep(local(2026, 3, 3, 10, 0))
    overdue = [r for r in robot.requests if "寄合同" in r["json"]["text"]["content"]]
    assert len(overdue) == 3
    sweep(local(2026, 3, 3, 10, 0))
    assert len(robot.requests) == len(overdue)  # the second pass sends nothing again


def test_a_channel_switched_off_or_a_customer_out_of_sight_is_not_sent(rep, manager, robot, frozen_clock,
                                                                       django_capture_on_commit_callbacks):
    from kehu.customers.models import Customer

    preference_update(rep, robot_kind="wecom", robot_url=robot.url(), robot_mode="immediate")
    with django_capture_on_commit_callbacks(execute=False):
        first = new_complaint(manager, rep)
        second = new_complaint(manager, rep)
    preference_update(rep, robot_mode="off")
    Customer.objects.filter(pk=second.customer_id).update(owner=manager)  # rep no longer sees it
    preference_update(rep, robot_mode="immediate")
    Customer.objects.filter(pk=first.customer_id).update(owner=manager)
    sweep(frozen_clock.moment, "notify.deliver")
    assert robot.requests == []
    assert set(Delivery.objects.values_list("status", "last_error")) == {("skipped", "customer not visible to the user")}


def test_preferences_are_checked(rep, other_rep):
    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        preference_update(rep, email="not-an-address", email_mode="hourly", robot_kind="slack",
                          robot_url="ftp://x", digest_hour=24, colour="red")
    assert set(exc_info.value.message_dict) == {"email", "email_mode", "robot_kind", "robot_url", "digest_hour", "colour"}
    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        preference_update(rep, robot_mode="immediate")
    assert "robot_url" in exc_info.value.message_dict
    from kehu.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        preference_update(rep, user_id=other_rep.pk, email_mode="off")


def test_notify_skips_what_the_user_may_not_see(rep, outsider, frozen_clock):
    customer = make_customer(rep)
    assert notify(outsider, "customer.silent", customer=customer, object_id=customer.pk) is None
    assert notify(rep, "customer.silent", customer=customer, object_id=customer.pk) is not None
    assert notify(rep, "customer.silent", customer=customer, object_id=customer.pk) is None  # once
