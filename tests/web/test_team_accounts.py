"""Account admin for managers: the users of the teams they lead — unlock, reset a password
(shown once, to be changed at the next sign-in), deactivate (sessions and API tokens end at once),
reactivate. Users of other teams, managers and themselves are out of reach."""

from __future__ import annotations

import secrets

import pytest
from django.test import Client
from django.urls import reverse

from kehu.core import clock
from kehu.core.models import AuditEvent

PASSWORD = "Kehu-2026-secret"


@pytest.fixture
def member(rep):
    rep.set_password(PASSWORD)
    rep.save()
    return rep


def _lock(user):
    from kehu.accounts.signin import record_failure

    for _ in range(5):
        record_failure(user)
    user.refresh_from_db()


def _token(user) -> str:
    from kehu.integrations.models import ApiToken
    from kehu.integrations.tokens import PREFIX, digest_of

    secret = PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name="t", prefix=secret[:12], digest=digest_of(secret), created_at=clock.now())
    return secret


def test_lead_lists_their_team_only(login, manager, member, other_rep, outsider):
    client = login(manager)
    home = client.get(reverse("web:home")).content.decode()
    assert reverse("web:team_accounts") in home
    html = client.get(reverse("web:team_accounts")).content.decode()
    assert member.username in html and other_rep.username in html and outsider.username not in html
    assert f'id="user-{manager.pk}"' not in html  # not themselves


def test_others_get_no_account_admin(login, member, collaborator, data_admin, outsider, manager):
    for user in (member, collaborator, data_admin):
        client = login(user)
        assert client.get(reverse("web:team_accounts")).status_code == 403
        assert reverse("web:team_accounts") not in client.get(reverse("web:home")).content.decode()
    # Another team's lead guessing ids: not found, nothing changes.
    from kehu.accounts.services import user_create

    other_lead = user_create(None, username="huang.manager", role="manager", team=outsider.team)
    outsider.team.lead = other_lead
    outsider.team.save(update_fields=["lead"])
    client = login(other_lead)
    for name in ("web:account_unlock", "web:account_reset_password", "web:account_deactivate"):
        assert client.post(reverse(name, args=[member.pk])).status_code == 404
    assert client.post(reverse("web:account_deactivate", args=[manager.pk])).status_code == 404
    member.refresh_from_db()
    assert member.is_active


def test_unlock(login, manager, member):
    _lock(member)
    client = login(manager)
    html = client.get(reverse("web:team_accounts")).content.decode()
    assert reverse("web:account_unlock", args=[member.pk]) in html
    assert client.post(reverse("web:account_unlock", args=[member.pk])).status_code == 302
    member.refresh_from_db()
    assert member.locked_at is None and member.failed_sign_ins == 0
    assert Client().login(username=member.username, password=PASSWORD)
    assert AuditEvent.objects.filter(action="user.unlock", object_id=member.pk, actor=manager).exists()


def test_reset_password_shows_it_once_and_forces_a_change(login, manager, member):
    own = Client()
    own.post(reverse("web:login"), {"username": member.username, "password": PASSWORD})
    assert own.get(reverse("web:home")).status_code == 200
    response = login(manager).post(reverse("web:account_reset_password", args=[member.pk]))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    password = response.context["password"]
    assert password in response.content.decode() and password not in response.get("Location", "")
    member.refresh_from_db()
    assert member.password_must_change and member.check_password(password)
    # The old session has ended; the new password leads to the change-password page first.
    assert own.get(reverse("web:home"))["Location"].startswith(reverse("web:login"))
    signed_in = Client()
    response = signed_in.post(reverse("web:login"), {"username": member.username, "password": password})
    assert response["Location"] == reverse("web:password_change")
    event = AuditEvent.objects.get(action="user.password_reset", object_id=member.pk)
    assert password not in str(event.changes) + event.note


def test_deactivate_ends_sessions_and_tokens_at_once(login, manager, member):
    session = Client()
    session.force_login(member)
    assert session.get(reverse("web:home")).status_code == 200
    token = _token(member)
    api = Client()
    assert api.get("/api/v1/customers", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200

    client = login(manager)
    response = client.post(reverse("web:account_deactivate", args=[member.pk]), {"reason": "离职"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert not member.is_active
    assert session.get(reverse("web:home"))["Location"].startswith(reverse("web:login"))
    assert api.get("/api/v1/customers", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert not Client().login(username=member.username, password=PASSWORD)
    event = AuditEvent.objects.get(action="user.deactivate", object_id=member.pk)
    assert event.note == "离职" and event.actor == manager

    html = client.get(reverse("web:team_accounts")).content.decode()
    assert reverse("web:account_reactivate", args=[member.pk]) in html
    assert client.post(reverse("web:account_reactivate", args=[member.pk])).status_code == 302
    member.refresh_from_db()
    assert member.is_active and Client().login(username=member.username, password=PASSWORD)


def test_actions_need_post_and_csrf(manager, member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    assert client.get(reverse("web:account_deactivate", args=[member.pk])).status_code == 405
    assert client.post(reverse("web:account_deactivate", args=[member.pk])).status_code == 403
    member.refresh_from_db()
    assert member.is_active
