"""The policy's finer points and its cost: no per-row queries in lists."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from kehu.accounts.services import user_create
from kehu.core.policy import (
    access_for,
    customer_scope,
    may_create_customer,
    may_edit_customer,
    may_manage_user,
    may_record_interaction,
    visible_customers,
)
from kehu.core.redaction import contact_methods, hidden_fields
from kehu.customers.models import CustomerCollaborator
from kehu.customers.queries import customer_page
from tests.factories import make_customer


def test_edit_right_on_a_link_counts_for_reps_not_for_the_collaborator_role(world):
    CustomerCollaborator.objects.create(customer=world.ours, user=world.other_rep, can_edit=True)
    CustomerCollaborator.objects.filter(user=world.collaborator_assigned).update(can_edit=True)
    assert may_edit_customer(world.other_rep, world.ours)
    assert not may_edit_customer(world.collaborator_assigned, world.ours)  # R32: collaborators edit nothing
    assert may_record_interaction(world.collaborator_assigned, world.ours)


def test_data_admin_creates_customers_but_edits_none(world):
    assert may_create_customer(world.data_admin)
    assert not may_edit_customer(world.data_admin, world.ours)
    assert not may_create_customer(world.collaborator_assigned) and not may_create_customer(world.anonymous)


def test_a_data_admin_who_leads_a_team_is_its_manager(world):
    world.team_b.lead = world.data_admin
    world.team_b.save()
    access = access_for(world.data_admin)
    assert access.may_see_confidential(world.theirs) and access.may_edit(world.theirs)
    assert not access.may_see_confidential(world.ours)


def test_the_system_sees_everything(world):
    assert visible_customers(None).count() == 2 and may_edit_customer(None, world.ours)
    assert customer_scope(world.org_admin) is None and customer_scope(world.data_admin) is None


def test_who_manages_whom(world):
    assert may_manage_user(world.manager, world.owner_rep)
    assert may_manage_user(world.manager, world.deactivated)
    assert not may_manage_user(world.manager, world.rep_b)
    assert not may_manage_user(world.manager, world.manager_other_team)
    assert not may_manage_user(world.manager, world.manager)
    assert not may_manage_user(world.owner_rep, world.other_rep)
    assert may_manage_user(world.org_admin, world.manager)


def test_a_list_page_costs_the_same_for_two_rows_or_thirty(world):
    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            page = customer_page(world.manager, {}, limit=50)
            access = access_for(world.manager).load_links(page.items)
            for customer in page.items:
                hidden_fields(access, customer)
                access.may_edit(customer)
                access.may_reveal_phone(customer)
        return len(queries)

    few = page_queries()
    for _ in range(28):
        make_customer(world.owner_rep)
    # led teams, the two scope-shape checks, the page (on PostgreSQL its ids, then its rows:
    # queries._page_by_ids), the links of the page's rows
    assert page_queries() == few <= (6 if connection.vendor == "sqlite" else 7)


def test_phones_of_a_page_need_no_query_per_row(world):
    customers = [make_customer(world.owner_rep) for _ in range(10)]
    for customer in customers:
        CustomerCollaborator.objects.create(customer=customer, user=world.collaborator_assigned)
    rows = list(visible_customers(world.collaborator_assigned).prefetch_related("contact_methods"))
    access = access_for(world.collaborator_assigned).load_links(rows)
    with CaptureQueriesContext(connection) as queries:
        shown = [contact_methods(access, c, c.contact_methods.all()) for c in rows]
    assert len(queries) <= 1  # the user's led teams, read once for all rows
    assert all(m["masked"] and m["may_reveal"] for methods in shown for m in methods if m["kind"] == "phone")


def test_an_inactive_or_anonymous_user_sees_nothing(world):
    assert not visible_customers(world.deactivated).exists()
    assert not visible_customers(world.anonymous).exists()
    fresh = user_create(None, username="temp", role="rep", team=world.team_a)
    fresh.is_active = False
    assert not access_for(fresh).may_see(world.ours)


def test_every_scope_shape_selects_the_same_customers_as_the_rules(world):
    """Single branches (owner, team, links) and their union give exactly what may_see says."""
    from kehu.core.policy import scope_related
    from kehu.customers.models import Contact, Customer
    from kehu.customers.services import customer_handover

    elsewhere = make_customer(world.rep_b)
    customer_handover(world.org_admin, [elsewhere.pk], to_owner=world.manager, reason="跨组负责")
    elsewhere.refresh_from_db()
    assert elsewhere.team == world.team_a  # moved with its new owner…
    Customer.objects.filter(pk=elsewhere.pk).update(team=world.team_b)  # …and back, as an imported row might be
    linked = make_customer(world.rep_b)
    CustomerCollaborator.objects.create(customer=linked, user=world.manager)
    CustomerCollaborator.objects.create(customer=linked, user=world.owner_rep)
    everyone = list(Customer.objects.all())
    for role in ("manager", "manager_other_team", "owner_rep", "other_rep", "collaborator_assigned", "data_admin"):
        user = world.users[role]
        access = access_for(user)
        expected = {c.pk for c in everyone if access.may_see(c)}
        assert set(visible_customers(user).values_list("pk", flat=True)) == expected, role
        live = {c.pk for c in everyone if c.deleted_at is None}
        assert access_for(user).visible_ids([c.pk for c in everyone] + [10**9]) == expected & live, role
        contacts = scope_related(user, Contact.objects.all()).values_list("customer_id", flat=True)
        assert set(contacts) == expected, role
    assert {elsewhere.pk, linked.pk, world.ours.pk} <= set(visible_customers(world.manager).values_list("pk", flat=True))


def test_a_rep_with_links_sees_the_same_rows_in_every_shape_of_the_scope(world):
    """Owned ∪ linked: `id IN (… UNION ALL …)` on SQLite, `id = ANY(ARRAY(…))` on PostgreSQL
    (which then walks the primary key in order), the OR of the branches for checks of given ids,
    and the deleted rows only where asked for."""
    from kehu.customers.models import Customer
    from kehu.customers.services import customer_soft_delete

    rep = world.other_rep
    theirs = [make_customer(rep) for _ in range(3)]
    CustomerCollaborator.objects.create(customer=world.ours, user=rep, can_edit=False)
    customer_soft_delete(world.manager, theirs[0].pk, version=1)
    expected = sorted(set(Customer.objects.alive().filter(owner=rep).values_list("pk", flat=True)) | {world.ours.pk},
                      reverse=True)
    assert list(visible_customers(rep).order_by("-id").values_list("pk", flat=True)) == expected
    assert sorted(Customer.objects.alive().filter(customer_scope(rep, union=False)).values_list("pk", flat=True),
                  reverse=True) == expected
    assert access_for(rep).visible_ids(Customer.objects.values_list("pk", flat=True)) == set(expected)
    assert access_for(world.deactivated).visible_ids(expected) == set()
    with_deleted = visible_customers(rep, include_deleted=True).values_list("pk", flat=True)
    assert set(with_deleted) == set(expected) | {theirs[0].pk}
    with CaptureQueriesContext(connection) as ctx:
        list(visible_customers(rep).order_by("-id")[:2])
    shape = "= ANY(ARRAY" if connection.vendor == "postgresql" else "UNION ALL"
    assert shape in ctx.captured_queries[-1]["sql"]
