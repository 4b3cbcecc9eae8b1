"""Exact and prefix matches from the key table, full-width text, scope inside the search
(run on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from kehu.search import search_customer_ids
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def _bulk_customer(rep, team, number: str, name: str, contact: str = "孙七", phone: str = "13622223333"):
    """A customer written around the services, as `kehu demo` and importers do (no clean-up of
    the text: full-width punctuation stays as it was typed)."""
    from kehu.core import clock
    from kehu.customers.models import Contact, ContactMethod, Customer
    from kehu.customers.search_keys import pinyin_keys

    now = clock.now()
    full, initials = pinyin_keys(name)
    customer = Customer.objects.create(number=number, name=name, first_contact_date=now.date(), need_description="x",
                                       created_at=now, updated_at=now, owner=rep, team=team,
                                       name_pinyin=full, name_initials=initials)
    c_full, c_initials = pinyin_keys(contact)
    person = Contact.objects.create(customer=customer, name=contact, title="经理", created_at=now, updated_at=now,
                                    name_pinyin=c_full, name_initials=c_initials)
    ContactMethod.objects.create(contact=person, customer=customer, kind="phone", value="+86" + phone, raw=phone,
                                 digits=phone)
    return customer


def test_full_width_brackets_found_by_the_full_name(rep, team):
    """嘉正电子科技（烟台）有限公司 as the demo stores it: found by its own full name, however the
    brackets are typed, and by the part inside them."""
    customer = _bulk_customer(rep, team, "BULK-0100", "嘉正电子科技（烟台）有限公司")
    for query in ("嘉正电子科技（烟台）有限公司", "嘉正电子科技(烟台)有限公司", "（烟台）", "科技（烟台", "烟台）有限"):
        assert search_customer_ids(rep, query) == [customer.pk], query


# --- the key table follows every change -------------------------------------------------------

def _key_rows(customer_id: int) -> set[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT key, owner_id, team_id FROM search_key WHERE customer_id = %s", [customer_id])
        return set(cursor.fetchall())


def _expected_rows(customer_id: int) -> set[tuple]:
    from kehu.customers.models import Customer
    from kehu.search.ddl import keys_of
    from kehu.search.models import SearchDocument

    customer = Customer.objects.get(pk=customer_id)
    hay = SearchDocument.objects.get(customer_id=customer_id).hay
    return {(key, customer.owner_id, customer.team_id) for key in keys_of(hay)}


def test_key_table_follows_documents_owner_and_deletes(rep, other_rep, manager):
    from kehu.customers.models import Customer
    from kehu.customers.services import contact_add, customer_update
    from kehu.customers.services.handover import customer_handover
    from kehu.search.ddl import fold

    customer = make_customer(rep, name="宁波海天塑机有限公司", short_name="海天",
                             contacts=[{"name": "周八", "title": "厂长", "phones": ["13900001111"]}])
    rows = _key_rows(customer.pk)
    assert rows == _expected_rows(customer.pk)
    assert {key for key, _o, _t in rows} >= {fold("宁波海天塑机有限公司"), fold("海天"), "zhouba", "zb", "13900001111",
                                             "ningbohaitiansujiyouxiangongsi", "nbhtsjyxgs"}
    customer_update(rep, customer.pk, version=1, short_name="海天塑机")
    contact_add(rep, customer.pk, name="吴九", title="采购", emails=["wujiu@haitian.example.com"])
    rows = _key_rows(customer.pk)
    assert rows == _expected_rows(customer.pk)
    assert fold("海天") not in {key for key, _o, _t in rows} and "wujiu@haitian.example.com" in {k for k, _o, _t in rows}
    customer_handover(manager, [customer.pk], to_owner=other_rep.pk, reason="调岗")
    assert {owner for _k, owner, _t in _key_rows(customer.pk)} == {other_rep.pk}
    assert search_customer_ids(other_rep, "nbht") == [customer.pk]
    assert search_customer_ids(rep, "nbht") == []
    Customer.objects.filter(pk=customer.pk).delete()
    assert _key_rows(customer.pk) == set()


def test_fill_rebuilds_the_same_rows(rep):
    from django.db import connection

    from kehu.search import keytable

    made = [make_customer(rep, name=f"温州正泰电器{i}厂") for i in range(3)]
    before = {pk: _key_rows(pk) for pk in [c.pk for c in made]}
    keytable.fill(connection)
    assert {pk: _key_rows(pk) for pk in before} == before


# --- every plan gives the answer of a plain reading of the documents -------------------------

def _reference(user, text, limit=20):
    """What the search must answer, by brute force over the visible customers' documents."""
    from kehu.core.policy import visible_customers
    from kehu.search.engine import patterns, prepare
    from kehu.search.models import SearchDocument

    docs = dict(SearchDocument.objects.filter(customer__in=visible_customers(user)).values_list("customer_id", "hay"))
    out: list[int] = []
    for pattern in patterns(prepare(text)):
        out += [pk for pk in sorted(docs, reverse=True) if pattern in docs[pk] and pk not in out]
    return out[:limit]


