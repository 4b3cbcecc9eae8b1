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


SORTS = ["-id", "name", "created_at", "-created_at", "-updated_at", "next_follow_up_at"]


def _expected(queryset, sort):
    column = sort.lstrip("-")
    rows = list(queryset.values_list(column, "pk"))
    present = sorted([r for r in rows if r[0] is not None], reverse=sort.startswith("-"))
    absent = sorted([r for r in rows if r[0] is None], key=lambda r: r[1], reverse=sort.startswith("-"))
    return [pk for _value, pk in present + absent]


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("few,walk_limit,probe_after", [(1, 20000, 1000), (1, 1, 1000), (20000, 20000, 1000),
                                                        (1, 20000, 2)])
def test_every_plan_pages_in_the_same_order(superuser_factory, book, rep, manager, monkeypatch, sort, few,
                                            walk_limit, probe_after):
    """A rep's small scope is sorted by the database (direct); a lead's and the admin's are
    walked along the sort index (few=1 makes every team big; walk_limit=1 makes the walk hand the
    rest of each page to the database after one batch; probe_after=2 counts the sparse rows after
    the first batch and sorts them when fewer than SPARSE)."""
    import kehu.customers.queries as queries
    from kehu.core.policy import visible_customers

    monkeypatch.setattr(queries, "FEW", few)
    monkeypatch.setattr(queries, "WALK_LIMIT", walk_limit)
    monkeypatch.setattr(queries, "PROBE_AFTER", probe_after)
    monkeypatch.setattr(queries, "SPARSE", 3)
    monkeypatch.setattr(queries, "FIRST_BATCH", 2)
    for user in (rep, manager, superuser_factory()):
        assert walk(user, f"sort={sort}") == _expected(visible_customers(user), sort), (user, sort)
        assert walk(user, f"sort={sort}&province=广东") == _expected(visible_customers(user).filter(province="广东"),
                                                                     sort), (user, sort)


def test_only_reps_without_team_or_everything_are_read_directly(rep, manager, superuser_factory):
    from kehu.customers.queries import few_in_scope

    from kehu.customers.queries import _one_team_by_update

    assert few_in_scope(rep) is True
    assert few_in_scope(manager) is False and few_in_scope(superuser_factory()) is False
    # a lead of one team, by last change: the (team, -updated_at, -id) index serves the direct query
    assert _one_team_by_update(manager, "updated_at") is True
    assert _one_team_by_update(manager, "name") is False and _one_team_by_update(rep, "updated_at") is False


