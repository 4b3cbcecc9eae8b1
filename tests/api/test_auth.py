"""Tokens (hashed, shown once, expiry, revoke), deactivation, throttling, session + CSRF, language."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from kehu.integrations.models import ApiToken
from kehu.integrations.tokens import digest_of, token_create

pytestmark = pytest.mark.django_db


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT_LANGUAGE": "en"}


def test_token_is_stored_hashed_and_shown_once(rep_api, rep):
    created = rep_api.post("/tokens", {"name": "ERP sync"})
    assert created.status_code == 201
    secret = created.json()["token"]
    row = ApiToken.objects.get(pk=created.json()["id"])
    assert row.digest == digest_of(secret) and secret not in (row.digest, row.prefix)
    listed = rep_api.get("/tokens").json()
    assert all("token" not in item for item in listed) and "ERP sync" in {t["name"] for t in listed}
    assert Client().get("/api/v1/users/me", **bearer(secret)).json()["username"] == "li.rep"


def test_revoked_expired_and_deactivated_tokens_stop_at_once(rep, frozen_clock):
    client = Client()
    _token, secret = token_create(rep, name="x", expires_at=frozen_clock.moment + dt.timedelta(days=1))
    assert client.get("/api/v1/users/me", **bearer(secret)).status_code == 200
    frozen_clock.advance(days=2)
    assert client.get("/api/v1/users/me", **bearer(secret)).status_code == 401

    token, secret = token_create(rep, name="y")
    assert client.get("/api/v1/users/me", **bearer(secret)).status_code == 200
    rep.is_active = False
    rep.save(update_fields=["is_active"])
    assert client.get("/api/v1/users/me", **bearer(secret)).status_code == 401
    rep.is_active = True
    rep.save(update_fields=["is_active"])
    from kehu.integrations.tokens import token_revoke

    token_revoke(rep, token.pk)
    assert client.get("/api/v1/users/me", **bearer(secret)).status_code == 401


def test_revoke_through_the_api_and_others_tokens_are_404(rep_api, manager_api):
    token = rep_api.post("/tokens", {"name": "temp"}).json()
    assert manager_api.delete(f"/tokens/{token['id']}").status_code == 404
    assert rep_api.delete(f"/tokens/{token['id']}").json()["revoked_at"]
    assert rep_api.post("/tokens", {"name": "old", "expires_at": "2000-01-01T00:00:00Z"}).status_code == 422


def test_repeated_failures_are_throttled(rep):
    from kehu.core import config

    client = Client()
    _token, secret = token_create(rep, name="good")
    for _ in range(config.get("api_token_failure_limit")):
        assert client.get("/api/v1/users/me", **bearer("kehu_guess")).status_code == 401
    blocked = client.get("/api/v1/users/me", **bearer(secret))
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0
    other_address = client.get("/api/v1/users/me", REMOTE_ADDR="10.0.0.2", **bearer(secret))
    assert other_address.status_code == 200


def test_no_credentials_is_401(db):
    response = Client().get("/api/v1/customers")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Bearer"


def test_session_auth_with_csrf(rep):
    client = Client(enforce_csrf_checks=True)
    client.force_login(rep)
    assert client.get("/api/v1/users/me").json()["username"] == "li.rep"
    refused = client.post("/api/v1/tokens", data={"name": "x"}, content_type="application/json")
    assert refused.status_code == 403
    client.get("/api/v1/users/me")  # no CSRF cookie yet: take one from Django
    from django.middleware.csrf import _get_new_csrf_string

    csrf = _get_new_csrf_string()
    client.cookies["csrftoken"] = csrf
    accepted = client.post("/api/v1/tokens", data={"name": "x"}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert accepted.status_code == 201


def test_language_from_accept_language_or_the_users_profile(rep):
    _token, secret = token_create(rep, name="lang")
    client = Client()
    english = client.get("/api/v1/customers", {"stage": "x"}, HTTP_AUTHORIZATION=f"Bearer {secret}",
                         HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.get("/api/v1/customers", {"stage": "x"}, HTTP_AUTHORIZATION=f"Bearer {secret}",
                         HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert english.json()["detail"][0]["message"] != chinese.json()["detail"][0]["message"]
    rep.language = "en"
    rep.save(update_fields=["language"])
    profile = client.get("/api/v1/customers", {"stage": "x"}, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert profile.json()["detail"][0]["message"] == english.json()["detail"][0]["message"]


def test_openapi_document_and_docs_page(db):
    client = Client()
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in ("/api/v1/customers", "/api/v1/customers/{customer_id}", "/api/v1/customers/bulk", "/api/v1/search",
                 "/api/v1/customers/{customer_id}/interactions", "/api/v1/tasks/{task_id}", "/api/v1/audit",
                 "/api/v1/channels", "/api/v1/tags", "/api/v1/industries", "/api/v1/users", "/api/v1/webhooks"):
        assert path in paths, path
    assert client.get("/api/v1/docs").status_code == 200


# --- tokens carry exactly their user's rights, read afresh on every request -----------------

def test_a_deactivated_user_is_refused_like_the_session_refuses_them(rep):
    """Tokens ask the same question as sessions (kehu.accounts.signin.user_may_authenticate): a
    user marked deactivated is out even if is_active was left on (e.g. edited in the admin)."""
    from kehu.accounts.services import user_deactivate, user_reactivate
    from kehu.accounts.signin import user_may_authenticate
    from kehu.core import clock

    client = Client()
    _token, secret = token_create(rep, name="erp")
    assert client.get("/api/v1/users/me", **bearer(secret)).status_code == 200
    type(rep).objects.filter(pk=rep.pk).update(deactivated_at=clock.now())
    rep.refresh_from_db()
    assert rep.is_active and not user_may_authenticate(rep)
    assert client.get("/api/v1/users/me", **bearer(secret)).status_code == 401

    type(rep).objects.filter(pk=rep.pk).update(deactivated_at=None)
    assert client.get("/api/v1/users/me", **bearer(secret)).status_code == 200
    root = type(rep).objects.create_superuser("root.admin", password="x")
    user_deactivate(root, rep.pk, reason="left")
    assert client.get("/api/v1/users/me", **bearer(secret)).status_code == 401
    user_reactivate(root, rep.pk)
    assert client.get("/api/v1/users/me", **bearer(secret)).status_code == 200


def test_a_token_sees_and_does_exactly_what_its_user_may(rep, other_rep, manager, outsider):
    from kehu.core.policy import visible_customers
    from kehu.customers.models import CustomerCollaborator
    from tests.api.conftest import ApiClient
    from tests.factories import make_customer

    mine = make_customer(rep, name="苏州恒力汽车零部件有限公司")
    colleagues = make_customer(other_rep, name="无锡三联精密机械有限公司")
    rep_api, lead_api = ApiClient(rep), ApiClient(manager)

    listed = {c["id"] for c in rep_api.get("/customers", {"limit": 200}).json()["items"]}
    assert listed == set(visible_customers(rep).values_list("pk", flat=True)) == {mine.pk}
    assert rep_api.get(f"/customers/{colleagues.pk}").status_code == 404
    # A rep never deletes, even their own customer; their lead may.
    assert rep_api.delete(f"/customers/{mine.pk}?version={mine.version}").status_code == 403
    assert {c["id"] for c in lead_api.get("/customers", {"limit": 200}).json()["items"]} == {mine.pk, colleagues.pk}

    # A collaborator link, read once per request like the web's Access: sight without edit…
    link = CustomerCollaborator.objects.create(customer=colleagues, user=rep)
    assert rep_api.get(f"/customers/{colleagues.pk}").status_code == 200
    patch = {"version": colleagues.version, "short_name": "三联"}
    assert rep_api.patch(f"/customers/{colleagues.pk}", patch).status_code == 403
    # …then edit right, which applies on the very next request…
    CustomerCollaborator.objects.filter(pk=link.pk).update(can_edit=True)
    assert rep_api.patch(f"/customers/{colleagues.pk}", patch).status_code == 200
    # …and the link gone: a 404 at once, as for anything they may not see.
    link.delete()
    assert rep_api.get(f"/customers/{colleagues.pk}").status_code == 404

    # Made lead of the other team: its customers appear on the next request; and go again.
    theirs = make_customer(outsider, name="广州南方电气有限公司")
    outsider_api = ApiClient(outsider)
    assert rep_api.get(f"/customers/{theirs.pk}").status_code == 404
    team = outsider.team
    team.lead = rep
    team.save(update_fields=["lead"])
    assert rep_api.get(f"/customers/{theirs.pk}").status_code == 200
    team.lead = None
    team.save(update_fields=["lead"])
    assert rep_api.get(f"/customers/{theirs.pk}").status_code == 404
    assert outsider_api.get(f"/customers/{mine.pk}").status_code == 404


def test_token_expiry_must_be_a_storable_future_time(rep_api):
    naive = rep_api.post("/tokens", {"name": "naive", "expires_at": "2099-01-01T00:00:00"})
    assert naive.status_code == 201, naive.content  # a time without offset is local time
    far = rep_api.post("/tokens", {"name": "far", "expires_at": "9999-12-31T23:59:59-12:00"})
    assert far.status_code == 422 and "expires_at" in {e["field"] for e in far.json()["detail"]}
    blank = rep_api.post("/tokens", {"name": "   "})
    assert blank.status_code == 422 and blank.json()["detail"][0]["field"] == "name"
