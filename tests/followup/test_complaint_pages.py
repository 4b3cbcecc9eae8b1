"""The complaint pages: record one (errors next to the fields), answer and resolve it, the breach
badge; outsiders get 404, read-only colleagues see without the forms."""

from __future__ import annotations

import datetime as dt

import pytest

from kehu.followup.models import Complaint
from tests.factories import make_customer
from tests.followup.helpers import link, sweep

pytestmark = pytest.mark.django_db


def test_record_answer_and_resolve_a_complaint(client, rep, frozen_clock):
    customer = make_customer(rep)
    client.force_login(rep)
    url = f"/followup/customers/{customer.pk}/complaints/new/"
    page = client.get(url)
    assert page.status_code == 200 and 'name="description"' in page.content.decode()
    bad = client.post(url, {"description": "", "channel": "", "severity": "medium", "received_at": "2026-03-02T09:00"})
    html = bad.content.decode()
    assert bad.status_code == 200 and html.count('class="error"') >= 2 and 'data-field="description"' in html
    done = client.post(url, {"description": "送货晚了三天", "channel": "phone", "severity": "high",
                             "received_at": "2026-03-02T09:00"})
    complaint = Complaint.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/followup/complaints/{complaint.pk}/"
    detail = client.get(done["Location"]).content.decode()
    assert "送货晚了三天" in detail and 'value="respond"' in detail
    client.post(done["Location"], {"action": "respond", "version": complaint.version, "response": "已致电道歉"})
    complaint.refresh_from_db()
    assert complaint.status == "responded"
    stale = client.post(done["Location"], {"action": "resolve", "version": 1, "resolution": "x"})
    assert "role=\"alert\"" in stale.content.decode()  # the conflict is shown, nothing changed
    client.post(done["Location"], {"action": "resolve", "version": complaint.version, "resolution": "补偿运费"})
    complaint.refresh_from_db()
    assert complaint.status == "resolved"
    listing = client.get("/followup/complaints/?all=1").content.decode()
    assert "送货晚了三天" in listing


def test_breach_badge_and_who_sees_what(client, rep, viewer, outsider, frozen_clock):
    from kehu.followup.services import complaint_open

    customer = make_customer(rep)
    complaint = complaint_open(rep, customer.pk, description="发票抬头错误", channel="email")
    sweep(frozen_clock.moment + dt.timedelta(hours=25), "followup.complaints")
    client.force_login(rep)
    assert 'data-testid="breach-response"' in client.get("/followup/complaints/").content.decode()
    client.force_login(outsider)
    assert client.get(f"/followup/complaints/{complaint.pk}/").status_code == 404
    assert client.get(f"/followup/customers/{customer.pk}/complaints/new/").status_code == 404
    assert "发票抬头错误" not in client.get("/followup/complaints/").content.decode()
    client.force_login(viewer)
    link(customer, viewer)
    page = client.get(f"/followup/complaints/{complaint.pk}/").content.decode()
    assert "发票抬头错误" in page and 'value="respond"' not in page
    assert client.post(f"/followup/complaints/{complaint.pk}/", {"action": "respond", "version": 1,
                                                                "response": "x"}).status_code == 404
    assert client.get(f"/followup/customers/{customer.pk}/complaints/new/").status_code == 404
