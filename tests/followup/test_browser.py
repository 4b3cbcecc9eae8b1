"""Follow-up in a real browser (Playwright driving /usr/bin/chromium against the live server): the
bell's unread count rises after a sweep finds actions overdue, and a complaint's missed deadline
shows on the customer page and in the complaint list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import expect

from kehu.core.sweep import run_sweep
from tests.browser.conftest import PASSWORD, browser, open_page, screenshot, sign_in  # noqa: F401  (fixtures)
from tests.factories import channel, make_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def rep(db):
    from kehu.accounts.services import team_create, user_create

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        team = team_create(None, name="华东销售一组")
        channel("行业展会")
        yield user_create(None, username="li.rep", role="rep", display_name="李销售", team=team, password=PASSWORD)


def test_unread_count_rises_after_a_sweep(open_page, rep):
    from kehu.followup.services import task_create

    due = timezone.localtime(timezone.now() - dt.timedelta(hours=1)).replace(second=0, microsecond=0)
    for name in ("杭州新星电子有限公司", "宁波海天塑机有限公司"):
        customer = make_customer(rep, name=name)
        task_create(rep, customer.pk, title=f"给{name[:4]}寄报价", due_at=due)
    page = open_page()
    sign_in(page, "li.rep")
    bell = page.get_by_test_id("notifications")
    expect(bell.locator("#unread-count")).to_have_count(0)
    run_sweep()  # what `kehu serve` does every few minutes
    page.reload()
    expect(bell.locator("#unread-count")).to_have_text("2")
    bell.click()
    page.wait_for_url("**/notify/")
    expect(page.locator("#notifications li")).to_have_count(2)
    expect(page.locator("#notifications")).to_contain_text("给杭州新星寄报价")
    screenshot(page, "notifications")
    page.get_by_role("button", name="全部标为已读").click()
    expect(page.get_by_test_id("notifications").locator("#unread-count")).to_have_count(0)


def test_complaint_breach_shows_on_the_customer_page(open_page, rep):
    from kehu.followup.services import complaint_open

    customer = make_customer(rep, name="苏州恒力汽车零部件有限公司")
    received = timezone.localtime(timezone.now() - dt.timedelta(hours=25)).replace(second=0, microsecond=0)
    complaint_open(rep, customer.pk, description="第二批货的包装破损", channel="phone", severity="high",
                   received_at=received)
    page = open_page()
    sign_in(page, "li.rep")
    page.goto(f"/customers/{customer.pk}/")
    expect(page.locator("#timeline")).to_contain_text("第二批货的包装破损")
    expect(page.locator("#timeline .badge-alert")).to_have_count(0)
    run_sweep()
    page.reload()
    expect(page.locator("#timeline .badge-alert")).to_have_count(1)
    screenshot(page, "customer-complaint-breach")
    page.goto("/followup/complaints/")
    expect(page.get_by_test_id("breach-response")).to_have_count(1)
    screenshot(page, "complaints")
