"""The app's sign-in page uses the lock-out (kehu.accounts.signin): the attempt that locks an
account and every later one say so plainly — when to retry, or to ask the manager — and a user
whose password a manager reset goes to the change-password page before anything else."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kehu.core.models import AuditEvent, Setting

PASSWORD = "Kehu-2026-secret"


@pytest.fixture
def person(rep):
    rep.set_password(PASSWORD)
    rep.save()
    return rep


def _sign_in(client, username, password, language="en"):
    client.cookies["django_language"] = language
    return client.post(reverse("web:login"), {"username": username, "password": password})


def test_the_locking_attempt_and_later_ones_name_when_to_retry(client, person, frozen_clock):
    for _ in range(4):
        response = _sign_in(client, person.username, "wrong")
        assert response.status_code == 200 and "locked" not in response.content.decode()
    page = _sign_in(client, person.username, "wrong").content.decode()
    assert "This account is locked" in page and "2026-03-02 10:00" in page and "manager" in page
    # The right password does not open it, and says why.
    response = _sign_in(client, person.username, PASSWORD)
    assert response.status_code == 200 and "This account is locked" in response.content.decode()
    assert client.get(reverse("web:home")).status_code == 302
    # In Chinese too.
    page = _sign_in(Client(), person.username, PASSWORD, language="zh-hans").content.decode()
    assert "锁定" in page and "2026-03-02 10:00" in page
    frozen_clock.advance(minutes=31)
    assert _sign_in(client, person.username, PASSWORD).status_code == 302


def test_a_lock_until_unlocked_says_ask_the_manager(client, person, manager):
    from kehu.accounts.services import user_unlock

    Setting.objects.create(key="signin_lockout_minutes", value=0)
    for _ in range(5):
        _sign_in(client, person.username, "wrong")
    page = _sign_in(client, person.username, PASSWORD).content.decode()
    assert "Ask your manager to unlock it" in page and "Try again after" not in page
    user_unlock(manager, person.pk)
    assert _sign_in(client, person.username, PASSWORD).status_code == 302


def test_a_reset_password_must_be_changed_before_anything_else(client, person, manager):
    from kehu.accounts.services import user_reset_password

    temporary = user_reset_password(manager, person.pk)
    response = _sign_in(client, person.username, temporary)
    assert response.status_code == 302 and response["Location"] == reverse("web:password_change")
    for name in ("web:home", "web:customer_list", "web:inbox"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"] == reverse("web:password_change"), name
    assert client.get("/admin/").status_code == 302
    htmx = client.get(reverse("web:customer_list"), HTTP_HX_REQUEST="true")
    assert htmx["HX-Redirect"] == reverse("web:password_change")
    page = client.get(reverse("web:password_change"))
    assert page.status_code == 200 and 'id="must-change"' in page.content.decode()

    response = client.post(reverse("web:password_change"), {
        "old_password": temporary, "new_password1": "Another-2026-secret", "new_password2": "Another-2026-secret"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert not person.password_must_change
    assert client.get(reverse("web:home")).status_code == 200  # still signed in, free to go
    assert AuditEvent.objects.filter(action="user.password_change", object_id=person.pk).count() == 1


def test_signing_out_stays_possible_while_the_change_is_due(client, person, manager):
    from kehu.accounts.services import user_reset_password

    temporary = user_reset_password(manager, person.pk)
    _sign_in(client, person.username, temporary)
    response = client.post(reverse("web:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("web:login")
    assert client.get(reverse("web:home"))["Location"].startswith(reverse("web:login"))
