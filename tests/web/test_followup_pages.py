"""Logging an interaction with its next action, the actions inbox, the pipeline board."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kehu.customers.models import Customer, StageChange, Transaction
from kehu.followup.models import Interaction, Task
from kehu.followup.services import task_create
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def log_data(**overrides):
    data = {"occurred_at": "2026-03-02T09:00", "method": "phone", "summary": "介绍了 MES", "feedback": "有兴趣",
            "next_step": "发报价", "next_action.title": "发送报价单", "next_action.due_at": "2026-03-04T10:00",
            "next_action.priority": "high", "mood": "positive", "responded": "yes"}
    data.update(overrides)
    return data


def test_log_interaction_with_next_action(login, rep, customer, frozen_clock):
    client = login(rep)
    url = reverse("web:interaction_create", args=[customer.pk])
    html = client.get(url).content.decode()
    assert 'value="2026-03-02T09:30"' in html  # the time is preset to now
    response = client.post(url, log_data(next=reverse("web:customer_list")))
    assert response.status_code == 302 and response["Location"] == reverse("web:customer_list")
    interaction = Interaction.objects.get()
    assert interaction.responded is True and interaction.mood == "positive"
    task = Task.objects.get()
    assert task.title == "发送报价单" and task.priority == "high" and task.owner_id == rep.pk
    customer.refresh_from_db()
    assert customer.next_follow_up_at == task.due_at
    assert "发送报价单" in client.get(reverse("web:inbox")).content.decode()


def test_log_interaction_errors_next_to_fields(login, rep, customer, frozen_clock):
    response = login(rep).post(reverse("web:interaction_create", args=[customer.pk]),
                               log_data(summary="", **{"next_action.due_at": "明天"}))
    assert response.status_code == 422
    html = response.content.decode()
    assert html.count('class="error"') >= 2 and not Interaction.objects.exists()


def test_foreign_next_url_is_ignored(login, rep, customer, frozen_clock):
    response = login(rep).post(reverse("web:interaction_create", args=[customer.pk]), log_data(next="https://evil.example/"))
    assert response["Location"] == reverse("web:customer_detail", args=[customer.pk])


def test_collaborator_with_the_right_may_log(login, shared_customer, collaborator, frozen_clock):
    response = login(collaborator).post(reverse("web:interaction_create", args=[shared_customer.pk]), log_data())
    assert response.status_code == 302 and Interaction.objects.get().user_id == collaborator.pk


def test_inbox_mine_and_team_complete_and_reschedule(login, rep, other_rep, manager, customer, frozen_clock):
    colleague = make_customer(other_rep)
    mine = task_create(rep, customer.pk, title="我的回访", due_at="2026-03-01 10:00")
    theirs = task_create(other_rep, colleague.pk, title="同事回访", due_at="2026-03-02 15:00")
    client = login(rep)
    html = client.get(reverse("web:inbox")).content.decode()
    assert "我的回访" in html and "同事回访" not in html and "due-overdue" in html
    lead = login(manager)
    team = lead.get(reverse("web:inbox"), {"scope": "team"}).content.decode()
    assert "我的回访" in team and "同事回访" in team
    # Reschedule in place (htmx swaps the row), then complete.
    response = client.post(reverse("web:task_reschedule", args=[mine.pk]),
                           {"version": mine.version, "due_at": "2026-03-09T10:00", "show_customer": "1"},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "<html" not in response.content.decode()
    mine.refresh_from_db()
    assert timezone.localtime(mine.due_at).strftime("%Y-%m-%d %H:%M") == "2026-03-09 10:00"
    stale = client.post(reverse("web:task_complete", args=[mine.pk]), {"version": mine.version - 1},
                        HTTP_HX_REQUEST="true")
    assert stale.status_code == 422
    response = client.post(reverse("web:task_complete", args=[mine.pk]), {"version": mine.version},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "is-done" in response.content.decode()
    mine.refresh_from_db()
    assert mine.status == "done"
    theirs.refresh_from_db()
    assert theirs.status == "open"


def test_pipeline_board_and_moves(login, rep, customer, frozen_clock):
    client = login(rep)
    html = client.get(reverse("web:pipeline")).content.decode()
    assert customer.name in html and 'id="move-dialog-deal"' in html
    # To deal without contract date and amount: asked for, nothing moves.
    response = client.post(reverse("web:pipeline_move"), {"customer": customer.pk, "version": customer.version,
                                                          "stage": "deal", "contract_date": "", "amount": ""})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-field="amount"' in html and html.count('class="error"') >= 1
    customer.refresh_from_db()
    assert customer.stage == "potential"
    response = client.post(reverse("web:pipeline_move"), {"customer": customer.pk, "version": customer.version,
                                                          "stage": "deal", "contract_date": "2026-03-01",
                                                          "amount": "120,000"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.stage == "deal" and Transaction.objects.get().amount == 120000
    # To lost needs the reason.
    response = client.post(reverse("web:stage_move", args=[customer.pk]), {"version": customer.version, "stage": "lost"})
    assert response.status_code == 422
    client.post(reverse("web:stage_move", args=[customer.pk]), {"version": customer.version, "stage": "lost",
                                                                "reason": "选择了竞品"})
    customer.refresh_from_db()
    assert customer.stage == "lost" and customer.lost_reason == "选择了竞品"
    assert StageChange.objects.filter(customer=customer).count() == 2


@pytest.mark.parametrize("url_name", ["web:home", "web:inbox", "web:pipeline"])
def test_daily_pages_queries_do_not_grow(login, rep, manager, frozen_clock, url_name, django_assert_max_num_queries):
    client = login(manager)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(url_name)).status_code == 200
        return len(ctx.captured_queries)

    def add():
        customer = make_customer(manager)
        task_create(manager, customer.pk, title="回访", due_at="2026-03-02 08:00")
        from kehu.followup.services import interaction_record

        interaction_record(manager, customer.pk, occurred_at="2026-03-01 09:00", method="phone", summary="a",
                           feedback="b", next_step="c")

    add()
    few = count()
    for _ in range(8):
        add()
    assert count() == few
    with django_assert_max_num_queries(16):
        client.get(reverse(url_name))
    assert Customer.objects.count() == 9
