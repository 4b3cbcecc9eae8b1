"""The OpenAPI document says what the API accepts (lengths, non-blank names, http(s) URLs, event
names, no nulls where a value is required) and lists every status it answers; inputs the fuzzer
found answered with a 500 get a 422 per field."""

from __future__ import annotations

import pytest
from django.test import Client

from kehu.integrations.events import EVENTS
from tests.api.conftest import errors_by_field
from tests.factories import channel

pytestmark = pytest.mark.django_db


def test_document_states_the_limits_the_services_apply(db):
    document = Client().get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]
    name = schemas["TokenIn"]["properties"]["name"]
    assert (name["maxLength"], name["minLength"], name["pattern"]) == (100, 1, r"\S")
    hook = schemas["WebhookIn"]["properties"]
    assert hook["url"]["maxLength"] == 500 and hook["url"]["pattern"].startswith("^")
    assert set(hook["events"]["items"]["enum"]) == set(EVENTS) and hook["events"]["minItems"] == 1
    assert schemas["ChannelCreate"]["properties"]["name"]["maxLength"] == 100
    assert schemas["TagCreate"]["properties"]["name"]["maxLength"] == 60
    post_token = document["paths"]["/api/v1/tokens"]["post"]["responses"]
    assert {"400", "401", "422", "429"} <= set(post_token)  # body not JSON, no auth, bad field, throttled
    assert "429" in document["paths"]["/api/v1/customers/{customer_id}"]["get"]["responses"]


def test_nulls_and_odd_values_are_422_not_500(manager_api, rep_api):
    source = channel()
    for body in ({"is_active": None}, {"name": None}, {"name": "   "}):
        response = manager_api.patch(f"/channels/{source.pk}", body)
        assert response.status_code == 422, (body, response.content)
    assert "name" in errors_by_field(manager_api.post("/channels", {"name": "渠" * 101}))
    assert "name" in errors_by_field(manager_api.post("/tags", {"name": "签" * 61}))
    assert manager_api.patch(f"/channels/{source.pk}", {"is_active": False}).json()["is_active"] is False

    for url in ("http://[", "http://[::1", "javascript:alert(1)", "http:///x"):
        response = rep_api.post("/webhooks", {"url": url, "events": ["customer.created"]})
        assert response.status_code == 422 and "url" in errors_by_field(response), url
    hook = rep_api.post("/webhooks", {"url": "https://erp.example.com/hook", "events": ["task.due"]}).json()
    assert rep_api.patch(f"/webhooks/{hook['id']}", {"events": None}).status_code == 422
    assert rep_api.patch(f"/webhooks/{hook['id']}", {"url": "http://[x"}).status_code == 422


def test_a_body_that_is_not_json_is_a_documented_400(rep_api):
    response = rep_api.client.post("/api/v1/tokens", data=b"\xff\xfe{", content_type="application/json",
                                   **rep_api._headers({}))
    assert response.status_code == 400 and "detail" in response.json()
