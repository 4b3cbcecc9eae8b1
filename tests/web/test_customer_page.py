"""The 360° customer page: who sees it, what they may do there, what is masked, and its cost."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kehu.customers.services import contact_add, transaction_record
from kehu.followup.services import interaction_record, task_create
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def page(customer):
    return reverse("web:customer_detail", args=[customer.pk])


def test_owner_sees_everything(login, rep, customer, frozen_clock):
    transaction_record(rep, customer.pk, signed_on="2026-02-01", amount="1234567.5", products="MES 系统")
    response = login(rep).get(page(customer))
    html = response.content.decode()
    assert response.status_code == 200
    assert customer.name in html and customer.number in html
    assert "139-1234-5678" in html  # the owner sees the number in full
    assert "¥1,234,567.50" in html  # amounts in CNY with separators
    assert 'href="%s"' % reverse("web:customer_edit", args=[customer.pk]) in html


@pytest.mark.parametrize("url_name", ["web:customer_detail", "web:customer_edit", "web:contact_create",
                                      "web:interaction_create", "web:stage_move"])
def test_outsider_gets_404_for_another_teams_customer(login, outsider, customer, url_name):
    client = login(outsider)
    url = reverse(url_name, args=[customer.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"version": customer.version, "name": "x"}).status_code == 404


def test_outsider_gets_404_for_contacts_tasks_and_moves(login, outsider, rep, customer):
    contact = customer.contacts.get()
    task = task_create(rep, customer.pk, title="回访", due_at="2026-03-05 10:00")
    client = login(outsider)
    assert client.get(reverse("web:contact_edit", args=[contact.pk])).status_code == 404
    assert client.get(reverse("web:contact_replace", args=[contact.pk])).status_code == 404
    assert client.post(reverse("web:task_complete", args=[task.pk]), {"version": task.version}).status_code == 404
    assert client.post(reverse("web:task_reschedule", args=[task.pk]), {"version": 1, "due_at": "2026-04-01 10:00"}).status_code == 404
    assert client.post(reverse("web:pipeline_move"), {"customer": customer.pk, "version": 1, "stage": "intent"}).status_code == 404
    method = customer.contact_methods.filter(kind="phone").get()
    assert client.post(reverse("web:phone_reveal", args=[method.pk])).status_code == 404
    task.refresh_from_db()
    assert task.status == "open"


def test_collaborator_sees_but_cannot_edit(login, shared_customer, collaborator):
    customer = shared_customer
    client = login(collaborator)
    html = client.get(page(customer)).content.decode()
    assert customer.name in html
    assert reverse("web:customer_edit", args=[customer.pk]) not in html
    assert "139****5678" in html and "139-1234-5678" not in html  # masked phone (R33)
    assert reverse("web:interaction_create", args=[customer.pk]) in html  # may record
    assert client.get(reverse("web:customer_edit", args=[customer.pk])).status_code == 403
    response = client.post(reverse("web:customer_edit", args=[customer.pk]), {"version": customer.version, "name": "改名"})
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.name == "苏州恒力汽车零部件有限公司"
    contact = customer.contacts.get()
    assert client.post(reverse("web:contact_edit", args=[contact.pk]), {"version": 1, "name": "x"}).status_code == 403
    assert client.post(reverse("web:stage_move", args=[customer.pk]), {"version": 1, "stage": "intent"}).status_code == 403


def test_collaborator_reveals_a_phone_and_it_is_audited(login, shared_customer, collaborator):
    from kehu.core.models import AuditEvent

    method = shared_customer.contact_methods.filter(kind="phone").get()
    response = login(collaborator).post(reverse("web:phone_reveal", args=[method.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "139-1234-5678" in response.content.decode()
    assert AuditEvent.objects.filter(action="phone.reveal", actor=collaborator).exists()


def test_amounts_masked_for_those_without_the_right(login, rep, shared_customer, collaborator):
    transaction_record(rep, shared_customer.pk, signed_on="2026-02-01", amount="88000", products="MES")
    html = login(collaborator).get(page(shared_customer)).content.decode()
    assert "88,000" not in html and "***" in html


def test_timeline_shows_interactions_stage_changes_transactions_and_changes(login, rep, customer, frozen_clock):
    interaction_record(rep, customer.pk, occurred_at="2026-03-02 09:00", method="phone", summary="介绍了系统",
                       feedback="有兴趣", next_step="发方案", next_action={"title": "发送报价", "due_at": "2026-03-04 10:00"})
    transaction_record(rep, customer.pk, signed_on="2026-03-01", amount="5000")
    contact_add(rep, customer.pk, name="李娜", title="财务总监", emails=["lina@example.com"])
    html = login(rep).get(page(customer)).content.decode()
    timeline = html[html.index('id="timeline"'):]
    for text in ("介绍了系统", "有兴趣", "发方案", "¥5,000.00", "李娜", "发送报价"):
        assert text in timeline
    assert "发送报价" in html[html.index("actions-heading"):html.index("timeline-heading")]  # open action


def test_referrals_given_and_received(login, rep, customer):
    referred = make_customer(rep, referrer=customer.pk, referral_reason="老客户介绍")
    html = login(rep).get(page(customer)).content.decode()
    assert referred.name in html
    html = login(rep).get(page(referred)).content.decode()
    assert customer.name in html and "老客户介绍" in html


def test_detail_queries_are_few_and_do_not_grow(login, rep, manager, customer, frozen_clock, django_assert_max_num_queries):
    client = login(manager)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(page(customer)).status_code == 200
        return len(ctx.captured_queries)

    interaction_record(rep, customer.pk, occurred_at="2026-03-01 09:00", method="phone", summary="a", feedback="b",
                       next_step="c", next_action={"title": "t", "due_at": "2026-03-04 10:00"})
    few = count()
    for day in range(2, 10):
        interaction_record(rep, customer.pk, occurred_at=f"2026-02-{day:02d} 09:00", method="visit", summary="a",
                           feedback="b", next_step="c", next_action={"title": "t", "due_at": f"2026-03-{day:02d} 10:00"})
        contact_add(rep, customer.pk, name=f"联系人{day}", title="经理", phones=[f"1391234{day:04d}"])
        transaction_record(rep, customer.pk, signed_on=f"2026-02-{day:02d}", amount="100")
    assert count() == few
    with django_assert_max_num_queries(28):
        client.get(page(customer))