QUERIES = ["华联", "华联电子有限公司", "hualian", "hl", "hlds", "张伟", "zhangwei", "zw", "5678", "139 1234",
           "有限公司", "example.com", "苏州", "szhl", "h", "华", "zzq无此", "mfg", "91320594"]


@pytest.fixture
def crowd(rep, other_rep, manager, frozen_clock):
    from kehu.customers.models import CustomerCollaborator
    from kehu.customers.services import customer_soft_delete

    names = ["华联电子有限公司", "上海华联超市有限公司", "星光贸易有限公司", "苏州恒力汽车零部件有限公司",
             "华联商厦", "苏州华联物流有限公司", "张伟五金店", "无锡三联精密机械有限公司"]
    made = []
    for i in range(24):
        owner = (rep, other_rep, manager)[i % 3]
        contacts = [{"name": ("张伟", "王芳", "华联")[i % 3], "title": "经理", "phones": [f"139{i:04d}5678"],
                     "emails": [f"user{i}@hl{i % 4}.example.com"]}]
        made.append(make_customer(owner, name=f"{names[i % len(names)]}{'' if i < 8 else i}",
                                  short_name="华联" if i % 5 == 0 else "", contacts=contacts,
                                  credit_code="91320594MA1MCYDU6C" if i == 3 else ""))
        frozen_clock.advance(minutes=1)
    CustomerCollaborator.objects.create(customer=made[1], user=rep, can_edit=False)
    customer_soft_delete(manager, made[3].pk, version=1)
    return made


def _plans(monkeypatch):
    import kehu.search.engine as engine

    yield "default"
    monkeypatch.setattr(engine, "CAP", 0)  # every range and trigram query counts as common
    yield "common"
    monkeypatch.setattr(engine, "CAP", 10_000)
    monkeypatch.setattr(engine, "common_everywhere", lambda pattern: True)  # scoped substrings: walk the scope
    monkeypatch.setattr(engine, "FIRST_LOOK", 1)  # and a rep's documents are walked one by one at first
    yield "common everywhere"
    monkeypatch.setattr(engine, "common_everywhere", lambda pattern: False)  # scoped: the scope tokens in the index
    yield "rare: scoped index"
    monkeypatch.setattr(engine, "owned_walk_pays", lambda pattern, limit: True)  # PostgreSQL: a rep's newest
    monkeypatch.setattr(engine, "OWNED_WINDOW", 2)  # customers two at a time, then the scoped index for the rest
    yield "owned walk, then the index"
    monkeypatch.setattr(engine, "owned_walk_pays", lambda pattern, limit: False)
    monkeypatch.setattr(engine, "scope_share", lambda tokens: 1.0)  # a scope as big as everyone's
    yield "dense scope: searched like everyone's, candidates checked"
    monkeypatch.setattr(engine, "owned_walk_pays", lambda pattern, limit: True)
    yield "dense scope: the newest walked two at a time, the rest like everyone's"
    monkeypatch.setattr(engine, "owned_walk_pays", lambda pattern, limit: False)
    monkeypatch.setattr(engine, "scope_share", lambda tokens: 0.0)
    monkeypatch.setattr(engine, "SMALL_SCOPE", 0)  # the scope is never read whole
    yield "big scope"