def test_a_filter_the_team_has_none_of_is_answered_without_walking_the_team(book, manager, monkeypatch):
    """A regional team asked for another region: after the first entries of the walk find
    nothing, the rows are counted (none) and the walk stops, instead of reading the whole team."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    import kehu.customers.queries as queries

    for _ in range(30):
        make_customer(manager, province="上海")
    monkeypatch.setattr(queries, "FEW", 5)  # the team (39 customers) is big: walked
    monkeypatch.setattr(queries, "FIRST_BATCH", 2)
    monkeypatch.setattr(queries, "PROBE_AFTER", 4)
    assert queries.list_plan(manager, "id", filtered=True) == queries.MANY
    with CaptureQueriesContext(connection) as ctx:
        assert walk(manager, "region=西北&stage=potential", limit=5) == []
    walked = [q for q in ctx.captured_queries if "ORDER BY" in q["sql"] and "LIMIT" in q["sql"]]
    assert len(walked) == 1, [q["sql"][-200:] for q in walked]  # a page (6 entries): then counted (none)
    # the same filter where the team has customers still pages them all, newest first
    south = set(Customer.objects.filter(province="广东", team=manager.team).values_list("pk", flat=True))
    assert walk(manager, "province=广东", limit=2) == sorted(south, reverse=True)


def test_one_stage_newest_first_is_read_from_the_scopes_stage_index(book, manager, rep, monkeypatch):
    """(team, stage, -id) holds one stage's rows newest first: no walk (the pipeline's columns);
    two stages, or a stage with another filter, are walked."""
    import kehu.customers.queries as queries
    from kehu.customers.queries import CustomerFilters, id_order_served

    monkeypatch.setattr(queries, "FEW", 5)  # the team is big
    assert id_order_served(CustomerFilters(stage=["intent"]))
    assert not id_order_served(CustomerFilters(stage=["intent", "deal"]))
    assert not id_order_served(CustomerFilters(stage=["intent"], province="广东"))
    assert not id_order_served(CustomerFilters())
    region = CustomerFilters(stage=["intent"], region="华南")
    assert id_order_served(region, manager)  # (team, region, stage, -id)
    assert not id_order_served(region, rep) and not id_order_served(region)  # no (owner, region, …) index
    assert queries.list_plan(manager, "id", filtered=True, served=True) == queries.DIRECT
    assert queries.list_plan(manager, "id", filtered=True) == queries.MANY
    for stage in ("potential", "intent"):
        expected = list(Customer.objects.filter(team=manager.team, stage=stage).order_by("-id").values_list("pk", flat=True))
        assert walk(manager, f"stage={stage}") == expected


def test_a_rep_with_a_big_book_is_walked_on_sqlite_where_no_owner_index_holds_the_order(book, rep, monkeypatch):
    """SQLite sorts a rep's whole book for a page sorted by a column without an (owner, column)
    index; past FEW customers that is walked like a team. Orders an owner index holds (newest,
    name, next follow-up, last change) and their filters stay direct; PostgreSQL, which knows the
    owner's share, plans the direct query itself."""
    from django.db import connection

    import kehu.customers.queries as queries

    assert queries.few_in_scope(rep, "created_at") is True  # 6 customers
    monkeypatch.setattr(queries, "FEW", 6)
    sqlite = connection.vendor == "sqlite"
    assert queries.few_in_scope(rep, "created_at") is not sqlite
    assert queries.list_plan(rep, "created_at") == ("" if sqlite else queries.DIRECT)
    for column in ("id", "name", "next_follow_up_at", "updated_at"):
        assert queries.list_plan(rep, column, filtered=True) == queries.DIRECT, column
    assert walk(rep, "sort=-created_at") == [c.pk for c in Customer.objects.filter(owner=rep).order_by("-created_at", "-id")]
    assert walk(rep, "sort=name") == [c.pk for c in Customer.objects.filter(owner=rep).order_by("name", "id")]


def test_a_team_lead_is_read_directly_or_by_walking_by_team_size(book, manager, superuser_factory, monkeypatch):
    import kehu.customers.queries as queries

    assert queries.list_plan(manager, "name") == queries.DIRECT  # 9 customers: fewer than FEW
    monkeypatch.setattr(queries, "FEW", 5)
    assert queries.list_plan(manager, "name") == queries.MANY
    assert queries.list_plan(superuser_factory(), "name") == ""  # everyone's: counted first


def test_sort_by_total_amount_needs_every_amount_in_scope(book, rep, other_rep, manager, superuser_factory):
    """Amounts are confidential (R33): the order by them would tell what a user may not see."""
    from kehu.accounts.models import Role
    from kehu.accounts.services import user_create
    from kehu.customers.models import CustomerCollaborator
    from kehu.customers.queries import paginate
    from kehu.core.policy import visible_customers

    assert len(walk(rep, "sort=-total_amount")) == 6  # own customers only: allowed
    assert len(walk(manager, "sort=total_amount")) == 9  # the team lead sees every amount
    assert len(walk(superuser_factory(), "sort=-total_amount")) == 9
    CustomerCollaborator.objects.create(customer=book[0], user=rep, can_edit=True)  # other_rep's
    data_admin = user_create(None, username="data.admin", role=Role.DATA_ADMIN, display_name="数据管理")
    for user in (rep, data_admin):
        for sort in ("total_amount", "-total_amount"):
            with translation.override("en"), pytest.raises(ValidationError) as exc_info:
                customer_page(user, QueryDict(f"sort={sort}"))
            assert "total_amount" in exc_info.value.message_dict["sort"][0]
        with pytest.raises(ValidationError):  # the same rule for the web list and the API
            paginate(visible_customers(user), sort="-total_amount", user=user)
    assert walk(rep, "sort=-name")  # other sorts stay open


