"""Accounts: argon2, lock-out with a plain message and a manager unlock, password reset by a
manager, deactivation that ends sessions at once, session expiry on the app's clock."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import authenticate, get_user
from django.test import RequestFactory
from django.utils import translation

from kehu.accounts.forms import SignInForm
from kehu.accounts.models import User
from kehu.accounts.services import user_create, user_deactivate, user_reactivate, user_reset_password, user_unlock
from kehu.accounts.signin import is_locked, user_may_authenticate
from kehu.core.errors import NotFound, PermissionDenied
from kehu.core.models import AuditEvent, Setting

PASSWORD = "Kehu-2026-secret"


def test_passwords_are_hashed_with_argon2(db):
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    user = user_create(None, username="argon", password=PASSWORD)
    assert user.password.startswith("argon2$")


def _sign_in(username, password):
    return authenticate(RequestFactory().post("/"), username=username, password=password)


def _fail(username, times):
    for _ in range(times):
        assert _sign_in(username, "wrong-password") is None


def test_lock_out_after_five_failures_with_a_clear_message(world, frozen_clock):
    rep = world.owner_rep
    _fail(rep.username, 4)
    rep.refresh_from_db()
    assert rep.failed_sign_ins == 4 and not is_locked(rep)
    _fail(rep.username, 1)
    rep.refresh_from_db()
    assert is_locked(rep) and rep.locked_at == frozen_clock.moment
    assert _sign_in(rep.username, PASSWORD) is None  # the right password does not open a locked account
    assert AuditEvent.objects.filter(action="user.lock", object_id=rep.pk).count() == 1
    with translation.override("en"):
        form = SignInForm(RequestFactory().post("/"), data={"username": rep.username, "password": PASSWORD})
        assert not form.is_valid()
        message = form.non_field_errors()[0]
    assert "locked" in message and "2026-03-02 10:00" in message and "manager" in message

    frozen_clock.advance(minutes=29, seconds=59)
    assert _sign_in(rep.username, PASSWORD) is None
    frozen_clock.advance(seconds=1)
    assert _sign_in(rep.username, PASSWORD) == rep  # the lock ran out
    rep.refresh_from_db()
    assert (rep.failed_sign_ins, rep.locked_at) == (0, None)


def test_right_password_resets_the_count(world):
    _fail(world.owner_rep.username, 4)
    assert _sign_in(world.owner_rep.username, PASSWORD) == world.owner_rep
    _fail(world.owner_rep.username, 4)
    world.owner_rep.refresh_from_db()
    assert not is_locked(world.owner_rep)


def test_manager_unlocks_a_rep_of_their_team(world):
    Setting.objects.create(key="signin_lockout_minutes", value=0)  # locked until someone unlocks
    _fail(world.owner_rep.username, 5)
    with pytest.raises(PermissionDenied):
        user_unlock(world.other_rep, world.owner_rep.pk)
    with pytest.raises(PermissionDenied):
        user_unlock(world.manager_other_team, world.owner_rep.pk)
    with translation.override("en"):
        form = SignInForm(RequestFactory().post("/"), data={"username": world.owner_rep.username, "password": "x"})
        assert not form.is_valid() and "Ask your manager to unlock it" in form.non_field_errors()[0]
    user_unlock(world.manager, world.owner_rep.pk)
    assert _sign_in(world.owner_rep.username, PASSWORD) == world.owner_rep
    assert AuditEvent.objects.get(action="user.unlock").actor == world.manager


def test_admin_sign_in_page_says_the_account_is_locked(client, world):
    _fail(world.manager.username, 5)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.post("/admin/login/", {"username": world.manager.username, "password": PASSWORD})
    assert page.status_code == 200 and "locked after too many failed sign-ins" in page.content.decode()


def test_unknown_user_and_wrong_password_look_alike(world):
    assert _sign_in("nobody", PASSWORD) is None
    assert _sign_in(world.owner_rep.username, "nope") is None


def _current_user(client):
    request = RequestFactory().get("/")
    request.session = client.session
    return get_user(request)


def test_manager_resets_a_reps_password_and_old_sessions_end(client, world):
    client.force_login(world.owner_rep)
    assert _current_user(client) == world.owner_rep
    with pytest.raises(PermissionDenied):
        user_reset_password(world.other_rep, world.owner_rep.pk)
    with pytest.raises(PermissionDenied):
        user_reset_password(world.manager, world.manager_other_team.pk)  # managers are not reset by peers
    new_password = user_reset_password(world.manager, world.owner_rep.pk)
    assert _current_user(client).is_anonymous
    assert _sign_in(world.owner_rep.username, PASSWORD) is None
    assert _sign_in(world.owner_rep.username, new_password) == world.owner_rep
    world.owner_rep.refresh_from_db()
    assert world.owner_rep.password_must_change
    event = AuditEvent.objects.get(action="user.password_reset")
    assert new_password not in str(event.changes) + event.note
    chosen = user_reset_password(world.manager, world.owner_rep.pk, password="Another-2026-secret")
    assert chosen == "Another-2026-secret"


def test_deactivation_ends_sessions_and_sign_in_at_once(client, world):
    manager = world.manager
    client.force_login(manager)
    assert client.get("/admin/").status_code == 200
    with pytest.raises(PermissionDenied):
        user_deactivate(world.owner_rep, manager.pk)
    user_deactivate(world.org_admin, manager.pk, reason="离职")
    response = client.get("/admin/")
    assert response.status_code == 302  # to the sign-in page
    assert "_auth_user_id" not in client.session
    assert _sign_in(manager.username, PASSWORD) is None
    manager.refresh_from_db()
    assert not user_may_authenticate(manager) and manager.deactivated_at is not None
    user_reactivate(world.org_admin, manager.pk)
    assert _sign_in(manager.username, PASSWORD) == manager


def test_nobody_manages_themselves_or_unknown_users(world):
    with pytest.raises(PermissionDenied):
        user_deactivate(world.manager, world.manager.pk)
    with pytest.raises(NotFound):
        user_unlock(world.manager, 10**9)


@pytest.fixture
def signed_in(client, world, frozen_clock):
    assert client.login(username=world.manager.username, password=PASSWORD)
    return client


def test_idle_session_expires_after_two_hours(signed_in, frozen_clock):
    frozen_clock.advance(hours=1, minutes=59)
    assert signed_in.get("/admin/").status_code == 200
    frozen_clock.advance(hours=1, minutes=59)  # activity keeps it open
    assert signed_in.get("/admin/").status_code == 200
    frozen_clock.advance(hours=2, seconds=1)
    assert signed_in.get("/admin/").status_code == 302


def test_session_ends_twelve_hours_after_sign_in_however_active(signed_in, frozen_clock):
    for _ in range(11):
        frozen_clock.advance(hours=1)
        assert signed_in.get("/admin/").status_code == 200
    frozen_clock.advance(minutes=59, seconds=59)
    assert signed_in.get("/admin/").status_code == 200
    frozen_clock.advance(seconds=2)
    assert signed_in.get("/admin/").status_code == 302


def test_tokens_ask_the_same_question(world):
    """The API's token authentication calls user_may_authenticate: a deactivated user is refused."""
    assert user_may_authenticate(world.owner_rep)
    assert not user_may_authenticate(world.deactivated)
    assert not user_may_authenticate(None)
    assert User.objects.get(pk=world.deactivated.pk).deactivated_at is not None
