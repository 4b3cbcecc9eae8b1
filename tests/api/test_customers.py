"""/customers: success paths, each class of bad input, versions, visibility (404 for others)."""

from __future__ import annotations

import pytest

from tests.api.conftest import errors_by_field
from tests.factories import customer_data, make_customer

pytestmark = pytest.mark.django_db


def test_create_read_update_delete_restore(rep_api, manager_api, rep):
    created = rep_api.post("/customers", customer_data(name="苏州恒力汽车零部件有限公司", short_name="恒力"))
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["name"] == "苏州恒力汽车零部件有限公司" and body["owner"] == rep.pk and body["version"] == 1
    assert body["contacts"][0]["name"] == "张伟"
    phones = [m["text"] for m in body["contacts"][0]["methods"] if m["kind"] == "phone"]
    assert phones == ["139-1234-5678"]  # the owner sees the full phone
    customer_id = body["id"]

    got = rep_api.get(f"/customers/{customer_id}")
    assert got.status_code == 200 and got.json()["number"] == body["number"]

    updated = rep_api.patch(f"/customers/{customer_id}", {"version": 1, "short_name": "恒力汽配", "employees": 250})
    assert updated.status_code == 200, updated.content
    assert updated.json()["short_name"] == "恒力汽配" and updated.json()["version"] == 2

    deleted = manager_api.delete(f"/customers/{customer_id}?version=2&reason=重复")
    assert deleted.status_code == 200 and deleted.json()["deleted_at"]
    assert rep_api.get(f"/customers/{customer_id}").status_code == 404
    restored = manager_api.post(f"/customers/{customer_id}/restore")
    assert restored.status_code == 200 and restored.json()["deleted_at"] is None


def test_fields_returns_only_what_was_asked(rep_api, rep):
    customer = make_customer(rep)
    body = rep_api.get(f"/customers/{customer.pk}", {"fields": "name,stage"}).json()
    assert set(body) == {"id", "name", "stage"}
    listed = rep_api.get("/customers", {"fields": "number"}).json()
    assert listed["items"] == [{"id": customer.pk, "number": customer.number}]
    bad = rep_api.get("/customers", {"fields": "name,secret_sauce"})
    assert bad.status_code == 422 and "secret_sauce" in errors_by_field(bad)["fields"]


def test_list_filters_and_cursor_pages_are_stable(rep_api, rep):
    made = [make_customer(rep) for _ in range(5)]
    from kehu.customers.services import customer_change_stage

    customer_change_stage(rep, made[0].pk, version=1, stage="intent")
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = rep_api.get("/customers", params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted((c.pk for c in made), reverse=True)
    intent = rep_api.get("/customers", {"stage": "intent"}).json()["items"]
    assert [item["id"] for item in intent] == [made[0].pk]
    assert rep_api.get("/customers", {"stage": "happy"}).status_code == 422
    by_name = rep_api.get("/customers", {"sort": "name", "limit": 50}).json()["items"]
    assert [i["name"] for i in by_name] == sorted(i["name"] for i in by_name)


def test_missing_field_wrong_type_bad_phone_bad_credit_code(rep_api):
    data = customer_data()
    del data["need_description"]
    missing = rep_api.post("/customers", data)
    assert missing.status_code == 422
    assert errors_by_field(missing) == {"need_description": "This field is required."}

    wrong_type = rep_api.post("/customers", customer_data(employees="many"))
    assert wrong_type.status_code == 422 and "employees" in errors_by_field(wrong_type)

    contacts = [{"name": "张伟", "title": "经理", "phones": ["139-1234"]}]
    bad_phone = rep_api.post("/customers", customer_data(contacts=contacts))
    assert bad_phone.status_code == 422
    assert "phone" in errors_by_field(bad_phone)["contacts[0].phones[0]"].lower()

    bad_code = rep_api.post("/customers", customer_data(credit_code="91320500MA1234567X"))
    assert bad_code.status_code == 422 and "credit_code" in errors_by_field(bad_code)


def test_errors_come_in_the_callers_language(rep, rep_api, api_for):
    data = customer_data(contacts=[{"name": "张伟", "title": "经理", "phones": ["abc"]}])
    english = errors_by_field(rep_api.post("/customers", data))["contacts[0].phones[0]"]
    chinese_api = api_for(rep, language="zh-hans")
    chinese = errors_by_field(chinese_api.post("/customers", data))["contacts[0].phones[0]"]
    assert english != chinese
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese)


