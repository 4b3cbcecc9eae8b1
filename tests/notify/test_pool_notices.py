"""The public pool tells the owner: a few days before a customer goes back (in the inbox and on
their chosen channels), and when it has gone — then as news about a customer they no longer see."""

from __future__ import annotations

import pytest
from django.utils import translation

from kehu.customers.models import Customer
from kehu.notify.models import Delivery, Notification
from kehu.notify.queries import inbox, unread_count
from kehu.notify.render import render
from kehu.notify.services import preference_update
from tests.factories import make_customer
from tests.followup.helpers import local, sweep

pytestmark = pytest.mark.django_db


def test_owner_is_warned_then_told_of_the_return_in_the_inbox_and_by_email(rep, manager, smtp_server, frozen_clock):
    preference_update(rep, email="li.rep@example.com", email_mode="immediate")
    customer = make_customer(rep)  # 2026-03-02 09:30, never followed up: warned 03-29, returned 04-01
    sweep(local(2026, 3, 28, 23, 59), "customers.pool", "notify.deliver")
    assert not Notification.objects.filter(kind__startswith="pool.").exists()

    sweep(local(2026, 3, 29, 0, 0), "customers.pool", "notify.deliver")
    warning = Notification.objects.get(user=rep, kind="pool.warning")
    assert (warning.customer_id, warning.object_id, warning.due_at) == (customer.pk, customer.pk, local(2026, 4, 1))
    assert list(inbox(rep)) == [warning] and unread_count(rep) == 1
    with translation.override("en"):
        message = render(warning)
    assert "2026-04-01" in message.title and "public pool" in message.title
    assert message.body == customer.name and f"/customers/{customer.pk}/" in message.url
    [mail] = smtp_server.messages
    assert mail["to"] == ["li.rep@example.com"] and "2026-04-01" in mail["subject"]
    assert not Notification.objects.filter(user=manager).exists()  # the owner's matter

    sweep(local(2026, 3, 30, 9, 0), "customers.pool", "notify.deliver")  # nothing twice
    assert Notification.objects.filter(user=rep).count() == 1 and len(smtp_server.messages) == 1

    sweep(local(2026, 4, 1, 0, 0), "customers.pool", "notify.deliver")
    assert Customer.objects.get(pk=customer.pk).owner is None
    returned = Notification.objects.get(user=rep, kind="pool.returned")
    assert (returned.customer_id, returned.object_id, returned.due_at) == (None, customer.pk, local(2026, 4, 1))
    assert returned in list(inbox(rep))  # shown although the rep no longer sees the customer
    with translation.override("en"):
        message = render(returned)
    assert customer.name in message.title and "public pool" in message.title
    assert message.url.endswith("/pool/") and str(customer.pk) not in message.url
    assert len(smtp_server.messages) == 2 and customer.name in smtp_server.messages[1]["subject"]
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}

    sweep(local(2026, 4, 1, 0, 5), "customers.pool", "notify.deliver")
    assert Notification.objects.filter(user=rep).count() == 2 and len(smtp_server.messages) == 2


def test_owners_hear_only_of_their_own_customers(rep, other_rep, frozen_clock):
    mine = [make_customer(rep) for _ in range(3)]
    theirs = make_customer(other_rep)
    sweep(local(2026, 3, 29, 0, 0), "customers.pool")
    assert sorted(Notification.objects.filter(user=rep).values_list("object_id", flat=True)) == \
        sorted(c.pk for c in mine)
    assert list(Notification.objects.filter(user=other_rep).values_list("object_id", flat=True)) == [theirs.pk]
    sweep(local(2026, 4, 1, 0, 0), "customers.pool")
    assert Notification.objects.filter(user=rep, kind="pool.returned").count() == 3
    assert Notification.objects.filter(user=other_rep, kind="pool.returned").count() == 1
