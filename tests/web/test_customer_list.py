"""The customers list: scope, filters, search, sort, keyset pages, saved views, bulk actions, and
a fixed number of queries whatever the number of rows."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kehu.customers.models import Customer
from kehu.web.models import SavedView
from tests.factories import make_customer

pytestmark = pytest.mark.django_db
LIST = reverse("web:customer_list")


def row_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-customer="(\d+)"', response.content.decode())]


def test_rep_sees_own_customers_only(login, rep, other_rep, outsider, customer):
    theirs = make_customer(outsider, name="深圳华南贸易有限公司")
    colleague = make_customer(other_rep, name="上海同事的客户有限公司")
    response = login(rep).get(LIST)
    assert response.status_code == 200
    assert row_ids(response) == [customer.pk]
    assert row_ids(login(outsider).get(LIST)) == [theirs.pk]
    assert colleague.name not in response.content.decode()


def test_team_lead_sees_the_team(login, manager, rep, other_rep, customer):
    colleague = make_customer(other_rep)
    assert set(row_ids(login(manager).get(LIST))) == {customer.pk, colleague.pk}


def test_filters_and_bad_filters(login, rep, customer):
    intent = make_customer(rep, province="广东")
    from kehu.customers.services import customer_change_stage

    customer_change_stage(rep, intent.pk, version=intent.version, stage="intent")
    client = login(rep)
    assert row_ids(client.get(LIST, {"stage": "intent"})) == [intent.pk]
    assert row_ids(client.get(LIST, {"region": "华南"})) == [intent.pk]
    response = client.get(LIST, {"stage": "nonsense"})
    assert response.status_code == 200 and "stage" in response.content.decode()
    response = client.get(LIST, {"created_from": "2026/13/40"})
    assert 'role="alert"' in response.content.decode()


def test_search_box_uses_the_shared_search(login, rep, customer):
    make_customer(rep, name="北京远方科技有限公司", contacts=[{"name": "赵", "title": "总", "phones": ["13700001111"]}])
    client = login(rep)
    assert row_ids(client.get(LIST, {"q": "恒力"})) == [customer.pk]
    assert row_ids(client.get(LIST, {"q": "5678"})) == [customer.pk]  # last four phone digits
    assert row_ids(client.get(LIST, {"q": "szhl"})) == [customer.pk]  # 拼音 initials of 苏州恒力
    # As you type: htmx asks for the results only.
    response = client.get(LIST, {"q": "恒力"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    assert "<html" not in response.content.decode() and row_ids(response) == [customer.pk]


def test_sort_and_keyset_pages(login, rep, monkeypatch):
    from kehu.web.views import customers as view

    monkeypatch.setattr(view, "PAGE_SIZE", 2)
    made = [make_customer(rep, name=f"客户{i}有限公司") for i in range(5)]
    client = login(rep)
    seen, params = [], {"sort": "name"}
    while True:
        response = client.get(LIST, params)
        seen += row_ids(response)
        match = re.search(r'href="\?([^"]*cursor=[^"]+)" [^>]*rel="next"', response.content.decode())
        if not match:
            break
        params = dict(pair.split("=", 1) for pair in match.group(1).replace("&amp;", "&").split("&"))
    names = [Customer.objects.get(pk=pk).name for pk in seen]
    assert sorted(seen) == sorted(c.pk for c in made) and names == sorted(names)
    assert 'aria-sort="ascending"' in client.get(LIST, {"sort": "name"}).content.decode()


def test_saved_views(login, rep, other_rep):
    client = login(rep)
    response = client.post(reverse("web:saved_view_create"), {"name": "本周到期", "query": "due=week&cursor=abc&stage=intent"})
    assert response.status_code == 302
    view = SavedView.objects.get(user=rep)
    assert view.query == "due=week&stage=intent"
    page = client.get(LIST).content.decode()
    assert "本周到期" in page and "?due=week&amp;stage=intent" in page
    assert "本周到期" not in login(other_rep).get(LIST).content.decode()
    # Another user cannot delete it.
    login(other_rep).post(reverse("web:saved_view_delete", args=[view.pk]))
    assert SavedView.objects.filter(pk=view.pk).exists()
    client.post(reverse("web:saved_view_delete", args=[view.pk]))
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_bulk_tag_only_where_allowed(login, rep, other_rep, manager, customer, shared_customer, collaborator):
    from kehu.customers.services import tag_create

    tag_create(None, name="价格敏感")
    colleague = make_customer(other_rep)
    response = login(rep).post(reverse("web:customer_bulk"), {
        "ids": [customer.pk, colleague.pk], "action": "tag", "tag": "价格敏感", "next": LIST})
    assert response.status_code == 302
    assert list(customer.tags.values_list("name", flat=True)) == ["价格敏感"]
    assert not colleague.tags.exists()  # not visible to rep: silently not part of the selection
    # A collaborator sees the customer but may not change it: skipped and counted.
    customer.tags.clear()
    login(collaborator).post(reverse("web:customer_bulk"), {"ids": [customer.pk], "action": "tag", "tag": "价格敏感"})
    assert not customer.tags.exists()


def test_bulk_owner_change_is_a_handover_for_the_team_lead(login, rep, other_rep, manager, customer):
    client = login(manager)
    assert 'value="owner"' in client.get(LIST).content.decode()
    assert 'value="owner"' not in login(rep).get(LIST).content.decode()
    client.post(reverse("web:customer_bulk"), {"ids": [customer.pk], "action": "owner", "owner": other_rep.pk,
                                               "reason": "李销售调岗"})
    customer.refresh_from_db()
    assert customer.owner_id == other_rep.pk
    # A rep trying the same is refused for every row.
    login(other_rep).post(reverse("web:customer_bulk"), {"ids": [customer.pk], "action": "owner", "owner": rep.pk,
                                                         "reason": "x"})
    customer.refresh_from_db()
    assert customer.owner_id == other_rep.pk


def count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("params", [{}, {"stage": "potential", "industry": "C"}, {"q": "有限公司"}])
def test_list_queries_are_few_and_do_not_grow_with_rows(login, manager, rep, params, django_assert_max_num_queries):
    from kehu.customers.services import tag_create

    tag_create(None, name="重点")
    client = login(manager)
    make_customer(rep, tags=["重点"])
    few = count_queries(client, LIST, params)
    for _ in range(12):
        make_customer(rep, tags=["重点"])
    many = count_queries(client, LIST, params)
    assert few == many
    with django_assert_max_num_queries(25):
        client.get(LIST, params)


@pytest.mark.parametrize("sort", ["name", "-name", "number", "next_follow_up_at", "-next_follow_up_at",
                                  "-last_interaction_at", "-updated_at"])
def test_index_walk_gives_the_same_pages_as_sorting(rep, other_rep, manager, sort, monkeypatch, frozen_clock):
    """Many matching rows make the list walk the sort column's index in batches; the pages must be
    exactly those of a plain sort, in the same order, scoped the same way."""
    from django.http import QueryDict

    from kehu.customers import queries
    from kehu.followup.services import task_create

    for i in range(9):
        owner = rep if i % 3 else other_rep
        customer = make_customer(owner, name=f"{'甲乙丙丁戊己庚辛壬'[i]}公司{i % 4}")
        if i % 2:
            task_create(owner, customer.pk, title="回访", due_at=f"2026-03-0{1 + i % 4} 10:00")
        frozen_clock.advance(minutes=7)

    def walk(user, limit=2):
        seen, cursor = [], None
        while True:
            page = queries.customer_page(user, QueryDict(f"sort={sort}"), cursor=cursor, limit=limit)
            seen += [c.pk for c in page.items]
            if page.next_cursor is None:
                return seen
            cursor = page.next_cursor

    expected = {user: walk(user) for user in (rep, manager)}
    monkeypatch.setattr(queries, "FEW", 1)
    monkeypatch.setattr(queries, "FIRST_BATCH", 1)
    monkeypatch.setattr(queries, "MAX_BATCH", 3)
    for user in (rep, manager):
        assert walk(user) == expected[user], user
    assert len(expected[manager]) == 9 and len(expected[rep]) == 6
