"""Who reads which audit events, wherever the log is shown (the admin, the page, the export): a
team lead the events of the teams they lead — their customers and their members, also what the
system did to a member's account — and only the org admin everything. Values a reader may not
see (another team's amounts, undisclosed needs, full phone numbers) are masked in what they read."""

from __future__ import annotations

import io

from django.test import Client

from kehu.core import audit
from kehu.core.audit_queries import audit_events, audit_page, export_audit_csv
from kehu.core.models import AuditEvent
from kehu.core.redaction import MASK


def _lock_out(user):
    from kehu.accounts.signin import record_failure

    for _ in range(5):
        record_failure(user)


def test_a_lockout_of_a_member_is_read_by_their_lead_only(world):
    _lock_out(world.owner_rep)
    event = AuditEvent.objects.get(action="user.lock", object_id=world.owner_rep.pk)
    assert event.actor_id is None  # the system locked it
    assert audit_events(world.manager, {"action": "user.lock"}).filter(pk=event.pk).exists()
    assert not audit_events(world.manager_other_team, {"action": "user.lock"}).exists()
    assert audit_events(world.org_admin, {"action": "user.lock"}).filter(pk=event.pk).exists()


def test_a_manager_leading_no_team_reads_only_their_own_events(world):
    from kehu.accounts.services import user_create

    loner = user_create(None, username="solo.manager", role="manager", password="Kehu-2026-secret")
    audit.record(loner, "customer.view_test", world.theirs, customer_id=world.theirs.pk)
    assert list(audit_events(loner).values_list("actor_id", flat=True)) == [loner.pk]


def _admin(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_admin_lists_only_the_events_of_the_led_teams(world):
    ours = AuditEvent.objects.filter(customer_id=world.ours.pk).first()
    theirs = AuditEvent.objects.filter(customer_id=world.theirs.pk).first()
    client = _admin(world.manager)
    listing = client.get("/admin/core/auditevent/", {"customer_id": world.ours.pk})
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == audit_events(world.manager, {"customer": world.ours.pk}).count()
    listed = {e.pk for e in client.get("/admin/core/auditevent/").context["cl"].result_list}
    assert ours.pk in listed and theirs.pk not in listed
    assert client.get(f"/admin/core/auditevent/{ours.pk}/change/").status_code == 200
    # Another team's event: the admin answers "does not exist" (a redirect), never the event.
    response = client.get(f"/admin/core/auditevent/{theirs.pk}/change/")
    assert response.status_code == 302 and str(theirs.pk) not in response.get("Location", "").split("?")[0][-12:]
    assert response.url.startswith("/admin/")
    assert theirs.object_repr not in client.get(response.url).content.decode()

    everything = {e.pk for e in _admin(world.org_admin).get("/admin/core/auditevent/").context["cl"].result_list}
    assert {ours.pk, theirs.pk} <= everything


def test_admin_refuses_the_log_to_staff_who_do_not_audit(world):
    # A data admin is staff (reference data) but reads no audit log.
    assert world.data_admin.is_staff
    assert _admin(world.data_admin).get("/admin/core/auditevent/").status_code == 403


def test_admin_masks_another_teams_amounts_in_a_members_event(world):
    # A member of team A once changed team B's customer (e.g. before they moved teams).
    event = audit.record(world.other_rep, "customer.update", world.theirs, customer_id=world.theirs.pk,
                         changes={"budget_min": ["50000", "60000"], "city": ["广州", "深圳"]})
    page = _admin(world.manager).get(f"/admin/core/auditevent/{event.pk}/change/").content.decode()
    assert "60000" not in page and "深圳" in page and MASK in page
    page = _admin(world.org_admin).get(f"/admin/core/auditevent/{event.pk}/change/").content.decode()
    assert "60000" in page


def test_page_and_export_mask_what_the_reader_may_not_see(world):
    event = audit.record(world.other_rep, "customer.update", world.theirs, customer_id=world.theirs.pk,
                         changes={"budget_min": ["50000", "60000"], "city": ["广州", "深圳"]})
    contact = audit.record(world.other_rep, "contact.update", world.theirs, customer_id=world.theirs.pk,
                           changes={"phones": [["138-0013-8000"], ["138-0013-9999"]]})
    items = {e.pk: e for e in audit_page(world.manager, {"actor": world.other_rep.pk}).items}
    assert items[event.pk].changes == {"budget_min": [MASK, MASK], "city": ["广州", "深圳"]}
    assert items[contact.pk].changes == {"phones": [["138****8000"], ["138****9999"]]}
    out = io.StringIO()
    export_audit_csv(world.manager, {"actor": str(world.other_rep.pk)}, out)
    text = out.getvalue()
    assert "60000" not in text and "138-0013-9999" not in text and "深圳" in text
    # The lead of that team sees it all; the log itself is unchanged.
    items = {e.pk: e for e in audit_page(world.manager_other_team, {"customer": world.theirs.pk}).items}
    assert items[event.pk].changes["budget_min"] == ["50000", "60000"]
    assert AuditEvent.objects.get(pk=event.pk).changes["budget_min"] == ["50000", "60000"]


def read_xlsx(data: bytes) -> tuple[list[list[str]], int]:
    """The first sheet's cells as text rows, and how many formulas it holds (no openpyxl here:
    an .xlsx is a zip of XML)."""
    import zipfile
    from xml.etree import ElementTree

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        shared = []
        if "xl/sharedStrings.xml" in book.namelist():
            root = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t")) for si in root.findall("m:si", ns)]
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    rows, formulas = [], 0
    for row in sheet.iter(f"{{{ns['m']}}}row"):
        cells = []
        for c in row.findall("m:c", ns):
            formulas += len(c.findall("m:f", ns))
            kind, value = c.get("t"), c.find("m:v", ns)
            if kind == "s":
                cells.append(shared[int(value.text)])
            elif kind == "inlineStr":
                cells.append("".join(t.text or "" for t in c.iter(f"{{{ns['m']}}}t")))
            else:
                cells.append(value.text if value is not None else "")
        rows.append(cells)
    return rows, formulas


def test_xlsx_export_is_formula_safe_masked_and_logged(world):
    from kehu.core.audit_queries import export_audit_xlsx
    from tests.factories import make_customer

    evil = make_customer(world.owner_rep, name="=HYPERLINK(\"http://x\",\"y\")")
    audit.record(world.other_rep, "customer.update", world.theirs, customer_id=world.theirs.pk,
                 changes={"budget_min": ["50000", "60000"]})
    out = io.BytesIO()
    count = export_audit_xlsx(world.manager, {}, out)
    rows, formulas = read_xlsx(out.getvalue())
    assert formulas == 0 and len(rows) == count + 1 and rows[0][:3] == ["at", "actor_name", "action"]
    names = [row[5] for row in rows[1:] if row[3] == "customers.customer" and row[6] == str(evil.pk)]
    assert names and all(name.startswith("'=HYPERLINK") for name in names)
    assert not any("60000" in cell for row in rows for cell in row)
    event = AuditEvent.objects.get(action="export.audit")
    assert event.actor == world.manager and event.changes["count"] == [None, count]
    assert event.changes["params"][1]["format"] == "xlsx"