@pytest.mark.parametrize("who", ["rep", "other_rep", "manager", "admin"])
def test_every_plan_agrees_with_the_documents(request, crowd, monkeypatch, superuser_factory, who):
    user = superuser_factory() if who == "admin" else request.getfixturevalue(who)
    expected = {(text, limit): _reference(user, text, limit) for text in QUERIES for limit in (3, 20)}
    assert any(expected.values())
    for plan in _plans(monkeypatch):
        for (text, limit), ids in expected.items():
            assert search_customer_ids(user, text, limit=limit) == ids, (plan, text, limit)


def test_a_rep_finds_linked_customers_not_others(rep, crowd):
    linked = crowd[1]  # other_rep's, linked to rep
    assert linked.pk in search_customer_ids(rep, linked.name)
    assert linked.pk in search_customer_ids(rep, "hl1.example")
    others = [c.pk for c in crowd if c.owner_id != rep.pk and c.pk != linked.pk]
    for text in QUERIES:
        assert not set(search_customer_ids(rep, text, limit=50)) & set(others), text


def test_scope_shortcut_is_checked_against_the_policy(rep, other_rep, crowd, monkeypatch):
    """The rep's scope is read from the owner index and the links as a shortcut; the page is still
    checked against visible_customers, so a shortcut that lets too much through leaks nothing."""
    import kehu.search.engine as engine
    from kehu.customers.models import Customer

    everyone = set(Customer.objects.values_list("pk", flat=True))
    monkeypatch.setattr(engine._Search, "_scope", lambda self: everyone if self.branches is not None else None)
    for text in ("华联", "hl", "5678", "zhangwei"):
        assert search_customer_ids(rep, text) == _reference(rep, text), text


def test_the_scope_in_the_index_follows_handover_and_the_pool(rep, other_rep, manager, crowd, monkeypatch):
    """The owner's token in the trigram index moves with the customer: after a handover the new
    owner's substring search finds it through the index and the old owner's does not; a customer
    returned to the pool (no owner) keeps only its team's token."""
    import kehu.search.engine as engine
    from kehu.customers.models import Customer
    from kehu.customers.services.handover import customer_handover
    from kehu.search.ddl import scope_text
    from kehu.search.models import SearchDocument

    monkeypatch.setattr(engine, "common_everywhere", lambda pattern: False)  # always the scoped index
    theirs = next(c for c in crowd if c.owner_id == other_rep.pk and c.pk != crowd[1].pk)  # not linked to rep
    assert theirs.pk in search_customer_ids(other_rep, "@hl", limit=50)
    assert theirs.pk not in search_customer_ids(rep, "@hl", limit=50)
    customer_handover(manager, [theirs.pk], to_owner=rep.pk, reason="调岗")
    theirs.refresh_from_db()
    assert SearchDocument.objects.get(pk=theirs.pk).scope == scope_text(rep.pk, theirs.team_id)
    assert theirs.pk in search_customer_ids(rep, "@hl", limit=50)
    assert theirs.pk not in search_customer_ids(other_rep, "@hl", limit=50)
    Customer.objects.filter(pk=theirs.pk).update(owner=None)  # the pool sweep's set-based write
    assert SearchDocument.objects.get(pk=theirs.pk).scope == scope_text(None, theirs.team_id)
    assert theirs.pk not in search_customer_ids(rep, "@hl", limit=50)
    assert theirs.pk in search_customer_ids(manager, "@hl", limit=50)  # the team's lead still finds it


