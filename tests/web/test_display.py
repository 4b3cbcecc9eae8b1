"""One place for how amounts, dates and phones are shown; the language middleware's choices."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.utils import timezone, translation

from kehu.web import display
from kehu.web.middleware import UserLanguageMiddleware
from kehu.web.timeline import readable_changes


def test_money_is_cny_with_separators():
    assert display.money_text(Decimal("1234567.5")) == "¥1,234,567.50"
    assert display.money_text(0) == "¥0.00"
    assert display.money_text(Decimal("-12")) == "-¥12.00"
    assert display.money_text(None) == ""


def test_dates_are_iso_in_the_team_time_zone():
    moment = timezone.make_aware(dt.datetime(2026, 3, 1, 23, 30), dt.timezone.utc)  # 07:30 on the 2nd in Shanghai
    assert display.day_text(moment) == "2026-03-02"
    assert display.moment_text(moment) == "2026-03-02 07:30"
    assert display.day_text(dt.date(2026, 1, 5)) == "2026-01-05"


def test_timeline_changes_hide_empty_fields_and_mask_phones():
    lines = [("city", "", ""), ("phones", None, ["139-1234-5678"]), ("main contact", None, True),
             ("due", None, "2026-11-25T18:00:00+08:00")]
    with translation.override("en"):
        shown = readable_changes(lines, show_phones=False)
    assert [label for label, _old, _new in shown] == ["Phone", "main contact", "due"]
    assert shown[1][2] == "Yes"
    assert shown[0][2] == "139****5678"
    assert shown[2][2] == "2026-11-25 18:00"
    assert readable_changes(lines, show_phones=True)[0][2] == "139-1234-5678"


@pytest.mark.django_db
def test_language_for_signed_out_visitors_and_api_clients():
    seen = {}

    def view(request):
        from django.http import HttpResponse
        from django.utils.translation import get_language

        seen["language"] = get_language()
        return HttpResponse("ok")

    from django.contrib.auth.models import AnonymousUser

    middleware = UserLanguageMiddleware(view)
    for path, cookie, expected in (("/customers/", "", "zh-hans"), ("/customers/", "en", "en"),
                                   ("/api/v1/customers", "", None)):
        request = RequestFactory().get(path, HTTP_ACCEPT_LANGUAGE="en")
        request.user = AnonymousUser()
        if cookie:
            request.COOKIES["django_language"] = cookie
        with translation.override("en"):  # what LocaleMiddleware derived from Accept-Language
            middleware(request)
        assert seen["language"] == (expected or "en"), path
