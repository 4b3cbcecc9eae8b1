"""The possible-duplicate finder behind the create form."""

from __future__ import annotations

import pytest

from kehu.customers.duplicates import core_name, find_duplicates
from tests.factories import make_customer

pytestmark = pytest.mark.django_db
USCC = "91350100M000100Y43"


def test_core_name_drops_place_and_legal_form():
    assert core_name("苏州恒力汽车零部件有限公司") == "苏州恒力汽车零部件"  # a city stays: no gazetteer
    assert core_name("苏州市恒力汽车零部件有限公司") == "恒力汽车零部件"
    assert core_name("广东省深圳市华强电子股份有限公司") == "华强电子"
    assert core_name("上海 恒力（集团）有限公司") == "恒力"


def test_finds_by_credit_code_phone_and_similar_name(rep, outsider):
    mine = make_customer(rep, name="苏州恒力汽车零部件有限公司", credit_code=USCC)
    make_customer(rep, name="北京完全无关科技有限公司",
                  contacts=[{"name": "赵", "title": "总", "phones": ["13700000000"]}])
    theirs = make_customer(outsider, name="苏州恒力汽车零部件制造有限公司")
    by_code = find_duplicates(rep, credit_code=USCC.lower())
    assert [d.customer.pk for d in by_code] == [mine.pk] and by_code[0].reasons == ["credit_code"]
    assert [d.customer.pk for d in find_duplicates(rep, phones=["+86 139 1234 5678"])] == [mine.pk]
    found = find_duplicates(rep, name="恒力汽车零部件有限公司")
    assert [d.customer.pk for d in found] == [mine.pk]
    assert [d.customer.pk for d in find_duplicates(rep, name="江苏苏州恒力汽车零部件厂")] == [mine.pk]
    assert theirs.pk not in [d.customer.pk for d in find_duplicates(rep, name="苏州恒力汽车零部件制造有限公司")]
    both = find_duplicates(rep, name="苏州恒力汽车零部件", phones=["13912345678"], credit_code=USCC)
    assert both[0].customer.pk == mine.pk and set(both[0].reasons) == {"credit_code", "phone", "name"}
    assert find_duplicates(rep, name="恒力", exclude_pk=mine.pk) == []
    assert find_duplicates(rep, phones=["not a phone"], credit_code="bad") == []
