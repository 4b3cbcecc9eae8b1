"""Account safety in a real browser: five wrong passwords lock the account and the sign-in page
says until when (and to ask the manager); the manager unlocks it and resets the password from the
team accounts page; signing in with the new password leads to the change-password page before
anything else, and after the change the day starts as usual."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _try(page, username, password):
    page.goto("/signin/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_lockout_message_unlock_reset_and_forced_change(open_page, team_people):
    rep_page = open_page()
    for _ in range(5):
        _try(rep_page, "li.rep", "not-the-password")
    alert = rep_page.get_by_role("alert")
    expect(alert).to_contain_text("锁定")
    expect(alert).to_contain_text(re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"))
    screenshot(rep_page, "signin-locked")
    _try(rep_page, "li.rep", PASSWORD)  # the right password does not open a locked account
    expect(rep_page.get_by_role("alert")).to_contain_text("锁定")

    manager_page = open_page()
    _try(manager_page, "wang.manager", PASSWORD)
    manager_page.wait_for_url("**/")
    manager_page.get_by_role("navigation", name="主导航").get_by_role("link", name="团队账号").click()
    row = manager_page.locator(f"#user-{team_people['rep'].pk}")
    expect(row).to_contain_text("已锁定")
    screenshot(manager_page, "team-accounts")
    row.get_by_role("button", name="解锁 李销售").click()
    expect(manager_page.locator(".message-success")).to_contain_text("李销售")
    manager_page.locator(f"#user-{team_people['rep'].pk}").get_by_role("button", name="重置 李销售 的密码").click()
    new_password = manager_page.locator("#new-password").input_value()
    assert len(new_password) >= 12

    _try(rep_page, "li.rep", new_password)
    rep_page.wait_for_url("**/password/")
    expect(rep_page.locator("#must-change")).to_be_visible()
    rep_page.goto("/customers/")
    rep_page.wait_for_url("**/password/")  # nothing else before the change
    screenshot(rep_page, "password-must-change")
    rep_page.get_by_label("旧密码").fill(new_password)
    rep_page.get_by_label("新密码", exact=True).fill("Li-Rep-2026-own")
    rep_page.get_by_label("新密码确认").fill("Li-Rep-2026-own")
    rep_page.get_by_role("button", name="修改密码").click()
    rep_page.wait_for_url(re.compile(r".*/$"))
    expect(rep_page.locator(".message-success")).to_be_visible()
    rep_page.goto("/customers/")
    expect(rep_page).to_have_url(re.compile(r".*/customers/$"))