def test_tag_filter_lists_each_tagged_customer_once_in_every_order(book, manager):
    """Several tags in the filter mean any of them; a customer carrying two of them is still one row."""
    from kehu.customers.models import Tag

    price, urgent, other = (Tag.objects.create(name=name) for name in ("价格敏感", "急单", "展会"))
    for i, customer in enumerate(book):
        if i % 2:
            customer.tags.add(price)
        if i % 3 == 0:
            customer.tags.add(urgent)
        customer.tags.add(other)
    either = {c.pk for i, c in enumerate(book) if i % 2 or i % 3 == 0}
    for sort in ("-id", "name", "-updated_at", "next_follow_up_at"):
        seen = walk(manager, f"tag=价格敏感,急单&sort={sort}")
        assert len(seen) == len(set(seen)) and set(seen) == either, sort
    assert set(walk(manager, "tag=价格敏感")) == {c.pk for i, c in enumerate(book) if i % 2}
    assert walk(manager, "tag=没有这个标签") == []


def test_rows_found_sparse_keep_the_callers_joins_and_annotations(book, manager, monkeypatch):
    """The counted-and-sorted path of a walk returns the rows as the caller built them (the API
    reads tag names from an annotation; without it each row would ask for its tags)."""
    from django.db.models import Value

    import kehu.customers.queries as queries
    from kehu.core.policy import visible_customers
    from kehu.customers.queries import paginate, parse_filters

    monkeypatch.setattr(queries, "FEW", 1)
    monkeypatch.setattr(queries, "FIRST_BATCH", 1)
    monkeypatch.setattr(queries, "PROBE_AFTER", 1)
    fetched = []
    real = queries._rows_by_id
    monkeypatch.setattr(queries, "_rows_by_id", lambda qs, ids: fetched.append(ids) or real(qs, ids))
    filters = parse_filters(QueryDict("province=广东&industry=36"))
    base = queries.apply_filters(visible_customers(manager), filters).annotate(marker=Value(7))
    seen, cursor = [], None
    while True:
        page = paginate(base.select_related("owner"), sort="-created_at", cursor=cursor, limit=1, user=manager,
                        filters=filters)
        seen += page.items
        cursor = page.next_cursor
        if cursor is None:
            break
    expected = list(Customer.objects.filter(team=manager.team, province="广东", industry__code="36")
                    .order_by("-created_at", "-id").values_list("pk", flat=True))
    assert [c.pk for c in seen] == expected and expected
    assert fetched  # the sparse rows were counted and fetched by id
    assert all(c.marker == 7 for c in seen)


@pytest.mark.parametrize("sort", [*SORTS, "-name", "last_interaction_at", "-next_follow_up_at", "number"])
def test_a_rep_with_links_pages_each_branch_apart_in_the_same_order(book, rep, other_rep, sort):
    """Owned ∪ linked: the owner's page and the linked rows are read apart and the database orders
    what they found (core.policy.scope_branches); the pages are those of the whole scope — every
    row once, in order, ties and nulls included, a customer both owned and linked once — and the
    union is never read whole."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kehu.core.policy import scope_branches, visible_customers
    from kehu.customers.models import CustomerCollaborator

    theirs = [c for c in book if c.owner_id == other_rep.pk]
    for customer in theirs[:2] + [c for c in book if c.owner_id == rep.pk][:1]:
        CustomerCollaborator.objects.create(customer=customer, user=rep, can_edit=True)
    Customer.objects.filter(pk=theirs[0].pk).update(name=Customer.objects.get(pk=book[1].pk).name)  # a tie
    assert len(scope_branches(rep)) == 2
    for params in (f"sort={sort}", f"sort={sort}&province=广东", f"sort={sort}&stage=potential"):
        with CaptureQueriesContext(connection) as ctx:
            seen = walk(rep, params)
        scope = visible_customers(rep).filter(**dict(p.split("=") for p in params.split("&")[1:]))
        assert seen == _expected(scope, sort), params
        # the policy's union of the whole scope (`id IN (… UNION ALL …)`, `id = ANY(ARRAY(…))`), as
        # opposed to the branches' pages of at most a page each (`(… LIMIT n) AS b0 UNION ALL …`)
        whole = [q["sql"] for q in ctx.captured_queries if "customers_customer" in q["sql"].split("UNION")[0]
                 and ("UNION" in q["sql"] or "ANY(ARRAY" in q["sql"]) and " AS b0 UNION ALL " not in q["sql"]]
        assert not whole
    assert theirs[0].pk in walk(rep, f"sort={sort}")
