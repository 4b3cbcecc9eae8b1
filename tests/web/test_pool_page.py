"""The public pool page: the pool customers a user may browse, searchable; a rep claims up to the
daily limit; a team lead assigns to a member; another team's pool stays out of sight."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from kehu.core.models import AuditEvent, Setting
from kehu.customers.models import Customer
from kehu.customers.services import pool_release
from tests.factories import make_customer


@pytest.fixture
def pooled(rep, manager):
    """Three customers of our team given back to the pool by their owner."""
    rows = []
    for name in ("杭州远景科技有限公司", "宁波海天机械有限公司", "绍兴纺织印染有限公司"):
        customer = make_customer(manager, name=name)
        pool_release(manager, customer.pk, reason="长期未跟进")
        rows.append(Customer.objects.get(pk=customer.pk))
    return rows


@pytest.fixture
def their_pool(outsider):
    customer = make_customer(outsider, name="广州南方贸易有限公司")
    pool_release(outsider, customer.pk, reason="放弃")
    return Customer.objects.get(pk=customer.pk)


def _pool(client, **params):
    response = client.get(reverse("web:pool"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_rep_sees_their_teams_pool_with_a_search(login, rep, pooled, their_pool):
    client = login(rep)
    html = _pool(client)
    for customer in pooled:
        assert customer.name in html
    assert their_pool.name not in html
    assert reverse("web:pool") in _pool(client)  # in the navigation
    html = _pool(client, q="宁波")
    assert "宁波海天机械有限公司" in html and "杭州远景科技有限公司" not in html
    html = _pool(client, q=pooled[2].number)
    assert pooled[2].name in html and pooled[0].name not in html


def test_rep_claims_and_the_limit_holds(login, rep, pooled, frozen_clock):
    Setting.objects.create(key="pool_claim_limit_per_day", value=2)
    client = login(rep)
    for customer in pooled[:2]:
        response = client.post(reverse("web:pool_claim", args=[customer.pk]))
        assert response.status_code == 302 and response["Location"] == reverse("web:customer_detail", args=[customer.pk])
        customer.refresh_from_db()
        assert customer.owner == rep
    response = client.post(reverse("web:pool_claim", args=[pooled[2].pk]), follow=True)
    said = [str(m) for m in response.context["messages"]]
    assert "2" in said[-1] and "上限" in said[-1] and response.redirect_chain[-1][0] == reverse("web:pool")
    pooled[2].refresh_from_db()
    assert pooled[2].owner is None
    assert AuditEvent.objects.filter(action="customer.pool_claim", actor=rep).count() == 2
    frozen_clock.advance(days=1)
    client = login(rep)  # a new day, a new session (sessions end after 12 hours)
    assert client.post(reverse("web:pool_claim", args=[pooled[2].pk])).status_code == 302
    pooled[2].refresh_from_db()
    assert pooled[2].owner == rep


def test_another_teams_pool_customer_cannot_be_claimed_or_assigned(login, rep, manager, their_pool):
    assert login(rep).post(reverse("web:pool_claim", args=[their_pool.pk])).status_code == 404
    assert login(manager).post(reverse("web:pool_assign", args=[their_pool.pk]),
                               {"to_owner": rep.pk}).status_code == 404
    their_pool.refresh_from_db()
    assert their_pool.owner is None


def test_lead_assigns_to_a_member(login, manager, rep, pooled):
    client = login(manager)
    html = _pool(client)
    assert f'action="{reverse("web:pool_assign", args=[pooled[0].pk])}"' in html
    response = client.post(reverse("web:pool_assign", args=[pooled[0].pk]), {"to_owner": rep.pk})
    assert response.status_code == 302
    pooled[0].refresh_from_db()
    assert pooled[0].owner == rep
    assert AuditEvent.objects.filter(action="customer.pool_assign", customer_id=pooled[0].pk).exists()


def test_reps_get_no_assign_and_collaborators_no_pool(login, rep, collaborator, pooled):
    html = _pool(login(rep))
    assert "pool_assign" not in html and reverse("web:pool_assign", args=[pooled[0].pk]) not in html
    assert login(rep).post(reverse("web:pool_assign", args=[pooled[0].pk]), {"to_owner": rep.pk}).status_code in (
        302, 403)
    pooled[0].refresh_from_db()
    assert pooled[0].owner is None
    client = login(collaborator)
    assert client.get(reverse("web:pool")).status_code == 403
    assert reverse("web:pool") not in client.get(reverse("web:home")).content.decode()
    assert client.post(reverse("web:pool_claim", args=[pooled[0].pk])).status_code == 403


def test_keyset_pages(login, rep, manager, frozen_clock):
    for i in range(55):
        frozen_clock.advance(minutes=1)
        customer = make_customer(manager, name=f"测试公海客户{i:02d}有限公司")
        pool_release(manager, customer.pk, reason="测试")
    client = login(rep)
    first = client.get(reverse("web:pool"))
    names = [item["customer"].name for item in first.context["items"]]
    # Follow the page's own "next page" link (shared pager template), as a person would.
    link = re.search(r'<a class="button" rel="next" href="([^"]+)">下一页</a>', first.content.decode())
    second = client.get(reverse("web:pool") + html.unescape(link.group(1)))
    assert "第一页" in second.content.decode()
    names += [item["customer"].name for item in second.context["items"]]
    assert len(names) == len(set(names)) == 55 and second.context["next_cursor"] is None
    assert client.get(reverse("web:pool"), {"cursor": "garbage"}).status_code == 404
