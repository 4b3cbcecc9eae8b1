"""The audit log page: for managers only (a team lead their teams' events), filtered by user,
customer, action and days, keyset pages, and exports to Excel and CSV that are formula-safe and
themselves logged."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re

import pytest
from django.http import QueryDict
from django.urls import reverse

from kehu.core import audit
from kehu.core.models import AuditEvent
from tests.access.test_audit_scope import read_xlsx
from tests.factories import make_customer


@pytest.fixture
def theirs(outsider, other_team):
    from kehu.accounts.services import user_create

    lead = user_create(None, username="huang.manager", role="manager", team=other_team)
    other_team.lead = lead
    other_team.save(update_fields=["lead"])
    return make_customer(outsider, name="广州南方贸易有限公司")


def _page(client, **params):
    response = client.get(reverse("web:audit_log"), params)
    return response, response.content.decode()


def test_only_audit_readers_reach_the_page_and_see_it_in_the_navigation(login, manager, rep, collaborator,
                                                                       data_admin, client):
    response, html = _page(login(manager))
    assert response.status_code == 200 and reverse("web:audit_log") in html
    for user in (rep, collaborator, data_admin):
        client_ = login(user)
        assert client_.get(reverse("web:audit_log")).status_code == 403
        assert reverse("web:audit_log") not in client_.get(reverse("web:home")).content.decode()
        assert client_.post(reverse("web:audit_export"), {"format": "csv"}).status_code == 403
    assert client.get(reverse("web:audit_log"))["Location"].startswith(reverse("web:login"))


def test_a_lead_sees_their_teams_events_not_others(login, manager, customer, theirs):
    _response, html = _page(login(manager))
    assert customer.name in html and theirs.name not in html


def test_filters_by_user_customer_action_and_days(login, manager, rep, other_rep, customer, frozen_clock):
    second = make_customer(rep, name="无锡新光电子有限公司")
    frozen_clock.set(dt.datetime(2026, 3, 10, 12, 0))
    audit.record(other_rep, "customer.update", customer, customer_id=customer.pk, changes={"city": ["", "常州"]})
    client = login(manager)
    _r, html = _page(client, actor=other_rep.pk)
    assert "常州" in html and second.name not in html
    _r, html = _page(client, customer=second.number)
    assert second.name in html and "常州" not in html
    _r, html = _page(client, action="customer.update")
    assert "常州" in html and "无锡新光电子有限公司" not in html
    _r, html = _page(client, since="2026-03-10", until="2026-03-10")
    assert "常州" in html and second.name not in html
    _r, html = _page(client, since="2026-03-11")
    assert "常州" not in html
    response, html = _page(client, customer="2026-XX-999", since="10/03/2026")
    assert response.status_code == 422 and 'id="f-customer-error"' in html and 'id="f-since-error"' in html


def test_keyset_pages_show_every_event_once(login, manager, rep, customer):
    for i in range(120):
        audit.record(rep, "customer.view_test", customer, customer_id=customer.pk, note=f"n{i:03d}")
    client = login(manager)
    seen, params = [], {"action": "customer.view_test"}
    for _ in range(5):
        response = client.get(reverse("web:audit_log"), params)
        page = response.context
        seen += [row["event"].note for row in page["rows"]]
        if not page["next_cursor"]:
            break
        link = re.search(r'rel="next" href="\?([^"]+)">更早的事件</a>', response.content.decode())
        params = dict(QueryDict(html.unescape(link.group(1))).items())  # the page's own pager link
    assert len(seen) == len(set(seen)) == 120


def test_export_csv_and_xlsx_are_formula_safe_scoped_and_logged(login, manager, rep, theirs):
    evil = make_customer(rep, name="=1+2")
    client = login(manager)
    response = client.post(reverse("web:audit_export"), {"format": "csv", "customer": evil.number})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    text = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["at", "actor_name", "action"]
    assert any(row[5] == "'=1+2" for row in rows[1:]) and not any(row[5] == "=1+2" for row in rows[1:])
    assert {row[6] for row in rows[1:]} == {str(evil.pk)}

    response = client.post(reverse("web:audit_export"), {"format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet, formulas = read_xlsx(b"".join(response.streaming_content))
    assert formulas == 0 and any(row[5] == "'=1+2" for row in sheet[1:])
    assert theirs.name not in {row[5] for row in sheet[1:]}

    exports = AuditEvent.objects.filter(action="export.audit", actor=manager).order_by("id")
    assert [e.changes["params"][1]["format"] for e in exports] == ["csv", "xlsx"]
    assert exports[0].changes["params"][1]["customer"] == evil.pk
    # The exports show on the log page too.
    _r, html = _page(client, action="export.")
    assert html.count("<tr>") >= 3


def test_export_refuses_bad_filters_and_get(login, manager):
    client = login(manager)
    assert client.get(reverse("web:audit_export")).status_code == 405
    response = client.post(reverse("web:audit_export"), {"format": "csv", "until": "yesterday"})
    assert response.status_code == 422
    assert not AuditEvent.objects.filter(action="export.audit").exists()


def test_page_is_in_english_too(login, manager):
    manager.language = "en"
    manager.save(update_fields=["language"])
    _r, html = _page(login(manager))
    assert "Audit log" in html and "Events, newest first" in html
    manager.language = "zh-hans"
    manager.save(update_fields=["language"])
    _r, html = _page(login(manager))
    assert "Events, newest first" not in html
