"""Contacts, interactions, next actions, transactions, reference data, users and the audit log."""

from __future__ import annotations

import pytest

from tests.api.conftest import errors_by_field
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(rep):
    return make_customer(rep, name="无锡三联精密机械有限公司")


def test_contacts_add_update_replace(rep_api, outsider_api, customer):
    added = rep_api.post(f"/customers/{customer.pk}/contacts",
                         {"name": "王芳", "title": "总经理", "phones": ["13912345679"], "is_primary": True})
    assert added.status_code == 201, added.content
    contact = added.json()
    assert contact["is_primary"] and contact["methods"][0]["text"] == "13912345679"
    listed = rep_api.get(f"/customers/{customer.pk}/contacts").json()
    assert {c["name"] for c in listed} == {"张伟", "王芳"}

    updated = rep_api.patch(f"/contacts/{contact['id']}", {"version": 1, "title": "董事长"})
    assert updated.status_code == 200 and updated.json()["title"] == "董事长"
    stale = rep_api.patch(f"/contacts/{contact['id']}", {"version": 1, "title": "x"})
    assert stale.status_code == 409
    bad = rep_api.patch(f"/contacts/{contact['id']}", {"version": 2, "phones": ["12"]})
    assert bad.status_code == 422 and "phones[0]" in errors_by_field(bad)
    missing = rep_api.post(f"/customers/{customer.pk}/contacts", {"name": "无职位"})
    assert missing.status_code == 422 and "title" in errors_by_field(missing)

    replaced = rep_api.post(f"/contacts/{contact['id']}/replace",
                            {"version": 2, "name": "赵敏", "title": "总经理", "emails": ["zhaomin@example.com"],
                             "reason": "离职"})
    assert replaced.status_code == 201 and replaced.json()["name"] == "赵敏"
    old = rep_api.get(f"/contacts/{contact['id']}").json()
    assert old["is_active"] is False and old["replaced_by"] == replaced.json()["id"]
    assert outsider_api.get(f"/contacts/{contact['id']}").status_code == 404
    assert rep_api.get("/contacts/987654").status_code == 404


def test_phones_are_masked_for_those_without_the_right(rep, customer, api_for):
    from kehu.accounts.models import Role
    from kehu.accounts.services import user_create
    from kehu.customers.models import CustomerCollaborator

    marketing = user_create(None, username="ma.marketing", role=Role.COLLABORATOR, team=rep.team)
    CustomerCollaborator.objects.create(customer=customer, user=marketing)
    body = api_for(marketing).get(f"/customers/{customer.pk}").json()
    phone = next(m for m in body["contacts"][0]["methods"] if m["kind"] == "phone")
    assert phone["text"] == "139****5678" and phone["masked"] is True
    assert "total_amount" not in body and "budget_max" not in body  # confidential (R33)


def test_interactions_and_next_actions(rep_api, outsider_api, customer, rep, frozen_clock):
    recorded = rep_api.post(f"/customers/{customer.pk}/interactions", {
        "occurred_at": "2026-03-02 09:00", "method": "phone", "summary": "介绍方案", "feedback": "有兴趣",
        "next_step": "发报价", "mood": "positive",
        "next_action": {"title": "发送报价单", "due_at": "2026-03-05 10:00", "priority": "high"},
    })
    assert recorded.status_code == 201, recorded.content
    interaction = recorded.json()
    assert interaction["method"] == "phone" and interaction["user"] == rep.pk
    missing = rep_api.post(f"/customers/{customer.pk}/interactions",
                           {"occurred_at": "2026-03-02 09:00", "method": "phone", "summary": "x", "feedback": "y"})
    assert missing.status_code == 422 and errors_by_field(missing) == {"next_step": "This field is required."}
    bad_method = rep_api.post(f"/customers/{customer.pk}/interactions", {
        "occurred_at": "2026-03-02 09:00", "method": "pigeon", "summary": "x", "feedback": "y", "next_step": "z"})
    assert bad_method.status_code == 422 and "method" in errors_by_field(bad_method)
    page = rep_api.get(f"/customers/{customer.pk}/interactions").json()
    assert [i["id"] for i in page["items"]] == [interaction["id"]]
    assert rep_api.get(f"/interactions/{interaction['id']}").json()["summary"] == "介绍方案"
    assert outsider_api.get(f"/interactions/{interaction['id']}").status_code == 404

    tasks = rep_api.get("/tasks").json()["items"]
    assert [t["title"] for t in tasks] == ["发送报价单"]
    task = tasks[0]
    created = rep_api.post(f"/customers/{customer.pk}/tasks", {"title": "回访", "due_at": "2026-03-09 10:00"})
    assert created.status_code == 201
    moved = rep_api.patch(f"/tasks/{task['id']}", {"version": 1, "due_at": "2026-03-06T10:00:00+08:00"})
    assert moved.status_code == 200 and moved.json()["version"] == 2
    assert rep_api.patch(f"/tasks/{task['id']}", {"version": 1, "title": "x"}).status_code == 409
    done = rep_api.post(f"/tasks/{task['id']}/complete", {"version": 2, "result": "已发送"})
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert rep_api.get("/tasks", {"status": "done"}).json()["items"][0]["id"] == task["id"]
    assert outsider_api.get(f"/tasks/{task['id']}").status_code == 404
    assert rep_api.get("/tasks", {"status": "whatever"}).status_code == 422


