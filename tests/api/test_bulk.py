"""Bulk create/update of up to 1,000 customers: a result per item, nothing half-done."""

from __future__ import annotations

import pytest

from kehu.customers.models import Contact, Customer
from tests.factories import customer_data, make_customer

pytestmark = pytest.mark.django_db


def test_mixed_items_each_get_a_result(rep_api, rep):
    existing = make_customer(rep)
    bad_contact = customer_data(contacts=[{"name": "甲", "title": "乙", "phones": ["139-1234-5678", "12"]}])
    items = [
        customer_data(name="杭州新创科技有限公司"),
        {"id": existing.pk, "version": 1, "short_name": "恒力"},
        bad_contact,
        {"id": existing.pk, "version": 1, "short_name": "stale"},
        {"id": 99999999, "version": 1, "short_name": "x"},
        {"name": "缺字段"},
        "not an object",
        customer_data(employees="many"),
    ]
    before = Contact.objects.count()
    response = rep_api.post("/customers/bulk", {"items": items})
    assert response.status_code == 200, response.content
    body = response.json()
    statuses = [r["status"] for r in body["results"]]
    assert statuses == ["created", "updated", "error", "error", "error", "error", "error", "error"]
    assert (body["created"], body["updated"], body["failed"]) == (1, 1, 6)
    results = body["results"]
    assert {e["field"] for e in results[2]["errors"]} == {"contacts[0].phones[1]"}
    assert results[3]["current_version"] == 2 and results[3]["errors"][0]["field"] == "version"
    assert results[4]["errors"][0]["field"] == "id"
    assert "need_description" in {e["field"] for e in results[5]["errors"]}
    assert results[7]["errors"][0]["field"] == "employees"
    # The failed new customer left nothing behind: no customer, no contact, no audit trail.
    assert Customer.objects.count() == 2
    assert Contact.objects.count() == before + 1
    existing.refresh_from_db()
    assert existing.short_name == "恒力"


def test_at_most_a_thousand_items(rep_api):
    response = rep_api.post("/customers/bulk", {"items": [{}] * 1001})
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "items"


def test_a_thousand_items_in_one_call(rep_api):
    items = [customer_data(name=f"批量导入公司{i:04d}") for i in range(1000)]
    response = rep_api.post("/customers/bulk", {"items": items})
    assert response.status_code == 200 and response.json()["created"] == 1000
