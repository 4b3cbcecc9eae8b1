"""A sales rep's day in a real browser: sign in, create a customer (a bad phone number is caught
next to its field), log an interaction with a next action, find the customer by 拼音 initials and
by the last four phone digits, move it to deal on the board, use a custom field a data admin just
added, and switch to English. Screenshots of the main pages go to test-artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from kehu.customers.models import Customer
from tests.browser.conftest import PASSWORD, screenshot, sign_in
from tests.factories import channel, make_customer

# Committed rows, so the live server's thread sees them; serialized_rollback gives the next
# transactional test the seeded industries and methods back (see tests/cli/conftest.py).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def people(team_people):
    from kehu.accounts.services import user_create

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        admin = user_create(None, username="tang.data", role="data_admin", display_name="唐数据", password=PASSWORD)
        channel("行业展会")
        existing = make_customer(team_people["rep"], name="苏州恒力汽车零部件有限公司")
        yield {**team_people, "admin": admin, "existing": existing}


def add_custom_field(page):
    page.goto("/settings/custom-fields/")
    page.locator("#f-key").fill("level")
    page.locator("#f-label").fill("合作意向")
    page.locator("#f-kind").select_option("choice")
    page.locator("#f-choices").fill("高, 中, 低")
    page.locator("#f-show_in_list").check()
    page.locator("#f-filterable").check()
    page.locator("#customfield-form button[type=submit]").click()
    expect(page.locator("#customfield-table")).to_contain_text("合作意向")
    screenshot(page, "settings-custom-fields")


def create_customer(page) -> int:
    page.goto("/customers/new/")
    name = page.get_by_label("客户全称")
    # The duplicate warning while typing: the team already has 苏州恒力汽车零部件有限公司.
    name.fill("恒力汽车零部件")
    expect(page.locator("#duplicates")).to_contain_text("苏州恒力汽车零部件有限公司")
    name.fill("杭州新星电子有限公司")
    page.locator("#f-industry").select_option("39")
    page.locator("#f-source_channel").select_option(label="行业展会")
    page.locator("#f-first_contact_date").fill("2026-01-10")
    page.locator("#f-need_description").fill("想替换现有的 Excel 台账")
    page.locator("#f-contacts-0-name").fill("王芳")
    page.locator("#f-contacts-0-title").fill("IT 经理")
    page.locator("#f-contacts-0-phones-0").fill("139123")
    page.locator("#f-custom_data-level").select_option("高")
    page.get_by_role("button", name="创建客户").click()
    phone_field = page.locator('[data-field="contacts[0].phones[0]"]')
    expect(phone_field.locator(".error")).to_be_visible()
    expect(phone_field.locator("input")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-name")).to_have_value("杭州新星电子有限公司")  # nothing typed is lost
    screenshot(page, "customer-form-error")
    page.locator("#f-contacts-0-phones-0").fill("138 0013 8000")
    page.get_by_role("button", name="创建客户").click()
    page.wait_for_url(re.compile(r"/customers/\d+/$"))
    expect(page.locator("h1")).to_have_text("杭州新星电子有限公司")
    return int(re.search(r"/customers/(\d+)/", page.url).group(1))


def log_interaction(page, pk: int) -> None:
    clicks = 0
    page.get_by_role("link", name=re.compile("记录跟进")).first.click()
    clicks += 1
    page.locator("#f-summary").fill("演示了订单追踪功能")
    page.locator("#f-feedback").fill("对交付看板很感兴趣")
    page.locator("#f-next_step").fill("下周发报价")
    page.locator("#f-next_action-title").fill("发送正式报价单")
    page.get_by_role("button", name="保存").click()
    clicks += 1
    assert clicks <= 3
    page.wait_for_url(f"**/customers/{pk}/")
    expect(page.locator("#timeline")).to_contain_text("演示了订单追踪功能")
    expect(page.locator("section[aria-labelledby=actions-heading]")).to_contain_text("发送正式报价单")
    screenshot(page, "customer-page")
    page.get_by_role("link", name="待办", exact=True).click()
    expect(page.locator("#inbox")).to_contain_text("发送正式报价单")
    screenshot(page, "actions-inbox")


def find_customer(page, pk: int) -> None:
    page.goto("/customers/")
    rows = page.locator("#customer-table tbody tr[data-customer]")
    search = page.locator("#q")
    search.fill("hzxx")  # 拼音 initials of 杭州新星, results as you type
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-customer", str(pk))
    search.fill("8000")  # the last four digits of the contact's phone
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-customer", str(pk))
    search.fill("")
    expect(rows).to_have_count(2)
    # The custom field is a column and a filter of the list.
    expect(page.locator("#customer-table thead")).to_contain_text("合作意向")
    expect(page.locator(f'tr[data-customer="{pk}"]')).to_contain_text("高")
    page.locator("#f-cf-level").select_option("高")
    expect(rows).to_have_count(1)
    screenshot(page, "customers-list")


def move_to_deal(page, pk: int) -> None:
    page.goto("/pipeline/")
    card = page.locator(f'.board-card[data-customer="{pk}"]')
    card.drag_to(page.locator('.column[data-stage="deal"]'))
    dialog = page.locator("#move-dialog-deal")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#f-contract_date")).to_be_visible()
    dialog.locator("#f-amount").fill("120,000")
    screenshot(page, "pipeline-deal-dialog")
    dialog.get_by_role("button", name="转为成交").click()
    expect(page.locator(f'.column[data-stage="deal"] .board-card[data-customer="{pk}"]')).to_be_visible()
    customer = Customer.objects.get(pk=pk)
    assert customer.stage == "deal" and customer.total_amount == 120000


@pytest.mark.parametrize("width", [1280])
def test_a_reps_day(open_page, people, width):
    admin_page = open_page(width)
    sign_in(admin_page, "tang.data")
    add_custom_field(admin_page)

    page = open_page(width)
    sign_in(page, "li.rep")
    screenshot(page, "my-day")
    pk = create_customer(page)
    log_interaction(page, pk)
    find_customer(page, pk)
    move_to_deal(page, pk)

    page.locator("#language-select").select_option("en")
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Customers", exact=True)).to_be_visible()
    page.goto(f"/customers/{pk}/")
    expect(page.get_by_role("link", name=re.compile("Log interaction")).first).to_be_visible()
    screenshot(page, "customer-page-en")


def test_phone_width_pages(open_page, people):
    """375 px wide: every main page renders without sideways scrolling of the page itself."""
    page = open_page(375, 800)
    sign_in(page, "li.rep")
    pk = people["existing"].pk
    for path, name in (("/", "my-day"), ("/customers/", "customers-list"), (f"/customers/{pk}/", "customer-page"),
                       ("/customers/new/", "customer-form"), (f"/customers/{pk}/log/", "log-interaction"),
                       ("/actions/", "actions-inbox"), ("/pipeline/", "pipeline")):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if path != "/pipeline/":  # the board scrolls inside itself
            assert overflow <= 0, (path, overflow)
        screenshot(page, name)
    # The menu opens from the button, and the keyboard reaches it.
    page.goto("/")
    toggle = page.locator("[data-nav-toggle]")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("link", name="客户", exact=True)).to_be_visible()


def test_keyboard_only_move_to_lost_asks_the_reason(open_page, people):
    page = open_page()
    sign_in(page, "li.rep")
    pk = people["existing"].pk
    page.goto("/pipeline/")
    select = page.locator(f"#move-{pk}")
    select.focus()
    select.select_option("lost")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    dialog = page.locator("#move-dialog-lost")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#f-reason")).to_be_focused()
    page.keyboard.type("预算取消")
    dialog.get_by_role("button", name="转为流失").click()
    expect(page.locator(f'.column[data-stage="lost"] .board-card[data-customer="{pk}"]')).to_be_visible()
    assert Customer.objects.get(pk=pk).lost_reason == "预算取消"
