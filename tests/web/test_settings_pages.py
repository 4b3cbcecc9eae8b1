"""Settings for data admins: channels with cost, tags, industry phrases, custom fields."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kehu.core.models import AuditEvent
from kehu.customers.models import Channel, ChannelCost, IndustryPhrase, Tag
from kehu.customfields.models import CustomField
from tests.factories import make_customer

pytestmark = pytest.mark.django_db
PAGES = ("web:settings_channels", "web:settings_tags", "web:settings_phrases", "web:settings_customfields")


@pytest.mark.parametrize("url_name", PAGES)
def test_only_data_admins_and_managers(login, rep, collaborator, data_admin, manager, url_name):
    url = reverse(url_name)
    assert login(rep).get(url).status_code == 403
    assert login(collaborator).post(url, {"name": "x"}).status_code == 403
    assert login(data_admin).get(url).status_code == 200
    assert login(manager).get(url).status_code == 200


def test_settings_link_only_for_those_who_may(login, rep, data_admin):
    assert reverse("web:settings") not in login(rep).get(reverse("web:home")).content.decode()
    assert reverse("web:settings") in login(data_admin).get(reverse("web:home")).content.decode()


def test_channels_with_cost(login, data_admin):
    client = login(data_admin)
    response = client.post(reverse("web:settings_channels"), {"name": "", "tool": "x"})
    assert response.status_code == 422
    client.post(reverse("web:settings_channels"), {"name": "线上广告", "tool": "百度推广"})
    channel = Channel.objects.get(name="线上广告")
    url = reverse("web:settings_channel_edit", args=[channel.pk])
    response = client.post(url, {"form": "cost", "period_start": "2026-01-01", "period_end": "2025-12-01", "amount": "5000"})
    assert response.status_code == 422 and 'class="error"' in response.content.decode()
    client.post(url, {"form": "cost", "period_start": "2026-01-01", "period_end": "2026-01-31", "amount": "12,000"})
    assert ChannelCost.objects.get().amount == 12000
    assert "¥12,000.00" in client.get(reverse("web:settings_channels")).content.decode()
    client.post(url, {"form": "channel", "name": "线上广告", "tool": "巨量引擎"})  # unticked "active"
    channel.refresh_from_db()
    assert channel.tool == "巨量引擎" and not channel.is_active
    assert AuditEvent.objects.filter(action__startswith="channel.").count() == 3


def test_tags_and_phrases(login, data_admin, rep):
    client = login(data_admin)
    client.post(reverse("web:settings_tags"), {"name": "意向产品A-预算审批-价格敏感", "group": "需求", "color": "#aa3300"})
    assert Tag.objects.get().color == "#aa3300"
    response = client.post(reverse("web:settings_tags"), {"name": "意向产品A-预算审批-价格敏感"})
    assert response.status_code == 422
    client.post(reverse("web:settings_phrases"), {"phrase": "做网站的", "industry": "64"})
    phrase = IndustryPhrase.objects.get(phrase="做网站的")
    assert phrase.industry.code == "64"
    # The phrase now resolves what people type on the customer form.
    customer = make_customer(rep, industry="做网站的")
    assert customer.industry.code == "64"
    client.post(reverse("web:settings_phrases"), {"remove": phrase.pk})
    assert not IndustryPhrase.objects.filter(phrase="做网站的").exists()


def test_custom_field_added_without_code_shows_in_form_list_and_filter(login, data_admin, rep):
    client = login(data_admin)
    response = client.post(reverse("web:settings_customfields"), {
        "target": "customer", "key": "Bad Key", "label": "", "kind": "choice", "choices": ""})
    assert response.status_code == 422
    html = response.content.decode()
    for name in ("key", "label", "choices"):
        assert 'class="error"' in html[html.index(f'data-field="{name}"'):][:1500], name
    client.post(reverse("web:settings_customfields"), {
        "target": "customer", "key": "level", "label": "合作意向", "label_en": "Interest", "kind": "choice",
        "choices": "高, 中, 低", "show_in_list": "1", "filterable": "1"})
    field = CustomField.objects.get()
    assert field.choices == ["高", "中", "低"] and field.show_in_list and field.filterable
    high = make_customer(rep, custom_data={"level": "高"})
    low = make_customer(rep, custom_data={"level": "低"})
    rep_client = login(rep)
    html = rep_client.get(reverse("web:customer_create")).content.decode()
    assert 'name="custom_data.level"' in html
    listing = rep_client.get(reverse("web:customer_list")).content.decode()
    assert "合作意向" in listing and 'name="cf_level"' in listing
    filtered = rep_client.get(reverse("web:customer_list"), {"cf_level": "高"}).content.decode()
    assert high.name in filtered and low.name not in filtered
    # Retire it: gone from the form, values kept.
    client.post(reverse("web:settings_customfield_edit", args=[field.pk]), {
        "version": field.version, "label": "合作意向", "choices": "高, 中, 低"})
    field.refresh_from_db()
    assert not field.is_active
    assert 'name="custom_data.level"' not in rep_client.get(reverse("web:customer_create")).content.decode()
    high.refresh_from_db()
    assert high.custom_data == {"level": "高"}