def test_transactions(rep_api, outsider_api, customer, api_for):
    recorded = rep_api.post(f"/customers/{customer.pk}/transactions",
                            {"signed_on": "2026-01-20", "amount": "120000.50", "kind": "contract", "products": "MES"})
    assert recorded.status_code == 201, recorded.content
    row = recorded.json()
    assert row["amount"] == "120000.50"
    assert rep_api.get(f"/customers/{customer.pk}").json()["stage"] == "deal"
    listed = rep_api.get(f"/customers/{customer.pk}/transactions").json()["items"]
    assert [r["id"] for r in listed] == [row["id"]]
    assert rep_api.get(f"/transactions/{row['id']}").status_code == 200
    assert outsider_api.get(f"/transactions/{row['id']}").status_code == 404
    negative = rep_api.post(f"/customers/{customer.pk}/transactions", {"signed_on": "2026-01-20", "amount": "-5"})
    assert negative.status_code == 422 and "amount" in errors_by_field(negative)
    future = rep_api.post(f"/customers/{customer.pk}/transactions", {"signed_on": "2999-01-01", "amount": "5"})
    assert future.status_code == 422 and "signed_on" in errors_by_field(future)


def test_reference_data(manager_api, rep_api):
    channels = rep_api.get("/channels").json()
    assert isinstance(channels, list)
    created = manager_api.post("/channels", {"name": "公众号推文", "tool": "微信公众号"})
    assert created.status_code == 201
    assert manager_api.post("/channels", {"name": "公众号推文"}).status_code == 422  # duplicate
    assert rep_api.post("/channels", {"name": "私人渠道"}).status_code == 403
    patched = manager_api.patch(f"/channels/{created.json()['id']}", {"is_active": False})
    assert patched.status_code == 200 and patched.json()["is_active"] is False
    assert manager_api.patch("/channels/999999", {"tool": "x"}).status_code == 404
    tag = manager_api.post("/tags", {"name": "价格敏感", "group": "特征"})
    assert tag.status_code == 201 and [t["name"] for t in rep_api.get("/tags").json()] == ["价格敏感"]
    assert manager_api.post("/tags", {"name": "x", "color": "red"}).status_code == 422
    industries = rep_api.get("/industries", {"q": "汽车"}).json()
    assert any(i["code"] == "36" for i in industries)
    assert {i["level"] for i in rep_api.get("/industries", {"level": 1}).json()} == {1}


def test_users_and_audit(rep_api, manager_api, rep, customer):
    me = rep_api.get("/users/me").json()
    assert me["username"] == "li.rep" and me["role"] == "rep"
    users = rep_api.get("/users").json()["items"]
    assert "li.rep" in {u["username"] for u in users} and "email" not in users[0]
    assert rep_api.get(f"/users/{rep.pk}").json()["id"] == rep.pk
    assert rep_api.get("/users/999999").status_code == 404

    history = rep_api.get("/audit", {"customer": customer.pk}).json()["items"]
    assert "customer.create" in {e["action"] for e in history}
    assert rep_api.get("/audit").status_code == 403  # the whole log is for managers
    assert manager_api.get("/audit", {"action": "customer.create"}).json()["items"]
