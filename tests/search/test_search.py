"""One-box search: Chinese, 拼音, initials, phone digits, e-mail, number, credit code; ranking;
visibility; the index kept by triggers on every write path (run on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from kehu.search import search_customers
from kehu.search.engine import SCAN_THRESHOLD, prepare
from tests.factories import customer_data, make_customer

pytestmark = pytest.mark.django_db


def names(results):
    return [c.name for c in results]


@pytest.fixture
def book(rep):
    """A small customer book with the kinds of keys people type."""
    return {
        "hengli": make_customer(rep, name="苏州恒力汽车零部件有限公司", short_name="恒力",
                                credit_code="91320594MA1MCYDU6C",
                                contacts=[{"name": "张三", "title": "采购经理", "phones": ["139 1234 5678"],
                                           "emails": ["zhang.san@hengli.example.com"]}]),
        "zhangsan_co": make_customer(rep, name="张三丰五金店", kind="individual", industry=None,
                                     contacts=[{"name": "李四", "title": "店主", "phones": ["021-5555 8765"]}]),
        "sanlian": make_customer(rep, name="无锡三联精密机械有限公司",
                                 contacts=[{"name": "王芳", "title": "总经理", "emails": ["wangfang@sanlian.cn"]}]),
    }


def test_chinese_substring_prefix_and_exact(rep, book):
    assert names(search_customers(rep, "恒力")) == ["苏州恒力汽车零部件有限公司"]
    assert names(search_customers(rep, "汽车零部件")) == ["苏州恒力汽车零部件有限公司"]
    assert names(search_customers(rep, "精密机械")) == ["无锡三联精密机械有限公司"]


def test_pinyin_and_initials(rep, book):
    # contact 张三 is an exact key; 张三丰五金店 (zhangsanfengwujindian) only starts with it
    assert names(search_customers(rep, "zhangsan")) == ["苏州恒力汽车零部件有限公司", "张三丰五金店"]
    assert names(search_customers(rep, "ZS")) == ["苏州恒力汽车零部件有限公司", "张三丰五金店"]  # 张三 exact, zsf prefix
    assert names(search_customers(rep, "hengli")) == ["苏州恒力汽车零部件有限公司"]
    assert names(search_customers(rep, "wxsl")) == ["无锡三联精密机械有限公司"]


def test_contact_names_phones_and_emails(rep, book):
    assert names(search_customers(rep, "王芳")) == ["无锡三联精密机械有限公司"]
    assert names(search_customers(rep, "5678")) == ["苏州恒力汽车零部件有限公司"]
    assert names(search_customers(rep, "1234 56")) == ["苏州恒力汽车零部件有限公司"]
    assert names(search_customers(rep, "+86 139-1234-5678")) == ["苏州恒力汽车零部件有限公司"]
    assert names(search_customers(rep, "021 5555 8765")) == ["张三丰五金店"]
    assert names(search_customers(rep, "8765")) == ["张三丰五金店"]
    assert names(search_customers(rep, "wangfang@")) == ["无锡三联精密机械有限公司"]
    assert names(search_customers(rep, "HENGLI.EXAMPLE")) == ["苏州恒力汽车零部件有限公司"]


def test_number_and_credit_code(rep, book):
    number = book["sanlian"].number
    assert names(search_customers(rep, number.lower())) == ["无锡三联精密机械有限公司"]
    assert names(search_customers(rep, "91320594MA1MCYDU6C")) == ["苏州恒力汽车零部件有限公司"]
    assert names(search_customers(rep, "ma1mcydu")) == ["苏州恒力汽车零部件有限公司"]


def test_ranking_exact_before_prefix_before_substring(rep):
    substring = make_customer(rep, name="上海华联超市有限公司")
    prefix = make_customer(rep, name="华联电子有限公司")
    exact = make_customer(rep, name="星光贸易有限公司", short_name="华联")
    results = search_customers(rep, "华联")
    assert [c.pk for c in results] == [exact.pk, prefix.pk, substring.pk]


def test_short_queries(rep, book):
    # One Chinese character: keys equal to or starting with it only (not every name containing 张).
    assert names(search_customers(rep, "张")) == ["苏州恒力汽车零部件有限公司", "张三丰五金店"] or \
        set(names(search_customers(rep, "张"))) == {"苏州恒力汽车零部件有限公司", "张三丰五金店"}
    assert search_customers(rep, "") == [] and search_customers(rep, "   ") == []
    assert prepare("恒力") == "恒\ue000力\ue000"


def test_visibility_deleted_and_limit(rep, other_rep, manager, book):
    assert search_customers(other_rep, "恒力") == []
    assert names(search_customers(manager, "恒力")) == ["苏州恒力汽车零部件有限公司"]
    from kehu.customers.services import customer_soft_delete

    customer_soft_delete(manager, book["hengli"].pk, version=1)
    assert search_customers(manager, "恒力") == []
    many = [make_customer(rep, name=f"测试公司{i}") for i in range(5)]
    assert len(search_customers(rep, "测试公司", limit=3)) == 3
    assert [c.pk for c in search_customers(rep, "测试公司", limit=3)] == [c.pk for c in many[::-1][:3]]


def test_index_follows_updates_contacts_and_phones(rep, book):
    from kehu.customers.services import contact_add, contact_update, customer_update

    customer = book["sanlian"]
    customer_update(rep, customer.pk, version=1, name="无锡三联智能装备有限公司")
    assert names(search_customers(rep, "智能装备")) == ["无锡三联智能装备有限公司"]
    assert search_customers(rep, "精密机械") == []
    contact = contact_add(rep, customer.pk, name="赵六", title="工程师", phones=["13700001111"])
    assert names(search_customers(rep, "zhaoliu")) == ["无锡三联智能装备有限公司"]
    contact_update(rep, contact.pk, version=1, phones=["13800002222"], emails=[])
    assert search_customers(rep, "00001111") == []
    assert names(search_customers(rep, "00002222")) == ["无锡三联智能装备有限公司"]


def test_bulk_inserted_rows_are_indexed_by_the_triggers(rep, team):
    """Rows written around the services (the demo generator's bulk load) are found too."""
    from django.db import connection

    from kehu.core import clock
    from kehu.customers.models import Contact, ContactMethod, Customer

    now = clock.now()
    customer = Customer.objects.create(number="BULK-0001", name="杭州百川数据科技有限公司", first_contact_date=now.date(),
                                       need_description="x", created_at=now, updated_at=now, owner=rep, team=team,
                                       name_pinyin="hangzhoubaichuanshujukejiyouxiangongsi", name_initials="hzbcsjkjyxgs")
    contact = Contact.objects.create(customer=customer, name="孙七", title="CTO", created_at=now, updated_at=now,
                                     name_pinyin="sunqi", name_initials="sq")
    ContactMethod.objects.create(contact=contact, customer=customer, kind="phone", value="+8613622223333",
                                 raw="13622223333", digits="13622223333")
    assert connection.vendor in ("sqlite", "postgresql")
    for query in ("百川", "hzbcsj", "sunqi", "2222333", "bulk-0001"):
        assert names(search_customers(rep, query)) == ["杭州百川数据科技有限公司"], query


def test_scan_and_index_plans_agree(rep, manager, superuser_factory, monkeypatch):
    """The rep's search scans their customers, the admin's walks the index: same answers."""
    import kehu.search.engine as engine

    for i in range(6):
        make_customer(rep, name=f"宁波海天塑机{i}号有限公司", contacts=[{"name": "周八", "title": "厂长",
                                                                       "phones": [f"1390000{i:04d}"]}])
    admin = superuser_factory()
    for query in ("海天", "zhouba", "0003", "宁波海天塑机1号有限公司", "nbht"):
        scanned = [c.pk for c in search_customers(rep, query)]
        walked = [c.pk for c in search_customers(admin, query)]
        monkeypatch.setattr(engine, "SCAN_THRESHOLD", 0)
        indexed_for_rep = [c.pk for c in search_customers(rep, query)]
        monkeypatch.setattr(engine, "SCAN_THRESHOLD", SCAN_THRESHOLD)
        assert scanned == walked == indexed_for_rep, query
        assert scanned


def test_base_queryset_narrows_and_never_widens(rep, other_rep, book):
    from kehu.core.policy import visible_customers
    from kehu.customers.models import Customer

    only_individuals = visible_customers(rep).filter(kind="individual")
    assert names(search_customers(rep, "zs", base=only_individuals)) == ["张三丰五金店"]
    assert search_customers(other_rep, "恒力", base=Customer.objects.all()) == []


def test_search_endpoint(rep_api, book):
    response = rep_api.get("/search", {"q": "zhangsan", "fields": "name"})
    assert response.status_code == 200
    assert [item["name"] for item in response.json()["items"]] == ["苏州恒力汽车零部件有限公司", "张三丰五金店"]
    listed = rep_api.get("/customers", {"q": "恒力", "fields": "name"}).json()["items"]
    assert listed == [{"id": book["hengli"].pk, "name": "苏州恒力汽车零部件有限公司"}]


def test_customer_data_factory_still_searchable(rep):
    customer = make_customer(rep, **{k: v for k, v in customer_data().items() if k == "name"})
    assert [c.pk for c in search_customers(rep, customer.name)] == [customer.pk]


def test_dropped_triggers_are_put_back_and_the_index_rebuilt(rep, book):
    """A SQLite migration that rebuilds a customers table drops that table's triggers: ensure()
    (run after every migrate) re-creates them and re-indexes what was written meanwhile."""
    from django.db import connection

    from kehu.customers.services import customer_update
    from kehu.search.ddl import ensure

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER search_customer_au")
        else:
            cursor.execute("DROP TRIGGER search_customer_au ON customers_customer")
    customer_update(rep, book["sanlian"].pk, version=1, short_name="三联精机")
    assert search_customers(rep, "三联精机") == []  # not indexed: the trigger is gone
    assert ensure(connection) is True
    assert names(search_customers(rep, "三联精机")) == ["无锡三联精密机械有限公司"]
    assert ensure(connection) is False  # nothing missing the second time
    from kehu.search.maintenance import merge_index

    merge_index(None)
    assert names(search_customers(rep, "三联精机")) == ["无锡三联精密机械有限公司"]
