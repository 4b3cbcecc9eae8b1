"""Security basics, verified rather than assumed: user text is escaped in pages, forms need the
CSRF token, and the logs and URLs carry ids, never customer data."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.test import Client
from django.utils import timezone
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import make_customer

SCRIPT = "<script>alert(1)</script>"


def test_a_customer_named_like_a_script_shows_as_text(world):
    customer = make_customer(world.owner_rep, name=SCRIPT, short_name=SCRIPT)
    client = Client()
    client.force_login(world.owner_rep)
    for url in (reverse("web:customer_detail", args=[customer.pk]), reverse("web:customer_list")):
        page = client.get(url).content.decode()
        assert SCRIPT not in page, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url


def test_forms_refuse_a_post_without_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.collaborator_assigned)
    method = world.phone_method(world.ours)
    assert client.post(reverse("web:phone_reveal", args=[method.pk])).status_code == 403
    client.force_login(world.owner_rep)
    edit = client.post(reverse("web:customer_edit", args=[world.ours.pk]), {"name": "改名"})
    assert edit.status_code == 403
    world.ours.refresh_from_db()
    assert world.ours.name != "改名"


def test_the_api_session_path_needs_csrf_too(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.owner_rep)
    response = client.patch(f"/api/v1/customers/{world.ours.pk}", data={"version": world.ours.version,
                                                                         "short_name": "x"},
                            content_type="application/json")
    assert response.status_code in (401, 403)
    world.ours.refresh_from_db()
    assert world.ours.short_name != "x"


def test_customer_urls_take_ids_only():
    """No name, phone or e-mail ever travels in a path (they end up in proxy and server logs)."""

    def walk(patterns, prefix=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield prefix + str(entry.pattern)

    routes = [r for r in walk(get_resolver().url_patterns) if "<" in r and not r.startswith("admin/")]
    loose = [r for r in routes if any(part in r for part in ("<str:", "<slug:", "<path:"))
             and any(word in r for word in ("customer", "contact", "phone"))]
    assert not loose, loose


def test_logs_carry_no_customer_data(world, frozen_clock, caplog):
    from kehu.core.redaction import reveal_phone
    from kehu.core.sweep import run_sweep
    from kehu.customers.services import customer_handover

    caplog.set_level(logging.DEBUG)
    customer = make_customer(world.owner_rep, name="保密测试客户有限公司")
    reveal_phone(world.collaborator_assigned, world.phone_method(world.ours).pk)
    customer_handover(world.manager, [customer.pk], to_owner=world.other_rep, reason="交接")
    run_sweep(timezone.make_aware(dt.datetime(2026, 6, 1, 0, 0)), only={"customers.pool"})
    text = caplog.text
    for secret in ("保密测试客户有限公司", "139-1234-5678", "13912345678", "zhangwei@example.com"):
        assert secret not in text, secret


@pytest.mark.parametrize("header", ["=1+1", "@SUM(1)"])
def test_audit_export_cells_cannot_run_as_formulas(world, header):
    import csv
    import io

    from kehu.core.audit_queries import export_audit_csv

    make_customer(world.owner_rep, name=header + "有限公司")
    out = io.StringIO()
    export_audit_csv(world.manager, {"action": "customer.create"}, out)
    cells = [cell for row in csv.reader(io.StringIO(out.getvalue().lstrip("\ufeff"))) for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
