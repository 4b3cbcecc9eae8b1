"""The shared list query: filters, keyset paging in every sort order, bad parameters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import QueryDict
from django.utils import translation

from kehu.core.errors import ValidationError
from kehu.customers.models import Customer
from kehu.customers.queries import customer_page
from kehu.followup.services import task_create
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(rep, other_rep, frozen_clock):
    made = []
    for i in range(9):
        owner = rep if i % 3 else other_rep
        customer = make_customer(owner, industry="36" if i % 2 else "64", province="广东" if i < 4 else "上海")
        if i % 4 == 0:
            task_create(owner, customer.pk, title="回访", due_at=f"2026-03-{i + 1:02d} 10:00")
        frozen_clock.advance(minutes=5)
        made.append(customer)
    return made


def walk(user, params: str, limit: int = 2) -> list[int]:
    seen, cursor = [], None
    while True:
        page = customer_page(user, QueryDict(params), cursor=cursor, limit=limit)
        seen += [c.pk for c in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return seen


@pytest.mark.parametrize("sort", ["-id", "name", "-updated_at", "next_follow_up_at", "-next_follow_up_at",
                                  "-total_amount", "number"])
def test_keyset_walk_returns_every_row_once_in_order(superuser_factory, book, sort):
    admin = superuser_factory()
    ids = walk(admin, f"sort={sort}")
    assert sorted(ids) == sorted(c.pk for c in book) and len(ids) == len(set(ids))
    column = sort.lstrip("-")
    values = [getattr(Customer.objects.get(pk=pk), column) for pk in ids]
    present = [v for v in values if v is not None]
    assert present == sorted(present, reverse=sort.startswith("-"))
    assert values[len(present):] == [None] * (len(values) - len(present))  # nulls last


def test_filters(superuser_factory, book, rep):
    admin = superuser_factory()
    assert len(walk(admin, "industry=C")) == 4  # a section covers its divisions
    assert len(walk(admin, "industry=64&province=广东")) == 2
    assert len(walk(admin, "region=华东")) == 5
    assert len(walk(admin, f"owner={rep.pk}")) == 6
    # now is 2026-03-02 10:15; actions fall due on 03-01, 03-05 and 03-09 at 10:00
    assert len(walk(admin, "due=overdue")) == 1
    assert len(walk(admin, "due=today")) == 1
    assert len(walk(admin, "due=week")) == 3
    assert len(walk(admin, "due=none")) == 6


def test_scope_is_applied(book, rep):
    assert len(walk(rep, "")) == 6


@pytest.mark.parametrize("params,field", [("stage=won", "stage"), ("owner=abc", "owner"), ("due=later", "due"),
                                          ("created_from=2026/01/01", "created_from"), ("sort=colour", "sort"),
                                          ("cursor=%%%", "cursor")])
def test_bad_parameters_name_the_field(superuser_factory, params, field):
    with translation.override("en"), pytest.raises(ValidationError) as exc_info:
        customer_page(superuser_factory(), QueryDict(params))
    assert field in exc_info.value.message_dict