@pytest.mark.django_db
def test_scope_tokens_are_the_same_in_python_and_in_the_database():
    from django.db import connection

    from kehu.search.ddl import scope_text

    with connection.cursor() as cursor:
        for owner, team in ((1, 2), (65533, 65534), (65535, None), (None, 4_000_000_000), (None, None)):
            cursor.execute("SELECT kehu_scope(%s, %s)", [owner, team])
            assert cursor.fetchone()[0] == scope_text(owner, team), (owner, team)


def test_a_reps_substring_index_follows_every_write(rep, other_rep, manager, monkeypatch):
    """A rep's substring search reads the index of their own documents (search_own on SQLite, the
    owner's token in the GIN index on PostgreSQL). After every kind of write — new customer, rename,
    new phone, handover, pool return, soft delete and restore, hard delete — it answers what a
    plain reading of the documents does, for the new owner and the old."""
    import kehu.search.engine as engine
    from django.db import connection

    from kehu.customers.models import Customer, CustomerCollaborator
    from kehu.customers.services import contact_add, customer_restore, customer_soft_delete, customer_update
    from kehu.customers.services.handover import customer_handover

    monkeypatch.setattr(engine, "common_everywhere", lambda pattern: False)  # always the scoped index
    texts = ["塑机", "a&b (", "b (上海", "haitian", "0001111", "@ht.example", "周八", "xyz&"]

    def agree():
        for user in (rep, other_rep):
            for text in texts:
                assert search_customer_ids(user, text, limit=50) == _reference(user, text, 50), (user.username, text)

    first = make_customer(rep, name="A&B (上海)宁波海天塑机有限公司",
                          contacts=[{"name": "周八", "title": "厂长", "phones": ["13900001111"]}])
    second = make_customer(rep, name="海天塑机二厂", contacts=[{"name": "周八", "title": "厂长",
                                                          "emails": ["zb@ht.example.com"]}])
    agree()
    customer_update(rep, first.pk, version=1, name="A&B xyz& 海天")
    contact_add(rep, second.pk, name="吴九", title="采购", phones=["13700001111"])
    agree()
    customer_handover(manager, [second.pk], to_owner=other_rep.pk, reason="调岗")
    agree()
    CustomerCollaborator.objects.create(customer=second, user=rep, can_edit=False)  # kept as collaborator
    agree()
    Customer.objects.filter(pk=second.pk).update(owner=None)  # the pool sweep's set-based write
    agree()
    customer_soft_delete(manager, first.pk, version=2)
    agree()
    customer_restore(manager, first.pk)
    agree()
    customer_soft_delete(manager, second.pk, version=Customer.objects.get(pk=second.pk).version)
    agree()  # a link to a deleted customer finds nothing
    Customer.objects.filter(pk=first.pk).delete()
    agree()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # the contentless index's own consistency check
            cursor.execute("INSERT INTO search_own(search_own) VALUES ('integrity-check')")


def test_a_missing_scope_trigger_is_put_back_and_the_scope_index_refilled(rep, other_rep, manager, crowd,
                                                                          monkeypatch):
    """The triggers that keep a scope's own index (search_own on SQLite, the scope column on
    PostgreSQL) are put back by ensure() like the others, and what changed meanwhile is indexed."""
    import kehu.search.engine as engine
    from django.db import connection

    from kehu.customers.services.handover import customer_handover
    from kehu.search.ddl import ensure

    monkeypatch.setattr(engine, "common_everywhere", lambda pattern: False)  # always the scoped index
    theirs = next(c for c in crowd if c.owner_id == other_rep.pk and c.pk != crowd[1].pk and c.deleted_at is None)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER search_own_au")
        else:
            cursor.execute("DROP TRIGGER search_scope ON customers_customer")
    customer_handover(manager, [theirs.pk], to_owner=rep.pk, reason="调岗")
    assert theirs.pk not in search_customer_ids(rep, "@hl", limit=50)  # not indexed for its new owner yet
    assert ensure(connection) is True
    assert theirs.pk in search_customer_ids(rep, "@hl", limit=50)
    assert search_customer_ids(rep, "@hl", limit=50) == _reference(rep, "@hl", 50)
    assert ensure(connection) is False
