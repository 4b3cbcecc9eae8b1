"""Sign in, sign out, change password, and the language each user chose."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def set_password(user, password="Kehu-2026-secret"):
    user.set_password(password)
    user.save(update_fields=["password"])
    return password


def test_pages_need_sign_in(client):
    for name in ("web:home", "web:customer_list", "web:inbox", "web:pipeline", "web:customer_create"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("web:login"))


def test_sign_in_page_is_chinese_by_default_whatever_the_browser_says(client):
    response = client.get(reverse("web:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert "登录" in response.content.decode()
    assert '<html lang="zh-hans">' in response.content.decode()


def test_sign_in_and_out(client, rep):
    password = set_password(rep)
    response = client.post(reverse("web:login"), {"username": "li.rep", "password": "wrong"})
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    response = client.post(reverse("web:login"), {"username": "li.rep", "password": password})
    assert response.status_code == 302 and response["Location"] == reverse("web:home")
    assert client.get(reverse("web:home")).status_code == 200
    response = client.post(reverse("web:logout"))
    assert response.status_code == 302
    assert client.get(reverse("web:home")).status_code == 302


def test_change_password(client, rep):
    password = set_password(rep)
    client.force_login(rep)
    response = client.post(reverse("web:password_change"), {
        "old_password": password, "new_password1": "Another-2026-secret", "new_password2": "Another-2026-secret"})
    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.check_password("Another-2026-secret")
    response = client.post(reverse("web:password_change"), {
        "old_password": "nope", "new_password1": "x", "new_password2": "y"})
    assert response.status_code == 200 and 'aria-invalid="true"' in response.content.decode()


def test_language_is_per_user_and_saved_on_the_profile(rep, other_rep):
    rep_client, other_client = Client(), Client()
    rep_client.force_login(rep)
    other_client.force_login(other_rep)
    assert "我的一天" in rep_client.get(reverse("web:home")).content.decode()
    response = rep_client.post(reverse("web:set_language"), {"language": "en", "next": reverse("web:customer_list")})
    assert response.status_code == 302 and response["Location"] == reverse("web:customer_list")
    rep.refresh_from_db()
    assert rep.language == "en"
    page = rep_client.get(reverse("web:home")).content.decode()
    assert "My day" in page and '<html lang="en">' in page
    # The colleague still sees Chinese: the choice is the user's, not the browser's or the site's.
    assert "我的一天" in other_client.get(reverse("web:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_language_switch_refuses_unknown_languages_and_foreign_redirects(rep):
    client = Client()
    client.force_login(rep)
    response = client.post(reverse("web:set_language"), {"language": "xx", "next": "https://evil.example/"})
    assert response["Location"] == reverse("web:home")
    rep.refresh_from_db()
    assert rep.language == "zh-hans"


def test_signed_out_visitor_can_choose_english(client):
    client.post(reverse("web:set_language"), {"language": "en", "next": reverse("web:login")})
    assert "Sign in to Kehu" in client.get(reverse("web:login")).content.decode()