def test_stale_version_is_a_conflict_with_who_and_when(rep_api, rep, manager):
    customer = make_customer(rep)
    from kehu.customers.services import customer_update

    customer_update(manager, customer.pk, version=1, short_name="先改了")
    stale = rep_api.patch(f"/customers/{customer.pk}", {"version": 1, "short_name": "后改"})
    assert stale.status_code == 409
    body = stale.json()
    assert body["current_version"] == 2 and body["changed_by"] == "王经理" and body["changed_at"]


def test_unknown_and_other_teams_ids_are_404(rep_api, outsider_api, rep):
    customer = make_customer(rep)
    assert rep_api.get("/customers/999999").status_code == 404
    for response in (
        outsider_api.get(f"/customers/{customer.pk}"),
        outsider_api.patch(f"/customers/{customer.pk}", {"version": 1, "short_name": "x"}),
        outsider_api.post(f"/customers/{customer.pk}/stage", {"version": 1, "stage": "intent"}),
        outsider_api.get(f"/customers/{customer.pk}/contacts"),
        outsider_api.get(f"/customers/{customer.pk}/interactions"),
    ):
        assert response.status_code == 404, response.content
        assert response.json() == {"detail": "Not found."}
    assert outsider_api.get("/customers").json()["items"] == []


def test_rep_may_not_delete(rep_api, rep):
    customer = make_customer(rep)
    response = rep_api.delete(f"/customers/{customer.pk}?version=1")
    assert response.status_code == 403


def test_stage_change_and_verify(rep_api, manager_api, rep):
    customer = make_customer(rep)
    deal = rep_api.post(f"/customers/{customer.pk}/stage", {"version": 1, "stage": "deal"})
    assert deal.status_code == 422 and {"contract_date", "amount"} <= set(errors_by_field(deal))
    moved = rep_api.post(f"/customers/{customer.pk}/stage",
                         {"version": 1, "stage": "deal", "contract_date": "2026-01-20", "amount": "50000"})
    assert moved.status_code == 200 and moved.json()["stage"] == "deal"
    verified = manager_api.post(f"/customers/{customer.pk}/verify", {"version": moved.json()["version"]})
    assert verified.status_code == 200 and verified.json()["verified_by"]


def test_huge_ids_are_not_server_errors(rep_api):
    assert rep_api.get(f"/customers/{2**70}").status_code == 422
    assert rep_api.get("/customers", {"owner": str(2**70)}).status_code in (200, 422)


def test_sorting_by_amount_needs_the_right_to_see_every_amount(rep, other_rep, rep_api, api_for, manager_api):
    """A collaborator link shows a customer without its amounts, so ordering the list by amount
    would tell them what they may not see: 422 on `sort`; the owner and the team lead may."""
    from kehu.customers.models import CustomerCollaborator

    mine = make_customer(rep, name="甲公司")
    CustomerCollaborator.objects.create(customer=mine, user=other_rep, can_edit=True)
    make_customer(other_rep, name="乙公司")
    assert rep_api.get("/customers", {"sort": "-total_amount"}).status_code == 200
    assert manager_api.get("/customers", {"sort": "total_amount"}).status_code == 200
    response = api_for(other_rep).get("/customers", {"sort": "-total_amount"})
    assert response.status_code == 422 and "total_amount" in errors_by_field(response)["sort"]
    assert api_for(other_rep).get("/customers", {"sort": "-updated_at"}).status_code == 200
