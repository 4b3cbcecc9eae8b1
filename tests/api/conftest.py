"""An API client per persona: a real personal token sent as Authorization: Bearer."""

from __future__ import annotations

import json

import pytest
from django.test import Client


class ApiClient:
    def __init__(self, user, *, language: str = "en"):
        from kehu.integrations.tokens import token_create

        self.user = user
        self.token = token_create(user, name="tests")[1] if user is not None else None
        self.language = language
        self.client = Client()

    def _headers(self, extra):
        headers = {"HTTP_ACCEPT_LANGUAGE": self.language}
        if self.token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {self.token}"
        headers.update(extra)
        return headers

    def get(self, path, params=None, **extra):
        return self.client.get(f"/api/v1{path}", params or {}, **self._headers(extra))

    def _send(self, method, path, body, extra):
        return getattr(self.client, method)(f"/api/v1{path}", data=json.dumps(body, default=str),
                                            content_type="application/json", **self._headers(extra))

    def post(self, path, body=None, **extra):
        return self._send("post", path, body if body is not None else {}, extra)

    def patch(self, path, body=None, **extra):
        return self._send("patch", path, body or {}, extra)

    def delete(self, path, **extra):
        return self.client.delete(f"/api/v1{path}", **self._headers(extra))


@pytest.fixture
def api_for(db):
    return ApiClient


@pytest.fixture
def rep_api(rep):
    return ApiClient(rep)


@pytest.fixture
def manager_api(manager):
    return ApiClient(manager)


@pytest.fixture
def outsider(db):
    """A rep of another team: sees none of our customers."""
    from kehu.accounts.models import Role
    from kehu.accounts.services import team_create, user_create

    other_team = team_create(None, name="华南销售组")
    return user_create(None, username="chen.rep", role=Role.REP, display_name="陈销售", team=other_team)


@pytest.fixture
def outsider_api(outsider):
    return ApiClient(outsider)


def errors_by_field(response) -> dict[str, str]:
    body = response.json()
    return {item["field"]: item["message"] for item in body["detail"]}
