"""Playwright for Python driving Debian's Chromium against pytest-django's live server.

The live server runs in a thread of this process, so the test database is the file database of
the settings (SQLite) or the PostgreSQL test database; the browser reaches it over HTTP.
Screenshots of the main pages go to test-artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "Kehu-2026-secret"


@pytest.fixture
def browser(monkeypatch):
    """Chromium for one test. Not kept for the session: Playwright's sync API runs an event loop
    in this thread while it is open, and Django's connections and async-safety checks follow that
    loop, so other tests must run without it."""
    from playwright.sync_api import sync_playwright

    # The ORM calls a test makes between browser steps are plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser, live_server):
    """open_page(width=1280) -> a new page in its own context (its own cookies), base URL set."""
    contexts = []

    def make(width: int = 1280, height: int = 900):
        context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": height},
                                      locale="zh-CN", timezone_id="Asia/Shanghai")
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/signin/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/")


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)


@pytest.fixture
def team_people():
    """A team with its lead (王经理) and a rep (李销售), fast password hashing, committed."""
    from django.test import override_settings

    from kehu.accounts.services import team_create, user_create

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        team = team_create(None, name="华东销售一组")
        manager = user_create(None, username="wang.manager", role="manager", display_name="王经理", team=team,
                              password=PASSWORD)
        team.lead = manager
        team.save(update_fields=["lead"])
        rep = user_create(None, username="li.rep", role="rep", display_name="李销售", team=team, password=PASSWORD)
        yield {"manager": manager, "rep": rep}
