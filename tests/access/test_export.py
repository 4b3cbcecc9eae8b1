"""The customers export from the list (R33, R35): rows only from what the user may see,
confidential columns absent for those without the right, phones masked, custom fields as columns,
formula injection neutralised, keyset batches, one audit event per export. The files are read
back with python-calamine (Excel) and the csv module."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from kehu.core.models import AuditEvent, Setting
from kehu.customers.services import customer_update
from tests.factories import make_customer

pytestmark = pytest.mark.django_db

EVERYONE = ["manager", "rep", "collaborator", "data_admin"]


@pytest.fixture
def all_may_export(world):
    """Export opened to every role, to see what each one's file holds."""
    Setting.objects.create(key="export_roles", value=EVERYONE)


def client_for(world, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def export(world, role: str, *, fmt: str = "xlsx", query: str = ""):
    return client_for(world, role).post(reverse("web:customer_export"), {"query": query, "format": fmt})


def read(response) -> list[dict]:
    """The file as one dict per row, keyed by the header."""
    content = b"".join(response.streaming_content)
    if response["Content-Type"].startswith("text/csv"):
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        rows = [[value if value != "" else None for value in row] for row in rows]
    else:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0)
        rows = [[value if value != "" else None for value in row] for row in sheet.to_python()]
    head, body = rows[0], rows[1:]
    return [dict(zip(head, row)) for row in body]


def by_number(rows) -> dict[str, dict]:
    return {row["客户编号"]: row for row in rows}


def test_owner_rep_exports_own_customers_with_amounts_and_full_phones(world, all_may_export):
    rows = by_number(read(export(world, "owner_rep")))
    assert set(rows) == {world.ours.number}
    ours = rows[world.ours.number]
    assert float(ours[_label("budget_min")]) == 100000
    assert float(ours[_label("total_amount")]) == 120000
    assert ours[_label("pain_points")] == "现有系统无法追踪交付"
    assert ours["电话"] == "139-1234-5678"


def test_team_lead_exports_the_team_only(world, all_may_export):
    make_customer(world.other_rep, name="上海同事客户有限公司")
    rows = by_number(read(export(world, "manager", fmt="csv")))
    assert world.ours.number in rows and world.theirs.number not in rows and len(rows) == 2
    assert float(rows[world.ours.number][_label("budget_max")]) == 300000
    assert rows[world.ours.number]["电话"] == "139-1234-5678"


def test_other_team_rep_sees_only_their_own(world, all_may_export):
    rows = by_number(read(export(world, "rep_b")))
    assert set(rows) == {world.theirs.number}
    assert rows[world.theirs.number]["电话"] == "138-0013-8000"
    # A rep of our team without a link to ours: nothing of it.
    assert read(export(world, "other_rep")) == []


def test_read_only_collaborator_gets_no_amounts_masked_phones(world, all_may_export):
    rows = read(export(world, "collaborator_assigned"))
    assert [r["客户编号"] for r in rows] == [world.ours.number]
    row = rows[0]
    for field in ("budget_min", "budget_max", "total_amount", "average_order_value"):
        assert _label(field) not in row  # absent, not just empty
    # ours' needs are undisclosed: the cells are empty for them.
    assert row[_label("pain_points")] is None and row[_label("need_description")] is None
    assert row["电话"] == "139****5678"
    assert read(export(world, "collaborator_not_assigned")) == []


def test_data_admin_sees_basic_information_only(world, all_may_export):
    rows = by_number(read(export(world, "data_admin", fmt="csv")))
    assert set(rows) == {world.ours.number, world.theirs.number}
    assert _label("total_amount") not in rows[world.ours.number]
    assert rows[world.ours.number][_label("need_description")] is None  # undisclosed
    assert rows[world.theirs.number][_label("need_description")] == "需要一套能追踪订单交付的系统"  # disclosed
    assert rows[world.theirs.number]["电话"] == "138****8000"


