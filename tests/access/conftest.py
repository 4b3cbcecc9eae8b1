"""The access world: two teams and one user of every kind, with a customer in each team.

ours   — team A's customer, owned by `owner_rep`; `collab_assigned` may record interactions on
         it; `deactivated` was an editing collaborator on it before being switched off.
theirs — team B's customer, owned by `rep_b`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import override_settings

from tests.factories import make_customer

# The matrix builds a dozen users per test: a fast hasher here; argon2 itself is tested in
# test_accounts.py.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

ROLES = (
    "manager", "manager_other_team", "owner_rep", "other_rep", "collaborator_assigned",
    "collaborator_not_assigned", "data_admin", "deactivated", "anonymous", "org_admin",
)


@pytest.fixture
def fast_passwords():
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        yield


@dataclass
class World:
    users: dict[str, Any]
    ours: Any
    theirs: Any
    team_a: Any
    team_b: Any
    extra: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name):
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)

    def phone_method(self, customer):
        return customer.contact_methods.filter(kind="phone").order_by("pk").first()


def build_world() -> World:
    from kehu.accounts.services import team_create, user_create, user_deactivate
    from kehu.customers.models import CustomerCollaborator
    from kehu.customers.services import transaction_record

    team_a = team_create(None, name="华东销售一组")
    team_b = team_create(None, name="华南销售组")

    def user(username, role, team=None, **kw):
        return user_create(None, username=username, role=role, team=team, password="Kehu-2026-secret", **kw)

    users = {
        "manager": user("wang.manager", "manager", team_a),
        "manager_other_team": user("huang.manager", "manager", team_b),
        "owner_rep": user("li.rep", "rep", team_a),
        "other_rep": user("zhao.rep", "rep", team_a),
        "rep_b": user("lin.rep", "rep", team_b),
        "rep_b2": user("wu.rep", "rep", team_b),
        "collaborator_assigned": user("xu.marketing", "collaborator"),
        "collaborator_not_assigned": user("song.service", "collaborator"),
        "data_admin": user("tang.data", "data_admin"),
        "deactivated": user("gone.rep", "rep", team_a),
        "org_admin": user("root", "manager", is_superuser=True),
        "anonymous": AnonymousUser(),
    }
    team_a.lead, team_b.lead = users["manager"], users["manager_other_team"]
    team_a.save(update_fields=["lead"])
    team_b.save(update_fields=["lead"])

    ours = make_customer(users["owner_rep"], budget_min="100000", budget_max="300000", needs_undisclosed=True,
                         pain_points="现有系统无法追踪交付")
    theirs = make_customer(users["rep_b"], budget_min="50000", contacts=[
        {"name": "陈红", "title": "总经理", "phones": ["138-0013-8000"]}])
    transaction_record(users["owner_rep"], ours.pk, signed_on="2026-02-01", amount="120000")
    transaction_record(users["rep_b"], theirs.pk, signed_on="2026-02-01", amount="80000")
    CustomerCollaborator.objects.create(customer=ours, user=users["collaborator_assigned"], can_record_interaction=True)
    CustomerCollaborator.objects.create(customer=ours, user=users["deactivated"], can_edit=True,
                                        can_record_interaction=True)
    user_deactivate(users["manager"], users["deactivated"].pk, reason="left the company")
    users["deactivated"].refresh_from_db()
    ours.refresh_from_db()
    theirs.refresh_from_db()
    return World(users=users, ours=ours, theirs=theirs, team_a=team_a, team_b=team_b)


@pytest.fixture
def world(db, fast_passwords) -> World:
    return build_world()