def test_who_may_export_by_default(world):
    """Default export_roles: managers (and the org admin); the others get 403 and no button;
    anonymous and deactivated users are sent to sign in."""
    for role in ("owner_rep", "other_rep", "collaborator_assigned", "data_admin"):
        assert export(world, role).status_code == 403, role
        page = client_for(world, role).get(reverse("web:customer_list"))
        assert reverse("web:customer_export") not in page.content.decode(), role
    for role in ("anonymous", "deactivated"):
        response = export(world, role)
        assert response.status_code == 302 and "signin" in response["Location"], role
    for role in ("manager", "manager_other_team", "org_admin"):
        assert export(world, role).status_code == 200, role
    page = client_for(world, "manager").get(reverse("web:customer_list"))
    assert reverse("web:customer_export") in page.content.decode()
    assert client_for(world, "manager").get(reverse("web:customer_export")).status_code == 405  # POST only
    # Nothing was written for the refused ones.
    assert AuditEvent.objects.filter(action="export.customers").count() == 3


def test_filters_search_and_the_audit_entry(world):
    other = make_customer(world.other_rep, name="上海同事客户有限公司")
    rows = by_number(read(export(world, "manager", query="stage=deal")))
    assert set(rows) == {world.ours.number}  # `other` is a potential customer
    rows = by_number(read(export(world, "manager", fmt="csv", query="q=上海同事")))
    assert set(rows) == {other.number}
    events = list(AuditEvent.objects.filter(action="export.customers").order_by("id"))
    assert [e.actor_id for e in events] == [world.manager.pk] * 2
    assert events[0].changes["count"] == [None, 1]
    assert events[0].changes["params"][1] == {"stage": "deal", "format": "xlsx"}
    assert events[1].changes["params"][1] == {"q": "上海同事", "format": "csv"}


def test_bad_filter_goes_back_to_the_list_with_the_error(world):
    response = export(world, "manager", query="stage=nonsense")
    assert response.status_code == 302 and "stage=nonsense" in response["Location"]
    assert not AuditEvent.objects.filter(action="export.customers").exists()


def test_formula_cells_are_neutralised_and_custom_fields_are_columns(world):
    from kehu.customfields.services import customfield_create

    customfield_create(world.data_admin, target="customer", key="rival", label="竞品动向", kind="text")
    customfield_create(world.data_admin, target="customer", key="products", label="关注产品", kind="multi_choice",
                       choices=["MES", "ERP"])
    customer = make_customer(world.owner_rep, name="=HYPERLINK(\"http://evil.example\",\"点我\")",
                             short_name="+1+2", custom_data={"rival": "@SUM(1+1)", "products": ["ERP", "MES"]})
    customer_update(world.owner_rep, world.ours.pk, version=world.ours.version, custom_data={"rival": "-2+3"})
    for fmt in ("xlsx", "csv"):
        rows = by_number(read(export(world, "manager", fmt=fmt)))
        row = rows[customer.number]
        assert row[_label("name")] == "'=HYPERLINK(\"http://evil.example\",\"点我\")"
        assert row[_label("short_name")] == "'+1+2"
        assert row["竞品动向"] == "'@SUM(1+1)"
        assert row["关注产品"] == "MES、ERP"
        assert rows[world.ours.number]["竞品动向"] == "'-2+3"


def test_rows_come_in_keyset_batches(world, monkeypatch, django_assert_max_num_queries):
    """Every row once, in id order, whatever the batch size; the queries grow per batch, not per row."""
    from kehu.web import export as export_module

    made = [make_customer(world.owner_rep) for _ in range(5)]
    monkeypatch.setattr(export_module, "BATCH", 2)
    numbers = [r["客户编号"] for r in read(export(world, "manager"))]
    assert numbers == [c.number for c in sorted([world.ours, *made], key=lambda c: c.pk)]
    # 6 rows in 4 batches: per batch the rows, contacts and tags; plus session, scope, fields, audit.
    from kehu.core.policy import access_for

    access = access_for(world.manager)
    stream = io.StringIO()
    with django_assert_max_num_queries(4 * 3 + 8):
        export_module.export_customers(access, {}, stream, kind="csv")


def _label(field: str) -> str:
    from django.utils import translation
    from django.utils.text import capfirst

    from kehu.customers.models import Customer

    with translation.override("zh-hans"):
        return str(capfirst(Customer._meta.get_field(field).verbose_name))
